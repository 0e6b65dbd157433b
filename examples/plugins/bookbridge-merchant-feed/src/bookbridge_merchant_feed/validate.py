"""Google's rules for the attributes the feed writes (Merchant Center product data specification).

`validate_item(item)` returns one message per broken rule, each starting with the attribute's name; an empty
list means the item may go into a feed. Limits are in characters, as Google counts them.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import pycountry
from stdnum import ean

from bookbridge_merchant_feed.items import FeedItem

AVAILABILITY = frozenset({"in_stock", "out_of_stock", "preorder", "backorder"})
REQUIRED = ("id", "title", "description", "link", "image_link", "availability", "price", "gtin")
MAX_LENGTH = {"id": 50, "title": 150, "description": 5000, "link": 2000, "image_link": 2000, "brand": 70,
              "item_group_id": 50, "product_type": 750, "availability_date": 25, "sale_price_effective_date": 51}
MAX_ADDITIONAL_IMAGES = 10
# "12.99 GBP": a number, a space, an ISO 4217 code.
_MONEY = re.compile(r"^(\d+(?:\.\d+)?) ([A-Z]{3})$")
# YYYY-MM-DDThh:mm[:ss] with a zone: Z, ±hhmm or ±hh:mm.
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})$")
# XML 1.0 refuses C0 controls other than tab, newline and carriage return; Google refuses them too.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def validate_item(item: FeedItem) -> list[str]:
    problems: list[str] = []
    for name in REQUIRED:
        if not getattr(item, name).strip():
            problems.append(f"{name}: required")
    for name, value in item.attributes():
        if _CONTROL.search(value):
            problems.append(f"{name}: contains control characters")
    for name, limit in MAX_LENGTH.items():
        length = len(getattr(item, name))
        if length > limit:
            problems.append(f"{name}: {length} characters; at most {limit}")
    for name in ("link", "image_link"):
        if getattr(item, name) and not _is_url(getattr(item, name)):
            problems.append(f"{name}: not an absolute http(s) URL: {getattr(item, name)!r}")
    if len(item.additional_image_link) > MAX_ADDITIONAL_IMAGES:
        problems.append(f"additional_image_link: {len(item.additional_image_link)} images; at most "
                        f"{MAX_ADDITIONAL_IMAGES}")
    problems += [f"additional_image_link: not an absolute http(s) URL: {url!r}"
                 for url in item.additional_image_link if not _is_url(url) or len(url) > 2000]
    problems += _availability(item)
    problems += _prices(item)
    if item.gtin and not (len(item.gtin) in (8, 12, 13, 14) and ean.is_valid(item.gtin)):
        problems.append(f"gtin: {item.gtin!r} is not a GTIN-8, -12, -13 or -14 with a valid check digit")
    return problems


def _availability(item: FeedItem) -> list[str]:
    problems: list[str] = []
    if item.availability and item.availability not in AVAILABILITY:
        problems.append(f"availability: {item.availability!r} is not one of {', '.join(sorted(AVAILABILITY))}")
    if item.availability in ("preorder", "backorder") and not item.availability_date:
        problems.append(f"availability_date: required when availability is {item.availability}")
    if item.availability_date and parse_instant(item.availability_date) is None:
        problems.append(f"availability_date: {item.availability_date!r} is not ISO 8601 YYYY-MM-DDThh:mm±hhmm")
    return problems


def _prices(item: FeedItem) -> list[str]:
    problems: list[str] = []
    price = _money("price", item.price, problems) if item.price else None
    sale = _money("sale_price", item.sale_price, problems) if item.sale_price else None
    if price and sale:
        if sale[1] != price[1]:
            problems.append(f"sale_price: in {sale[1]}, but price is in {price[1]}")
        elif sale[0] >= price[0]:
            problems.append(f"sale_price: {item.sale_price} is not below price {item.price}")
    if item.sale_price_effective_date:
        if not item.sale_price:
            problems.append("sale_price_effective_date: given without a sale_price")
        start, _, end = item.sale_price_effective_date.partition("/")
        begins, ends = parse_instant(start), parse_instant(end)
        if begins is None or ends is None:
            problems.append(f"sale_price_effective_date: {item.sale_price_effective_date!r} is not an ISO 8601 "
                            "range start/end with both ends given, each YYYY-MM-DDThh:mm±hhmm")
        elif begins >= ends:
            problems.append(f"sale_price_effective_date: the range {item.sale_price_effective_date!r} does not end "
                            "after it starts")
    return problems


def _money(name: str, value: str, problems: list[str]) -> tuple[Decimal, str] | None:
    match = _MONEY.match(value)
    if match is None:
        problems.append(f"{name}: {value!r} is not a number and an ISO 4217 currency code, like '12.99 GBP'")
        return None
    try:
        amount = Decimal(match[1])
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        problems.append(f"{name}: {value!r} is not a number")
        return None
    if pycountry.currencies.get(alpha_3=match[2]) is None:
        problems.append(f"{name}: {match[2]!r} is not an ISO 4217 currency code")
        return None
    if amount <= 0:
        problems.append(f"{name}: {value!r} must be more than zero")
        return None
    return amount, match[2]


def parse_instant(value: str) -> datetime | None:
    """A date, time and zone as Google takes them; None if the text is anything else."""
    if not _INSTANT.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # 2027-02-30 and the like
        return None


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in value)
