"""The SalesSink contract: every day sent is replaced whole, so that a re-send never counts a sale twice.

Subclass it in a pytest module as `Test…` and implement::

    class TestMySink(SalesSinkContract):
        def make_sink(self) -> SalesSink: ...              # over an empty target
        def received(self, sink) -> set[SalesFact]: ...    # every fact the target now holds

The checks: what is written is what the target holds; writing a day again replaces that day (a fact left out
is gone), and leaves the other days alone; an empty write changes nothing. A fact with neither units nor
money may be left out by the target (a cancelled sale): `received` need not return it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date
from decimal import Decimal

from bookbridge.domain.ports import SalesFact, SalesSink

DAY = date(2026, 11, 27)
NEXT_DAY = date(2026, 11, 28)
PAPERBACK = "9780141036144"
HARDBACK = "9780007232833"


def fact(isbn: str = PAPERBACK, day: date = DAY, quantity: int = 2, amount: str = "19.98", *,
         storefront: str = "uk", fmt: str = "paperback", currency: str = "GBP") -> SalesFact:
    return SalesFact(isbn=isbn, format=fmt, storefront=storefront, day=day, quantity=quantity,
                     net_amount=Decimal(amount), currency=currency)


class SalesSinkContract(ABC):
    """Subclass as `Test…`; `make_sink` returns a sink over an empty target for each test."""

    @abstractmethod
    def make_sink(self) -> SalesSink:
        ...

    @abstractmethod
    def received(self, sink: SalesSink) -> set[SalesFact]:
        """Every fact the sink's target holds now (amounts compared as decimals, two places)."""

    def test_the_sink_is_a_sales_sink_with_a_name(self) -> None:
        sink = self.make_sink()
        assert isinstance(sink, SalesSink)
        assert isinstance(sink.name, str) and sink.name.strip()

    def test_what_is_written_is_what_the_target_holds(self) -> None:
        sink = self.make_sink()
        facts = {fact(), fact(HARDBACK, fmt="hardback", quantity=1, amount="20.00"),
                 fact(storefront="us", currency="USD", amount="25.00")}
        sink.write(sorted(facts, key=lambda f: (f.storefront, f.isbn)))
        assert self.received(sink) == facts

    def test_a_day_written_again_is_replaced_whole(self) -> None:
        sink = self.make_sink()
        sink.write([fact(), fact(HARDBACK, fmt="hardback", quantity=1, amount="20.00")])
        sink.write([fact(quantity=3, amount="29.97")])  # the hardback's sale was cancelled
        assert self.received(sink) == {fact(quantity=3, amount="29.97")}

    def test_other_days_are_left_alone(self) -> None:
        sink = self.make_sink()
        sink.write([fact(day=DAY)])
        sink.write([fact(day=NEXT_DAY, quantity=5, amount="49.95")])
        assert self.received(sink) == {fact(day=DAY), fact(day=NEXT_DAY, quantity=5, amount="49.95")}

    def test_an_empty_write_changes_nothing(self) -> None:
        sink = self.make_sink()
        sink.write([fact()])
        sink.write([])
        assert self.received(sink) == {fact()}
