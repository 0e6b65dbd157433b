"""What a sync run records about its inputs: sources that could not be read, records a read could not use, and
editions that are not ready (or whose rights conflict) on a storefront; each an exception for a person, resolved
when a later read or plan finds it fixed."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bookbridge.application.exception_words import kind_words, source_key
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.ports import (
    ActionOutcome,
    Clock,
    ExceptionKind,
    SourceRead,
    SourceUnreadable,
    StoreError,
    SyncException,
    UnitOfWork,
)
from bookbridge.domain.problems import Problem
from bookbridge.domain.storefront import storefront_words
from bookbridge.domain.words import named_edition

logger = logging.getLogger("bookbridge.application.sync")
# Kept per edition and storefront from the listings of each sync; an unmapped subject never holds a title back.
READINESS_KINDS = (ExceptionKind.BLOCKING_READINESS, ExceptionKind.RIGHTS_CONFLICT, ExceptionKind.UNMAPPED_SUBJECT)
NOT_BLOCKING = {"unmapped-subject": ExceptionKind.UNMAPPED_SUBJECT}  # warnings that the queue shows too


@dataclass
class SyncReport:
    storefront: str
    started: datetime
    finished: datetime | None = None
    created: int = 0
    adopted: int = 0  # products the store already held under the listing's SKU, taken over (never created)
    updated: int = 0
    relinked: int = 0  # of `updated`: related-product links rewritten with ids made in this run (not in the plan)
    hidden: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    exceptions_opened: list[str] = field(default_factory=list)
    outcomes: list[ActionOutcome] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # products hidden because their key left the source
    records_not_read: int = 0  # records of this read with a blocking problem (not read), but of products kept
    kept_unread: list[str] = field(default_factory=list)  # products gone from the source whose record was not read
    wakeups: list[tuple[str, datetime]] = field(default_factory=list)
    stopped: bool = False  # `should_stop` said so between batches: the rest waits for the next run
    source_error: str | None = None  # the source could not be read at all: nothing was planned or sent
    # The store refused the credentials (`StoreErrorKind.CREDENTIALS`), in the words of its exception: the run sent
    # nothing after that answer, and no edition was refused.
    store_refused: str | None = None
    not_sent: int = 0  # planned actions the store's refusal of the credentials kept from it (counted when refused)
    # Nothing needed the store, so this run never called it (no write, no SKU lookup): its counts say nothing of
    # whether the store can be reached (`bookbridge check` tests the connection).
    store_untouched: bool = False

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.source_error is None and self.store_refused is None

    @property
    def counts(self) -> dict[str, int]:
        counts = {"created": self.created, "adopted": self.adopted, "updated": self.updated, "hidden": self.hidden,
                  "unchanged": self.unchanged, "held_back": self.skipped, "failed": self.failed}
        if self.store_refused is not None:  # every planned product counts somewhere: these were not sent
            counts["not_sent"] = self.not_sent
        return counts


def listed_edition(listing: StoreListing, isbn: str) -> str:
    """An edition of `listing` as the glossary names it: `Roseanna (Hardback), ISBN 9780007232833` (a variant:
    its family's product name and its format)."""
    variant = next((v for v in listing.variants if str(v.isbn) == isbn), None)
    name = f"{listing.name} ({variant.option_label})" if variant is not None else listing.name
    return named_edition(isbn, name)


def listing_words(listing: StoreListing) -> str:
    """The edition a listing sells, named as in every message (`Roseanna (Hardback), ISBN 9780007232833`); a
    product of many editions (variants) by its name and their ISBNs."""
    if len(listing.isbns) == 1:
        return named_edition(str(listing.isbns[0]), listing.name)
    return f"{listing.name}, ISBNs {', '.join(str(i) for i in listing.isbns)}"


def opened_line(item: SyncException, listing: StoreListing) -> str:
    """An exception a sync opened on a listing's edition, as `bookbridge sync` and the demo print it: the kind in
    words, the edition by name, where, and why (`rights conflict: Roseanna (Hardback), ISBN … on storefront 'us':
    not licensed …`)."""
    where = (f"store {item.storefront!r}" if item.storefront == listing.storefront
             else storefront_words(item.storefront or ""))
    return (f"{kind_words(item.kind, item.storefront)}: {listed_edition(listing, item.isbn or '')} on {where}: "
            f"{item.message}")


def refused_line(item: SyncException, listing: StoreListing | None, key: str, *, last: str | None = None) -> str:
    """A store's refusal of a product (or its SKU held by another title), as `bookbridge sync` and the demo print
    it: the kind in words, the edition by name (a family product by its name and key), the store, and why. A
    product no listing names (a hide of an edition gone from the source) by the name it was last written with
    (`last`), else as not in the catalogue."""
    if listing is not None and len(listing.isbns) == 1:
        return opened_line(item, listing)
    if listing is None and key.isdigit():  # an edition's product (its ISBN), not a family's
        name = named_edition(key, last)
    else:
        owner = listing.name if listing is not None else last
        name = f"{owner} (product {key})" if owner else f"product {key}"
    return f"{kind_words(item.kind, item.storefront)}: {name} on store {item.storefront!r}: {item.message}"


def source_exception_key(source: str) -> str:
    """The `storefront` under which a source that could not be read at all is queued (no ISBN): one open
    exception per source, counted each time the read fails again."""
    return source_key(source)


def source_failure(source: str, exc: Exception) -> str:
    """A source that could not be read at all, in the words every command, log line and exception uses:
    `reading source 'consonance' failed: Consonance rejected the API key`."""
    return f"reading source {source!r} failed: {exc}"


def source_unreadable(store: str, source: str, exc: SourceUnreadable, uow: UnitOfWork, clock: Clock) -> SyncReport:
    """The whole source failed (a file that is not ONIX, an API that refuses the key): nothing is planned, so
    nothing in the store changes; the failure is queued, and the run ends `failed`, not `crashed`."""
    report = SyncReport(storefront=store, started=clock.now())
    report.source_error = source_failure(source, exc)
    logger.error("sync of store %r: %s", store, report.source_error)
    kind = ExceptionKind.TRANSIENT_EXHAUSTED if exc.transient else ExceptionKind.SOURCE_ERROR
    with uow:
        item = uow.exceptions.report(kind, isbn=None, storefront=source_exception_key(source),
                                     message=report.source_error, at=clock.now())
        uow.commit()
    report.source_error = item.message  # as stored: with the configured secrets masked
    if item.count == 1:
        report.exceptions_opened.append(f"{kind_words(item.kind, item.storefront)}: {report.source_error}")
    report.finished = clock.now()
    return report


def records_not_read(read: SourceRead, open_items: Iterable[SyncException], source: str) -> frozenset[str]:
    """The records `source` could not read, by its id or ISBN: this read's blocking problems, and the records whose
    exception is still open (a read of changes reports a record once; its exception stays open until a later read
    brings it, or a person resolves it). Planning keeps their products as they are (`plan_changes(unread=...)`)."""
    return frozenset({p.record for p in read.problems if p.blocking and p.record} | records_still_unread(open_items,
                                                                                                       source))


def records_still_unread(open_items: Iterable[SyncException], source: str) -> frozenset[str]:
    """The records of `source` whose exception (a record not read) is still open, by the source's id or ISBN."""
    place = source_exception_key(source)
    return frozenset(item.isbn for item in open_items if item.kind is ExceptionKind.SOURCE_ERROR and item.isbn
                     and item.storefront in (None, place))


STORE_ACCEPTED = "resolved: a later sync's write was accepted by the store"


def refused_credentials(error: StoreError, store: str, uow: UnitOfWork, clock: Clock, report: SyncReport) -> None:
    """The store refused the credentials: one exception at the store (`store 'shop'`), counted by each run that
    meets it, never one per edition; the run stops sending (`report.store_refused`). Inside an open `uow`."""
    item = store_failed(ExceptionKind.CREDENTIALS_REFUSED, error, store, uow, clock)
    report.store_refused = item.message  # as stored: with the configured secrets masked
    logger.error("sync of store %r stopped: the store refused the credentials: %s", store, item.message)
    if item.count == 1:
        report.exceptions_opened.append(store_failure_line(item))


def store_failed(kind: ExceptionKind, error: StoreError, store: str, uow: UnitOfWork, clock: Clock) -> SyncException:
    """The store's own failure (`kind`: it refused the credentials, or could not be read), about no edition: its one
    exception at the store, opened, or counted again by each run that meets it. Inside an open `uow`."""
    if kind is ExceptionKind.CREDENTIALS_REFUSED:
        return count_refusal(uow, store, error.message, clock.now())
    return uow.exceptions.report(kind, isbn=None, storefront=store, message=error.message, at=clock.now())


def count_refusal(uow: UnitOfWork, store: str, message: str, at: datetime) -> SyncException:
    """The store's refusal of the credentials (a sync's, a reconcile's, an order import's) on its one exception at
    the store: opened with `message`, or counted again keeping the words it was opened with: the first refused
    request (the one a sync stops at) is what a person needs, not whichever run met the refusal last. Inside an
    open `uow`."""
    first = refused_at(uow.exceptions.open_items(), store)
    return uow.exceptions.report(ExceptionKind.CREDENTIALS_REFUSED, isbn=None, storefront=store,
                                 message=first.message if first is not None else message, at=at)


def refused_at(open_items: Iterable[SyncException], store: str) -> SyncException | None:
    """The store's open `credentials-refused` exception, if any: one at the store, never one per edition."""
    return next((e for e in open_items if e.kind is ExceptionKind.CREDENTIALS_REFUSED and e.storefront == store),
                None)


def store_failure_line(item: SyncException) -> str:
    """An exception of the store's own (`store_failed`), as a run that opened it says it: `credentials refused:
    store 'shop': 401 Unauthorized: …`."""
    store = item.storefront or ""
    return f"{kind_words(item.kind, store)}: store {store!r}: {item.message}"


def accepted_credentials(store: str, refused: Sequence[int], uow: UnitOfWork, clock: Clock) -> None:
    """The store accepted a write: its open credentials exceptions (`refused`, their ids) resolve. Inside an open
    `uow`."""
    for exception_id in refused:
        uow.exceptions.resolve(exception_id, note=STORE_ACCEPTED, at=clock.now())
    logger.info("store %r accepted the credentials again: %d exception(s) resolved", store, len(refused))


def record_source_problems(read: SourceRead, source: str, uow: UnitOfWork, clock: Clock, report: SyncReport) -> None:
    """Records the read could not use become SOURCE_ERROR exceptions as soon as the read finds them; an open
    one resolves when a later read brings its record (by ISBN or record reference) without a blocking problem.
    A read that succeeds resolves the source's own failure (`_source_unreadable`)."""
    failed = {p.record for p in read.problems if p.blocking}
    read_ok = {str(e.isbn) for f in read.families for e in f.editions}
    read_ok |= {e.record_reference for f in read.families for e in f.editions if e.record_reference}
    read_ok -= failed
    place = source_exception_key(source)
    with uow:
        # A record's exception opened before records were kept under their source goes on counting where it is.
        unplaced = {e.isbn for e in uow.exceptions.open_items()
                    if e.kind is ExceptionKind.SOURCE_ERROR and e.storefront is None and e.isbn}
        for problem in read.problems:
            if problem.blocking:
                item = uow.exceptions.report(ExceptionKind.SOURCE_ERROR, isbn=problem.record,
                                             storefront=None if problem.record in unplaced else place,
                                             message=problem.message, field=problem.field, at=clock.now())
                if item.count == 1:
                    record = f"record {problem.record}" if problem.record else "a record"
                    report.exceptions_opened.append(f"{kind_words(item.kind, place)}: {record} of source "
                                                    f"{source!r}: {item.message}")
        for item in uow.exceptions.open_items():
            if (item.kind is ExceptionKind.SOURCE_ERROR and item.storefront in (None, place)
                    and item.isbn in read_ok):
                uow.exceptions.resolve(item.id, note="resolved: a later read of the record succeeded", at=clock.now())
            elif item.storefront == source_exception_key(source) and item.isbn is None:
                uow.exceptions.resolve(item.id, note="resolved: a later read of the source succeeded", at=clock.now())
        uow.commit()


def record_readiness(
    listings: Sequence[StoreListing], storefronts: Sequence[str], uow: UnitOfWork, clock: Clock, report: SyncReport
) -> None:
    """Blocking problems (and the warnings in NOT_BLOCKING) become exceptions per edition and storefront; fixed
    ones are resolved.

    The open readiness exceptions are read once: only those are cleared (an edition with none open costs no query;
    a store of thousands of listings used to cost a query per edition and storefront before its first write)."""
    with uow:
        open_now = {(item.isbn, item.storefront, item.kind) for item in uow.exceptions.open_items()
                    if item.kind in READINESS_KINDS}
        for listing in listings:
            found: dict[tuple[str, str], dict[ExceptionKind, list[Problem]]] = {}
            for problem in listing.problems:
                if problem.record is None or not (problem.blocking or problem.code in NOT_BLOCKING):
                    continue
                kind = (
                    NOT_BLOCKING[problem.code] if not problem.blocking
                    else ExceptionKind.RIGHTS_CONFLICT if problem.code in ("rights-conflict", "not-licensed")
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
                    if item.count == 1:  # on a storefront, or on the store itself (a subject without a category)
                        report.exceptions_opened.append(opened_line(item, listing))
            for isbn in map(str, listing.isbns):
                for storefront in dict.fromkeys((*storefronts, listing.storefront)):  # the store's: unmapped subjects
                    stale = [k for k in READINESS_KINDS if k not in found.get((isbn, storefront), {})
                             and (isbn, storefront, k) in open_now]
                    if stale:
                        uow.exceptions.clear(isbn=isbn, storefront=storefront, at=clock.now(), kinds=stale)
        # Editions that left the catalogue (withdrawn by the source, gone from a complete read): nothing about
        # their readiness or rights is left to fix, so their exceptions resolve.
        present = {str(isbn) for listing in listings for isbn in listing.isbns}
        keys = {*storefronts, *(listing.storefront for listing in listings)}
        for item in uow.exceptions.open_items():
            if (item.kind in READINESS_KINDS and item.isbn and item.isbn not in present
                    and item.storefront is not None and item.storefront in keys):
                uow.exceptions.clear(isbn=item.isbn, storefront=item.storefront, at=clock.now(), kinds=[item.kind])
        uow.commit()
