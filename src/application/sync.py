"""Sync use cases: plan what a storefront needs, and carry it out batch by batch.

Each batch's outcomes are recorded in their own unit of work, so a crash loses at most the batch in
flight; the storefront's create-by-SKU lookup makes the re-run converge without duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bookbridge.application.adoption import find_existing, new_skus, record_mismatches
from bookbridge.application.isbn_changes import record_isbn_changes
from bookbridge.application.listing_memos import ListingMemos
from bookbridge.application.logcontext import log_context
from bookbridge.application.reconcile import isbn_of
from bookbridge.application.sync_exceptions import (
    READINESS_KINDS,
    SyncReport,
    accepted_credentials,
    record_readiness,
    record_source_problems,
    records_not_read,
    refused_at,
    refused_credentials,
    refused_line,
    source_exception_key,
    source_unreadable,
)
from bookbridge.domain.applied import AppliedListing, last_name
from bookbridge.domain.catalogue import merge_catalogue
from bookbridge.domain.listing import MappingSettings, Section, StoreListing, build_store_listings
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.plan import (
    GONE,
    ActionKind,
    Plan,
    StoreAction,
    applied_after,
    in_doubt,
    next_wakeups,
    plan_changes,
)
from bookbridge.domain.ports import (
    ActionOutcome,
    Buffering,
    CatalogSource,
    CategoryMaking,
    ChannelPriced,
    Clock,
    ExceptionKind,
    RelatedLinking,
    SourceRead,
    SourceUnreadable,
    StoreError,
    StoreErrorKind,
    Storefront,
    SyncException,
    SyncRun,
    UnitOfWork,
)
from bookbridge.domain.related import stale_links
from bookbridge.domain.storefront import StorefrontSettings

logger = logging.getLogger(__name__)
STORE_KINDS = (ExceptionKind.STORE_REJECTION, ExceptionKind.TRANSIENT_EXHAUSTED)
NOT_CALLED = "nothing to send: the store was not called"  # a run's `store_untouched`, in words


@dataclass(frozen=True)
class SyncStore:
    """Command: bring one store (and the storefronts that share its catalogue) in line with the source."""

    store: str
    storefronts: tuple[StorefrontSettings, ...]
    full: bool = False  # resend every section, and read the whole source
    batch_size: int = 10  # BigCommerce updates at most 10 products per request
    mapping: MappingSettings = field(default_factory=MappingSettings)
    only: frozenset[str] | None = None  # send only the actions of these ISBNs (`retry_edition`); None: all
    retry_of: int | None = None  # the exception this run retries: the run says so, and fails while it stays open
    # Listing key -> the instant its change was due (the wake-ups of an earlier sync): those actions go first,
    # earliest instant first, so that the flips of two instants one run meets land in their order.
    due: Mapping[str, datetime] = field(default_factory=dict)

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
    # The store refused the credentials when planning asked it for new SKUs: the plan does not know which it holds,
    # and a sync sends nothing (it would be refused the same way).
    store_refused: StoreError | None = None
    # The store's open `credentials-refused` exception (a sync, reconcile or order import met the refusal): a plan
    # that did not ask the store, or whose read it answered, looks fine while a sync would stop at the refusal.
    refused_open: SyncException | None = None


def asks_the_store(planned: PlannedSync) -> bool:
    """Whether planning (given the store) asked it anything: only which SKUs of listings never applied it already
    holds (`adoption.new_skus`). A plan that asked nothing, and a sync that also sent nothing, never reached the
    store, so their counts say nothing of it (a wrong token would go unnoticed): both say so (`NOT_CALLED`)."""
    return bool(new_skus(planned.listings, planned.applied))


def plan_store(cmd: SyncStore, source: CatalogSource, uow: UnitOfWork, clock: Clock, *,
               memos: ListingMemos | None = None, store: Storefront | None = None,
               stored: Mapping[str, TitleFamily] | None = None) -> PlannedSync:
    """A dry run: read the source, merge it into the known catalogue, compute desired listings and diff them.

    With `store`, the store is asked (reads only) which SKUs of listings never applied it already holds: those are
    adopted instead of created (`application/adoption.py`). Without it, every new listing plans a create.

    Planning covers the whole known catalogue, not only what the source says changed, so that launches and
    campaign flips of unchanged titles happen at their instants. Writes nothing. With `memos` (the service's,
    kept for its life), families unchanged since the store's last plan keep their listings (`ListingMemo`).
    `stored`: the stored catalogue of the source when the caller has just read it (the service does, for the
    milestones): it is not read again.
    """
    with uow:
        cursor = None if cmd.full else uow.state.cursor(source.name)
        if stored is None:
            stored = uow.state.catalogue(source.name)
    read = source.read(cursor)
    catalogue = merge_catalogue(stored, read)
    memo = memos.for_store(cmd.store) if memos is not None else None
    if memo is not None and cmd.full:
        memo.forget()
    # Keys bookbridge applied but the catalogue lacks are hidden, unless the catalogue is still being built
    # from deltas alone (then absence means "not read yet", not "withdrawn").
    complete = read.complete or bool(stored)
    listings = tuple(build_store_listings(catalogue.values(), cmd.storefronts, at=clock.now(),
                                          mapping=cmd.mapping, store=cmd.store, memo=memo))
    # Read after the listings are built, so that the state store need not read the payloads of unchanged products
    # (a store's plans are serialised by its lease: nothing else writes its applied state in between).
    with uow:
        applied = uow.state.applied(cmd.store, desired={listing.key: listing for listing in listings})
        open_items = uow.exceptions.open_items()
    unread = records_not_read(read, open_items, source.name)
    found, refused = find_existing(listings, applied, store) if store is not None else (None, None)
    plan = plan_changes(cmd.store, listings, applied, source_complete=complete, full=cmd.full, found=found,
                        unread=unread)
    return PlannedSync(read=read, listings=listings, plan=plan, applied=applied, catalogue=catalogue,
                       store_refused=refused, refused_open=refused_at(open_items, cmd.store))


def due_first(actions: Sequence[StoreAction], due: Mapping[str, datetime], now: datetime) -> list[StoreAction]:
    """The actions whose key had an instant at or before `now`, earliest instant first, then the others, each
    group in plan order."""
    late = {a.key: at for a in actions if (at := due.get(a.key)) is not None and at <= now}
    return sorted(actions, key=lambda a: (0, late[a.key]) if a.key in late else (1, now))


def instants_closed(actions: Sequence[StoreAction], due: Mapping[str, datetime], now: datetime) -> frozenset[int]:
    """For actions in `due_first`'s order, the positions just past the last action of each instant that passed."""
    late = [due[a.key] if a.key in due and due[a.key] <= now else None for a in actions]
    return frozenset(i for i in range(1, len(late) + 1) if late[i - 1] is not None
                     and (i == len(late) or late[i] != late[i - 1]))


