"""A Consonance product's prices and sales rights as domain PriceRows and List 46 SalesRights."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pycountry

from bookbridge.adapters.consonance.fields import Note, as_decimal, as_text, date_field
from bookbridge.domain.model import PriceRow, Rights, SalesRights
from bookbridge.domain.territory import Territory, all_countries

FOR_SALE, NOT_FOR_SALE = "01", "03"  # List 46 SalesRightsType (also ROWSalesRightsType)


def price_row(raw: Mapping[str, Any], note: Note) -> PriceRow | None:
    """One Consonance Price (price.doc.html). A price that cannot be read is reported and left out."""
    label = f"price {raw.get('id')}"
    amount = as_decimal(raw.get("amount"))
    if amount is None or amount < 0:
        note("invalid-price-amount", f"{label}: amount {raw.get('amount')!r} is not a price; price ignored",
             "prices.amount")
        return None
    currency = as_text(raw.get("currencyCode"))
    if currency is None or pycountry.currencies.get(alpha_3=currency.upper()) is None:  # List 96 = ISO 4217
        note("invalid-currency", f"{label}: currencyCode {raw.get('currencyCode')!r} is not ISO 4217; price ignored",
             "prices.currencyCode")
        return None
    price_type = as_text(raw.get("onixPriceTypeCode"))  # List 58
    if price_type is None:
        note("missing-price-type", f"{label}: no onixPriceTypeCode; 02 (RRP including tax) assumed",
             "prices.onixPriceTypeCode")
    valid_from = date_field(raw, "effectiveFrom", note, prefix="prices.")
    valid_until = date_field(raw, "effectiveTo", note, prefix="prices.")
    if (valid_from is None and raw.get("effectiveFrom") is not None) or (
        valid_until is None and raw.get("effectiveTo") is not None
    ):
        return None  # an unreadable window could make a promotional price permanent (already reported)
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        note("invalid-price-window", f"{label}: effectiveTo {valid_until} is before effectiveFrom {valid_from}; "
             "price ignored", "prices.effectiveTo")
        return None
    return PriceRow(amount=amount, currency=currency.upper(), price_type=price_type or "02",
                    qualifier=as_text(raw.get("onixPriceTypeQualifierCode")),  # List 59
                    valid_from=valid_from, valid_until=valid_until)


def sales_rights(product: Mapping[str, Any], note: Note) -> Rights:
    """isForSaleWorldwide, forSaleCountryCodes and notForSaleCountryCodes as List 46 SalesRights composites."""
    for_sale = _countries(product, "forSaleCountryCodes", note)
    not_for_sale = _countries(product, "notForSaleCountryCodes", note)
    excluded = (SalesRights(type=NOT_FOR_SALE, territory=Territory.of(not_for_sale)),) if not_for_sale else ()
    if product.get("isForSaleWorldwide") is True:
        world = SalesRights(type=FOR_SALE, territory=Territory.world(excluding=not_for_sale))
        return Rights(sales_rights=(world, *excluded))
    if not for_sale:
        note("no-sales-rights", "not for sale worldwide and no forSaleCountryCodes: not for sale anywhere",
             "forSaleCountryCodes")
        return Rights(sales_rights=excluded)
    if clash := for_sale & not_for_sale:
        note("contradictory-rights", f"{' '.join(sorted(clash))} both for sale and not for sale; read as not for sale",
             "notForSaleCountryCodes")
    # The for-sale list is exhaustive: Consonance's own ONIX sends ROWSalesRightsType 03 with it.
    included = SalesRights(type=FOR_SALE, territory=Territory.of(for_sale))
    return Rights(sales_rights=(included, *excluded), row_type=NOT_FOR_SALE)


def _countries(product: Mapping[str, Any], name: str, note: Note) -> frozenset[str]:
    raw = product.get(name)
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        note("malformed-country-codes", f"{name} is not a list; ignored", name)
        return frozenset()
    known = all_countries()  # List 91 = ISO 3166-1 alpha-2
    codes = {str(c).strip().upper() for c in raw if str(c).strip()}
    for code in sorted(codes - known):
        note("unknown-country-code", f"{name}: {code!r} is not an ISO 3166-1 country code; ignored", name)
    return frozenset(codes & known)
