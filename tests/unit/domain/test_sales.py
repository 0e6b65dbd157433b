"""Orders into sales: the counting rule, refunds, replacement of an order seen again, and the reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.adapters.memory.orders import InMemorySalesLedger
from bookbridge.domain.ports import SalesFact
from bookbridge.domain.sales import (
    UNKNOWN_FORMAT,
    Grouping,
    OrderLine,
    ReprintPolicy,
    StoreOrder,
    format_velocity,
    latest_sales_day,
    order_contributions,
    period_start,
    replace_order,
    reprint_signals,
    sales_facts,
    sales_totals,
)
from sales_strategies import ISBNS, T0, latest_snapshots, order_histories

FORMATS = {ISBNS[0]: "paperback", ISBNS[1]: "hardback"}
UTC_ZONE = ZoneInfo("UTC")


def fmt(isbn: str) -> str:
    return FORMATS.get(isbn, UNKNOWN_FORMAT)


def order(status: int = 11, *lines: OrderLine, created: datetime = T0, **kw: object) -> StoreOrder:
    fields: dict[str, object] = {"order_id": 7, "channel_id": 1, "status_id": status, "date_created": created,
                                 "date_modified": created, "currency": "GBP", "lines": lines, **kw}
    return StoreOrder(**fields)  # type: ignore[arg-type]


def contribute(o: StoreOrder, zone: ZoneInfo = UTC_ZONE):
    return order_contributions(o, storefront="uk", zone=zone, format_of=fmt)


def facts_of(o: StoreOrder) -> list[SalesFact]:
    return sales_facts(contribute(o).lines)


def test_a_paid_order_line_is_one_fact_keyed_by_isbn_format_storefront_day_and_currency():
    o = order(11, OrderLine(1, ISBNS[0], 3, Decimal("23.97")), OrderLine(2, ISBNS[0], 1, Decimal("7.99")))
    assert facts_of(o) == [SalesFact(ISBNS[0], "paperback", "uk", T0.date(), 4, Decimal("31.96"), "GBP")]


@pytest.mark.parametrize("status", [0, 5, 6, 4])  # Incomplete, Cancelled, Declined, Refunded
def test_cancelled_declined_incomplete_and_refunded_orders_count_zero_but_keep_their_key(status):
    o = order(status, OrderLine(1, ISBNS[1], 2, Decimal("30.00")))
    assert facts_of(o) == [SalesFact(ISBNS[1], "hardback", "uk", T0.date(), 0, Decimal(0), "GBP")]


def test_an_archived_order_counts_zero():
    assert facts_of(order(10, OrderLine(1, ISBNS[1], 2, Decimal("30")), archived=True))[0].quantity == 0


def test_a_partial_refund_takes_off_the_refunded_units_and_amount():
    o = order(14, OrderLine(1, ISBNS[0], 3, Decimal("30.00"), refunded_quantity=1, refunded_amount=Decimal("10.00")))
    (fact,) = facts_of(o)
    assert (fact.quantity, fact.net_amount) == (2, Decimal("20.00"))


def test_a_refund_never_makes_a_sale_negative():
    o = order(14, OrderLine(1, ISBNS[0], 1, Decimal("5"), refunded_quantity=3, refunded_amount=Decimal("9")))
    (fact,) = facts_of(o)
    assert (fact.quantity, fact.net_amount) == (0, Decimal(0))


def test_a_sku_that_is_not_an_isbn_is_a_problem_naming_order_line_and_field_never_dropped_silently():
    c = contribute(order(11, OrderLine(1, "TOTE-BAG", 1, Decimal("5")), OrderLine(2, ISBNS[0], 1, Decimal("8"))))
    assert [line.line_id for line in c.lines] == [2]
    (rejected,) = c.rejected
    assert (rejected.line_id, rejected.sku) == (1, "TOTE-BAG")
    assert rejected.problem.record == "order 7 line 1" and rejected.problem.field == "sku"
    assert "TOTE-BAG" in rejected.problem.message and "not a valid ISBN" in rejected.problem.message


def test_an_isbn_the_catalogue_lacks_is_counted_with_format_unknown():
    (fact,) = facts_of(order(11, OrderLine(1, ISBNS[2], 1, Decimal("5"))))
    assert fact.format == UNKNOWN_FORMAT and fact.quantity == 1


def test_isbn_10_and_hyphenated_skus_count_under_their_isbn_13():
    (fact,) = facts_of(order(11, OrderLine(1, "978-0-14-103614-4", 1, Decimal("5")),
                             OrderLine(2, "0141036141", 1, Decimal("5"))))
    assert (fact.isbn, fact.quantity) == (ISBNS[0], 2)


def test_the_day_is_the_creation_instant_in_the_storefronts_time_zone():
    late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # already the 28th in Sydney
    c = order_contributions(order(11, OrderLine(1, ISBNS[0], 1, Decimal(1)), created=late), storefront="au",
                            zone=ZoneInfo("Australia/Sydney"), format_of=fmt)
    assert c.lines[0].key.day == date(2026, 11, 28)


def test_an_order_seen_again_replaces_its_lines_and_a_lost_line_stays_as_zeros():
    first = contribute(order(11, OrderLine(1, ISBNS[0], 2, Decimal("10")), OrderLine(2, ISBNS[1], 1, Decimal("20"))))
    second = contribute(order(11, OrderLine(1, ISBNS[0], 1, Decimal("5"))))
    kept, changed = replace_order(first.lines, second.lines)
    assert {(c.line_id, c.quantity) for c in kept} == {(1, 1), (2, 0)}
    assert {k.isbn for k in changed} == {ISBNS[0], ISBNS[1]}
    again, unchanged = replace_order(kept, second.lines)
    assert unchanged == set() and sorted(again, key=lambda c: c.line_id) == sorted(kept, key=lambda c: c.line_id)


@given(order_histories())
def test_importing_any_sequence_of_snapshots_gives_the_facts_of_each_orders_latest_snapshot(history):
    """Repeats, edits, cancellations, refunds and stale re-reads: the ledger ends where the latest snapshots are."""
    ledger = InMemorySalesLedger()
    for snapshot in history:
        ledger.record(contribute(snapshot), notify=("csv",))
    expected = sales_facts(line for o in latest_snapshots(history) for line in contribute(o).lines)
    everything = ledger.facts(date(2000, 1, 1), date(2100, 1, 1))

    def nonzero(facts: list[SalesFact]) -> list[SalesFact]:
        return [f for f in facts if f.quantity or f.net_amount]

    assert nonzero(everything) == nonzero(expected)
    # Every day that ever had a counted line is pending for the sink, so no change is left unsent.
    assert ledger.pending("csv") >= {f.day for f in everything}


@given(order_histories())
def test_recording_the_same_snapshot_twice_changes_nothing(history):
    ledger = InMemorySalesLedger()
    for snapshot in history:
        ledger.record(contribute(snapshot), notify=())
    before = ledger.facts(date(2000, 1, 1), date(2100, 1, 1))
    for snapshot in latest_snapshots(history):
        outcome = ledger.record(contribute(snapshot), notify=())
        assert outcome.changed == frozenset() and outcome.seen_before
    assert ledger.facts(date(2000, 1, 1), date(2100, 1, 1)) == before


def fact(isbn: str, day: date, qty: int, amount: str, *, fmt_: str = "paperback", store: str = "uk",
         currency: str = "GBP") -> SalesFact:
    return SalesFact(isbn, fmt_, store, day, qty, Decimal(amount), currency)


MON = date(2026, 11, 23)
FACTS = [
    fact(ISBNS[0], MON, 3, "30.00"),
    fact(ISBNS[0], MON + timedelta(days=8), 1, "10.00"),
    fact(ISBNS[1], MON, 5, "100.00", fmt_="hardback", store="us", currency="USD"),
    fact(ISBNS[1], MON + timedelta(days=1), 1, "15.00", fmt_="hardback"),
]


@pytest.mark.parametrize(("grouping", "expected"), [
    (Grouping.EDITION, [(ISBNS[1], "USD", 5, "100.00"), (ISBNS[0], "GBP", 4, "40.00"), (ISBNS[1], "GBP", 1, "15.00")]),
    (Grouping.FORMAT, [("hardback", "USD", 5, "100.00"), ("paperback", "GBP", 4, "40.00"),
                       ("hardback", "GBP", 1, "15.00")]),
    (Grouping.STOREFRONT, [("uk", "GBP", 5, "55.00"), ("us", "USD", 5, "100.00")]),
    (Grouping.WEEK, [("2026-11-23", "GBP", 4, "45.00"), ("2026-11-23", "USD", 5, "100.00"),
                     ("2026-11-30", "GBP", 1, "10.00")]),
    (Grouping.MONTH, [("2026-11-01", "GBP", 4, "45.00"), ("2026-11-01", "USD", 5, "100.00"),
                      ("2026-12-01", "GBP", 1, "10.00")]),
])
def test_totals_group_units_and_revenue_and_never_add_currencies(grouping, expected):
    rows = [(t.group, t.currency, t.units, str(t.revenue)) for t in sales_totals(FACTS, grouping)]
    assert rows == expected


def test_a_work_adds_up_its_formats_and_an_unknown_isbn_is_a_work_of_its_own():
    facts = [*FACTS, fact(ISBNS[2], MON, 2, "8.00", fmt_="ebook-epub")]
    rows = [(t.group, t.currency, t.units, str(t.revenue))
            for t in sales_totals(facts, Grouping.FAMILY, {ISBNS[0]: "work-1", ISBNS[1]: "work-1"})]
    assert rows == [("work-1", "GBP", 5, "55.00"), ("work-1", "USD", 5, "100.00"), (ISBNS[2], "GBP", 2, "8.00")]
    assert [t.group for t in sales_totals(facts, Grouping.FAMILY)] == [
        t.group for t in sales_totals(facts, Grouping.EDITION)]  # no catalogue: each ISBN stands alone


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_a_period_starts_on_a_monday_or_the_first_and_contains_the_day(day):
    week, month = period_start(day, Grouping.WEEK), period_start(day, Grouping.MONTH)
    assert week.weekday() == 0 and week <= day < week + timedelta(days=7)
    assert month.day == 1 and (month.year, month.month) == (day.year, day.month)


def test_format_velocity_ranks_the_fastest_format_first():
    ranked = format_velocity(FACTS, start=MON, end=MON + timedelta(days=13))
    assert [(v.format, v.units, v.units_per_week) for v in ranked] == [
        ("hardback", 6, Decimal("3.00")), ("paperback", 4, Decimal("2.00"))]


def test_reprint_signal_gives_weeks_of_cover_and_flags_below_the_threshold():
    end = MON + timedelta(days=27)
    facts = [fact(ISBNS[0], MON + timedelta(days=i), 2, "20") for i in range(28)]  # 14 a week
    facts += [fact(ISBNS[1], MON, 4, "60", fmt_="hardback")]  # 1 a week
    facts += [fact(ISBNS[2], MON, 1, "5", fmt_="ebook-epub")]  # stock unknown
    signals = {s.isbn: s for s in reprint_signals(facts, {ISBNS[0]: 70, ISBNS[1]: 50}, end=end,
                                                 policy=ReprintPolicy(window_days=28, threshold_weeks=Decimal(8)))}
    assert (signals[ISBNS[0]].units_per_week, signals[ISBNS[0]].weeks_of_cover, signals[ISBNS[0]].reprint) == (
        Decimal("14.0"), Decimal("5.0"), True)
    assert (signals[ISBNS[1]].weeks_of_cover, signals[ISBNS[1]].reprint) == (Decimal("50.0"), False)
    assert (signals[ISBNS[2]].stock, signals[ISBNS[2]].weeks_of_cover, signals[ISBNS[2]].reprint) == (None, None, False)


def test_rates_carry_one_decimal_rounded_once_from_the_exact_rate():
    """37 units in 4 weeks: 9.25 a week reads 9.3; 10 in 4 weeks, 2.5 a week, with 11 in stock: 4.4 weeks. And
    2 units in 57 days are 0.2456… a week: rounded once, 0.2 (rounding to 0.25 first would give 0.3)."""
    end = MON + timedelta(days=27)
    facts = [fact(ISBNS[0], MON, 37, "370"), fact(ISBNS[1], MON, 10, "100", fmt_="hardback")]
    (fast, slow) = reprint_signals(facts, {ISBNS[0]: 1000, ISBNS[1]: 11}, end=end)[::-1]
    assert (fast.units_per_week, slow.units_per_week, slow.weeks_of_cover) == (
        Decimal("9.3"), Decimal("2.5"), Decimal("4.4"))
    (rate,) = format_velocity([fact(ISBNS[0], MON, 2, "20")], start=MON, end=MON + timedelta(days=56))
    assert str(rate.units_per_week) == "0.2"


def test_reprint_signal_ignores_sales_outside_the_window():
    old = fact(ISBNS[0], MON - timedelta(days=60), 100, "1000")
    assert reprint_signals([old], {ISBNS[0]: 1}, end=MON) == []


# --- the latest day a sale can carry -----------------------------------------------------------------------------

TOKYO, LONDON, NEW_YORK = ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


@pytest.mark.parametrize(("at", "zones", "day"), [
    # 20:00 UTC on 7 December: 05:00 on the 8th in Tokyo, which already sells on the 8th
    (datetime(2026, 12, 7, 20, 0, tzinfo=UTC), (LONDON, TOKYO), date(2026, 12, 8)),
    (datetime(2026, 12, 7, 20, 0, tzinfo=UTC), (LONDON, NEW_YORK), date(2026, 12, 7)),
    # 02:00 UTC on the 8th: still the 7th in New York, the only storefront; UTC's 8th holds no sale of its
    (datetime(2026, 12, 8, 2, 0, tzinfo=UTC), (NEW_YORK,), date(2026, 12, 7)),
    (datetime(2026, 12, 8, 2, 0, tzinfo=UTC), (), date(2026, 12, 8)),  # no storefront: UTC's day
])
def test_the_latest_sales_day_is_the_latest_storefront_s_local_day(at, zones, day):
    assert latest_sales_day(at, zones) == day


def test_the_latest_sales_day_takes_an_aware_instant():
    with pytest.raises(ValueError, match="no time zone"):
        latest_sales_day(datetime(2026, 12, 7, 20, 0), (TOKYO,))
