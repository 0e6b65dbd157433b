"""Reconcile: read the store back and find drift from what bookbridge last applied.

Drift is a product edited or deleted by hand in the store, a product bookbridge owns that the catalogue no
longer has, or an ISBN-like product bookbridge never made. Per section the policy decides: `overwrite` makes the
next sync resend the section; `report` opens a drift exception and holds the section (the next sync leaves it
alone) until a person resolves the exception with `release_drift`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from bookbridge.application.exception_words import kind_words
from bookbridge.application.field_words import differences_said, field_label
from bookbridge.application.isbn_changes import accept_isbn_change
from bookbridge.application.sync_exceptions import records_still_unread, store_failed, store_failure_line
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.drift import DriftPolicy, find_drift
from bookbridge.domain.listing import Section
from bookbridge.domain.plan import FieldChange
from bookbridge.domain.ports import (
    Clock,
    ExceptionKind,
    StoredProduct,
    StoreError,
    StoreErrorKind,
    Storefront,
    StoreUnreadable,
    SyncException,
    UnitOfWork,
)
from bookbridge.domain.words import named_edition, plural

logger = logging.getLogger(__name__)
_ISBN_LIKE = re.compile(r"97[89]\d{10}")  # EAN-13 Bookland prefixes: a SKU a publisher's product would carry
STORE_READ = "resolved: a later reconcile read the store"


@dataclass(frozen=True)
class ReconcileStore:
    """Command: compare one store with what bookbridge last applied to it."""

    store: str
    source: str  # the catalogue source whose known titles decide what bookbridge still owns
    policies: Mapping[Section, DriftPolicy] = field(default_factory=dict)  # missing sections: overwrite

    def policy(self, section: Section) -> DriftPolicy:
        return self.policies.get(section, DriftPolicy.OVERWRITE)


# What each finding's code says, as `bookbridge reconcile` prints it (the codes stay, in the log line's counts).
FINDING_WORDS = {
    "deleted": "deleted",
    "field": "edited",
    "never-created": "never created",
    "foreign": "not made by bookbridge",
    "gone": "gone from the source",
}


@dataclass(frozen=True)
class DriftFinding:
    key: str
    isbn: str
    what: str  # a code, said in words by FINDING_WORDS
    message: str
    section: Section | None = None
    field: str | None = None
    policy: DriftPolicy | None = None

    def words(self) -> str:
        """The finding as `bookbridge reconcile` prints it after the ISBN: a field's edit by the field in words
        and its policy (`custom fields (overwrite): edited in the store (…)`); else its message."""
        if self.field is None:
            return self.message
        return f"{field_label(self.field)}{f' ({self.policy})' if self.policy else ''}: {self.message}"


@dataclass
class ReconcileReport:
    storefront: str
    started: datetime
    finished: datetime | None = None
    checked: int = 0
    findings: list[DriftFinding] = field(default_factory=list)
    kept_unread: list[str] = field(default_factory=list)  # products a sync keeps as they are: their record not read
    kept_isbn_changed: list[str] = field(default_factory=list)  # and those whose ISBN change is open
    exceptions_opened: list[str] = field(default_factory=list)
    # The store could not be read, so nothing was checked: its exception's message (as stored), and whether the
    # store refused the credentials (else it did not answer).
    store_failure: str | None = None
    store_refused: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = {"checked": self.checked, "exceptions": len(self.exceptions_opened)}
        for finding in self.findings:
            counts[finding.what] = counts.get(finding.what, 0) + 1
        return counts


def reconcile_words(report: ReconcileReport) -> str:
    """A reconcile's counts in words, for its log line: `checked 2 products, 1 finding, 0 exceptions opened`."""
    return (f"checked {plural(report.checked, 'product')}, {plural(len(report.findings), 'finding')}, "
            f"{plural(len(report.exceptions_opened), 'exception')} opened")


def isbn_of(applied: AppliedListing) -> str:
    """The ISBN a person knows the product by: the key of a one-edition product, else its SKU."""
    if _ISBN_LIKE.fullmatch(applied.key):
        return applied.key
    return str(applied.payloads.get(Section.CORE, {}).get("sku") or applied.key)


