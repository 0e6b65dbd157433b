"""The OrderSource contract: every order modified since a point, each once, oldest modification first.

Subclass it in a pytest module as `Test…` and implement::

    class TestMyOrders(OrderSourceContract):
        def make_order_source(self) -> OrderSource: ...      # over an empty store
        def place_order(self, source, sku, quantity, price) -> int: ...  # one order, modified after the last

The checks: an empty store yields nothing; orders come back once each with their lines, oldest modification
first; `since` keeps the orders modified at or after it (the import re-reads an overlap, so the bound is
inclusive).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import Decimal

from bookbridge.domain.ports import OrderSource

PAPERBACK = "9780141036144"
HARDBACK = "9780007232833"


class OrderSourceContract(ABC):
    """Subclass as `Test…`; `make_order_source` returns a source over an empty store for each test."""

    @abstractmethod
    def make_order_source(self) -> OrderSource:
        ...

    @abstractmethod
    def place_order(self, source: OrderSource, sku: str, quantity: int, price: Decimal) -> int:
        """Place one order of one line in the source's store, modified later than every order before it;
        return its id."""

    def test_the_source_is_an_order_source_with_a_name(self) -> None:
        source = self.make_order_source()
        assert isinstance(source, OrderSource)
        assert isinstance(source.name, str) and source.name.strip()

    def test_an_empty_store_has_no_orders(self) -> None:
        assert list(self.make_order_source().orders_modified_since(None)) == []

    def test_every_order_comes_back_once_with_its_line_oldest_first(self) -> None:
        source = self.make_order_source()
        first = self.place_order(source, PAPERBACK, 2, Decimal("9.99"))
        second = self.place_order(source, HARDBACK, 1, Decimal("20.00"))
        orders = list(source.orders_modified_since(None))
        assert [o.order_id for o in orders] == [first, second]
        assert [o.date_modified for o in orders] == sorted(o.date_modified for o in orders)
        assert [(line.sku, line.quantity) for line in orders[0].lines] == [(PAPERBACK, 2)]
        assert [(line.sku, line.quantity) for line in orders[1].lines] == [(HARDBACK, 1)]

    def test_since_keeps_the_orders_modified_at_or_after_it(self) -> None:
        source = self.make_order_source()
        self.place_order(source, PAPERBACK, 1, Decimal("9.99"))
        later = self.place_order(source, HARDBACK, 1, Decimal("20.00"))
        [_, second] = list(source.orders_modified_since(None))
        assert [o.order_id for o in source.orders_modified_since(second.date_modified)] == [later]
