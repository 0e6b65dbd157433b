"""Blocks 4–6: PublishingDetail (imprint, status, dates, rights), RelatedMaterial (work and format links),
and ProductSupply (markets, availability, supply dates, prices)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from lxml import etree
from pydantic import ValidationError

from bookbridge.adapters.onix import codes
from bookbridge.adapters.onix.context import Mapper, child_texts, children, first_child, first_text, stripped, text
from bookbridge.adapters.onix.reader import first
from bookbridge.adapters.onix.records import WorkKey
from bookbridge.domain.isbn import ISBN13, InvalidISBN
from bookbridge.domain.model import PriceRow, Rights, SalesRestriction, SalesRights
from bookbridge.domain.territory import Territory


@lru_cache(maxsize=4096)
def _territory(included: str, regions: str, excluded: str, regions_excluded: str
               ) -> tuple[Territory, tuple[tuple[str, str], ...]]:
    # Feeds repeat the same long country lists in every product: one shared (immutable) Territory each.
    value = Territory(countries_included=included, regions_included=regions, countries_excluded=excluded,
                      regions_excluded=regions_excluded)
    return value, tuple(value.unknown_codes())


def territory(m: Mapper, element: etree._Element | None) -> Territory | None:
    """ONIX Territory composite; unknown List 91/49 codes are reported and kept."""
    if element is None:
        return None
    found = child_texts(element)
    value, unknown = _territory(
        found.get("CountriesIncluded") or "",
        found.get("RegionsIncluded") or "",
        found.get("CountriesExcluded") or "",
        found.get("RegionsExcluded") or "",
    )
    for name, code in unknown:
        m.problem("unknown-code", f"{name} {code!r} is not a List 91 country or List 49 region", first(element, name))
    return value


def map_publishing(m: Mapper, block: etree._Element) -> dict[str, Any]:
    parts = children(block)
    fields: dict[str, Any] = {
        "imprint": text(first_child(parts, "Imprint"), "ImprintName"),
        "publisher": _publisher(parts.get("Publisher", [])),
        "publishing_status": m.code(first_text(parts, "PublishingStatus"), block, "PublishingStatus",
                                    codes.PUBLISHING_STATUSES, "List 64"),
    }
    for element in parts.get("PublishingDate", ()):
        name = codes.PUBLISHING_DATE_FIELDS.get(text(element, "PublishingDateRole") or "")  # List 163
        value = m.date(element)
        if name == "sales_embargo":
            m.record.publishing_embargo = value
        elif name and value is not None:
            fields.setdefault(name, value)
    sales_rights = tuple(r for e in parts.get("SalesRights", ()) if (r := _sales_rights(m, e)))
    row = m.code(first_text(parts, "ROWSalesRightsType"), block, "ROWSalesRightsType", codes.SALES_RIGHTS_TYPES,
                 "List 46")
    restrictions = tuple(x for e in parts.get("SalesRestriction", ()) if (x := restriction(m, e)))
    fields["rights"] = Rights(sales_rights=sales_rights, row_type=row, restrictions=restrictions)
    return fields


def _publisher(publishers: list[etree._Element]) -> str | None:
    main = [p for p in publishers if text(p, "PublishingRole") == "01"]  # List 45: 01 publisher
    return next((n for p in (main or publishers) if (n := text(p, "PublisherName"))), None)


def _sales_rights(m: Mapper, element: etree._Element) -> SalesRights | None:
    parts = children(element)
    kind = m.code(first_text(parts, "SalesRightsType"), element, "SalesRightsType", codes.SALES_RIGHTS_TYPES,
                  "List 46")
    where = territory(m, first_child(parts, "Territory"))
    if kind is None or where is None:
        m.problem("incomplete-sales-rights", "SalesRights without SalesRightsType or Territory; ignored", element)
        return None
    if kind in codes.DEPRECATED_SALES_RIGHTS_TYPES:
        m.problem("deprecated-code", f"SalesRightsType {kind} is deprecated in List 46 (kept as sent)",
                  first(element, "SalesRightsType"))
    restrictions = tuple(x for e in parts.get("SalesRestriction", ()) if (x := restriction(m, e)))
    return SalesRights(type=kind, territory=where, restrictions=restrictions)


def restriction(m: Mapper, element: etree._Element) -> SalesRestriction | None:
    parts = children(element)
    kind = m.code(first_text(parts, "SalesRestrictionType"), element, "SalesRestrictionType",
                  codes.SALES_RESTRICTION_TYPES, "List 71")
    if kind is None:
        m.problem("incomplete-sales-restriction", "SalesRestriction without SalesRestrictionType; ignored", element)
        return None
    outlets = []
    for outlet in parts.get("SalesOutlet", ()):
        value = text(first(outlet, "SalesOutletIdentifier"), "IDValue") or text(outlet, "SalesOutletName")
        if value:
            outlets.append(value)
    note = "\n".join(stripped(parts.get("SalesRestrictionNote", ()))) or None
    start, end = (_day(m.date(element, child)) if child in parts else None for child in ("StartDate", "EndDate"))
    return SalesRestriction(type=kind, outlets=tuple(outlets), note=note, start=start, end=end)


def _day(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def map_related(m: Mapper, block: etree._Element) -> dict[str, Any]:
    parts = children(block)
    for work in parts.get("RelatedWork", ()):
        if text(work, "WorkRelationCode") != codes.MANIFESTATION_OF:  # List 164
            continue
        for identifier in work.iterchildren("WorkIdentifier"):
            found = child_texts(identifier)
            value = found.get("IDValue")
            if value:
                m.record.work = WorkKey(found.get("WorkIDType") or "", found.get("IDTypeName"), value)
                break
        if m.record.work:
            break
    related: list[ISBN13] = []
    alternatives: list[ISBN13] = []
    for product in parts.get("RelatedProduct", ()):
        product_parts = children(product)
        isbn = product_isbn(m, product_parts.get("ProductIdentifier", ()), reference="RelatedProduct")
        if isbn is None:
            continue
        if isbn not in related:
            related.append(isbn)
        if codes.ALTERNATIVE_FORMAT_RELATIONS & set(stripped(product_parts.get("ProductRelationCode", ()))):  # List 51
            alternatives.append(isbn)
    m.record.alternative_formats = tuple(alternatives)
    return {"related_isbns": tuple(related)}


@lru_cache(maxsize=8192)
def _isbn(raw: str) -> ISBN13 | InvalidISBN:
    # A feed names most ISBNs twice (the product and its related formats): each is checked once.
    try:
        return ISBN13(raw)
    except InvalidISBN as exc:
        return exc


def product_isbn(m: Mapper, identifiers: Iterable[etree._Element], *, reference: str) -> ISBN13 | None:
    """List 5: the first valid of ISBN-13 (15) and GTIN-13 (03) among a product's ProductIdentifiers. With
    neither valid, a related product's is reported and skipped; the product's own raises the first InvalidISBN
    (the caller decides)."""
    first_error: InvalidISBN | None = None
    read = [(found.get("ProductIDType"), found.get("IDValue"), node)
            for node in identifiers for found in (child_texts(node),)]
    for id_type in codes.ISBN_ID_TYPES:
        for kind, raw, node in read:
            if kind != id_type or raw is None:
                continue
            checked = _isbn(raw)
            if isinstance(checked, ISBN13):
                return checked
            first_error = first_error or checked
            if reference == "RelatedProduct":
                m.problem("invalid-isbn", f"related product: {checked}", first(node, "IDValue"))
    if first_error is not None and reference != "RelatedProduct":
        raise InvalidISBN(first_error.value, first_error.reason)  # a fresh one: the cached one stays clean
    return None


def map_supply(m: Mapper, supplies: list[etree._Element]) -> dict[str, Any]:
    prices: list[PriceRow] = []
    availability = expected = None
    for supply in supplies:
        parts = children(supply)
        market_territory = None
        if "Market" in parts:
            market = children(parts["Market"][0])
            market_territory = territory(m, first_child(market, "Territory"))
            m.record.market_restrictions += tuple(
                r for e in market.get("SalesRestriction", ()) if (r := restriction(m, e)))
        for detail in parts.get("SupplyDetail", ()):
            detail_parts = children(detail)
            value = m.code(first_text(detail_parts, "ProductAvailability"), detail, "ProductAvailability",
                           codes.AVAILABILITIES, "List 65")
            availability = availability or value
            for date_element in detail_parts.get("SupplyDate", ()):
                role = text(date_element, "SupplyDateRole")  # List 166
                if role == codes.SUPPLY_SALES_EMBARGO and m.record.supply_embargo is None:
                    m.record.supply_embargo = m.date(date_element)
                elif role == codes.SUPPLY_EXPECTED_AVAILABILITY and expected is None:
                    expected = m.date(date_element)
            prices += [row for p in detail_parts.get("Price", ()) if (row := _price(m, p, market_territory))]
    return {"prices": tuple(prices), "availability": availability, "expected_availability": expected}


def _price(m: Mapper, element: etree._Element, market: Territory | None) -> PriceRow | None:
    parts = children(element)
    if "UnpricedItemType" in parts:  # List 57: no amount, no row
        return None
    raw = first_text(parts, "PriceAmount")
    if raw is None:
        m.problem("missing-price-amount", "Price without PriceAmount (PriceCoded is not supported); ignored",
                  element)
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        m.problem("malformed-price", f"PriceAmount {raw!r} is not a number; price ignored",
                  first(element, "PriceAmount"))
        return None
    currency = first_text(parts, "CurrencyCode") or m.defaults.currency
    if currency is None:
        m.problem("missing-currency", "Price without CurrencyCode and no Header DefaultCurrencyCode; ignored",
                  element)
        return None
    price_type = (m.code(first_text(parts, "PriceType"), element, "PriceType", codes.PRICE_TYPES, "List 58")
                  or m.defaults.price_type)
    if price_type is None:
        m.problem("missing-price-type", "Price without PriceType and no Header DefaultPriceType; 02 assumed",
                  element)
    valid_from = valid_until = None
    for date_element in parts.get("PriceDate", ()):
        role = text(date_element, "PriceDateRole")  # List 173
        if role == codes.PRICE_FROM:
            valid_from = m.date(date_element)
        elif role == codes.PRICE_UNTIL:
            valid_until = m.date(date_element)
        elif role == codes.PRICE_FROM_UNTIL and (window := m.date_range(date_element)):
            valid_from, valid_until = window
    where = territory(m, first_child(parts, "Territory")) or market  # omitted: the Market
    try:
        return PriceRow(amount=amount, currency=currency.upper(), price_type=price_type or "02",
                        qualifier=first_text(parts, "PriceQualifier"), territory=where,
                        valid_from=valid_from, valid_until=valid_until)
    except ValidationError as exc:
        m.problem("invalid-price", f"price rejected: {exc.errors()[0]['msg']}", element)
        return None
