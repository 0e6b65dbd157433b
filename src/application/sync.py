"""Sync use cases: plan what a storefront needs, and carry it out batch by batch.

Each batch's outcomes are recorded in their own unit of work, so a crash loses at most the batch in
flight; the storefront's create-by-SKU lookup makes the re-run converge without duplicates.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from bookbridge.application.logcontext import log_context
from bookbridge.application.reconcile import isbn_of
from bookbridge.domain.catalogue import merge_catalogue
from bookbridge.domain.listing import ListingMemo, MappingSettings, Section, StoreListing, build_store_listings
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.plan import (
    ActionKind,
    AppliedListing,
    Plan,
    StoreAction,
    applied_after,
    next_wakeups,
    plan_changes,
)
from bookbridge.domain.ports import (
    ActionOutcome,
    CatalogSource,
    ChannelPriced,
    Clock,
    ExceptionKind,
    SourceRead,
    SourceUnreadable,
    StoreErrorKind,
    Storefront,
    UnitOfWork,
)
from bookbridge.domain.problems import Problem
from bookbridge.domain.storefront import StorefrontSettings

logger = logging.getLogger(__name__)
STORE_KINDS = (ExceptionKind.STORE_REJECTION, ExceptionKind.TRANSIENT_EXHAUSTED)
READINESS_KINDS = (ExceptionKind.BLOCKING_READINESS, ExceptionKind.RIGHTS_CONFLICT)


@dataclass(frozen=True)
class SyncStore:
    """Command: bring one store (and the storefronts that share its catalogue) in line with the source."""

    store: str
    storefronts: tuple[StorefrontSettings, ...]
    full: bool = False  # resend every section, and read the whole source
    batch_size: int = 10  # BigCommerce updates at most 10 products per request
    mapping: MappingSettings = field(default_factory=MappingSettings)

    @classmethod
    def single(cls, storefront: StorefrontSettings, **options: object) -> SyncStore:
        """A store with one storefront, named after it."""
        return cls(store=storefront.name, storefronts=(storefront,), **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PlannedSync:
    read: SourceRead
    listings: tuple[StoreListing, ...]
    plan: Plan
    applied: dict[str, AppliedListing]
    catalogue: dict[str, TitleFamily]


@dataclass
class SyncReport:
    storefront: str
    started: datetime
    finished: datetime | None = None
    created: int = 0
    updated: int = 0
    hidden: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    exceptions_opened: list[str] = field(default_factory=list)
    outcomes: list[ActionOutcome] = field(default_factory=list)
    wakeups: list[tuple[str, datetime]] = field(default_factory=list)
    stopped: bool = False  # `should_stop` said so between batches: the rest waits for the next run
    source_error: str | None = None  # the source could not be read at all: nothing was planned or sent

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.source_error is None

    @property
    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "hidden": self.hidden,
                "unchanged": self.unchanged, "held_back": self.skipped, "failed": self.failed}


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while planning.

    Building listings for 100,000 editions allocates millions of objects that form no cycles; left on, the
    collector walks all of them again and again and more than doubles the planning time. Reference
    counting still frees everything; the collector resumes afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def plan_store(cmd: SyncStore, source: CatalogSource, uow: UnitOfWork, clock: Clock) -> PlannedSync:
    """A dry run: read the source, merge it into the known catalogue, compute desired listings and diff them.

    Planning covers the whole known catalogue, not only what the source says changed, so that launches and
    campaign flips of unchanged titles happen at their instants. Writes nothing.
    """
    # Reading 100,000 products' state allocates millions of objects that form no cycles (see collector_paused).
    with uow, collector_paused():
        applied = uow.state.applied(cmd.store)
        cursor = None if cmd.full else uow.state.cursor(source.name)
        stored = uow.state.catalogue(source.name)
    read = source.read(cursor)
    catalogue = merge_catalogue(stored, read)
    # Families unchanged since this process last planned the store keep their listings (see ListingMemo).
    memo = ListingMemo.for_store(cmd.store)
    if cmd.full:
        memo.forget()
    # Keys bookbridge applied but the catalogue lacks are hidden, unless the catalogue is still being built
    # from deltas alone (then absence means "not read yet", not "withdrawn").
    complete = read.complete or bool(stored)
    with collector_paused():
        listings = tuple(build_store_listings(catalogue.values(), cmd.storefronts, at=clock.now(),
                                              mapping=cmd.mapping, store=cmd.store, memo=memo))
        plan = plan_changes(cmd.store, listings, applied, source_complete=complete, full=cmd.full)
    return PlannedSync(read=read, listings=listings, plan=plan, applied=applied, catalogue=catalogue)


def _isbn_of(action: StoreAction) -> str:
    if action.listing is not None and len(action.listing.isbns) == 1:
        return str(action.listing.isbns[0])
    return action.key


def sync_store(
    cmd: SyncStore,
    source: CatalogSource,
    store: Storefront,
    uow: UnitOfWork,
    clock: Clock,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_batch: Callable[[], bool] | None = None,
) -> SyncReport:
    """`should_stop` is asked between batches (SIGTERM): a True answer ends the run after the batch in flight.

    `on_batch` is called before each batch (after planning, and between batches), e.g. to renew the store's
    lease: a False answer (the lease was lost) stops the run there, as `should_stop` does."""
    name = cmd.store
    with uow:
        run = uow.runs.start_run(name, at=clock.now())
        uow.commit()
    with log_context(run_id=run.id, store=name):
        logger.info("sync run %d of store %r started", run.id, name)
        try:
            report = _sync(cmd, source, store, uow, clock, run.id, on_progress, should_stop, on_batch)
        except BaseException:
            logger.exception("sync run %d of store %r crashed", run.id, name)
            with uow:
                uow.runs.finish_run(run.id, at=clock.now(), counts={}, outcome="crashed")
                uow.commit()
            raise
        with uow:
            uow.runs.finish_run(run.id, at=clock.now(), counts=report.counts,
                                outcome="stopped" if report.stopped else "ok" if report.ok else "failed")
            uow.commit()
        logger.info("sync run %d of store %r finished: %s", run.id, name,
                    ", ".join(f"{k} {v}" for k, v in report.counts.items()), extra={"counts": report.counts})
    return report


def _sync(cmd: SyncStore, source: CatalogSource, store: Storefront, uow: UnitOfWork, clock: Clock, run_id: int,
          on_progress: Callable[[int, int], None] | None,
          should_stop: Callable[[], bool] | None = None,
          on_batch: Callable[[], bool] | None = None) -> SyncReport:
    name = cmd.store
    try:
        planned = plan_store(cmd, source, uow, clock)
    except SourceUnreadable as exc:
        return _source_unreadable(name, source.name, exc, uow, clock)
    report = SyncReport(
        storefront=name, started=clock.now(), unchanged=planned.plan.unchanged, skipped=len(planned.plan.skipped)
    )
    _record_source_problems(planned.read, source.name, uow, clock, report)
    _record_readiness(planned.listings, [s.name for s in cmd.storefronts], uow, clock, report)
    actions = list(planned.plan.actions)
    applied = dict(planned.applied)
    if isinstance(store, ChannelPriced):  # price lists in other currencies apply on these channels only
        store.price_channels({s.currency: [t.channel_id for t in cmd.storefronts
                                             if t.currency == s.currency and not t.default_currency]
                              for s in cmd.storefronts if not s.default_currency})
    done = 0
    for start in range(0, len(actions), cmd.batch_size):
        if should_stop is not None and should_stop():
            report.stopped = True  # what is done is recorded; the next run plans the rest again
            break
        if on_batch is not None and not on_batch():
            logger.warning("sync of store %r stopped before batch %d of %d: on_batch said so (lease lost)", name,
                           start // cmd.batch_size + 1, -(-len(actions) // cmd.batch_size))
            report.stopped = True
            break
        batch = actions[start : start + cmd.batch_size]
        _record_create_intents(batch, applied, name, uow)
        outcomes = store.apply(batch, applied)
        _record_batch(batch, outcomes, applied, name, uow, clock, report, run_id)
        done += len(batch)
        if on_progress:
            on_progress(done, len(actions))
    with uow:
        uow.state.save_catalogue(source.name, planned.catalogue)
        uow.state.set_cursor(source.name, planned.read.cursor)
        uow.commit()
    report.wakeups = next_wakeups(planned.listings)
    report.finished = clock.now()
    return report


def _record_create_intents(
    batch: Sequence[StoreAction], applied: dict[str, AppliedListing], storefront: str, uow: UnitOfWork
) -> None:
    """Before sending creates, record each key with no hashes and no product id.

    If the process dies after the store created a product but before its outcome was recorded, the next plan
    still knows the key: it resends every section (the storefront finds the product by SKU instead of
    creating it again), or hides the product if the title is no longer listed. Without this record such a
    product would be unknown to bookbridge and stay on sale.
    """
    intents = [a.key for a in batch if a.kind is ActionKind.CREATE and a.key not in applied]
    if not intents:
        return
    with uow:
        for key in intents:
            uow.state.record_applied(storefront, AppliedListing(key=key, hashes={}, visible=True))
        uow.commit()


def _record_batch(
    batch: Sequence[StoreAction],
    outcomes: Sequence[ActionOutcome],
    applied: dict[str, AppliedListing],
    storefront: str,
    uow: UnitOfWork,
    clock: Clock,
    report: SyncReport,
    run_id: int,
) -> None:
    if len(outcomes) != len(batch):
        raise RuntimeError(f"storefront returned {len(outcomes)} outcomes for {len(batch)} actions")
    with uow:
        for action, outcome in zip(batch, outcomes, strict=True):
            report.outcomes.append(outcome)
            isbn = _isbn_of(action)
            with log_context(isbn=isbn):
                if outcome.ok:
                    logger.debug("%s %s: ok", action.kind.value, action.key)
                else:
                    logger.warning("%s %s failed: %s", action.kind.value, action.key,
                                   outcome.error.message if outcome.error else "no reason given")
            uow.runs.log_outcome(run_id, key=action.key, isbn=isbn, action=action.kind.value,
                                 sections=[s.value for s in action.sections], ok=outcome.ok,
                                 error=outcome.error.message if outcome.error else None, at=clock.now())
            if outcome.ok:
                record = applied_after(action, applied.get(action.key), outcome.product_id, outcome.remote)
                uow.state.record_applied(storefront, record)
                applied[action.key] = record
                uow.exceptions.clear(isbn=isbn, storefront=storefront, at=clock.now(), kinds=STORE_KINDS)
                if Section.CORE in action.sections and not record.held:
                    # The whole product was written again with nothing held: a product deleted by hand (or an
                    # edit) that reconcile reported under `overwrite` is restored, so its DRIFT notice closes.
                    uow.exceptions.clear(isbn=isbn_of(record), storefront=storefront, at=clock.now(),
                                         kinds=[ExceptionKind.DRIFT])
                if action.kind is ActionKind.CREATE:
                    report.created += 1
                elif action.kind is ActionKind.HIDE:
                    report.hidden += 1
                else:
                    report.updated += 1
                continue
            report.failed += 1
            if (partial := _with_store_ids(applied.get(action.key), outcome)) is not None:
                uow.state.record_applied(storefront, partial)
                applied[action.key] = partial
            error = outcome.error
            kind = (
                ExceptionKind.TRANSIENT_EXHAUSTED
                if error and error.kind is StoreErrorKind.TRANSIENT
                else ExceptionKind.STORE_REJECTION
            )
            message = error.message if error else "the store reported a failure without a reason"
            item = uow.exceptions.report(
                kind,
                isbn=isbn,
                storefront=storefront,
                message=message,
                field=error.field if error else None,
                at=clock.now(),
            )
            report.exceptions_opened.append(f"{item.kind}: {isbn}: {item.message}")
        uow.commit()


def _with_store_ids(previous: AppliedListing | None, outcome: ActionOutcome) -> AppliedListing | None:
    """A failed action's store-side ids (a product created before a later step failed, images added before the
    next was refused), kept with the previous hashes: the failed sections are not marked applied, so the next
    sync resends them, and it finds what exists instead of creating it twice."""
    if outcome.product_id is None and outcome.remote is None:
        return None
    if previous is None:  # a create: its intent was recorded with no hashes
        previous = AppliedListing(key=outcome.key, hashes={}, visible=True)
    return replace(
        previous,
        product_id=outcome.product_id if outcome.product_id is not None else previous.product_id,
        remote=dict(outcome.remote) if outcome.remote is not None else previous.remote,
    )


def source_exception_key(source: str) -> str:
    """The `storefront` under which a source that could not be read at all is queued (no ISBN): one open
    exception per source, counted each time the read fails again."""
    return f"source:{source}"


def _source_unreadable(store: str, source: str, exc: SourceUnreadable, uow: UnitOfWork, clock: Clock) -> SyncReport:
    """The whole source failed (a file that is not ONIX, an API that refuses the key): nothing is planned, so
    nothing in the store changes; the failure is queued, and the run ends `failed`, not `crashed`."""
    report = SyncReport(storefront=store, started=clock.now())
    report.source_error = f"reading source {source!r} failed: {exc}"
    logger.error("sync of store %r: %s", store, report.source_error)
    kind = ExceptionKind.TRANSIENT_EXHAUSTED if exc.transient else ExceptionKind.SOURCE_ERROR
    with uow:
        item = uow.exceptions.report(kind, isbn=None, storefront=source_exception_key(source),
                                     message=report.source_error, at=clock.now())
        uow.commit()
    report.source_error = item.message  # as stored: with the configured secrets masked
    if item.count == 1:
        report.exceptions_opened.append(f"{item.kind}: {report.source_error}")
    report.finished = clock.now()
    return report


def _record_source_problems(read: SourceRead, source: str, uow: UnitOfWork, clock: Clock, report: SyncReport) -> None:
    """Records the read could not use become SOURCE_ERROR exceptions as soon as the read finds them; an open
    one resolves when a later read brings its record (by ISBN or record reference) without a blocking problem.
    A read that succeeds resolves the source's own failure (`_source_unreadable`)."""
    failed = {p.record for p in read.problems if p.blocking}
    read_ok = {str(e.isbn) for f in read.families for e in f.editions}
    read_ok |= {e.record_reference for f in read.families for e in f.editions if e.record_reference}
    read_ok -= failed
    with uow:
        for problem in read.problems:
            if problem.blocking:
                item = uow.exceptions.report(ExceptionKind.SOURCE_ERROR, isbn=problem.record, storefront=None,
                                             message=problem.message, field=problem.field, at=clock.now())
                if item.count == 1:
                    report.exceptions_opened.append(f"{item.kind}: {problem.record or 'the source'}: {item.message}")
        for item in uow.exceptions.open_items():
            if item.kind is ExceptionKind.SOURCE_ERROR and item.storefront is None and item.isbn in read_ok:
                uow.exceptions.resolve(item.id, note="resolved: a later read of the record succeeded", at=clock.now())
            elif item.storefront == source_exception_key(source) and item.isbn is None:
                uow.exceptions.resolve(item.id, note="resolved: a later read of the source succeeded", at=clock.now())
        uow.commit()


