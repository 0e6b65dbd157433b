from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bookbridge.domain.pricing import PriceContext, price_at, pricing, pricing_problems
from bookbridge.domain.territory import Territory
from examples import gbp, usd

UK = PriceContext(currency="GBP", countries=frozenset({"GB"}), tax_inclusive=True, tz="Europe/London")
US = PriceContext(currency="USD", countries=frozenset({"US"}), tax_inclusive=False, tz="America/New_York")
NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)


def london(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=UK.zone)


def test_regular_price_in_the_store_currency() -> None:
    at = price_at([usd("24.99"), gbp("16.99")], UK, NOON)
    assert at is not None
    assert (at.currency, at.price, at.sale_price, at.effective, at.tax_inclusive) == (
        "GBP", Decimal("16.99"), None, Decimal("16.99"), True)
    us = price_at([usd("24.99"), gbp("16.99")], US, NOON)
    assert us is not None and us.price == Decimal("24.99") and us.tax_inclusive is False


def test_amounts_are_decimals_never_floats() -> None:
    at = price_at([gbp("0.30"), gbp("0.20", qualifier="08", valid_until=date(2026, 12, 31))], UK, NOON)
    assert at is not None
    assert isinstance(at.price, Decimal) and isinstance(at.sale_price, Decimal)
    assert at.price - at.effective == Decimal("0.10")


def test_a_row_whose_territory_does_not_cover_every_store_country_is_ignored() -> None:
    ireland_only = gbp("15.99", territory=Territory.of("IE"))
    assert price_at([ireland_only], UK, NOON) is None
    rest_of_world = gbp("14.99", territory=Territory.world(excluding="US CA"))
    at = price_at([ireland_only, rest_of_world], UK, NOON)
    assert at is not None and at.price == Decimal("14.99")
    both = UK.model_copy(update={"countries": frozenset({"GB", "IE"})})
    assert price_at([ireland_only], both, NOON) is None


def test_tax_display_filters_price_types() -> None:
    # List 58: 02 RRP including tax suits a GB store; 01 RRP excluding tax suits a US store.
    rows = [gbp("16.99"), gbp("14.16", price_type="01")]
    at = price_at(rows, UK, NOON)
    assert at is not None and at.price == Decimal("16.99")
    ex_tax_uk = UK.model_copy(update={"tax_inclusive": False})
    at = price_at(rows, ex_tax_uk, NOON)
    assert at is not None and at.price == Decimal("14.16")


def test_only_the_other_tax_display_is_a_blocking_mismatch_never_a_silent_mix() -> None:
    rows = [gbp("14.16", price_type="01"), gbp("13.00", price_type="41")]  # both exclude tax
    assert price_at(rows, UK, NOON) is None
    [problem] = pricing_problems(rows, UK, NOON, record="9780007232833")
    assert problem.blocking
    assert (problem.code, problem.record, problem.field) == ("price-tax-mismatch", "9780007232833",
                                                             "Price/PriceType")
    assert "only tax-exclusive GBP prices" in problem.message


def test_no_price_in_the_currency_is_blocking() -> None:
    [problem] = pricing_problems([usd("24.99")], UK, NOON)
    assert (problem.code, problem.blocking) == ("no-price", True)


def test_no_current_price_is_blocking() -> None:
    [problem] = pricing_problems([gbp("16.99", valid_from=date(2026, 7, 1))], UK, NOON)
    assert (problem.code, problem.blocking) == ("no-current-price", True)
    assert pricing_problems([gbp("16.99")], UK, NOON) == []


def test_non_consumer_rows_are_ignored() -> None:
    # List 58 05: supplier's net price; List 59 10: library price.
    rows = [gbp("8.00", price_type="05"), gbp("30.00", qualifier="10")]
    assert price_at(rows, UK, NOON) is None


def test_promotional_window_is_inclusive_whole_days_in_the_store_time_zone() -> None:
    # List 59 08 promotional offer, List 173 14 From 2026-06-01 and 15 Until 2026-06-30.
    rows = [gbp("16.99"), gbp("9.99", qualifier="08", valid_from=date(2026, 6, 1), valid_until=date(2026, 6, 30))]
    before = price_at(rows, UK, london(2026, 5, 31, 23) + timedelta(minutes=59, seconds=59))
    assert before is not None and before.sale_price is None
    first = price_at(rows, UK, london(2026, 6, 1))
    assert first is not None and first.sale_price == Decimal("9.99") and first.price == Decimal("16.99")
    assert first.sale_ends == london(2026, 7, 1)
    last = price_at(rows, UK, london(2026, 6, 30, 23) + timedelta(minutes=59))
    assert last is not None and last.sale_price == Decimal("9.99")
    after = price_at(rows, UK, london(2026, 7, 1))
    assert after is not None and after.sale_price is None and after.effective == Decimal("16.99")


def test_promotion_in_a_far_time_zone() -> None:
    sydney = UK.model_copy(update={"tz": "Australia/Sydney"})
    rows = [gbp("16.99"), gbp("9.99", qualifier="08", valid_from=date(2026, 6, 1), valid_until=date(2026, 6, 1))]
    # Sydney's 2026-06-01 is 2026-05-31 14:00 UTC to 2026-06-01 14:00 UTC.
    during = price_at(rows, sydney, datetime(2026, 5, 31, 14, tzinfo=UTC))
    assert during is not None and during.sale_price == Decimal("9.99")
    after = price_at(rows, sydney, datetime(2026, 6, 1, 14, tzinfo=UTC))
    assert after is not None and after.sale_price is None


