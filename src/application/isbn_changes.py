"""A record whose ISBN changed in the source: its product is kept as it is, and a person decides.

Planning holds the change (`applied.isbn_changes`): the old product is neither hidden nor updated, and no product is
made for the new ISBN. A sync opens one exception per record, on the store, under the old ISBN (the edition the
store sells), and resolves it itself once the source gives the record its old ISBN again (a typo fixed) or the
change is no longer held. Resolving it by hand accepts the change (`accept_isbn_change`): the next sync hides the
old product and creates one for the new ISBN.
"""

from __future__ import annotations

import logging

from bookbridge.application.exception_words import KIND_WORDS
from bookbridge.application.sync_exceptions import SyncReport, listing_words, opened_line
from bookbridge.domain.applied import IsbnChange, accepted
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.plan import Plan
from bookbridge.domain.ports import Clock, ExceptionKind, SyncException, UnitOfWork

logger = logging.getLogger("bookbridge.application.sync")
ISBN_FIELD = "ISBN"  # the field an ISBN-change exception names (ONIX ProductIdentifier 15; Consonance's isbn)
FIXED = "resolved: the source gives the record ISBN {isbn} again"
NOT_HELD = "resolved: no ISBN change of the record is held any more"
CHANGED = KIND_WORDS[ExceptionKind.ISBN_CHANGED]  # "ISBN changed in the source"


def change_message(change: IsbnChange) -> str:
    """What an ISBN change held in a plan is, and what a person can do about it, in words."""
    old, new = change.old, str(change.listing.isbns[0])
    return (f"record {change.record} ({change.listing.name}) now has ISBN {new}, not ISBN {old} under which "
            f"its product is in the store: the product is kept as it is, and no product is made for ISBN {new}. "
            f"If ISBN {new} is a mistake, correct it in the source: the next sync resolves this exception. If it "
            f"is right, resolve this exception: the next sync hides the product of ISBN {old} and creates one for "
            f"ISBN {new}")


def held_back_words(change: IsbnChange) -> str:
    """An ISBN change held in a plan, after `held back` (the plan's line, the sync's log line), as every edition
    held back is said: the edition by its new ISBN, then why (`Roseanna (Hardback), ISBN 9780306406157: ISBN
    changed in the source: record …`). It is counted held back from every storefront: no product is made for it."""
    return f"{listing_words(change.listing)}: {CHANGED}: {change_message(change)}"


def record_isbn_changes(plan: Plan, listings: tuple[StoreListing, ...], store: str, uow: UnitOfWork, clock: Clock,
                        report: SyncReport) -> None:
    """One exception per ISBN change the plan holds, on the store under the old ISBN; an open one whose change is
    no longer held resolves (the old ISBN back in `listings`: the typo was fixed)."""
    held = {change.old for change in plan.isbn_changed}
    with uow:
        for change in plan.isbn_changed:
            item = uow.exceptions.report(ExceptionKind.ISBN_CHANGED, isbn=change.old, storefront=store,
                                         message=change_message(change), field=ISBN_FIELD, at=clock.now())
            if item.count == 1:
                report.exceptions_opened.append(opened_line(item, change.listing))
            logger.warning("held back %s", held_back_words(change))
        present = {str(isbn) for listing in listings for isbn in listing.isbns}
        for item in uow.exceptions.open_items():
            if item.kind is ExceptionKind.ISBN_CHANGED and item.storefront == store and item.isbn not in held:
                note = FIXED.format(isbn=item.isbn) if item.isbn in present else NOT_HELD
                uow.exceptions.resolve(item.id, note=note, at=clock.now())
        uow.commit()


def accept_isbn_change(uow: UnitOfWork, item: SyncException) -> None:
    """A person resolved `item` (an ISBN change) by hand: the product of its old ISBN keeps no record, so the next
    sync hides it (its ISBN left the source) and creates a product for the record's new ISBN. In `uow`'s
    transaction, which the caller commits."""
    store = item.storefront or ""
    record = uow.state.applied(store).get(item.isbn or "")
    if record is not None and record.record is not None:
        uow.state.record_applied(store, accepted(record), previous=record)
