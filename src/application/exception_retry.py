"""What retrying an exception does, by what it is about: one answer for `bookbridge exceptions retry`, the
dashboard's retry button and `POST /api/exceptions/{id}/retry` alike.

- an edition's exception: only that edition's product is written (`application.sync.retry_edition`);
- an exception of no edition on the catalogue's side (a source that could not be read, a record not read, the
  store's sync lease): a sync of the store, which reads the source again;
- the order import's (`orders:shop`): an order import, which reads the store's orders again;
- a sales sink's (`sales-sink:ledger`): its pending days sent to it again (`application.orders.deliver_sales`).
Each resolves its exception when it succeeds; a sync of the store could never fix the order import or a sink.

An exception no retry can fix is not retried (`RetryBy.NOTHING`, its `what` says what to do instead): a milestone
action the catalogue rules out (`action-not-possible`), an edit in the store (`drift`), an ISBN changed in the
source (`isbn-changed`): each needs a person's decision, and a retry would only fail again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bookbridge.application.exception_words import ORDERS, SALES_SINK, is_record
from bookbridge.domain.ports import ExceptionKind, SyncException


class RetryBy(StrEnum):
    EDITION = "edition"
    SYNC = "sync"
    ORDER_IMPORT = "order-import"
    DELIVERY = "delivery"
    NOTHING = "nothing"  # no retry can fix it: `what` says what to do instead


# What to do instead of a retry, by the kinds a retry cannot fix (docs/operations.md's exception table says why).
NOT_RETRIED = {
    ExceptionKind.ACTION_NOT_POSSIBLE: "no store refused anything, so a retry cannot help: if the catalogue is "
                                       "right, resolve it with a note (`bookbridge exceptions resolve {id} --note "
                                       "…`); if not, fix the edition in the source, then resolve it",
    ExceptionKind.DRIFT: "a retry cannot decide between the store's edit and bookbridge's value: resolve it with a "
                         "note (`bookbridge exceptions resolve {id} --note …`) to restore bookbridge's value at the "
                         "next sync, or add `--keep-store-value` to keep the store's edit",
    ExceptionKind.ISBN_CHANGED: "a retry cannot tell a typo from a real change: correct a typo in the source (the "
                                "next sync resolves it), or resolve it with a note (`bookbridge exceptions resolve "
                                "{id} --note …`) to accept the new ISBN",
}


# The dashboard's button for each, and what it does, in its title.
BUTTONS = {RetryBy.EDITION: ("Retry edition", "Send this edition again (only its product)"),
           RetryBy.SYNC: ("Retry sync", "Sync the store again, reading the source"),
           RetryBy.ORDER_IMPORT: ("Retry import", "Import the store's orders again"),
           RetryBy.DELIVERY: ("Retry delivery", "Send the sales sink its pending days again")}


@dataclass(frozen=True)
class Retry:
    """How an exception is retried: `by` what, `subject` (the edition's ISBN, the sales sink's name; else None)
    and `what` it does, in words, for a sentence: `Retry queued for exception 9: {what}; …`."""

    by: RetryBy
    subject: str | None
    what: str

    @property
    def button(self) -> tuple[str, str] | None:
        """The dashboard's button: its label and its title; None when no retry can fix the exception."""
        return BUTTONS.get(self.by)

    @property
    def refused(self) -> bool:
        """No retry can fix the exception: `what` says what to do instead."""
        return self.by is RetryBy.NOTHING


def retry_of(item: SyncException, store: str) -> Retry:
    """What retrying `item` does, in the store named `store`."""
    if (instead := NOT_RETRIED.get(item.kind)) is not None:
        return Retry(RetryBy.NOTHING, None, f"exception {item.id} is not retried: {instead.format(id=item.id)}")
    place = item.storefront or ""
    if place.startswith(ORDERS):
        return Retry(RetryBy.ORDER_IMPORT, None, f"an order import of store {store!r}, reading its orders again")
    if place.startswith(SALES_SINK):
        sink = place.removeprefix(SALES_SINK)
        return Retry(RetryBy.DELIVERY, sink, f"a delivery of the pending sales days to sales sink {sink!r}")
    if item.isbn is None or is_record(item.kind, item.isbn, item.storefront):
        return Retry(RetryBy.SYNC, None, f"a sync of store {store!r}, reading the source again")
    return Retry(RetryBy.EDITION, item.isbn, f"edition {item.isbn} only (its product is written to the store)")