def test_timestamps_are_honoured_to_the_instant() -> None:
    start = datetime(2026, 6, 1, 9, tzinfo=timezone(timedelta(hours=-5)))  # 14:00 UTC
    rows = [gbp("16.99"), gbp("9.99", qualifier="08", valid_from=start, valid_until=date(2026, 6, 2))]
    early = price_at(rows, UK, datetime(2026, 6, 1, 13, 59, tzinfo=UTC))
    assert early is not None and early.sale_price is None
    on_time = price_at(rows, UK, datetime(2026, 6, 1, 14, tzinfo=UTC))
    assert on_time is not None and on_time.sale_price == Decimal("9.99")


def test_timestamped_and_open_rows_mix_in_any_time_zone() -> None:
    # An open-ended row and a timestamped row must be comparable whatever the store's zone.
    tokyo = UK.model_copy(update={"tz": "Asia/Tokyo"})
    rows = [gbp("16.99"), gbp("17.99", valid_from=datetime(2026, 6, 1, tzinfo=UTC))]
    at = price_at(rows, tokyo, NOON)
    assert at is not None and at.price == Decimal("17.99")


def test_three_price_method_with_plain_rows() -> None:
    # Regular until 06-09, promotion 06-10..06-20, regular again from 06-21.
    rows = [gbp("16.99", valid_until=date(2026, 6, 9)),
            gbp("9.99", valid_from=date(2026, 6, 10), valid_until=date(2026, 6, 20)),
            gbp("17.99", valid_from=date(2026, 6, 21))]
    prices = [price_at(rows, UK, london(2026, 6, d, 12)) for d in (9, 10, 20, 21)]
    assert [p.effective if p else None for p in prices] == [Decimal("16.99"), Decimal("9.99"), Decimal("9.99"),
                                                             Decimal("17.99")]


def test_three_price_method_with_a_promotional_middle_row_keeps_a_price() -> None:
    rows = [gbp("16.99", valid_until=date(2026, 6, 9)),
            gbp("9.99", qualifier="08", valid_from=date(2026, 6, 10), valid_until=date(2026, 6, 20)),
            gbp("16.99", valid_from=date(2026, 6, 21))]
    during = price_at(rows, UK, london(2026, 6, 15, 12))
    assert during is not None and during.effective == Decimal("9.99")
    assert pricing_problems(rows, UK, london(2026, 6, 15, 12)) == []


def test_latest_starting_regular_row_wins_then_consumer_qualifier_then_lowest() -> None:
    rows = [gbp("16.99"), gbp("18.99", valid_from=date(2026, 6, 1))]
    assert price_at(rows, UK, NOON).price == Decimal("18.99")  # type: ignore[union-attr]
    same_start = [gbp("16.99", qualifier=None), gbp("17.99", qualifier="05")]
    assert price_at(same_start, UK, NOON).price == Decimal("17.99")  # type: ignore[union-attr]
    cheapest = [gbp("16.99"), gbp("15.99")]
    assert price_at(cheapest, UK, NOON).price == Decimal("15.99")  # type: ignore[union-attr]


def test_introductory_price_until_its_date() -> None:
    # List 59 17 introductory price, with the Until date it requires.
    rows = [usd("27.00"), usd("19.99", qualifier="17", valid_until=date(2026, 6, 30))]
    at = price_at(rows, US, NOON)
    assert at is not None and (at.price, at.sale_price) == (Decimal("27.00"), Decimal("19.99"))
    assert at.sale_ends == datetime(2026, 7, 1, tzinfo=US.zone)
    later = price_at(rows, US, datetime(2026, 7, 1, 4, tzinfo=UTC))  # midnight in New York (EDT)
    assert later is not None and later.sale_price is None


def test_a_campaign_price_above_the_regular_price_is_not_a_sale() -> None:
    rows = [gbp("9.99"), gbp("12.99", qualifier="08", valid_until=date(2026, 12, 31))]
    at = price_at(rows, UK, NOON)
    assert at is not None and at.sale_price is None and at.sale_ends is None


def test_next_change_is_the_first_instant_the_price_differs() -> None:
    rows = [gbp("16.99"), gbp("9.99", qualifier="08", valid_from=date(2026, 7, 1), valid_until=date(2026, 7, 14)),
            gbp("16.99", valid_from=date(2026, 6, 20))]  # same amount from 06-20: not a change
    assert pricing(rows, UK, NOON).next_change == london(2026, 7, 1)
    assert pricing(rows, UK, london(2026, 7, 1)).next_change == london(2026, 7, 15)
    assert pricing(rows, UK, london(2026, 7, 15)).next_change is None


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        price_at([gbp("1.00")], UK, datetime(2026, 6, 1))


def test_a_campaign_price_carries_its_window_in_the_store_time_zone() -> None:
    rows = [gbp("16.99"), gbp("9.99", qualifier="08", valid_from=date(2026, 6, 1), valid_until=date(2026, 6, 30))]
    at = price_at(rows, UK, NOON)
    assert at is not None and (at.sale_starts, at.sale_ends) == (london(2026, 6, 1), london(2026, 7, 1))
    open_start = price_at([gbp("16.99"), gbp("9.99", qualifier="08", valid_until=date(2026, 6, 30))], UK, NOON)
    assert open_start is not None and (open_start.sale_starts, open_start.sale_ends) == (None, london(2026, 7, 1))
    open_end = price_at([gbp("16.99"), gbp("9.99", qualifier="08", valid_from=date(2026, 6, 1))], UK, NOON)
    assert open_end is not None and (open_end.sale_starts, open_end.sale_ends) == (london(2026, 6, 1), None)
    dearer = price_at([gbp("16.99"), gbp("19.99", qualifier="08", valid_from=date(2026, 6, 1))], UK, NOON)
    assert dearer is not None and dearer.sale_price is None and dearer.sale_starts is None  # no sale, no window