def reconcile_store(cmd: ReconcileStore, store: Storefront, uow: UnitOfWork, clock: Clock) -> ReconcileReport:
    """Read the store back and compare it with what was applied. A store that cannot be read is its own failure,
    as a sync says it: a refused token counts on the store's one `credentials-refused` exception, a store that does
    not answer opens its outage exception (`store unreachable`, at the store), which the next reconcile that reads
    the store resolves."""
    report = ReconcileReport(storefront=cmd.store, started=clock.now())
    try:
        stored = list(store.read_back())
    except StoreUnreadable as exc:
        return _unreadable(cmd, exc.error, uow, clock, report)
    report.checked = len(stored)
    by_id = {p.product_id: p for p in stored}
    by_sku = {p.sku.casefold(): p for p in stored}
    with uow:
        applied = uow.state.applied(cmd.store)
        catalogue = uow.state.catalogue(cmd.source)
        known_isbns = {str(e.isbn) for family in catalogue.values() for e in family.editions}
        known_families = set(catalogue)
        unread = records_still_unread(uow.exceptions.open_items(), cmd.source)
        changed = {item.isbn for item in uow.exceptions.open_items()
                   if item.kind is ExceptionKind.ISBN_CHANGED and item.storefront == cmd.store}
        for item in uow.exceptions.open_items():  # the store answered: its outage is over
            if item.kind is ExceptionKind.TRANSIENT_EXHAUSTED and item.isbn is None and item.storefront == cmd.store:
                uow.exceptions.resolve(item.id, note=STORE_READ, at=clock.now())
        owned: set[int] = set()
        for key, record in sorted(applied.items()):
            sku = str(record.payloads.get(Section.CORE, {}).get("sku") or key)
            product = by_id.get(record.product_id) if record.product_id is not None else None
            product = product or by_sku.get(sku.casefold())
            if catalogue and not _known(key, known_isbns, known_families) and (
                    key in unread or record.record in unread or key in changed):
                # A sync keeps it as it is while its record is not read, or while its ISBN change waits for a
                # person (`isbn_changes`): nothing here is drift the next sync acts on.
                (report.kept_isbn_changed if key in changed else report.kept_unread).append(key)
                if product is not None:
                    owned.add(product.product_id)
                continue
            if product is None:
                if record.product_id is None:
                    # The store refused the create (a 409 name clash, say): there is no product to have deleted.
                    report.findings.append(DriftFinding(
                        key, isbn_of(record), "never-created",
                        f"never created in store {cmd.store!r}: the store refused to create it (see its "
                        "exception); the next sync tries again"))
                elif record.visible or record.hashes:
                    _deleted(cmd, record, uow, clock, report)
                continue
            owned.add(product.product_id)
            _field_drift(cmd, record, product, uow, clock, report)
            if catalogue and product.is_visible and not _known(key, known_isbns, known_families):
                report.findings.append(DriftFinding(key, isbn_of(record), "gone",
                                                    "no longer in the source but still visible; the next sync "
                                                    "hides it"))
        for product in stored:
            if product.product_id not in owned and _ISBN_LIKE.fullmatch(product.sku):
                report.findings.append(DriftFinding(
                    product.sku, product.sku, "foreign",
                    f"product {product.product_id} ({product.name!r}) has an ISBN SKU but bookbridge did not make "
                    "it; left alone"))
        uow.commit()
    report.finished = clock.now()
    logger.info("reconcile of store %r: %s", cmd.store, reconcile_words(report), extra={"counts": report.counts})
    return report


def _unreadable(cmd: ReconcileStore, error: StoreError, uow: UnitOfWork, clock: Clock,
                report: ReconcileReport) -> ReconcileReport:
    """The store could not be read: nothing is checked, and the store's exception says why."""
    refused = error.kind is StoreErrorKind.CREDENTIALS
    with uow:
        item = store_failed(ExceptionKind.CREDENTIALS_REFUSED if refused else ExceptionKind.TRANSIENT_EXHAUSTED,
                            error, cmd.store, uow, clock)
        uow.commit()
    report.store_failure, report.store_refused = item.message, refused
    if item.count == 1:
        report.exceptions_opened.append(store_failure_line(item))
    report.finished = clock.now()
    logger.error("reconcile of store %r stopped: %s: %s", cmd.store,
                 "the store refused the credentials" if refused else "the store could not be read", item.message)
    return report


def _known(key: str, isbns: set[str], families: set[str]) -> bool:
    if key.startswith("family:"):
        return key.split(":")[1] in families
    return key in isbns


def _deleted(cmd: ReconcileStore, record: AppliedListing, uow: UnitOfWork, clock: Clock,
             report: ReconcileReport) -> None:
    isbn = isbn_of(record)
    message = f"deleted by hand from store {cmd.store!r}"
    # The store-side ids (images, variants, custom fields) died with the product: forget them. With the product
    # id kept and no remote ids, the store adapter looks the product up, finds it gone, and creates it.
    if cmd.policy(Section.CORE) is DriftPolicy.OVERWRITE:
        uow.state.record_applied(cmd.store, replace(record, hashes={}, remote={}, held=frozenset()))
        message += "; the next sync recreates it"
    else:
        # Hold every section: an update of a product that is gone would only fail. Releasing the hold recreates it.
        uow.state.record_applied(cmd.store, replace(record, remote={}, held=frozenset(Section)))
        message += "; left out of syncs until resolved"
    item = uow.exceptions.report(ExceptionKind.DRIFT, isbn=isbn, storefront=cmd.store, message=message,
                                 at=clock.now())
    report.exceptions_opened.append(_opened_line(item, record))
    report.findings.append(DriftFinding(record.key, isbn, "deleted", message, policy=cmd.policy(Section.CORE)))


