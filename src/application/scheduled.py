"""The use cases the service's scheduler runs, each under its lease, and what a sync's milestones then do.

- a sync (periodic, triggered, or precise at a launch or campaign instant) reads the catalogue, syncs with a
  stop flag that SIGTERM sets, keeps a precise job at every instant ahead at which a listing changes, and turns
  the milestone transitions between the catalogue before and after into their configured store actions;
- a launch whose store is busy comes back shortly, so that the flip still lands within the minute;
- some lead time before a known launch or campaign instant, the store is planned as of that instant
  (`application/ahead.py`): the precise job then sends that plan at once if nothing it depends on changed since,
  and each run brings the plans of the instants still to come up to date with what it wrote;
- the nightly reconcile, the daily retry of transient failures, and the order import.
Each body runs under a lease (`sync:{store}`, the CLI's too; `reconcile:{store}`; `order-import:{store}`) and
does not run, logging why, when another run holds it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial

from bookbridge.application.ahead import PlansAhead, carry_plans, current_plan, plan_ahead
from bookbridge.application.exception_words import lease_key
from bookbridge.application.launches import launches_ahead, next_launch_instant
from bookbridge.application.listing_memos import ListingMemos
from bookbridge.application.milestone_effects import SyncEffects, sync_milestones
from bookbridge.application.milestones import ActionNotPossible, MilestoneAction, settle_pending
from bookbridge.application.reconcile import ReconcileStore, reconcile_store, reconcile_words
from bookbridge.application.sync import SyncReport, SyncStore, retry_edition, sync_store
from bookbridge.application.upcoming import ChangesMemo, held_by_exceptions
from bookbridge.domain.drift import DriftPolicy
from bookbridge.domain.instants import utc_time
from bookbridge.domain.listing import MappingSettings, Section
from bookbridge.domain.milestones import Transition
from bookbridge.domain.model import Edition, TitleFamily
from bookbridge.domain.ports import CatalogSource, Clock, ExceptionKind, MilestoneLog, Storefront, UnitOfWork
from bookbridge.domain.ports.scheduling import HeldLease, LaunchSchedule, OpenLease
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.words import plural

logger = logging.getLogger(__name__)
# SQLite only, renewed after each batch: a holder on another host that stopped renewing lapses after this; a
# dead holder on this host is taken over at once (PostgreSQL frees an advisory lock with its session).
LEASE_TTL = timedelta(minutes=5)
SKIPS_BEFORE_EXCEPTION = 3  # consecutive syncs not run because another instance holds the lease: tell a person


@dataclass(frozen=True)
class ServiceConfig:
    """What the scheduled runs of one store need from the settings."""

    store: str
    instance: str  # the lease holder: one per process
    storefronts: tuple[StorefrontSettings, ...]
    mapping: MappingSettings
    drift_policies: Mapping[Section, DriftPolicy]
    milestone_actions: Mapping[Transition, MilestoneAction]
    launch_retry: timedelta
    lease_ttl: timedelta = LEASE_TTL
    plan_ahead: timedelta = timedelta(0)  # how long before a known instant the store is planned; 0: not ahead


@dataclass(frozen=True)
class ServicePorts:
    """The ports, as factories where a run needs its own: a unit of work and a source are never shared."""

    clock: Clock
    new_uow: Callable[[], UnitOfWork]
    new_source: Callable[[UnitOfWork], CatalogSource]  # reads the stored catalogue through that unit of work
    storefront: Callable[[], Storefront]
    open_lease: OpenLease
    milestone_log: MilestoneLog
    sync_command: Callable[[bool], SyncStore]  # full -> the sync command
    import_orders: Callable[[], object]  # the order import, under its lease; returns its report
    deliver_sales: Callable[[str], object]  # a sales sink's pending days sent to it (`application.orders`), by name
    on_report: Callable[[SyncReport], None] = lambda report: None  # after each sync (metrics)
    memos: ListingMemos | None = None  # planning caches kept for the process's life (one per store)
    close_abandoned_runs: Callable[[str], int] = lambda store: 0  # runs a dead holder left "running" -> crashed


class ScheduledRuns:
    """The job bodies of one service process; `should_stop` is SIGTERM's flag."""

    def __init__(self, config: ServiceConfig, ports: ServicePorts, schedule: LaunchSchedule,
                 should_stop: Callable[[], bool]) -> None:
        self.config, self.ports, self.schedule, self.should_stop = config, ports, schedule, should_stop
        self._renew: Callable[[], bool] = lambda: True  # the held sync lease's renew (syncs never overlap)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._skips = 0  # syncs skipped in a row because another instance held the store's lease
        self._lease_exception_may_be_open = True  # unknown at start: the first sync taken looks
        # A launch that comes due, or a sync triggered, while this process syncs the store: the sync runs again as
        # soon as it is done (one more run however many came), instead of the launch coming back after
        # `launch_retry` and the trigger being skipped.
        self._again_guard = threading.Lock()
        self._syncing = False
        self._again = False
        # Each key's next instant from the last sync's wake-ups: a later sync sends the changes that came due
        # first, earliest instant first (`SyncStore.due`), so two instants met by one run land in their order.
        self._due: dict[str, datetime] = {}
        self.plans_ahead = PlansAhead()  # plans made ahead of their instant (`plan_ahead`), in memory only
        self._changes = ChangesMemo()  # each family's changes ahead, walked again only when the family changes

    @contextmanager
    def _leased(self, name: str, *, wait: bool = False) -> Iterator[HeldLease | None]:
        """The named lease (falsy when another instance holds it), or None when a job of this process has it.
        Jobs of this process share one holder name, and a SQLite lease taken again by its holder is granted (it
        only extends), so a lock per name keeps two jobs of this process out of each other's way; the lease keeps
        other instances out. With `wait`, a job of this process holding it is waited for (up to the lease's TTL)
        instead."""
        with self._locks_guard:
            local = self._locks.setdefault(name, threading.Lock())
        timeout = self.config.lease_ttl.total_seconds() if wait else -1
        if not local.acquire(blocking=wait, timeout=timeout):
            yield None
            return
        try:
            with self.ports.open_lease(name, self.config.instance, self.config.lease_ttl) as held:
                yield held  # falsy when another instance holds it
        finally:
            local.release()

    def _ours(self, store: str, job: str) -> bool:
        if store != self.config.store:
            logger.warning("%s job for store %r not run: this configuration's store is %r", job, store,
                           self.config.store)
            return False
        if self.should_stop():
            logger.info("%s job for store %r not run: shutting down", job, store)
            return False
        return True

    # --- the job bodies -----------------------------------------------------------------------------------

    def sync(self, store: str, *, full: bool = False, reason: str = "sync", isbn: str | None = None,
             instant: datetime | None = None, retry_of: int | None = None) -> SyncReport | None:
        """Sync under the store's lease (only `isbn`'s product, when given: `retry_edition`); None when another
        run holds it (or the job is not ours). `retry_of`: the exception this sync retries, which its run names.
        `instant`: the launch or campaign instant this sync is for; a plan
        made ahead of it is sent if it is still current (`application/ahead.py`)."""
        if not self._ours(store, reason):
            return None
        if (reason == "triggered" and not full and isbn is None and retry_of is None
                and self._sync_again_when_done()):
            logger.info("sync of store %r triggered while this process syncs it: it syncs again when done", store)
            return None
        # Any other sync someone asked for (a retry of one edition, a full sync) runs after this process's sync in
        # flight, not never: that sync may have read the catalogue before the change the person is waiting to see.
        # A launch waits for this process's plan ahead of another instant (a few seconds) rather than coming back.
        with self._leased(f"sync:{store}", wait=reason == "triggered" or instant is not None) as got:
            if not got:
                self._skipped(store, reason, here=got is None)
                return None
            self._renew = got.renew  # between batches: a lost lease (another instance took it) stops the sync
            self._skips = 0
            closed = self.ports.close_abandoned_runs(store)
            if closed:
                logger.warning("%s of store %r left running by a dead holder closed as crashed", plural(closed, "run"),
                               store)
            if self._lease_exception_may_be_open:
                self._lease_exception(store, None)
            with self._again_guard:
                self._syncing = True
            try:
                report = self._sync(full=full, isbn=isbn, instant=instant, retry_of=retry_of)
                while self._asked_again():
                    logger.info("a launch came due, or a sync was triggered, during the sync of store %r: syncing "
                                "again", store)
                    report = self._sync(full=False)
            finally:
                with self._again_guard:
                    self._syncing = False
            return report

    def _sync_again_when_done(self) -> bool:
        """When this process is syncing the store: ask that sync to run once more when done (True)."""
        with self._again_guard:
            if self._syncing:
                self._again = True
            return self._syncing

    def _asked_again(self) -> bool:
        """Whether the sync that just ended was asked to run again (and may); clears the request."""
        with self._again_guard:
            again, self._again = self._again and not self.should_stop(), False
            return again

    def _skipped(self, store: str, reason: str, *, here: bool) -> None:
        """A sync skipped because its lease is held: a warning, and after SKIPS_BEFORE_EXCEPTION in a row an
        exception a person sees (a holder that never lets go delays launches). The next sync taken resolves it."""
        if here:
            logger.info("%s of store %r not run: this process is syncing it", reason, store, extra={"job": reason})
            return
        self._skips += 1
        logger.warning("%s of store %r not run: another run holds its lease (%d in a row)", reason, store,
                       self._skips, extra={"job": reason})
        if self._skips >= SKIPS_BEFORE_EXCEPTION:
            self._lease_exception(store, f"{self._skips} syncs of store {store!r} in a row did not run: another "
                                         "instance holds its lease (`bookbridge lease list` shows the holder)")

    def _lease_exception(self, store: str, message: str | None) -> None:
        uow = self.ports.new_uow()
        with uow:
            where = lease_key(store)
            self._lease_exception_may_be_open = message is not None
            if message is not None:
                uow.exceptions.report(ExceptionKind.TRANSIENT_EXHAUSTED, isbn=None, storefront=where,
                                      message=message, at=self.ports.clock.now())
            else:
                for item in uow.exceptions.open_items():
                    if item.storefront == where and item.kind is ExceptionKind.TRANSIENT_EXHAUSTED:
                        uow.exceptions.resolve(item.id, note="resolved: a later sync took the lease",
                                               at=self.ports.clock.now())
            uow.commit()

    def launch(self, store: str, instant: datetime, *, kind: str, detail: str, attempt: int = 0) -> None:
        """A precise sync at a launch or campaign instant; a busy store (a delta sync planned before the
        instant) brings it back after `launch_retry`, unless the sync in the way is this process's: that one syncs
        again as soon as it is done."""
        if store == self.config.store and self._sync_again_when_done():
            logger.info("%s at %s: this process is syncing store %r; it syncs again when done", kind,
                        utc_time(instant), store)
            return
        report = self.sync(store, reason=kind, instant=instant)
        if report is None and not self.should_stop() and store == self.config.store:
            retry_at = self.ports.clock.now() + self.config.launch_retry
            self.schedule.retry_launch(store, instant, kind=kind, detail=detail, attempt=attempt + 1, at=retry_at)
            logger.info("%s at %s: store busy, trying again in %s", kind, utc_time(instant),
                        plural(self.config.launch_retry.total_seconds(), "second"))

    def plan_ahead(self, store: str, instant: datetime) -> None:
        """Plan the store as of a known launch or campaign instant, some lead time before it, and keep the plan
        for the instant's precise job (`application/ahead.py`). Under the store's lease (waiting for this
        process's sync in flight), so that no sync of the store plans or writes meanwhile. Writes nothing: a plan
        that cannot be made is logged, and the precise job plans at its instant as it always did."""
        if not self._ours(store, "plan-ahead"):
            return
        with self._leased(f"sync:{store}", wait=True) as got:
            now = self.ports.clock.now()
            if not got or now >= instant:
                logger.info("store %r not planned ahead of %s: %s", store, instant.isoformat(),
                            "its instant has come" if got else "another run holds its lease")
                return
            uow = self.ports.new_uow()
            try:
                plan = plan_ahead(self.ports.sync_command(False), self.ports.new_source(uow), self.ports.storefront(),
                                  uow, instant, memos=self.ports.memos)
            except Exception:  # a source that cannot be read, a database that is busy: the instant plans as today
                logger.warning("store %r could not be planned ahead of %s; its precise job plans at the instant",
                               store, instant.isoformat(), exc_info=True)
                return
            self.plans_ahead.keep(plan, now=now)
            logger.info("store %r planned ahead of %s: %d actions, sent at the instant if nothing changes",
                        store, instant.isoformat(), len(plan.planned.plan.actions))

    def reconcile(self, store: str) -> None:
        if not self._ours(store, "reconcile"):
            return
        with self._leased(f"reconcile:{store}") as got:
            if not got:
                logger.info("reconcile of store %r not run: another run holds its lease", store)
                return
            uow = self.ports.new_uow()
            cmd = ReconcileStore(store=store, source=self.ports.new_source(uow).name,
                                 policies=dict(self.config.drift_policies))
            report = reconcile_store(cmd, self.ports.storefront(), uow, self.ports.clock)
            logger.info("reconcile of store %r: %s", store, reconcile_words(report))

    def retry_transient(self, store: str) -> None:
        """Failed editions are never recorded as applied, so a sync retries every one of them."""
        uow = self.ports.new_uow()
        with uow:
            before = [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.TRANSIENT_EXHAUSTED]
        if not before:
            logger.info("retry of transient failures: none open")
            return
        if self.sync(store, reason="retry-transient") is None:
            return
        with uow:
            still = {e.id for e in uow.exceptions.open_items()}
        logger.info("retry of transient failures: %d of %d resolved", sum(e.id not in still for e in before),
                    len(before))

    def import_orders(self) -> None:
        if not self._ours(self.config.store, "order-import"):
            return
        with self._leased(f"order-import:{self.config.store}") as got:
            if not got:
                logger.info("order import not run: another run holds its lease")
                return
            result = self.ports.import_orders()
            logger.info("order import finished: %s", result)

    def deliver_sales(self, sink: str) -> None:
        """Send a sales sink its pending days now (the retry of its exception), under the order import's lease, so
        that no import sends them at the same time."""
        if not self._ours(self.config.store, "sales-delivery"):
            return
        with self._leased(f"order-import:{self.config.store}") as got:
            if not got:
                logger.info("delivery to sales sink %r not run: an order import holds its lease (it sends the "
                            "pending days itself)", sink)
                return
            result = self.ports.deliver_sales(sink)
            logger.info("delivery to sales sink %r finished: %s", sink, result)

    # --- the sync, its precise jobs and its milestones ----------------------------------------------------

    def _sync(self, *, full: bool, isbn: str | None = None, instant: datetime | None = None,
              retry_of: int | None = None) -> SyncReport:
        uow = self.ports.new_uow()
        source = self.ports.new_source(uow)
        now = self.ports.clock.now()
        # The plan of the latest instant passed: a launch's own, or, for a run that meets several instants (asked
        # again while the last one ran), the last of them.
        ahead = None if full or isbn is not None else self.plans_ahead.take_due(
            self.config.store, now if instant is None else max(now, instant))
        planned = None
        if ahead is not None:
            planned, why = current_plan(ahead, source, uow, now)
            if planned is None:
                logger.info("the plan made ahead of %s is not sent: %s; planning now", ahead.instant, why)
            else:
                logger.info("sending the plan made ahead of %s (%d actions)", ahead.instant,
                            len(planned.plan.actions))
        if ahead is not None and planned is not None:
            before = ahead.stored
        else:
            with uow:
                before = uow.state.catalogue(source.name)
        run = sync_store if isbn is None else partial(retry_edition, isbn=isbn)
        command = replace(self.ports.sync_command(full), due=dict(self._due), retry_of=retry_of)
        report = run(command, source, self.ports.storefront(), uow, self.ports.clock,
                     should_stop=self.should_stop, on_batch=self._renew, memos=self.ports.memos, stored=before,
                     planned=planned)
        self.ports.on_report(report)
        with uow:
            after = uow.state.catalogue(source.name)
        if report.source_error is not None:
            return report  # nothing was read: keep the scheduled flips, no milestones
        if not report.stopped and not self.should_stop():
            self.schedule_wakeups(report.wakeups, after)
        again = partial(self.sync_again, isbn=isbn)  # a retry's follow-up sends its edition only
        only = None if isbn is None else frozenset({isbn})  # a retry queues other editions' actions for later
        sync_milestones(self.config.store, before, after, report, actions=self.config.milestone_actions, uow=uow,
                        log=self.ports.milestone_log, clock=self.ports.clock, sync_again=again,
                        schedule_launch=self.schedule_edition_launch, only=only)
        # What a sync without the scheduler (`bookbridge sync` from cron) queued for the service, and what a retry
        # of another edition queued for this sync: once this sync went through (a stopped one, or one whose
        # credentials the store refused, leaves them queued).
        if not report.stopped and report.store_refused is None:
            effects = SyncEffects(self.config.store, uow, after, sync_again=again,
                                  schedule_launch=self.schedule_edition_launch, report=report)
            settle_pending(self.config.store, effects, uow, self.ports.milestone_log, self.ports.clock, only=only)
            if not self.should_stop():
                self._carry_plans_ahead(uow, source)
        return report

    def _carry_plans_ahead(self, uow: UnitOfWork, source: CatalogSource) -> None:
        """After a run, still under the store's lease: the plans made ahead of instants to come that its writes made
        stale are planned again from the state it left (`application/ahead.py`, `carry_plans`), so that their
        instants need only send; one that cannot be is dropped, and its instant plans as it always did."""
        store = self.config.store
        with uow:
            generation = uow.state.generation(store, source.name)
        stale = self.plans_ahead.stale(store, generation)
        if not stale:
            return
        try:
            carried = carry_plans(stale, self.ports.sync_command(False), source, self.ports.storefront(), uow)
        except Exception:  # a source that cannot be read, a database that is busy: their instants plan as ever
            logger.warning("the plans made ahead of %s could not be brought up to date; their instants plan then",
                           ", ".join(p.instant.isoformat() for p in stale), exc_info=True)
            return
        self.plans_ahead.put_back(carried)
        kept = {plan.instant for plan in carried}
        for plan in stale:
            if plan.instant in kept:
                logger.info("the plan made ahead of %s is brought up to date with the state this sync left",
                            plan.instant.isoformat())
            else:
                logger.info("the plan made ahead of %s is dropped: the catalogue changed since; its instant plans "
                            "then", plan.instant.isoformat())

    def schedule_wakeups(self, wakeups: Iterable[tuple[str, datetime]],
                         catalogue: Mapping[str, TitleFamily]) -> list[str]:
        """One job per future instant; jobs at instants no longer wanted are removed."""
        wakeups = list(wakeups)
        self._due = dict(wakeups)
        uow = self.ports.new_uow()
        with uow:  # the details leave out editions an open exception keeps out of the store, as the dashboard does
            held = held_by_exceptions(uow.exceptions.open_items(), uow.state.applied(self.config.store).values())
        ahead = launches_ahead(wakeups, catalogue, storefronts=self.config.storefronts, mapping=self.config.mapping,
                               now=self.ports.clock.now(), held=held, memo=self._changes)
        ids = self.schedule.replace_launches(self.config.store, ahead)
        if ahead:
            logger.info("%s scheduled; next at %s", plural(len(ahead), "job at an instant", "jobs at an instant"),
                        utc_time(min(ahead)))
        return sorted(ids)

    def sync_again(self, isbn: str | None = None) -> SyncReport:
        """A follow-up sync (`attach-assets`), already under the store's lease; milestones are not detected again.
        After a retry (`isbn`), of that edition only."""
        uow = self.ports.new_uow()
        run = sync_store if isbn is None else partial(retry_edition, isbn=isbn)
        return run(self.ports.sync_command(False), self.ports.new_source(uow), self.ports.storefront(), uow,
                          self.ports.clock, should_stop=self.should_stop, on_batch=self._renew, memos=self.ports.memos)

    def schedule_edition_launch(self, edition: Edition) -> str:
        """The next lifecycle instant of one edition on any storefront, as a precise job."""
        if edition.publication_date is None:
            raise ActionNotPossible("the edition has no publication date (List 163: 01) to launch on")
        instant = next_launch_instant(edition, self.config.storefronts, now=self.ports.clock.now())
        if instant is None:
            return f"no launch ahead (publication date {edition.publication_date.isoformat()})"
        job_id = self.schedule.ensure_launch(
            self.config.store, instant, kind="launch",
            detail=f"{edition.isbn} {edition.title}: its next lifecycle instant (milestone: publication date "
                   "confirmed)")
        return f"launch job {job_id}"
