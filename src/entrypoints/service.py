"""The running service: APScheduler over the state database, its jobs bound to the scheduled use cases.

One `Service` per `bookbridge serve` process. It declares the periodic jobs, makes the scheduler whose
executor hands each job function this service (entrypoints/scheduler.py), and runs each job body through
`bookbridge.application.scheduled.ScheduledRuns`, counting the bodies in flight so that shutdown can wait for
them. It implements `ServiceHooks` for the HTTP app and `LaunchSchedule` for the use cases.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bookbridge.application.milestones import DEFAULT_ACTIONS
from bookbridge.application.scheduled import ScheduledRuns, ServiceConfig, ServicePorts
from bookbridge.application.sync import SyncReport
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import CatalogSource, UnitOfWork
from bookbridge.domain.ports.scheduling import UpcomingJob
from bookbridge.entrypoints import jobs, metrics
from bookbridge.entrypoints.container import Container, build_command, lease_holder
from bookbridge.entrypoints.crontab import cron_trigger
from bookbridge.entrypoints.presentation import plain_schedule, plural
from bookbridge.entrypoints.scheduler import (
    AHEAD,
    AT,
    FORMER_AT,
    JOBS,
    at_job_id,
    job_words,
    make_scheduler,
    order_import_job_id,
    plan_ahead_job_id,
    rename_former_jobs,
)

logger = logging.getLogger(__name__)
PERIODIC_KINDS = {"delta-sync": "delta-sync", "order-import": "order-import", "reconcile": "reconcile",
                  "retry-transient": "retry-transient", "sync-now": "sync", "order-import-now": "order-import",
                  "sales-delivery-now": "sales-delivery"}
# The lag metric's label by the id's first word. A job at an instant's kind (launch or campaign) is in its
# arguments, which the scheduler's event does not carry: `run_launch` observes its lag, labelled by its kind.
LAG_KINDS = PERIODIC_KINDS
AT_PREFIXES = (AT, FORMER_AT)


def default_instance() -> str:
    """Host and PID: a lease holder that died on this host is then recognised and taken over at once."""
    return lease_holder()


class Service:
    """`ServiceHooks`, `LaunchSchedule` and the scheduler's `JobRunner`, over one container."""

    def __init__(self, container: Container, *, instance: str | None = None,
                 order_import: Callable[[Container], object] = jobs.import_orders_now,
                 deliver_sales: Callable[[Container, str], object] = jobs.deliver_sales_now) -> None:
        self.container = container
        self.settings = settings = container.settings()
        self.instance = instance or settings.service.instance or default_instance()
        self.store = settings.store.name
        self.clock = container.clock()
        self._stopping = threading.Event()
        self._scheduler: BackgroundScheduler | None = None
        self._in_flight = 0
        self._idle = threading.Condition()
        self._api_seen = (0, 0)  # the store client's requests and 429s already counted in /metrics
        config = ServiceConfig(
            store=self.store, instance=self.instance, storefronts=tuple(settings.storefronts),
            mapping=settings.mapping, drift_policies=settings.drift_policies(),
            milestone_actions={**DEFAULT_ACTIONS, **settings.milestones},
            launch_retry=timedelta(seconds=settings.service.launch_retry_seconds),
            plan_ahead=timedelta(seconds=settings.service.plan_ahead_seconds))
        ports = ServicePorts(
            clock=self.clock, new_uow=self._uow, new_source=self._source, storefront=container.storefront,
            open_lease=container.leases(), milestone_log=container.milestone_log(),
            sync_command=lambda full: build_command(settings, full=full),
            import_orders=lambda: order_import(container), deliver_sales=lambda sink: deliver_sales(container, sink),
            on_report=self._record_metrics,
            memos=container.listing_memos(), close_abandoned_runs=container.close_abandoned_runs())
        self.runs = ScheduledRuns(config, ports, self, self._stopping.is_set)

    def _uow(self) -> UnitOfWork:
        """A unit of work per job run: jobs run on several threads and a unit of work is not shared."""
        uow: UnitOfWork = self.container.unit_of_work()
        return uow

    def _source(self, uow: UnitOfWork) -> CatalogSource:
        """A source per run (its ISBN lookup caches one read), reading the stored catalogue through `uow`."""
        source: CatalogSource = self.container.source(uow=uow)
        return source

    # --- lifecycle ------------------------------------------------------------------------------------------

    def start(self, *, sync_at_start: bool = True) -> None:
        """Start the scheduler; (re)declare the periodic jobs; keep every one-off job already in the store (a job
        at an instant stored by an earlier version under its former id renamed, before any job can run)."""
        rename_former_jobs(self.container.engine(), self.store)
        self._scheduler = make_scheduler(self.container.engine(), self, self.settings.schedules.crontabs)
        schedules = self.settings.schedules
        add = self._scheduler.add_job
        # The first delta sync runs at once: it catches up what changed while the service was down.
        first = {"next_run_time": datetime.now(UTC)} if sync_at_start else {}
        add(f"{JOBS}:delta_sync", IntervalTrigger(minutes=schedules.delta_sync_minutes),
            args=[self.store], id=f"delta-sync:{self.store}", replace_existing=True, **first)
        if self.settings.orders.enabled:
            add(f"{JOBS}:order_import", IntervalTrigger(minutes=schedules.order_import_minutes),
                id=order_import_job_id(self.store), replace_existing=True)
        # replace_existing: a stored trigger is replaced by the configured one (and one stored before crontab's
        # days of the week were translated, a day late, with it).
        add(f"{JOBS}:reconcile", cron_trigger(schedules.reconcile_cron, timezone=UTC),
            args=[self.store], id=f"reconcile:{self.store}", replace_existing=True)
        add(f"{JOBS}:retry_transient", cron_trigger(schedules.retry_transient_cron, timezone=UTC),
            args=[self.store], id=f"retry-transient:{self.store}", replace_existing=True)
        self._scheduler.add_listener(_observe_lag, EVENT_JOB_SUBMITTED)
        self._scheduler.start()
        if not self.settings.orders.enabled:
            with suppress(JobLookupError):  # [orders] enabled = false since an earlier start
                self._scheduler.remove_job(order_import_job_id(self.store))
        jobs = self._scheduler.get_jobs()
        crontabs = self.settings.schedules.crontabs
        regular = [" ".join(job_words(job, crontabs)) for job in jobs if job.id.split(":", 1)[0] in PERIODIC_KINDS]
        at = sum(1 for job in jobs if job.id.split(":", 1)[0] in AT_PREFIXES)  # not the plan-ahead jobs
        logger.info("scheduler started: instance %s, store %r: %s; %s ahead", self.instance, self.store,
                    "; ".join(regular), plural(at, "job at an instant", "jobs at an instant"),
                    extra={"instance": self.instance})

    def request_stop(self) -> None:
        """SIGTERM: a sync in flight stops after its batch; no new job starts."""
        if not self._stopping.is_set():
            logger.info("stop requested: finishing the batch in flight", extra={"instance": self.instance})
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop: running jobs finish their batch and release their leases (wait=True waits for them).

        The scheduler is paused and the running jobs are waited for *before* APScheduler's own shutdown, which
        holds the job-store lock while it waits: a job that schedules its next instant meanwhile would block.
        """
        self.request_stop()
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.pause()
            if wait:
                with self._idle:
                    self._idle.wait_for(lambda: self._in_flight == 0)
            self._scheduler.shutdown(wait=wait)
        logger.info("scheduler stopped", extra={"instance": self.instance})

    # --- ServiceHooks ---------------------------------------------------------------------------------------

    def scheduler_running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running and not self._stopping.is_set()

    def trigger_sync(self, *, store: str | None = None, full: bool = False, isbn: str | None = None,
                     retry_of: int | None = None) -> str:
        # A retry of an exception of no edition is its own job: a sync asked for meanwhile does not replace it.
        job_id = (f"sync-now:{store or self.store}" + (f":{isbn}" if isbn else "")
                  + (f":exception-{retry_of}" if retry_of is not None and not isbn else ""))
        self._require_scheduler().add_job(f"{JOBS}:sync_now", DateTrigger(datetime.now(UTC)),
                                          args=[store or self.store, full, isbn, retry_of], id=job_id,
                                          replace_existing=True,
                                          misfire_grace_time=None)
        return job_id

    def trigger_order_import(self) -> str:
        job_id = "order-import-now"
        self._require_scheduler().add_job(f"{JOBS}:order_import", DateTrigger(datetime.now(UTC)),
                                          id=job_id, replace_existing=True, misfire_grace_time=None)
        return job_id

    def trigger_delivery(self, sink: str) -> str:
        job_id = f"sales-delivery-now:{sink}"
        # The sink by keyword: a job's first argument is read as its store (`job_words`, `upcoming_job`).
        self._require_scheduler().add_job(f"{JOBS}:sales_delivery", DateTrigger(datetime.now(UTC)),
                                          kwargs={"sink": sink}, id=job_id, replace_existing=True,
                                          misfire_grace_time=None)
        return job_id

    def upcoming(self, *, limit: int = 50) -> list[UpcomingJob]:
        found = [job for job in self._require_scheduler().get_jobs(jobstore="default")
                 if job.next_run_time is not None]
        found.sort(key=lambda job: job.next_run_time)
        return [upcoming_job(job, self.store, self.settings.schedules.crontabs) for job in found[:limit]]

    def _require_scheduler(self) -> BackgroundScheduler:
        if self._scheduler is None:
            raise RuntimeError("the scheduler is not started")
        return self._scheduler

    # --- LaunchSchedule -------------------------------------------------------------------------------------

    def replace_launches(self, store: str, launches: Mapping[datetime, tuple[str, str]]) -> list[str]:
        sched = self._require_scheduler()
        wanted = {at_job_id(store, instant): (instant, kind, detail) for instant, (kind, detail) in launches.items()}
        # A job under the former id (an instance of an earlier version still running added it) goes as well: the
        # wanted ones are added under their ids.
        prefixes = (f"{AT}:{store}:", f"{FORMER_AT}:{store}:")
        kept = set()
        for job in sched.get_jobs(jobstore="default"):
            if job.id.startswith(prefixes) and ":retry" not in job.id and job.id not in wanted:
                sched.remove_job(job.id, jobstore="default")
            elif job.id in wanted and _launch_kwargs(*wanted[job.id], store=store) == job.kwargs \
                    and job.next_run_time == wanted[job.id][0]:
                kept.add(job.id)  # stored as wanted already: every instant ahead has a job, so most are
        for job_id, (instant, kind, detail) in wanted.items():
            if job_id not in kept:
                self._add_launch(job_id, instant, store=store, instant=instant, kind=kind, detail=detail)
        self._plan_ahead_of(store, [instant for instant, _, _ in wanted.values()], replace=True)
        return list(wanted)

    def retry_launch(self, store: str, instant: datetime, *, kind: str, detail: str, attempt: int,
                     at: datetime) -> None:
        self._add_launch(f"{at_job_id(store, instant)}:retry{attempt}", at, store=store, instant=instant,
                         kind=kind, detail=detail, attempt=attempt)

    def ensure_launch(self, store: str, instant: datetime, *, kind: str, detail: str) -> str:
        job_id = at_job_id(store, instant)
        if self._require_scheduler().get_job(job_id) is None:
            self._add_launch(job_id, instant, store=store, instant=instant, kind=kind, detail=detail)
            self._plan_ahead_of(store, [instant])
        return job_id

    def _plan_ahead_of(self, store: str, instants: Iterable[datetime], *, replace: bool = False) -> None:
        """A plan-ahead job `service.plan_ahead_seconds` before each instant (at once when that is past), in this
        process's memory; with `replace`, those of other instants of the store are removed."""
        sched, lead = self._require_scheduler(), self.runs.config.plan_ahead
        wanted = {plan_ahead_job_id(store, instant): instant for instant in instants} if lead else {}
        if replace:
            prefix = f"plan-ahead:{store}:"
            for job in sched.get_jobs(jobstore=AHEAD):
                if job.id.startswith(prefix) and job.id not in wanted:
                    sched.remove_job(job.id, jobstore=AHEAD)
        now = datetime.now(UTC)
        for job_id, instant in wanted.items():
            if instant > now:
                sched.add_job(f"{JOBS}:plan_ahead", DateTrigger(max(instant - lead, now)), id=job_id,
                              jobstore=AHEAD, replace_existing=True, misfire_grace_time=None,
                              kwargs={"store": store, "instant": instant.isoformat()})

    def _add_launch(self, job_id: str, run_at: datetime, *, store: str, instant: datetime, kind: str, detail: str,
                    attempt: int | None = None) -> None:
        kwargs = _launch_kwargs(instant, kind, detail, store=store)
        if attempt is not None:
            kwargs["attempt"] = attempt
        self._require_scheduler().add_job(f"{JOBS}:launch", DateTrigger(run_at), id=job_id, replace_existing=True,
                                          kwargs=kwargs, misfire_grace_time=None)

    # --- JobRunner: each job body, counted so that shutdown can wait for it ----------------------------------

    @contextmanager
    def _job(self) -> Iterator[None]:
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def run_sync(self, store: str, *, full: bool = False, reason: str = "sync", isbn: str | None = None,
                 retry_of: int | None = None) -> SyncReport | None:
        """Sync under the store's lease (only `isbn`'s product, when given); None when another run holds it (or
        the job is not ours)."""
        with self._job():
            return self.runs.sync(store, full=full, reason=reason, isbn=isbn, retry_of=retry_of)

    def run_launch(self, store: str, instant: datetime, *, kind: str, detail: str, attempt: int = 0) -> None:
        if attempt == 0:  # a retry's lateness is its back-off, by design: the first start is the one to watch
            metrics.observe_job_lag(kind, (datetime.now(UTC) - instant).total_seconds())
        with self._job():
            self.runs.launch(store, instant, kind=kind, detail=detail, attempt=attempt)

    def run_plan_ahead(self, store: str, instant: datetime) -> None:
        with self._job():
            self.runs.plan_ahead(store, instant)

    def run_reconcile(self, store: str) -> None:
        with self._job():
            self.runs.reconcile(store)

    def run_retry_transient(self, store: str) -> None:
        with self._job():
            self.runs.retry_transient(store)

    def run_order_import(self) -> None:
        with self._job():
            self.runs.import_orders()

    def run_sales_delivery(self, sink: str) -> None:
        with self._job():
            self.runs.deliver_sales(sink)

    def schedule_wakeups(self, wakeups: Iterable[tuple[str, datetime]],
                         catalogue: Mapping[str, TitleFamily]) -> list[str]:
        """One job per future instant; jobs at instants no longer wanted are removed."""
        return self.runs.schedule_wakeups(wakeups, catalogue)

    def _record_metrics(self, report: SyncReport) -> None:
        metrics.record_sync_report(self.store, report.counts)
        stats = getattr(getattr(self.container.storefront(), "client", None), "stats", None)
        if callable(stats):  # the BigCommerce client counts its requests and 429s; other stores may not
            now = stats()
            calls, throttled = int(now.requests), int(now.throttled)
            metrics.record_api_calls(self.store, max(0, calls - self._api_seen[0]),
                                     max(0, throttled - self._api_seen[1]))
            self._api_seen = (calls, throttled)