@dataclass
class OpenAtStore:
    """The store's open exceptions a run's outcomes may resolve, read once when it starts (only syncs of the store,
    under its lease, open them) and kept up to date by the run: the ISBNs with a store exception, and the ids of the
    store's credentials exceptions. An outcome then costs no query to clear exceptions it has none of."""

    isbns: set[str]
    refused: list[int]


def _isbn_of(action: StoreAction) -> str:
    if action.listing is not None and len(action.listing.isbns) == 1:
        return str(action.listing.isbns[0])
    return action.key


def _touches(action: StoreAction, isbns: frozenset[str]) -> bool:
    if action.listing is not None:
        return any(str(isbn) in isbns for isbn in action.listing.isbns)
    return action.key in isbns


def run_words(cmd: SyncStore) -> str | None:
    """What a run is, in words, when not a sync of the whole store: `retry of exception 10` (a sync of the store
    when the exception has no edition), `retry of exception 10: edition 9781999990022 only` (an edition's),
    `retry of edition 9781999990022 only` (the follow-up sync an edition's retry makes to attach its assets);
    None for a sync. docs/glossary.md (retry) quotes each."""
    edition = f"edition {', '.join(sorted(cmd.only))} only" if cmd.only else None
    if cmd.retry_of is not None:
        return f"retry of exception {cmd.retry_of}" + (f": {edition}" if edition else "")
    return f"retry of {edition}" if edition else None


