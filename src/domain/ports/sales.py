"""Sales: where orders come from, the ledger of what was counted, and where the facts go."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from bookbridge.domain.sales import OrderContributions, RecordOutcome, SalesFact, StoreOrder

__all__ = ["OrderSource", "SalesFact", "SalesLedger", "SalesSink"]


@runtime_checkable
class SalesSink(Protocol):
    """Where sales facts go (a CSV folder, a GraphQL mutation); `name` keys what it has still to receive."""

    name: str

    def write(self, facts: Sequence[SalesFact]) -> None:
        """Deliver sales facts (the whole set for each day given, so a re-send replaces, never adds)."""
        ...


@runtime_checkable
class OrderSource(Protocol):
    """Where store orders come from (BigCommerce `/v2/orders`)."""

    name: str

    def orders_modified_since(self, since: datetime | None) -> Iterator[StoreOrder]:
        """Every order modified at or after `since` (all orders when None), oldest modification first, read page by
        page. Raises OrderSourceError when the store cannot be read."""
        ...


class SalesLedger(Protocol):
    """Per order line, the contribution last counted; which days each sink has still to receive; cursors."""

    def record(self, order: OrderContributions, *, notify: Sequence[str]) -> RecordOutcome:
        """Replace the order's line contributions (lines it lost are kept as zeros) unless a newer snapshot is
        recorded, and mark each changed day pending for every sink in `notify`, in one transaction."""
        ...

    def facts(self, start: date, end: date) -> list[SalesFact]:
        """The sales facts of every day from `start` to `end`, both included."""
        ...

    def facts_for_days(self, days: Iterable[date]) -> list[SalesFact]:
        ...

    def pending(self, sink: str) -> set[date]:
        """Days whose facts changed since `sink` last received them."""
        ...

    def delivered(self, sink: str, days: Iterable[date]) -> None:
        ...

    def cursor(self, name: str) -> datetime | None:
        ...

    def set_cursor(self, name: str, at: datetime) -> None:
        ...
