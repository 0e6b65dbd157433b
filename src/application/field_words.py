"""A listing's field values as people read them: in `plan`'s table, in reconcile's drift messages, in the demo.

    value_text({"currency": "GBP", "price": "20.0000", "sale_price": "14.0000"}) -> "£20.00 (sale £14.00)"
    change_texts(FieldChange(..., before={"price": 1.5}, after={"currency": "GBP", "price": "9.99"}))
        -> ("£1.50", "£9.99")        (a price the store reports back is read in the currency of ours)
    listing_summary(listing, storefronts) -> "£9.99, US$12.99, storefronts 'uk' and 'us' (channels 1, 2)"
    said({"price": 1.5}, "GBP") -> "£1.50"; said("Roseanna") -> "“Roseanna”"   (inside a message)

Money reads per currency through `application.money`; text as it is; anything else as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from bookbridge.application.money import money_text
from bookbridge.domain.listing import StoreListing
from bookbridge.domain.plan import FieldChange
from bookbridge.domain.storefront import StorefrontSettings, storefront_words


def change_texts(change: FieldChange) -> tuple[str, str]:
    """A field change's before and after, whole. A price the store reports back has no currency of its own: it
    is read in the currency of the other side (ours)."""
    currency = _currency(change.after) or _currency(change.before)
    return value_text(change.before, currency), value_text(change.after, currency)


def value_text(value: Any, currency: str | None = None) -> str:
    """A field's value for people: money per currency (`£20.00 (sale £14.00)`), text as it is, anything else
    JSON."""
    return _money(value, currency) or ("" if value is None else value if isinstance(value, str)
                                       else json.dumps(value, default=str))


def said(value: Any, currency: str | None = None, *, limit: int = 80) -> str:
    """A value inside a sentence, on one line: money as money (`£1.50`), text in quotes (`“Roseanna”`), nothing
    as `nothing`, anything else as JSON; past `limit` characters, cut with an ellipsis (a message names the field;
    the plan and the store show it whole)."""
    if value is None or value == "":
        return "nothing"
    text = " ".join(value_text(value, currency).split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return f"“{text}”" if isinstance(value, str) else text


def change_said(change: FieldChange) -> tuple[str, str]:
    """`change_texts` inside a sentence (`said`): a price the store reports back reads in the currency of ours."""
    currency = _currency(change.after) or _currency(change.before)
    return said(change.before, currency), said(change.after, currency)


def listing_summary(listing: StoreListing, storefronts: Iterable[StorefrontSettings]) -> str:
    """What a new product will be, in the words a person checks first: its prices in every currency and the
    storefronts it is listed on, with their channels, BigCommerce's word (`£9.99, US$12.99, storefronts 'uk' and
    'us' (channels 1, 2)`)."""
    prices = [p for p in (listing.price, *listing.extra_prices) if p is not None]
    shown = ", ".join(money_text(p.price, p.currency) for p in prices) or "no price"
    if not listing.channels:
        return f"{shown}, on no storefront"
    channels = f"channel{'s' if len(listing.channels) > 1 else ''} {', '.join(map(str, listing.channels))}"
    names = [s.name for s in storefronts if s.channel_id in listing.channels]
    return f"{shown}, {storefront_words(names)} ({channels})" if names else f"{shown}, {channels}"


def _currency(value: Any) -> str | None:
    return str(value["currency"]) if isinstance(value, dict) and value.get("currency") else None


def _money(value: Any, default_currency: str | None = None) -> str | None:
    """A price (or a list of prices) as people read it: `£20.00 (sale £14.00)`; None for anything else."""
    if isinstance(value, list) and value and all(isinstance(v, dict) and "currency" in v for v in value):
        return ", ".join(_money(v) or "" for v in value)
    if not (isinstance(value, dict) and value.get("price") is not None):
        return None
    currency = str(value.get("currency") or default_currency or "")
    if not currency:
        return None
    text = money_text(Decimal(str(value["price"])), currency)
    if value.get("sale_price") is not None:
        text += f" (sale {money_text(Decimal(str(value['sale_price'])), currency)})"
    return text