def retry_edition(cmd: SyncStore, source: CatalogSource, store: Storefront, uow: UnitOfWork, clock: Clock, *,
                  isbn: str, **options: Any) -> SyncReport:
    """Retry one edition: plan the store as `sync_store` does, but send only the actions that carry this ISBN
    (its product, or the product it shares with its family). The rest of the store waits for its next sync.
    Readiness and source problems are recorded as in any sync, so a fixed edition's exceptions resolve and
    one still broken reopens its own. `options` as `sync_store`'s (`should_stop`, `on_batch`, ...)."""
    return sync_store(replace(cmd, only=frozenset({isbn})), source, store, uow, clock, **options)


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
    memos: ListingMemos | None = None,
    stored: Mapping[str, TitleFamily] | None = None,
    planned: PlannedSync | None = None,
) -> SyncReport:
    """`should_stop` is asked between batches (SIGTERM): a True answer ends the run after the batch in flight.
    `memos` are the listing memos to plan with, `stored` the stored catalogue if the caller just read it
    (`plan_store`). `planned`: a plan the caller made before and checked is still current (a flip planned ahead of
    its instant, `application/ahead.py`): it is carried out as if it had just been made, without reading or
    planning again.

    `on_batch` is called before each batch (after planning, and between batches), e.g. to renew the store's
    lease: a False answer (the lease was lost) stops the run there, as `should_stop` does."""
    name = cmd.store
    with uow:
        run = uow.runs.start_run(name, at=clock.now(), what=run_words(cmd))
        uow.commit()
    with log_context(run_id=run.id, store=name):
        logger.info("sync run %d of store %r started", run.id, name)
        try:
            report = _sync(cmd, source, store, uow, clock, run.id, on_progress, should_stop, on_batch, memos,
                           stored, planned)
        except BaseException:
            logger.exception("sync run %d of store %r crashed", run.id, name)
            with uow:
                uow.runs.finish_run(run.id, at=clock.now(), counts={}, outcome="crashed")
                uow.commit()
            raise
        with uow:
            # A retry whose exception stays open did not do what it was for, as the command's exit 1 says.
            retried = cmd.retry_of is not None and any(e.id == cmd.retry_of for e in uow.exceptions.open_items())
            if cmd.retry_of is not None:
                _log_retry(uow, run.id, cmd.retry_of, clock.now())
            # A source that could not be read leaves no counts: nothing was planned, so none of them applies.
            uow.runs.finish_run(run.id, at=clock.now(), counts={} if report.source_error else report.counts,
                                outcome="stopped" if report.stopped else "ok" if report.ok and not retried
                                else "failed")
            uow.commit()
        # A source that could not be read: each count `—`, as `bookbridge runs` shows it, never a zero.
        logger.info("sync run %d of store %r finished: %s%s", run.id, name,
                    ", ".join(f"{k.replace('_', ' ')} {NO_COUNT if report.source_error else v}"
                              for k, v in report.counts.items()),
                    f"; {SOURCE_UNREAD}" if report.source_error else f"; {NOT_CALLED}" if report.store_untouched
                    else "",
                    extra={"counts": {} if report.source_error else report.counts})  # JSON keeps `held_back`
    return report


RETRY = "retry"  # the action of a retry's outcome, logged against its exception (`retry_key`)


def retry_key(exception_id: int) -> str:
    """The key a retry's outcome is logged under in its run: the exception's (`bookbridge exceptions show` lists
    it with the outcomes of the exception's edition, or alone for an exception of no edition)."""
    return f"exception:{exception_id}"


def _log_retry(uow: UnitOfWork, run_id: int, exception_id: int, at: datetime) -> None:
    """What the retry run `run_id` did for its exception, as an outcome: ok when it left the exception resolved,
    else failed and why (its message). Under `retry_key`, with the exception's ISBN (or record); in `uow`'s
    transaction. An id that names no exception logs nothing."""
    try:
        item = uow.exceptions.get(exception_id)
    except KeyError:
        return
    still_open = item.resolved_at is None
    uow.runs.log_outcome(run_id, key=retry_key(exception_id), isbn=item.isbn, action=RETRY, sections=(),
                         ok=not still_open, error=f"the exception is still open: {item.message}" if still_open
                         else None, at=at)


