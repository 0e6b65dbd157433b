"""Orders and the sales ledger in memory: real code for application tests and plugin authors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from bookbridge.domain.ports import OrderSource, SalesFact, SalesLedger
from bookbridge.domain.sales import (
    LineContribution,
    OrderContributions,
    OrderSourceError,
    RecordOutcome,
    StoreOrder,
    replace_order,
    sales_facts,
)


class InMemoryOrderSource(OrderSource):
    """A store's orders, latest snapshot per order id. `fail_with` makes the next read raise (fault drills)."""

    def __init__(self, name: str = "memory", orders: Iterable[StoreOrder] = ()) -> None:
        self.name = name
        self.orders: dict[int, StoreOrder] = {}
        self.fail_with: OrderSourceError | None = None
        self.reads: list[datetime | None] = []
        for order in orders:
            self.put(order)

    def put(self, order: StoreOrder) -> None:
        self.orders[order.order_id] = order

    def orders_modified_since(self, since: datetime | None) -> Iterator[StoreOrder]:
        self.reads.append(since)
        if self.fail_with is not None:
            raise self.fail_with
        found = [o for o in self.orders.values() if since is None or o.date_modified >= since]
        yield from sorted(found, key=lambda o: (o.date_modified, o.order_id))


class InMemorySalesLedger(SalesLedger):
    def __init__(self) -> None:
        self.orders: dict[int, tuple[datetime, list[LineContribution]]] = {}
        self.pending_days: dict[str, set[date]] = {}
        self.cursors: dict[str, datetime] = {}

    def record(self, order: OrderContributions, *, notify: Sequence[str]) -> RecordOutcome:
        stored = self.orders.get(order.order_id)
        if stored is not None and stored[0] > order.date_modified:
            return RecordOutcome(stale=True)
        previous = stored[1] if stored is not None else []
        kept, changed = replace_order(previous, order.lines)
        self.orders[order.order_id] = (order.date_modified, kept)
        for sink in notify:
            self.pending_days.setdefault(sink, set()).update(k.day for k in changed)
        return RecordOutcome(frozenset(changed), seen_before=stored is not None and stored[0] == order.date_modified)

    def _all(self) -> Iterator[LineContribution]:
        for _, lines in self.orders.values():
            yield from lines

    def facts(self, start: date, end: date) -> list[SalesFact]:
        return sales_facts(c for c in self._all() if start <= c.key.day <= end)

    def facts_for_days(self, days: Iterable[date]) -> list[SalesFact]:
        wanted = set(days)
        return sales_facts(c for c in self._all() if c.key.day in wanted)

    def pending(self, sink: str) -> set[date]:
        return set(self.pending_days.get(sink, set()))

    def delivered(self, sink: str, days: Iterable[date]) -> None:
        self.pending_days.get(sink, set()).difference_update(days)

    def cursor(self, name: str) -> datetime | None:
        return self.cursors.get(name)

    def set_cursor(self, name: str, at: datetime) -> None:
        self.cursors[name] = at
