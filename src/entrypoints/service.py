"""The running service: the scheduler's jobs, what they do under their leases, and the hooks the HTTP app calls.

One `Service` per `bookbridge serve` process. Its jobs (entrypoints/scheduler.py) call back into it:
- a sync (periodic, triggered, or precise at a launch or campaign instant) reads the stored catalogue, syncs
  with a stop flag that SIGTERM sets, schedules a precise job at each listing's next change, and turns the
  milestone transitions between the catalogue before and after into their configured store actions;
- the nightly reconcile, the daily retry of transient failures, and the order import.
Each body runs under a lease (`sync:{store}`, the CLI's too; `reconcile:{store}`; `order-import:{store}`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bookbridge.adapters.persistence import lease
from bookbridge.adapters.persistence.leases import HeldLease
from bookbridge.adapters.persistence.milestones import SqlAlchemyMilestoneLog
from bookbridge.application.milestones import DEFAULT_ACTIONS, ActionFailed, ApplyMilestones, apply_milestones
from bookbridge.application.reconcile import ReconcileStore, reconcile_store
from bookbridge.application.sync import SyncReport, sync_store
from bookbridge.application.upcoming import upcoming_changes
from bookbridge.domain.lifecycle import lifecycle
from bookbridge.domain.listing import Section
from bookbridge.domain.milestones import catalogue_transitions
from bookbridge.domain.model import Edition, TitleFamily
from bookbridge.domain.ports import CatalogSource, ExceptionKind, UnitOfWork
from bookbridge.entrypoints import jobs, metrics, scheduler
from bookbridge.entrypoints.container import Container, build_command, build_source, build_unit_of_work
from bookbridge.entrypoints.http.hooks import ServiceHooks, UpcomingJob

logger = logging.getLogger(__name__)
JOBS = "bookbridge.entrypoints.scheduler"  # where the job functions live: stored with every job
LEASE_TTL = timedelta(hours=2)  # SQLite only: a crashed holder's lease lapses (PostgreSQL frees it at once)
CLASSIFY_KEYS = 20  # per instant, how many listings are compared to say what will change
PERIODIC_KINDS = {"delta-sync": "delta-sync", "order-import": "order-import", "reconcile": "reconcile",
                  "retry-transient": "retry-transient", "sync-now": "sync", "order-import-now": "order-import"}


def default_instance() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Service(ServiceHooks):
    def __init__(self, container: Container, *, instance: str | None = None,
                 order_import: Callable[[Container], object] = jobs.import_orders_now) -> None:
        self.container = container
        self.settings = container.settings()
        self.instance = instance or self.settings.service.instance or default_instance()
        self.store = self.settings.store.name
        self.clock = container.clock()
        self._order_import = order_import
        self._stopping = threading.Event()
        self._scheduler: BackgroundScheduler | None = None
        self._in_flight = 0
        self._idle = threading.Condition()
        self._renew: Callable[[], bool] = lambda: True  # the held sync lease's renew (syncs never overlap)
        self._locks: dict[str, threading.Lock] = {}
        self._api_seen = (0, 0)  # the store client's requests and 429s already counted in /metrics

    # --- lifecycle ------------------------------------------------------------------------------------------

    def start(self, *, sync_at_start: bool = True) -> None:
        """Start the scheduler; (re)declare the periodic jobs; keep every one-off job already in the store."""
        engine = self.container.engine()
        self._scheduler = scheduler.make_scheduler(engine)
        scheduler.attach(self)
        schedules = self.settings.schedules
        add = self._scheduler.add_job
        # The first delta sync runs at once: it catches up what changed while the service was down.
        first = {"next_run_time": datetime.now(UTC)} if sync_at_start else {}
        add(f"{JOBS}:delta_sync", IntervalTrigger(minutes=schedules.delta_sync_minutes),
            args=[self.store], id=f"delta-sync:{self.store}", replace_existing=True, **first)
        if self.settings.orders.enabled:
            add(f"{JOBS}:order_import", IntervalTrigger(minutes=schedules.order_import_minutes),
                id="order-import", replace_existing=True)
        add(f"{JOBS}:reconcile", CronTrigger.from_crontab(schedules.reconcile_cron, timezone=UTC),
            args=[self.store], id=f"reconcile:{self.store}", replace_existing=True)
        add(f"{JOBS}:retry_transient",
            CronTrigger.from_crontab(schedules.retry_transient_cron, timezone=UTC), args=[self.store],
            id=f"retry-transient:{self.store}", replace_existing=True)
        self._scheduler.add_listener(_observe_lag, EVENT_JOB_SUBMITTED)
        self._scheduler.start()
        if not self.settings.orders.enabled:
            with suppress(JobLookupError):  # orders.enabled = false since an earlier start
                self._scheduler.remove_job("order-import")
        logger.info("scheduler started: instance %s, store %r, %d jobs", self.instance, self.store,
                    len(self._scheduler.get_jobs()), extra={"instance": self.instance})

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
        scheduler.attach(None)
        logger.info("scheduler stopped", extra={"instance": self.instance})

    # --- ServiceHooks ---------------------------------------------------------------------------------------

    def scheduler_running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running and not self._stopping.is_set()

    def trigger_sync(self, *, store: str | None = None, full: bool = False) -> str:
        job_id = f"sync-now:{store or self.store}"
        self._require_scheduler().add_job(f"{JOBS}:sync_now", DateTrigger(datetime.now(UTC)),
                                          args=[store or self.store, full], id=job_id, replace_existing=True,
                                          misfire_grace_time=None)
        return job_id

    def trigger_order_import(self) -> str:
        job_id = "order-import-now"
        self._require_scheduler().add_job(f"{JOBS}:order_import", DateTrigger(datetime.now(UTC)),
                                          id=job_id, replace_existing=True, misfire_grace_time=None)
        return job_id

    def upcoming(self, *, limit: int = 50) -> list[UpcomingJob]:
        found = [job for job in self._require_scheduler().get_jobs() if job.next_run_time is not None]
        found.sort(key=lambda job: job.next_run_time)
        return [upcoming_job(job) for job in found[:limit]]

    def _require_scheduler(self) -> BackgroundScheduler:
        if self._scheduler is None:
            raise RuntimeError("the scheduler is not started")
        return self._scheduler

    # --- job bodies -----------------------------------------------------------------------------------------

    @contextmanager
    def _job(self) -> Iterator[None]:
        """Counts the job bodies running, so that shutdown can wait for them."""
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    @contextmanager
    def _leased(self, name: str) -> Iterator[HeldLease | None]:
        """The named lease, or None when it is busy. Jobs of this process share one holder name, and a SQLite
        lease taken again by its holder is granted (it only extends), so a lock per name keeps two jobs of this
        process out of each other's way; the lease keeps other instances out."""
        local = self._locks.setdefault(name, threading.Lock())
        if not local.acquire(blocking=False):
            yield None
            return
        try:
            with lease(self.container.engine(), name, self.instance, LEASE_TTL, clock=self.clock) as held:
                yield held if held else None
        finally:
            local.release()

    def _ours(self, store: str, job: str) -> bool:
        if store != self.store:
            logger.warning("%s job for store %r skipped: this configuration's store is %r", job, store, self.store)
            return False
        if self._stopping.is_set():
            logger.info("%s job for store %r skipped: shutting down", job, store)
            return False
        return True

    def run_sync(self, store: str, *, full: bool = False, reason: str = "sync") -> SyncReport | None:
        """Sync under the store's lease; None when another run holds it (or the job is not ours)."""
        with self._job():
            if not self._ours(store, reason):
                return None
            return self._sync_under_lease(store, full=full, reason=reason)

    def _sync_under_lease(self, store: str, *, full: bool, reason: str) -> SyncReport | None:
        with self._leased(f"sync:{store}") as got:
            if not got:
                logger.info("%s of store %r skipped: another run holds its lease", reason, store,
                            extra={"job": reason})
                return None
            self._renew = got.renew  # between batches: a lost lease (another instance took it) stops the sync
            return self._sync(full=full)

    def run_launch(self, store: str, instant: datetime, *, kind: str, detail: str, attempt: int = 0) -> None:
        with self._job():
            self._launch(store, instant, kind=kind, detail=detail, attempt=attempt)

    def _launch(self, store: str, instant: datetime, *, kind: str, detail: str, attempt: int) -> None:
        report = self.run_sync(store, reason=kind)
        if report is None and not self._stopping.is_set() and store == self.store:
            # The store's lease is busy (a delta sync planned before the instant): come back shortly, so the
            # flip still lands within the minute.
            retry_at = datetime.now(UTC) + timedelta(seconds=self.settings.service.launch_retry_seconds)
            self._require_scheduler().add_job(
                f"{JOBS}:launch", DateTrigger(retry_at), id=f"{scheduler.launch_job_id(store, instant)}"
                f":retry{attempt + 1}", kwargs={"store": store, "instant": instant.isoformat(), "kind": kind,
                                                "detail": detail, "attempt": attempt + 1},
                replace_existing=True, misfire_grace_time=None)
            logger.info("%s at %s: store busy, retrying at %s", kind, instant.isoformat(), retry_at.isoformat())

    def run_reconcile(self, store: str) -> None:
        with self._job():
            if self._ours(store, "reconcile"):
                self._reconcile(store)

    def _reconcile(self, store: str) -> None:
        with self._leased(f"reconcile:{store}") as got:
            if not got:
                logger.info("reconcile of store %r skipped: another run holds its lease", store)
                return
            uow = self._uow()
            cmd = ReconcileStore(store=store, source=self._source(uow).name, policies=self.settings.drift_policies())
            report = reconcile_store(cmd, self.container.storefront(), uow, self.clock)
            logger.info("reconcile of store %r: %d checked, %d findings", store, report.checked, len(report.findings))

    def run_retry_transient(self, store: str) -> None:
        """Failed editions are never recorded as applied, so a sync retries every one of them."""
        uow = self._uow()
        with uow:
            before = [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.TRANSIENT_EXHAUSTED]
        if not before:
            logger.info("retry of transient failures: none open")
            return
        if self.run_sync(store, reason="retry-transient") is None:
            return
        with uow:
            still = {e.id for e in uow.exceptions.open_items()}
        logger.info("retry of transient failures: %d of %d resolved", sum(e.id not in still for e in before),
                    len(before))

    def run_order_import(self) -> None:
        with self._job():
            if self._ours(self.store, "order-import"):
                self._import_orders()

    def _import_orders(self) -> None:
        with self._leased(f"order-import:{self.store}") as got:
            if not got:
                logger.info("order import skipped: another run holds its lease")
                return
            result = self._order_import(self.container)
            logger.info("order import finished: %s", result)

    # --- the sync, its precise jobs and its milestones ------------------------------------------------------

    def _uow(self) -> UnitOfWork:
        """A unit of work per job run: jobs run on several threads and a unit of work is not shared."""
        return build_unit_of_work(self.container.engine(), self.clock, self.settings)

    def _source(self, uow: UnitOfWork) -> CatalogSource:
        """A source per run (its ISBN lookup caches one read), unless a test put its own in the container."""
        if self.container.source.overridden:
            source: CatalogSource = self.container.source()
            return source
        return build_source(self.container.registry(), self.settings, self.clock, uow)

    def _sync(self, *, full: bool) -> SyncReport:
        uow = self._uow()
        source = self._source(uow)
        with uow:
            before = uow.state.catalogue(source.name)
        report = sync_store(build_command(self.settings, full=full), source, self.container.storefront(), uow,
                            self.clock, should_stop=self._stopping.is_set, on_batch=self._renew,
                          memos=self.container.listing_memos())
        self._record_metrics(report)
        with uow:
            after = uow.state.catalogue(source.name)
        if report.source_error is not None:
            return report  # nothing was read: keep the scheduled flips, no milestones
        if not report.stopped and not self._stopping.is_set():
            self.schedule_wakeups(report.wakeups, after)
        events = catalogue_transitions(before, after)
        if events:
            actions = {**DEFAULT_ACTIONS, **self.settings.milestones}
            effects = _Effects(self, uow, after, full)
            apply_milestones(ApplyMilestones(store=self.store, events=tuple(events), actions=actions), effects, uow,
                             SqlAlchemyMilestoneLog(self.container.engine()), self.clock)
        return report

    def _record_metrics(self, report: SyncReport) -> None:
        metrics.record_sync_report(self.store, report.counts)
        stats = getattr(getattr(self.container.storefront(), "client", None), "stats", None)
        if callable(stats):  # the BigCommerce client counts its requests and 429s; other stores may not
            now = stats()
            calls, throttled = int(now.requests), int(now.throttled)
            metrics.record_api_calls(self.store, max(0, calls - self._api_seen[0]),
                                     max(0, throttled - self._api_seen[1]))
            self._api_seen = (calls, throttled)

    def schedule_wakeups(self, wakeups: Iterable[tuple[str, datetime]],
                         catalogue: Mapping[str, TitleFamily]) -> list[str]:
        """One precise job per future instant; launch jobs at instants no longer wanted are removed."""
        sched = self._require_scheduler()
        now = self.clock.now()
        by_instant: dict[datetime, list[str]] = {}
        for key, instant in wakeups:
            if instant > now:
                by_instant.setdefault(instant.astimezone(UTC), []).append(key)
        wanted = {scheduler.launch_job_id(self.store, instant): instant for instant in by_instant}
        prefix = f"launch:{self.store}:"
        for job in sched.get_jobs():
            if job.id.startswith(prefix) and ":retry" not in job.id and job.id not in wanted:
                sched.remove_job(job.id)
        families = _KeyIndex(catalogue)
        for job_id, instant in wanted.items():
            kind, detail = self.classify(by_instant[instant], instant, families)
            sched.add_job(f"{JOBS}:launch", DateTrigger(instant), id=job_id, replace_existing=True,
                          kwargs={"store": self.store, "instant": instant.isoformat(), "kind": kind,
                                  "detail": detail}, misfire_grace_time=None)
        if wanted:
            logger.info("%d precise jobs scheduled; next at %s", len(wanted), min(wanted.values()).isoformat())
        return sorted(wanted)

    def classify(self, keys: Sequence[str], instant: datetime, families: _KeyIndex) -> tuple[str, str]:
        """"launch" when an edition's sale status changes at the instant on a storefront, else "campaign" (a price
        flip); the detail names the first changes per edition and storefront, prices in that storefront's currency
        (`bookbridge.application.upcoming`). Looks at the families of at most CLASSIFY_KEYS listings."""
        found = [f for k in keys if (f := families.family(k)) is not None][:CLASSIFY_KEYS]
        chosen = list({f.id: f for f in found}.values())
        storefronts = self.settings.storefronts
        changes = upcoming_changes(chosen, storefronts, [instant], now=self.clock.now(),
                                   mapping=self.settings.mapping)[instant] if chosen and storefronts else []
        if not changes:  # keys not in the catalogue, or no storefront: say no more than that
            return "launch", f"{len(keys)} listing{'' if len(keys) == 1 else 's'} change"
        shown = [f"{c.isbn} {c.what} ({c.storefront})" for c in changes[:4]]
        more = len(changes) - len(shown)
        detail = "; ".join(shown) + (f"; and {more} more change{'' if more == 1 else 's'}" if more else "")
        return ("launch" if any(c.launch for c in changes) else "campaign"), detail

    def sync_again(self) -> SyncReport:
        """A follow-up sync (`attach-assets`), already under the store's lease; milestones are not detected again."""
        uow = self._uow()
        return sync_store(build_command(self.settings), self._source(uow), self.container.storefront(), uow,
                          self.clock, should_stop=self._stopping.is_set, on_batch=self._renew,
                          memos=self.container.listing_memos())

    def schedule_edition_launch(self, edition: Edition) -> str:
        """The next lifecycle instant of one edition on any storefront, as a precise job."""
        if edition.publication_date is None:
            raise ActionFailed(f"edition {edition.isbn} has no publication date (List 163: 01) to launch on")
        now = self.clock.now()
        instants = sorted({change for s in self.settings.storefronts
                           if (change := lifecycle(edition, at=now, tz=s.zone).next_change) is not None})
        if not instants:
            return f"no launch ahead (publication date {edition.publication_date.isoformat()})"
        job_id = scheduler.launch_job_id(self.store, instants[0])
        if self._require_scheduler().get_job(job_id) is None:
            self._require_scheduler().add_job(
                f"{JOBS}:launch", DateTrigger(instants[0]), id=job_id, replace_existing=True,
                kwargs={"store": self.store, "instant": instants[0].isoformat(), "kind": "launch",
                        "detail": f"{edition.isbn} {edition.title}: its next lifecycle instant (milestone: "
                                  "publication date confirmed)"}, misfire_grace_time=None)
        return f"launch job {job_id}"


