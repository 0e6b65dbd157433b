"""Money per currency: JSON amounts carry the currency's minor units, text its symbol (Babel's CLDR data)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bookbridge.application.money import minor_units, money_amount, money_text


@pytest.mark.parametrize(("amount", "currency", "json", "text"), [
    ("2366.2800", "GBP", "2366.28", "£2,366.28"),  # BigCommerce's four decimals, shown with two
    ("20.0000", "GBP", "20.00", "£20.00"),
    ("12.99", "USD", "12.99", "US$12.99"),
    ("1500", "JPY", "1500", "JP¥1,500"),  # no minor unit
    ("1.2345", "KWD", "1.235", "KWD\u00a01.235"),  # three minor units, rounded half up; no symbol: the code, spaced
    ("-1.2345", "KWD", "-1.235", "-KWD\u00a01.235"),
    ("-3.505", "EUR", "-3.51", "-€3.51"),
    ("0", "usd", "0.00", "US$0.00"),  # a lower-case code is read as the currency
])
def test_amounts_read_per_currency(amount: str, currency: str, json: str, text: str) -> None:
    assert money_amount(Decimal(amount), currency) == json
    assert money_text(Decimal(amount), currency) == text


def test_minor_units_come_from_iso_4217() -> None:
    assert (minor_units("GBP"), minor_units("JPY"), minor_units("BHD")) == (2, 0, 3)