SOURCE_UNREAD = "the source could not be read"  # why a run's counts are not shown (`—`): none applies
NO_COUNT = "—"  # a count that does not apply (a run whose source could not be read), never a zero


def source_unread(run: SyncRun) -> bool:
    """Whether `run` failed before planning: its source could not be read, so it has no counts (a crashed run
    has none either, and says so by its outcome)."""
    return run.outcome == "failed" and not run.counts


def _sync(cmd: SyncStore, source: CatalogSource, store: Storefront, uow: UnitOfWork, clock: Clock, run_id: int,
          on_progress: Callable[[int, int], None] | None,
          should_stop: Callable[[], bool] | None = None,
          on_batch: Callable[[], bool] | None = None, memos: ListingMemos | None = None,
          stored: Mapping[str, TitleFamily] | None = None, prepared: PlannedSync | None = None) -> SyncReport:
    name = cmd.store
    try:
        planned = prepared or plan_store(cmd, source, uow, clock, memos=memos, store=store, stored=stored)
    except SourceUnreadable as exc:
        return source_unreadable(name, source.name, exc, uow, clock)
    unchanged, held_back = _unchanged_and_held_back(planned, cmd.only)
    report = SyncReport(storefront=name, started=clock.now(), unchanged=unchanged, skipped=held_back)
    record_source_problems(planned.read, source.name, uow, clock, report)
    record_readiness(planned.listings, [s.name for s in cmd.storefronts], uow, clock, report)
    record_mismatches(planned.plan, name, uow, clock, report)
    record_isbn_changes(planned.plan, planned.listings, name, uow, clock, report)
    report.kept_unread = [key for key in planned.plan.kept_unread if cmd.only is None or key in cmd.only]
    # A record whose product is kept is no longer a product hidden by mistake: the hint about those leaves it out.
    kept = {*planned.plan.kept_unread, *(planned.applied[key].record for key in planned.plan.kept_unread)}
    report.records_not_read = len({p.record for p in planned.read.problems if p.blocking} - kept)
    actions = [a for a in planned.plan.actions if cmd.only is None or _touches(a, cmd.only)]
    if planned.store_refused is not None:  # planning's look-up was refused: every write would be too
        with uow:
            refused_credentials(planned.store_refused, name, uow, clock, report)
            uow.commit()
        report.not_sent = len(actions)
        actions = []
    closing: frozenset[int] = frozenset()
    if cmd.due:
        now = clock.now()
        actions = due_first(actions, cmd.due, now)
        closing = instants_closed(actions, cmd.due, now)
    applied = dict(planned.applied)
    if planned.plan.recorded:  # nothing to send: the records their products are made of, kept for the next plans
        with uow:
            uow.state.record_applied_many(name, [(record, applied[record.key]) for record in planned.plan.recorded])
            uow.commit()
        applied.update((record.key, record) for record in planned.plan.recorded)
    if isinstance(store, ChannelPriced):  # price lists in other currencies apply on these channels only
        store.price_channels({s.currency: [t.channel_id for t in cmd.storefronts
                                             if t.currency == s.currency and not t.default_currency]
                              for s in cmd.storefronts if not s.default_currency})
    if isinstance(store, CategoryMaking):  # the category ids the state keeps
        with uow:
            store.use_categories(uow.categories.known(name))
    buffering = store if isinstance(store, Buffering) else None
    if buffering is not None:
        buffering.begin(actions, applied)
    pending: dict[str, StoreAction] = {}  # actions whose buffered writes the store has not sent yet
    with uow:
        items = [e for e in uow.exceptions.open_items() if e.storefront == name]
    open_store = OpenAtStore(isbns={e.isbn for e in items if e.kind in STORE_KINDS and e.isbn is not None},
                             refused=[e.id for e in items if e.kind is ExceptionKind.CREDENTIALS_REFUSED])

    def settle() -> None:
        if buffering is not None:
            _record_flushed(buffering.flush(final=True), pending, applied, name, uow, clock, report, run_id,
                            open_store, planned.applied)

    done = 0
    for start, batch, closes in _batches(actions, planned, applied, store, cmd.batch_size, settle, cmd.only,
                                         closing):
        if report.store_refused is not None:
            break  # the store refused the credentials: it would refuse every later write the same way
        if should_stop is not None and should_stop():
            report.stopped = True  # what is done is recorded; the next run plans the rest again
            break
        if on_batch is not None and not on_batch():
            logger.warning("sync of store %r stopped before batch %d of %d: on_batch said so (lease lost)", name,
                           start // cmd.batch_size + 1, -(-len(actions) // cmd.batch_size))
            report.stopped = True
            break
        _record_intents(batch, applied, name, uow)
        outcomes = store.apply(batch, applied)
        _record_batch(batch, outcomes, applied, name, uow, clock, report, run_id, pending, open_store, planned.applied)
        _record_categories(store, name, uow)
        if buffering is not None:
            # The batch holds the last change of an instant that passed: every buffer goes now, so that its
            # price-list records do not wait behind the next instant's product writes.
            flushed = buffering.flush(final=False, every=True) if closes else buffering.flush(final=False)
            _record_flushed(flushed, pending, applied, name, uow, clock, report, run_id, open_store, planned.applied)
        done += len(batch)
        if on_progress:
            on_progress(done, max(done, len(actions)))  # relinks come after the plan
    settle()  # also when stopped: what was applied is sent and recorded before the run ends
    if report.store_refused is not None:  # the actions of the batches the refusal kept back (relinks come after)
        report.not_sent += max(0, len(actions) - done)
    if pending:
        raise RuntimeError(f"storefront left {len(pending)} actions pending after its final flush")
    if report.store_refused is None:
        with uow:
            uow.state.save_catalogue(source.name, planned.catalogue)
            uow.state.set_cursor(source.name, planned.read.cursor)
            uow.commit()
    # else: the store refused the credentials, so the catalogue's changes are read again by the next sync, which finds
    # their milestones and carries out their actions then (the applied state says what reached the store).
    report.wakeups = next_wakeups(planned.listings)
    report.store_untouched = done == 0 and not report.stopped and not asks_the_store(planned)
    report.finished = clock.now()
    return report


def _unchanged_and_held_back(planned: PlannedSync, only: frozenset[str] | None) -> tuple[int, int]:
    """The plan's unchanged and held-back counts; for a retry (`only`), those of the retried edition's products."""
    plan = planned.plan
    if only is None:
        return plan.unchanged, len(plan.skipped) + len(plan.mismatched) + len(plan.isbn_changed)
    kept = [*plan.skipped, *(m.listing for m in plan.mismatched), *(c.listing for c in plan.isbn_changed)]
    acted = {a.key for a in plan.actions} | {li.key for li in kept}
    mine = [li for li in planned.listings if any(str(isbn) in only for isbn in li.isbns)]
    held = sum(1 for li in kept if any(str(isbn) in only for isbn in li.isbns))
    return sum(1 for li in mine if li.key not in acted and li.listed), held


def _batches(actions: Sequence[StoreAction], planned: PlannedSync, applied: dict[str, AppliedListing],
             store: Storefront, size: int, settle: Callable[[], None], only: frozenset[str] | None = None,
             closing: frozenset[int] = frozenset()) -> Iterator[tuple[int, Sequence[StoreAction], bool]]:
    """The plan's actions in batches; then, for a store that links related products by id, the products whose
    links were written with ids that changed since (a product made again, or a format made later in this run),
    found once the plan's batches are recorded (a run stopped early leaves them to the next): `settle` first
    records every action still pending, so that none is missed. A retry (`only`) sends nothing for other
    editions, relinks included. With each batch comes whether it holds one of the `closing` positions' last
    action (`instants_closed`)."""
    for start in range(0, len(actions), size):
        batch = actions[start : start + size]
        yield start, batch, any(start < i <= start + len(batch) for i in closing)
    if isinstance(store, RelatedLinking) and store.links_related_products:
        settle()
        # A retry (`only`) relinks its own product only; the others' links wait for the next sync.
        relinks = [a for a in relink_actions(planned, applied) if only is None or _touches(a, only)]
        for start in range(0, len(relinks), size):
            yield start, relinks[start : start + size], False


RELINK_REASON = "related products: their store ids changed"


def relink_actions(planned: PlannedSync, applied: dict[str, AppliedListing]) -> list[StoreAction]:
    """An update of the core section (which carries the links) for each product whose links are stale, with the
    listing last applied to it: the core section is sent as it is (a name the plan tagged stays tagged)."""
    by_key = {listing.key: listing for listing in planned.listings}
    by_key.update({a.key: a.listing for a in planned.plan.actions if a.listing is not None})
    current = [li for li in by_key.values() if li.listed and li.key in applied
               and Section.CORE not in applied[li.key].held  # a store-side edit under `report`: left alone
               and applied[li.key].hashes.get(Section.CORE) == li.hashes.get(Section.CORE)]
    return [StoreAction(ActionKind.UPDATE, key, by_key[key], (Section.CORE,),
                        reason=RELINK_REASON) for key in stale_links(current, applied)]


def _record_categories(store: Storefront, name: str, uow: UnitOfWork) -> None:
    if isinstance(store, CategoryMaking) and (made := store.categories_made()):
        with uow:
            uow.categories.record(name, made)
            uow.commit()
        store.use_categories(made)  # recorded: not handed back again


def _record_intents(
    batch: Sequence[StoreAction], applied: dict[str, AppliedListing], storefront: str, uow: UnitOfWork
) -> None:
    """Before sending a batch, record each create's key with no hashes and no product id, and mark the sections
    each write to an applied product sends as in doubt (`in_doubt`).

    If the process dies after the store created a product but before its outcome was recorded, the next plan
    still knows the key: it resends every section (the storefront finds the product by SKU instead of
    creating it again), or hides the product if the title is no longer listed. Without this record such a
    product would be unknown to bookbridge and stay on sale.
    """
    intents = [a.key for a in batch if a.kind is ActionKind.CREATE and a.key not in applied]
    # A write to a product already applied: its sections are in doubt until the outcome is recorded.
    doubts = [(record, applied[a.key]) for a in batch
              if (record := in_doubt(a, applied.get(a.key))) is not None]
    if not intents and not doubts:
        return
    with uow:
        for key in intents:
            uow.state.record_applied(storefront, AppliedListing(key=key, hashes={}, visible=True))
        if doubts:
            uow.state.record_applied_many(storefront, doubts)
        uow.commit()
    for record, _ in doubts:
        applied[record.key] = record


def _record_flushed(
    outcomes: Sequence[ActionOutcome],
    pending: dict[str, StoreAction],
    applied: dict[str, AppliedListing],
    storefront: str,
    uow: UnitOfWork,
    clock: Clock,
    report: SyncReport,
    run_id: int,
    open_store: OpenAtStore,
    planned: Mapping[str, AppliedListing],
) -> None:
    """Record the final outcomes of actions the store had reported pending."""
    if not outcomes:
        return
    unknown = [o.key for o in outcomes if o.key not in pending or o.pending]
    if unknown:
        raise RuntimeError(f"storefront flushed outcomes for actions not pending: {unknown[:3]}")
    batch = [pending.pop(o.key) for o in outcomes]
    _record_batch(batch, outcomes, applied, storefront, uow, clock, report, run_id, pending, open_store, planned)


def _made_again(action: StoreAction, planned: AppliedListing | None, outcome: ActionOutcome) -> bool:
    """An update whose product the store no longer had (deleted by hand), so it made it again under a new id: a
    product created, as the sync counts it. A relink of such a product is not counted twice."""
    return (action.kind is ActionKind.UPDATE and action.reason != RELINK_REASON and planned is not None
            and planned.product_id is not None and outcome.product_id not in (None, planned.product_id))


def _record_batch(
    batch: Sequence[StoreAction],
    outcomes: Sequence[ActionOutcome],
    applied: dict[str, AppliedListing],
    storefront: str,
    uow: UnitOfWork,
    clock: Clock,
    report: SyncReport,
    run_id: int,
    pending: dict[str, StoreAction],
    open_store: OpenAtStore,
    planned: Mapping[str, AppliedListing],
) -> None:
    """Record each outcome in one unit of work. A pending one records only the store-side ids it reports (the
    product exists; its sections are not applied yet), so a crash before the flush resends them; ids already
    recorded (an update of a known product) are not written again. `open_store`: the store's open exceptions
    (`_sync`), kept up to date here. The records go to the state together, with the records they replace
    (`SyncState.record_applied_many`). `planned`: the records the run was planned against, whose product ids tell
    a product made again (deleted by hand) from one updated.

    A refusal of the credentials is the store's, not the edition's: it opens the store's one exception and no
    edition's, and counts no edition failed; the first write the store accepts resolves that exception."""
    if len(outcomes) != len(batch):
        raise RuntimeError(f"storefront returned {len(outcomes)} outcomes for {len(batch)} actions")
    records: list[tuple[AppliedListing, AppliedListing | None]] = []

    def keep(record: AppliedListing) -> None:
        records.append((record, applied.get(record.key)))
        applied[record.key] = record

    with uow:
        for action, outcome in zip(batch, outcomes, strict=True):
            if outcome.ok and outcome.pending:
                if (ids := _with_store_ids(applied.get(action.key), outcome)) is not None \
                        and ids != applied.get(action.key):
                    keep(ids)
                pending[action.key] = action
                continue
            report.outcomes.append(outcome)
            isbn = _isbn_of(action)
            error = outcome.error
            credentials = error is not None and error.kind is StoreErrorKind.CREDENTIALS
            with log_context(isbn=isbn):
                if outcome.ok:
                    logger.debug("%s %s: ok", action.kind.value, action.key)
                elif not credentials:  # the store's refusal is logged once, with its exception
                    logger.warning("%s %s failed: %s", action.kind.value, action.key,
                                   outcome.error.message if outcome.error else "no reason given")
            uow.runs.log_outcome(run_id, key=action.key, isbn=isbn, action=action.kind.value,
                                 sections=[s.value for s in action.sections], ok=outcome.ok,
                                 error=outcome.error.message if outcome.error else None, at=clock.now())
            if outcome.ok:
                record = applied_after(action, applied.get(action.key), outcome.product_id, outcome.remote)
                keep(record)
                if open_store.refused:
                    accepted_credentials(storefront, open_store.refused, uow, clock)
                    open_store.refused = []
                if isbn in open_store.isbns:
                    uow.exceptions.clear(isbn=isbn, storefront=storefront, at=clock.now(), kinds=STORE_KINDS)
                    open_store.isbns.discard(isbn)
                if Section.CORE in action.sections and not record.held:
                    # The whole product was written again with nothing held: a product deleted by hand (or an
                    # edit) that reconcile reported under `overwrite` is restored, so its DRIFT notice closes.
                    uow.exceptions.clear(isbn=isbn_of(record), storefront=storefront, at=clock.now(),
                                         kinds=[ExceptionKind.DRIFT])
                if action.kind is ActionKind.CREATE or _made_again(action, planned.get(action.key), outcome):
                    report.created += 1
                elif action.kind is ActionKind.ADOPT:
                    report.adopted += 1
                elif action.kind is ActionKind.HIDE:
                    report.hidden += 1
                    if action.listing is None and action.reason == GONE:
                        report.gone.append(isbn)
                else:
                    report.updated += 1
                    report.relinked += action.reason == RELINK_REASON
                continue
            if (partial := _with_store_ids(applied.get(action.key), outcome)) is not None:
                keep(partial)
            if credentials:
                assert error is not None
                if report.store_refused is None:
                    refused_credentials(error, storefront, uow, clock, report)
                report.not_sent += 1
                continue
            report.failed += 1
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
            report.exceptions_opened.append(refused_line(item, action.listing, isbn,
                                                         last=last_name(applied.get(action.key))))
            open_store.isbns.add(isbn)
        uow.state.record_applied_many(storefront, records)
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


__all__ = ["READINESS_KINDS", "STORE_KINDS", "PlannedSync", "SyncReport", "SyncStore", "plan_store",
           "source_exception_key", "sync_store"]