class _Effects:
    """The milestone actions a sync does not cover, for the sync that just ran (under its lease)."""

    def __init__(self, service: Service, uow: UnitOfWork, catalogue: Mapping[str, TitleFamily], full: bool) -> None:
        self._service = service
        self._uow = uow
        self._full = full
        self._editions = {str(e.isbn): (f.id, e) for f in catalogue.values() for e in f.editions}

    def _keys(self, isbn: str) -> list[str]:
        family = self._editions[isbn][0] if isbn in self._editions else None
        with self._uow:
            applied = self._uow.state.applied(self._service.store)
        return [k for k, a in applied.items() if a.product_id is not None
                and (k == isbn or (family is not None and k.startswith(f"family:{family}:")))]

    def has_product(self, isbn: str) -> bool:
        return bool(self._keys(isbn))

    def resend_media(self, isbns: Sequence[str]) -> Mapping[str, str | None]:
        """Forget the media hash of these products, so that the next sync sends the section again, and sync."""
        store = self._service.store
        keys = {isbn: self._keys(isbn) for isbn in isbns}
        with self._uow:
            applied = self._uow.state.applied(store)
            for key in {k for ks in keys.values() for k in ks}:
                record = applied[key]
                hashes: dict[Section, str] = {s: h for s, h in record.hashes.items() if s is not Section.MEDIA}
                self._uow.state.record_applied(store, replace(record, hashes=hashes))
            self._uow.commit()
        report = self._service.sync_again()
        if report.stopped:
            return {isbn: "the service stopped before the media was sent; the next sync sends it"
                    for isbn, ks in keys.items() if ks}
        failed = {o.key: (o.error.message if o.error else "the store refused it") for o in report.outcomes
                  if not o.ok}
        return {isbn: next((failed[k] for k in ks if k in failed), None) for isbn, ks in keys.items() if ks}

    def schedule_launch(self, isbn: str) -> str:
        if isbn not in self._editions:
            raise ActionFailed(f"edition {isbn} is no longer in the catalogue")
        return self._service.schedule_edition_launch(self._editions[isbn][1])


