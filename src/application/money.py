"""Money in words and in JSON, per currency (Babel's CLDR data): the one place that decides how an amount reads.

    money_text(Decimal("2366.2800"), "GBP") -> "£2,366.28"    (pages, tables, messages)
    money_amount(Decimal("2366.2800"), "GBP") -> "2366.28"    (JSON and CSV: a decimal string, no binary rounding)
    money_amount(Decimal("1500"), "JPY") -> "1500"            (the yen has no minor unit)

Amounts keep their full precision in the ledger (BigCommerce sends four decimals); they are rounded half-up to
the currency's minor units only when shown. A currency code CLDR does not know keeps two decimals.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, get_currency_precision

LOCALE = "en_GB"  # the words around the numbers are English; CLDR's en_GB writes "£", "€" and "US$"


def minor_units(currency: str) -> int:
    """How many decimals the currency's amounts carry (ISO 4217 minor units, as CLDR records them)."""
    return int(get_currency_precision(currency.upper()))


def _rounded(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


def money_amount(amount: Decimal, currency: str) -> str:
    """The amount as a plain decimal string with the currency's minor units: "2366.28", "1500", "-3.50"."""
    return f"{_rounded(amount, currency):f}"


def money_text(amount: Decimal, currency: str, *, locale: str = LOCALE) -> str:
    """The amount for people: the currency's symbol, grouping and minor units ("£2,366.28", "US$12.99",
    "JP¥1,500"); a currency CLDR has no symbol for shows its code, set apart from the number by a no-break space
    as CLDR's currency spacing asks where a symbol ending in a letter meets a digit ("KWD 3.500"), which Babel
    does not apply."""
    rounded = _rounded(amount, currency)
    text = str(format_currency(rounded, currency.upper(), locale=locale, currency_digits=True))
    return _CODE_THEN_DIGIT.sub("\\1\u00a0\\2", text)


_CODE_THEN_DIGIT = re.compile(r"^(-?[A-Z]{3})(\d)")