def _launch_kwargs(instant: datetime, kind: str, detail: str, *, store: str) -> dict[str, object]:
    """A job at an instant's arguments, as stored (`scheduler:launch`)."""
    return {"store": store, "instant": instant.isoformat(), "kind": kind, "detail": detail}


def upcoming_job(job: Job, store: str, crontabs: Iterable[str] = ()) -> UpcomingJob:
    """A scheduled job as the HTTP app and `bookbridge jobs` show it. A job that names no store (the order
    import) works on `store`, the one store bookbridge keeps. `crontabs`: the configured lines, a schedule with no
    shorter wording shown as written."""
    prefix = job.id.split(":", 1)[0]
    kwargs = job.kwargs or {}
    named = kwargs.get("store") or (job.args[0] if job.args else None)
    store = named if isinstance(named, str) else store
    if prefix in (AT, FORMER_AT):
        return UpcomingJob(id=job.id, kind=str(kwargs.get("kind", "launch")), run_at=job.next_run_time.astimezone(UTC),
                           store=store, detail=str(kwargs.get("detail", "")))
    return UpcomingJob(id=job.id, kind=PERIODIC_KINDS.get(prefix, prefix), run_at=job.next_run_time.astimezone(UTC),
                       store=store, detail=plain_schedule(str(job.trigger), crontabs))


def _observe_lag(event: JobSubmissionEvent) -> None:
    """How late each job started after the instant it was due (`bookbridge_job_lag_seconds`)."""
    kind = event.job_id.split(":", 1)[0]
    if kind in AT_PREFIXES:  # observed by `run_launch`, which knows the job's kind
        return
    started = datetime.now(UTC)
    for due in event.scheduled_run_times:
        metrics.observe_job_lag(LAG_KINDS.get(kind, kind), (started - due).total_seconds())