def _field_drift(cmd: ReconcileStore, record: AppliedListing, product: StoredProduct, uow: UnitOfWork,
                 clock: Clock, report: ReconcileReport) -> None:
    changes = find_drift(record, product.fields)
    if not changes:
        return
    isbn = isbn_of(record)
    hashes = dict(record.hashes)
    held = set(record.held)
    reported: list[FieldChange] = []
    for change in changes:
        policy = cmd.policy(change.section)
        if policy is DriftPolicy.OVERWRITE:
            hashes.pop(change.section, None)  # a missing hash makes the next sync resend the section
            held.discard(change.section)
            message = f"edited in the store ({_edit(change)}); the next sync restores it"
        else:
            held.add(change.section)
            reported.append(change)
            message = f"edited in the store ({_edit(change)}); left alone until resolved"
        report.findings.append(DriftFinding(record.key, isbn, "field", message, change.section, change.field, policy))
    uow.state.record_applied(cmd.store, replace(record, hashes=hashes, held=frozenset(held)))
    if reported:
        # One drift exception per ISBN and storefront (the queue's key): name every held field in it.
        message = "; ".join(f"{field_label(c.field)} edited in store {cmd.store!r}: "
                            + "; ".join(f"{name + ': ' if name else ''}store has {theirs}, bookbridge has {ours}"
                                        for name, ours, theirs in differences_said(c))
                            for c in reported)
        item = uow.exceptions.report(ExceptionKind.DRIFT, isbn=isbn, storefront=cmd.store, message=message,
                                     field=",".join(sorted({c.field for c in reported})), at=clock.now())
        report.exceptions_opened.append(_opened_line(item, record))


def _opened_line(item: SyncException, record: AppliedListing) -> str:
    """A drift exception as `bookbridge reconcile` prints it, worded as a sync's (`sync_exceptions.opened_line`):
    `edited in the store: Roseanna (Hardback), ISBN 9780007232833 on store 'shop': …`."""
    isbn = item.isbn or isbn_of(record)
    name = record.payloads.get(Section.CORE, {}).get("name")
    edition = named_edition(isbn, str(name)) if name else f"ISBN {isbn}"
    return f"{kind_words(item.kind, item.storefront)}: {edition} on store {item.storefront!r}: {item.message}"


def _edit(change: FieldChange) -> str:
    """The store's value and ours, in words: `£1.50, ours £9.99`; a custom field by its name, whole (`Series:
    “The Harbour”, ours “The Harbour Lights”`) (`find_drift`: before is ours, after theirs)."""
    return "; ".join(f"{name + ': ' if name else ''}{theirs}, ours {ours}"
                     for name, ours, theirs in differences_said(change))


# An exception is resolved by hand with a note (docs/glossary.md, exception): the CLI, the API and the dashboard
# refuse one that says nothing in these words.
NOTE_NEEDED = "a note is needed: say what was done about it"


def resolution_note(note: str) -> str:
    """A note resolving an exception by hand, without the spaces around it; ValueError (NOTE_NEEDED) when nothing
    is left."""
    if not (text := note.strip()):
        raise ValueError(NOTE_NEEDED)
    return text


def release_drift(uow: UnitOfWork, exception_id: int, *, note: str, clock: Clock,
                  keep_store_value: bool = False, store: Storefront | None = None) -> SyncException:
    """Resolve an exception by hand, with a note (`resolution_note`): a drift exception releases the held sections
    of its product, and an ISBN change is accepted (`isbn_changes.accept_isbn_change`: the next sync replaces the
    old ISBN's product).

    By default the held sections' hashes are forgotten, so the next sync overwrites the store's edit. With
    `keep_store_value` the store's values (read back from `store`) are recorded as applied and the hashes kept,
    so the edit stays until the source itself changes that section.
    """
    note = resolution_note(note)
    with uow:
        item = next((x for x in uow.exceptions.open_items() if x.id == exception_id), None)
        if item is not None and item.kind is ExceptionKind.DRIFT and item.storefront:
            _release(uow, item, keep_store_value, store)
        elif item is not None and item.kind is ExceptionKind.ISBN_CHANGED and item.storefront:
            accept_isbn_change(uow, item)
        resolved = uow.exceptions.resolve(exception_id, note=note, at=clock.now())
        uow.commit()
    return resolved


def _release(uow: UnitOfWork, item: SyncException, keep_store_value: bool, store: Storefront | None) -> None:
    name = item.storefront or ""
    for record in uow.state.applied(name).values():
        if isbn_of(record) != item.isbn or not record.held:
            continue
        if not keep_store_value:
            hashes = {s: h for s, h in record.hashes.items() if s not in record.held}
            uow.state.record_applied(name, replace(record, hashes=hashes, held=frozenset()))
            continue
        if store is None:
            raise ValueError("keeping the store's value needs the storefront to read it back")
        product = next((p for p in store.read_back() if p.product_id == record.product_id), None)
        payloads = {s: dict(p) for s, p in record.payloads.items()}
        if product is not None:
            for section in record.held:
                payloads[section] = {k: product.fields.get(k, v) for k, v in payloads.get(section, {}).items()}
        uow.state.record_applied(name, replace(record, payloads=payloads, held=frozenset()))
