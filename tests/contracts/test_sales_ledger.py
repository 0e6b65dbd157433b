"""The SQL sales ledger on SQLite and PostgreSQL: it agrees with the in-memory ledger on any import history,
keeps exact amounts, and keeps pending days and cursors across sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine

from bookbridge.adapters.memory.orders import InMemorySalesLedger
from bookbridge.adapters.persistence import make_session_factory
from bookbridge.adapters.persistence.errors import PersistenceError
from bookbridge.adapters.persistence.sales import SqlAlchemySalesLedger
from bookbridge.domain.ports import SalesFact
from bookbridge.domain.sales import (
    FactKey,
    LineContribution,
    OrderContributions,
    OrderLine,
    StoreOrder,
    order_contributions,
)
from contracts.conftest import _empty
from sales_strategies import ISBNS, T0, order_histories

EVER = (date(2000, 1, 1), date(2100, 1, 1))


def contribute(order: StoreOrder) -> OrderContributions:
    return order_contributions(order, storefront=f"s{order.channel_id}", zone=ZoneInfo("Europe/London"),
                               format_of=lambda isbn: "paperback" if isbn == ISBNS[0] else "unknown")


@pytest.fixture
def ledger(engine: Engine) -> SqlAlchemySalesLedger:
    return SqlAlchemySalesLedger(make_session_factory(engine))


def test_an_order_is_counted_once_however_often_it_is_recorded(ledger):
    order = StoreOrder(1, 1, 11, T0, T0, "GBP", (OrderLine(1, ISBNS[0], 2, Decimal("12.3456")),))
    first = ledger.record(contribute(order), notify=("csv", "gql"))
    again = ledger.record(contribute(order), notify=("csv", "gql"))
    assert first.changed and not first.seen_before
    assert again.changed == frozenset() and again.seen_before
    assert ledger.facts(*EVER) == [SalesFact(ISBNS[0], "paperback", "s1", T0.date(), 2, Decimal("12.3456"), "GBP")]
    assert ledger.pending("csv") == ledger.pending("gql") == {T0.date()}


def test_an_older_snapshot_is_ignored_and_a_newer_one_replaces(ledger):
    line = OrderLine(1, ISBNS[0], 2, Decimal("10"))
    new = StoreOrder(1, 1, 11, T0, T0 + timedelta(minutes=5), "GBP", (line,))
    old = StoreOrder(1, 1, 11, T0, T0, "GBP", (line, OrderLine(2, ISBNS[1], 5, Decimal("50"))))
    ledger.record(contribute(new), notify=())
    assert ledger.record(contribute(old), notify=()).stale
    assert [f.quantity for f in ledger.facts(*EVER)] == [2]
    cancelled = StoreOrder(1, 1, 5, T0, T0 + timedelta(minutes=9), "GBP", (line,))
    outcome = ledger.record(contribute(cancelled), notify=("csv",))
    assert {k.isbn for k in outcome.changed} == {ISBNS[0]}
    assert [(f.quantity, f.net_amount) for f in ledger.facts(*EVER)] == [(0, Decimal(0))]


def test_pending_days_go_once_delivered_and_facts_for_days_reads_just_those_days(ledger):
    for n in range(3):
        at = T0 + timedelta(days=n)
        ledger.record(contribute(StoreOrder(n, 1, 11, at, at, "GBP", (OrderLine(1, ISBNS[0], 1, Decimal(1)),))),
                      notify=("csv",))
    days = {(T0 + timedelta(days=n)).date() for n in range(3)}
    assert ledger.pending("csv") == days
    ledger.delivered("csv", [T0.date()])
    assert ledger.pending("csv") == days - {T0.date()}
    assert [f.day for f in ledger.facts_for_days([T0.date()])] == [T0.date()]
    assert ledger.facts_for_days([]) == []


def test_the_cursor_is_kept_per_source_as_a_utc_instant(ledger):
    assert ledger.cursor("shop") is None
    ledger.set_cursor("shop", datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    ledger.set_cursor("shop", datetime(2026, 11, 28, 11, 0, tzinfo=UTC))
    assert ledger.cursor("shop") == datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    assert ledger.cursor("shop").tzinfo is not None
    assert ledger.cursor("other") is None


def test_an_amount_with_more_than_four_decimals_is_refused_naming_the_line(ledger):
    key = FactKey(ISBNS[0], "paperback", "s1", T0.date(), "GBP")
    bad = OrderContributions(3, T0, (LineContribution(3, 4, key, 1, Decimal("0.00001")),))
    with pytest.raises(ValueError, match="order 3 line 4, field net_amount"):
        ledger.record(bad, notify=())
    assert ledger.facts(*EVER) == []


def test_a_database_refusal_names_the_order_and_the_field(ledger):
    key = FactKey(None, "paperback", "s1", T0.date(), "GBP")  # type: ignore[arg-type]
    missing_isbn = OrderContributions(8, T0, (LineContribution(8, 1, key, 1, Decimal(1)),))
    with pytest.raises(PersistenceError, match="sales of order 8") as refused:
        ledger.record(missing_isbn, notify=())
    assert "isbn" in str(refused.value)
    assert ledger.facts(*EVER) == []


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(history=order_histories(max_orders=3, max_versions=3))
def test_the_sql_ledger_agrees_with_the_memory_ledger_on_any_history(engine, history):
    _empty(engine)
    sql, memory = SqlAlchemySalesLedger(make_session_factory(engine)), InMemorySalesLedger()
    for snapshot in history:
        contributions = contribute(snapshot)
        assert sql.record(contributions, notify=("csv",)) == memory.record(contributions, notify=("csv",))
    assert sql.facts(*EVER) == memory.facts(*EVER)
    assert sql.pending("csv") == memory.pending("csv")
