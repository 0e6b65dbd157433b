"""Named example records for unit tests: one valid edition, storefront and price, changed per test.

Values are taken from the ONIX code lists so that a test reads like the case it pins.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bookbridge.domain.formats import Format
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.model import (
    Contributor,
    Dimensions,
    Edition,
    PriceRow,
    ResourceKind,
    Rights,
    SalesRights,
    SupportingResource,
    TextContent,
    TextKind,
    TitleFamily,
)
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.territory import Territory

HARDBACK = ISBN13("9780007232833")
PAPERBACK = ISBN13("9780141036144")
EBOOK = ISBN13("9781408855652")


def gbp(amount: str, **changes: Any) -> PriceRow:
    """A UK consumer price: List 58 02 (RRP including tax), List 59 05 (consumer)."""
    return PriceRow(**{"amount": Decimal(amount), "currency": "GBP", "price_type": "02", "qualifier": "05",
                       **changes})


def usd(amount: str, **changes: Any) -> PriceRow:
    """A US consumer price: List 58 01 (RRP excluding tax)."""
    return PriceRow(**{"amount": Decimal(amount), "currency": "USD", "price_type": "01", **changes})


def world_rights() -> Rights:
    """List 46 01 (for sale, exclusive) over RegionsIncluded WORLD."""
    return Rights(sales_rights=(SalesRights(type="01", territory=Territory.world()),))


def cover(url: str = "https://covers.example/9780007232833.jpg", **changes: Any) -> SupportingResource:
    return SupportingResource(**{"kind": ResourceKind.FRONT_COVER, "url": url, "mime_type": "image/jpeg",
                                 "size_bytes": 250_000, "sha256": "a" * 64, **changes})


def edition(**changes: Any) -> Edition:
    """An active (List 64 04), available (List 65 20) hardback, published 2026-03-05, for sale worldwide."""
    fields: dict[str, Any] = {
        "isbn": HARDBACK,
        "family_id": "roseanna",
        "format": Format.HARDBACK,
        "form_code": "BB",
        "title": "Roseanna",
        "contributors": (Contributor(role="A01", name="Maj Sjöwall"), Contributor(role="A01", name="Per Wahlöö",
                                                                              sequence=2)),
        "imprint": "Harper Perennial",
        "texts": (TextContent(kind=TextKind.DESCRIPTION, text="<p>A body in Lake Vättern.</p>"),),
        "dimensions": Dimensions(height_mm=Decimal(198), width_mm=Decimal(129), weight_g=Decimal(250)),
        "page_count": 288,
        "publication_date": date(2026, 3, 5),
        "publishing_status": "04",
        "availability": "20",
        "prices": (gbp("16.99"),),
        "rights": world_rights(),
        "resources": (cover(),),
    }
    fields.update(changes)
    return Edition(**fields)


def family(*editions: Edition, family_id: str = "roseanna", title: str = "Roseanna") -> TitleFamily:
    return TitleFamily(id=family_id, title=title, editions=editions)


def storefront(**changes: Any) -> StorefrontSettings:
    """A UK shop: GB only, GBP, tax-inclusive display, London time."""
    fields: dict[str, Any] = {"name": "uk", "countries": frozenset({"GB"}), "currency": "GBP",
                              "tax_inclusive": True, "timezone": "Europe/London", "outlet_names": ("Our Shop",)}
    fields.update(changes)
    return StorefrontSettings(**fields)