def _record_readiness(
    listings: Sequence[StoreListing], storefronts: Sequence[str], uow: UnitOfWork, clock: Clock, report: SyncReport
) -> None:
    """Blocking problems become exceptions per edition and storefront; fixed ones are resolved."""
    with uow:
        for listing in listings:
            found: dict[tuple[str, str], dict[ExceptionKind, list[Problem]]] = {}
            for problem in listing.problems:
                if not problem.blocking or problem.record is None:
                    continue
                kind = (
                    ExceptionKind.RIGHTS_CONFLICT
                    if problem.code == "rights-conflict"
                    else ExceptionKind.BLOCKING_READINESS
                )
                where = (problem.record, problem.source or listing.storefront)
                found.setdefault(where, {}).setdefault(kind, []).append(problem)
            for (isbn, storefront), by_kind in found.items():
                for kind, problems in by_kind.items():
                    fields = ", ".join(dict.fromkeys(p.field for p in problems if p.field)) or None
                    item = uow.exceptions.report(
                        kind,
                        isbn=isbn,
                        storefront=storefront,
                        field=fields,
                        message="; ".join(dict.fromkeys(p.message for p in problems)),
                        at=clock.now(),
                    )
                    if item.count == 1:
                        report.exceptions_opened.append(f"{item.kind}: {isbn} on {storefront}: {item.message}")
            for isbn in map(str, listing.isbns):
                for storefront in storefronts:
                    stale = [k for k in READINESS_KINDS if k not in found.get((isbn, storefront), {})]
                    uow.exceptions.clear(isbn=isbn, storefront=storefront, at=clock.now(), kinds=stale)
        # Editions that left the catalogue (withdrawn by the source, gone from a complete read): nothing about
        # their readiness or rights is left to fix, so their exceptions resolve.
        present = {str(isbn) for listing in listings for isbn in listing.isbns}
        for item in uow.exceptions.open_items():
            if (item.kind in READINESS_KINDS and item.isbn and item.isbn not in present
                    and item.storefront is not None and item.storefront in storefronts):
                uow.exceptions.clear(isbn=item.isbn, storefront=item.storefront, at=clock.now(), kinds=[item.kind])
        uow.commit()
