"""What retrying an exception does, by what it is about: one answer for `bookbridge exceptions retry`, the
dashboard's retry button and `POST /api/exceptions/{id}/retry` alike.

- an edition's exception: only that edition's product is written (`application.sync.retry_edition`);
- an exception of no edition on the catalogue's side (a source that could not be read, a record not read, the
  store's sync lease): a sync of the store, which reads the source again;
- the order import's (`orders:shop`): an order import, which reads the store's orders again;
- a sales sink's (`sales-sink:ledger`): its pending days sent to it again (`application.orders.deliver_sales`).
Each resolves its exception when it succeeds; a sync of the store could never fix the order import or a sink.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bookbridge.application.exception_words import ORDERS, SALES_SINK, is_record
from bookbridge.domain.ports import SyncException


class RetryBy(StrEnum):
    EDITION = "edition"
    SYNC = "sync"
    ORDER_IMPORT = "order-import"
    DELIVERY = "delivery"


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
    def button(self) -> tuple[str, str]:
        """The dashboard's button: its label and its title."""
        return BUTTONS[self.by]


def retry_of(item: SyncException, store: str) -> Retry:
    """What retrying `item` does, in the store named `store`."""
    place = item.storefront or ""
    if place.startswith(ORDERS):
        return Retry(RetryBy.ORDER_IMPORT, None, f"an order import of store {store!r}, reading its orders again")
    if place.startswith(SALES_SINK):
        sink = place.removeprefix(SALES_SINK)
        return Retry(RetryBy.DELIVERY, sink, f"a delivery of the pending sales days to sales sink {sink!r}")
    if item.isbn is None or is_record(item.kind, item.isbn, item.storefront):
        return Retry(RetryBy.SYNC, None, f"a sync of store {store!r}, reading the source again")
    return Retry(RetryBy.EDITION, item.isbn, f"edition {item.isbn} alone (only its product is sent)")
