"""The scheduler: APScheduler 3, its jobs kept in the state database, each job a thin module-level function.

Jobs are pickled into the `scheduler_jobs` table (Alembic creates it; `SQLAlchemyJobStore` finds it), so they
survive a restart: a job stores only its function's import path (`bookbridge.entrypoints.scheduler:<name>`,
kept stable: stored jobs name it) and plain-text arguments. The use case is resolved when the job fires:
a job function returns its call on a `JobRunner`, and the scheduler's executor, made for one runner (the
running service), makes that call. There is no process-global state. Every body runs under a lease named per
store and job; a job that finds its lease busy logs and returns (a launch tries again shortly).

Job ids:
- `delta-sync:{store}`, `order-import:{store}`, `reconcile:{store}`, `retry-transient:{store}`: the periodic
  jobs (earlier versions stored the order import as `order-import`: the service renames it when it starts);
- `at:{store}:{instant}`: a job at an instant, the one-off sync at a launch or a campaign flip alike (its kind,
  `launch` or `campaign`, and its detail in its kwargs); a launch whose store is busy comes back as
  `at:{store}:{instant}:retry{n}`. Earlier versions (release 0.1.0 among them) stored these jobs as
  `launch:{store}:{instant}`, a campaign flip's too: the service gives them their new ids when it starts
  (`rename_former_jobs`), and their function keeps its name, `launch`;
- `sync-now:{store}`, `order-import-now`: run at once (the HTTP API's triggers, the order webhook); a retry of
  one edition is `sync-now:{store}:{isbn}`, of an exception of no edition `sync-now:{store}:exception-{id}`, of
  the order import's `order-import-now`, of a sales sink's `sales-delivery-now:{sink}`;
- `plan-ahead:{store}:{instant}`: the store planned as of a launch or campaign instant, some lead time before it
  (`service.plan_ahead_seconds`). Its plan lives in the process's memory, so these jobs do too (the `ahead` job
  store): after a restart the next sync schedules them again, and a launch without its plan plans at its instant.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from bookbridge.domain.ports.scheduling import JOB_KIND_WORDS
from bookbridge.entrypoints.presentation import plain_schedule, plural

logger = logging.getLogger(__name__)
JOBS_TABLE = "scheduler_jobs"  # migration 0004
BUSY_RETRY = timedelta(seconds=1)  # the job table could not be read: the loop looks again after this
MISFIRE_GRACE_S = 300  # a periodic job more than 5 minutes late is skipped; the next one comes soon
WORKERS = 4
JOBS = __name__  # where the job functions live: `{JOBS}:<name>` is stored with every job
AHEAD = "ahead"  # the job store of the plan-ahead jobs: in memory, like the plans they make
AT = "at"  # the first word of a job at an instant's id: `at:{store}:{instant}`, a launch or a campaign flip
FORMER_AT = "launch"  # that first word in earlier versions, which named every such job a launch
ORDER_IMPORT = "order-import"  # the first word of the order import's id: `order-import:{store}`


class JobRunner(Protocol):
    """What the job functions call: the running service binds each to its use case."""

    def run_sync(self, store: str, *, full: bool = False, reason: str = "sync", isbn: str | None = None,
                 retry_of: int | None = None) -> object: ...

    def run_launch(self, store: str, instant: datetime, *, kind: str, detail: str, attempt: int = 0) -> None: ...

    def run_reconcile(self, store: str) -> None: ...

    def run_retry_transient(self, store: str) -> None: ...

    def run_order_import(self) -> None: ...

    def run_sales_delivery(self, sink: str) -> None: ...

    def run_plan_ahead(self, store: str, instant: datetime) -> None: ...


JobCall = Callable[[JobRunner], object]  # what a job function returns: its call on the runner


# What each job is, in words, by its id's first part (`delta-sync:shop` -> "delta sync").
JOB_WORDS = {**JOB_KIND_WORDS, "sync-now": JOB_KIND_WORDS["sync"], AT: "launch or campaign flip",
             FORMER_AT: "launch or campaign flip",  # a job at an instant stored under its former id
             "order-import-now": "order import asked for", "sales-delivery-now": "delivery to a sales sink asked for",
             "plan-ahead": "plan ahead of a launch or campaign flip"}


def job_words(job: Job, crontabs: Iterable[str] = ()) -> tuple[str, str]:
    """A job as the logs say it: what it is (with its store) and its schedule in words (`crontabs`: the configured
    lines, a cron schedule with no shorter wording shown as written)."""
    kind = job.id.split(":", 1)[0]
    what = JOB_WORDS.get(kind, kind)
    store = (job.kwargs or {}).get("store") or (job.args[0] if job.args else None)
    if isinstance(store, str):
        what += f" of store {store!r}"
    return what, plain_schedule(str(job.trigger), crontabs)


def _run_on(runner: JobRunner, job_id: str, words: tuple[str, str], func: Callable[..., JobCall], *args: object,
            **kwargs: object) -> object:
    """The job's call on the runner, between a line that it started and one that it finished, in plain words (a
    failure is logged by the scheduler, with its traceback)."""
    what, schedule = words
    about = {"job_id": job_id, "schedule": schedule}
    logger.info("%s started (%s)", what, schedule, extra=about)
    started = time.monotonic()
    result = func(*args, **kwargs)(runner)
    logger.info("%s finished in %.1f s (%s)", what, time.monotonic() - started, schedule, extra=about)
    return result


class RunnerExecutor(ThreadPoolExecutor):  # type: ignore[misc]
    """A thread pool that runs each job's call on its runner: `delta_sync(store)(runner)`. The stored job keeps
    its function reference and arguments; the runner is bound in a copy made for this run only (a copy through
    the job's own pickling state; `_do_submit_job` is the method APScheduler 3 has executors implement)."""

    def __init__(self, runner: JobRunner, max_workers: int = WORKERS, crontabs: Iterable[str] = ()) -> None:
        super().__init__(max_workers)
        self._runner, self._crontabs = runner, tuple(crontabs)

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        bound = Job.__new__(Job)
        bound.__setstate__(job.__getstate__())
        bound._scheduler, bound._jobstore_alias = job._scheduler, job._jobstore_alias
        bound.func = partial(_run_on, self._runner, job.id, job_words(job, self._crontabs), job.func)
        super()._do_submit_job(bound, run_times)


class SharedJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    """The job table, shared by every instance on the database. APScheduler 3 assumes one scheduler per store:
    after running a job it updates or removes the row, and a row another instance already removed raises
    JobLookupError inside the scheduler's loop, which would stop it. Here that is the expected outcome.

    A database error in those calls, or in the loop's look at the next run time (SQLite still locked by a long
    write when its busy timeout ends), would stop the loop too, and with it every job: it is logged, and the
    loop looks again after `BUSY_RETRY`. A job whose row could not be updated or removed comes due again."""

    def update_job(self, job: Job) -> None:
        try:
            super().update_job(job)
        except JobLookupError:
            logger.info("job %s was already removed by another instance", job.id)
        except OperationalError as exc:
            logger.warning("job %s could not be updated (%s); it comes due again", job.id, exc.orig)

    def remove_job(self, job_id: str) -> None:
        try:
            super().remove_job(job_id)
        except JobLookupError:
            logger.info("job %s was already removed by another instance", job_id)
        except OperationalError as exc:
            logger.warning("job %s could not be removed (%s); it comes due again", job_id, exc.orig)

    def get_next_run_time(self) -> datetime | None:
        try:
            found: datetime | None = super().get_next_run_time()
        except OperationalError as exc:
            logger.warning("the job table could not be read (%s); looking again in %s", exc.orig, BUSY_RETRY)
            return datetime.now(UTC) + BUSY_RETRY
        return found

    def rename_jobs(self, old_prefix: str, new_prefix: str, *, exact: bool = False) -> list[str]:
        """Give each job whose id starts with `old_prefix` (`exact`: is `old_prefix`) that id with `new_prefix`
        instead, keeping everything
        else (its function, arguments and next run); the new ids. APScheduler has no rename, and adding a copy
        then removing the original would let another instance run the original in between, and the copy after:
        twice. So each row is renamed in place, in its own transaction: a job another instance ran and removed
        meanwhile is not brought back, and where a job with the new id is stored already (an instance of this
        version added it), that one stays and the original goes. The id is also inside the pickled state, which
        is ours: written by our own scheduler."""
        table, renamed = self.jobs_t, []
        with self.engine.connect() as connection:
            former = connection.execute(select(table.c.id, table.c.job_state)
                                        .where(table.c.id == old_prefix if exact
                                               else table.c.id.startswith(old_prefix, autoescape=True))).all()
        for old, blob in former:
            new = new_prefix + old.removeprefix(old_prefix)
            state = pickle.loads(blob)
            state["id"] = new
            try:
                with self.engine.begin() as connection:
                    if connection.execute(select(table.c.id).where(table.c.id == new)).first() is not None:
                        connection.execute(delete(table).where(table.c.id == old))
                        continue
                    done = connection.execute(update(table).where(table.c.id == old).values(
                        id=new, job_state=pickle.dumps(state, self.pickle_protocol)))
            except IntegrityError:  # added under the new id by another instance since the look: that one stays
                with self.engine.begin() as connection:
                    connection.execute(delete(table).where(table.c.id == old))
                continue
            if done.rowcount:
                renamed.append(new)
        return renamed


def make_scheduler(engine: Engine, runner: JobRunner, crontabs: Iterable[str] = ()) -> BackgroundScheduler:
    """A scheduler on the state database whose jobs call `runner`. Jobs coalesce (a backlog of missed runs runs
    once) and never overlap themselves in this process (max_instances=1); leases keep instances from
    overlapping. `crontabs`: the configured lines, which its log lines show as written."""
    return BackgroundScheduler(
        jobstores={"default": SharedJobStore(engine=engine, tablename=JOBS_TABLE), AHEAD: MemoryJobStore()},
        executors={"default": RunnerExecutor(runner, crontabs=crontabs)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
        jobstore_retry_interval=BUSY_RETRY.total_seconds(),  # due jobs not readable (a locked database)
        timezone=UTC,
    )


def stored_jobs(engine: Engine) -> list[Job]:
    """The jobs kept in the state database, read without starting a scheduler (`bookbridge jobs`)."""
    store = SharedJobStore(engine=engine, tablename=JOBS_TABLE)
    store.start(BackgroundScheduler(timezone=UTC), "default")  # reads the table; no scheduler is started
    jobs: list[Job] = store.get_all_jobs()
    return jobs


def rename_former_jobs(engine: Engine, store: str) -> list[str]:
    """The jobs at an instant of `store` that an earlier version stored under `launch:{store}:…` (its retries
    too) take their ids `at:{store}:…`, and its order import, stored as `order-import`, `order-import:{store}`;
    the new ids. Each still runs at its time, under its new id."""
    jobs = SharedJobStore(engine=engine, tablename=JOBS_TABLE)
    renamed = jobs.rename_jobs(f"{FORMER_AT}:{store}:", f"{AT}:{store}:")
    if renamed:
        logger.info("%s stored by an earlier version renamed: %s:%s:… is now %s:%s:…",
                    plural(len(renamed), "job at an instant", "jobs at an instant"),
                    FORMER_AT, store, AT, store, extra={"jobs": renamed})
    order_import = jobs.rename_jobs(ORDER_IMPORT, order_import_job_id(store), exact=True)
    if order_import:
        logger.info("the order import's job stored by an earlier version renamed: %s is now %s", ORDER_IMPORT,
                    order_import[0], extra={"jobs": order_import})
    return renamed + order_import


def order_import_job_id(store: str) -> str:
    """The order import's id, naming its store as every periodic job's does (`delta-sync:shop`)."""
    return f"{ORDER_IMPORT}:{store}"


def at_job_id(store: str, instant: datetime) -> str:
    """The id of the job at `instant`: one job per store and instant, whatever changes then."""
    return f"{AT}:{store}:{instant.astimezone(UTC).isoformat()}"


def plan_ahead_job_id(store: str, instant: datetime) -> str:
    return f"plan-ahead:{store}:{instant.astimezone(UTC).isoformat()}"


# --- job functions: picklable by reference, arguments are plain text; each names its call on the runner -------


def delta_sync(store: str) -> JobCall:
    return lambda runner: runner.run_sync(store, reason="delta-sync")


def sync_now(store: str, full: bool = False, isbn: str | None = None, retry_of: int | None = None) -> JobCall:
    """A sync asked for now; `retry_of`: the exception it retries (a job stored before it came has none)."""
    return lambda runner: runner.run_sync(store, full=full, reason="triggered", isbn=isbn, retry_of=retry_of)


def launch(store: str, instant: str, kind: str = "launch", detail: str = "", attempt: int = 0) -> JobCall:
    """The job at an instant: a precise sync at a launch or a campaign flip; `kind` and `detail` are for display.
    Its name is the one every stored job at an instant refers to (`bookbridge.entrypoints.scheduler:launch`),
    so it stays."""
    at = datetime.fromisoformat(instant)
    return lambda runner: runner.run_launch(store, at, kind=kind, detail=detail, attempt=attempt)


def plan_ahead(store: str, instant: str) -> JobCall:
    """The store planned as of a launch or campaign instant, before it."""
    at = datetime.fromisoformat(instant)
    return lambda runner: runner.run_plan_ahead(store, at)


def reconcile(store: str) -> JobCall:
    return lambda runner: runner.run_reconcile(store)


def retry_transient(store: str) -> JobCall:
    return lambda runner: runner.run_retry_transient(store)


def order_import() -> JobCall:
    return lambda runner: runner.run_order_import()


def sales_delivery(sink: str) -> JobCall:
    """The pending days sent to one sales sink, reading no order (the retry of its exception)."""
    return lambda runner: runner.run_sales_delivery(sink)