class _KeyIndex:
    """A listing key (an ISBN, or family:<id>:<type>[:<isbn>] under the variant strategy) -> its family."""

    def __init__(self, catalogue: Mapping[str, TitleFamily]) -> None:
        self._catalogue = catalogue
        self._by_isbn = {str(e.isbn): f for f in catalogue.values() for e in f.editions}

    def family(self, key: str) -> TitleFamily | None:
        if key.startswith("family:"):
            return self._catalogue.get(key.split(":")[1])
        return self._by_isbn.get(key)


def upcoming_job(job: Job) -> UpcomingJob:
    """A scheduled job as the HTTP app and `bookbridge jobs` show it."""
    prefix = job.id.split(":", 1)[0]
    kwargs = job.kwargs or {}
    store = kwargs.get("store") or (job.args[0] if job.args else None)
    if prefix == "launch":
        return UpcomingJob(id=job.id, kind=str(kwargs.get("kind", "launch")), run_at=job.next_run_time.astimezone(UTC),
                           store=store, detail=str(kwargs.get("detail", "")))
    return UpcomingJob(id=job.id, kind=PERIODIC_KINDS.get(prefix, prefix), run_at=job.next_run_time.astimezone(UTC),
                       store=store if isinstance(store, str) else None, detail=str(job.trigger))


def _observe_lag(event: JobSubmissionEvent) -> None:
    """How late each job started after the instant it was due (`bookbridge_job_lag_seconds`)."""
    kind = event.job_id.split(":", 1)[0]
    started = datetime.now(UTC)
    for due in event.scheduled_run_times:
        metrics.observe_job_lag(PERIODIC_KINDS.get(kind, kind), (started - due).total_seconds())
