"""From a bookbridge store listing to Merchant Center items: one item per edition (ISBN) and target country.

Only the listing is read, never the clock or the catalogue, so an item changes exactly when a section the
planner hashes changes. Attribute names and values follow Google's product data specification.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from bookbridge.domain.lifecycle import Availability
from bookbridge.domain.listing import ListingPrice, StoreListing, VariantListing
from bookbridge.domain.model import ResourceKind

from bookbridge_merchant_feed.settings import FeedSettings

CENTS = Decimal("0.01")


@dataclass(frozen=True)
class FeedItem:
    """One `<item>`; fields in feed order, named as Google names the attributes. Empty means absent."""

    id: str
    title: str
    description: str
    link: str
    image_link: str
    additional_image_link: tuple[str, ...] = ()
    availability: str = ""
    availability_date: str = ""
    price: str = ""
    sale_price: str = ""
    sale_price_effective_date: str = ""
    brand: str = ""
    gtin: str = ""
    item_group_id: str = ""
    product_type: str = ""

    def attributes(self) -> Iterator[tuple[str, str]]:
        """(attribute, value) pairs in feed order; a repeated attribute comes once per value."""
        for f in fields(self):
            value = getattr(self, f.name)
            for one in value if isinstance(value, tuple) else (value,):
                if one:
                    yield f.name, one

    @classmethod
    def from_attributes(cls, pairs: Sequence[tuple[str, str]]) -> FeedItem:
        values: dict[str, str | tuple[str, ...]] = {}
        for name, value in pairs:
            if name == "additional_image_link":
                values[name] = (*values.get(name, ()), value)
            elif name in cls.__dataclass_fields__:
                values[name] = value
        return cls(**values)  # type: ignore[arg-type]


def feed_items(listing: StoreListing, settings: FeedSettings) -> dict[str, list[FeedItem]]:
    """Country -> items for a listed, visible listing; {} for anything else (it belongs in no feed).

    The countries are those of the channels the product is listed on (`listing.channels`): the rights rules
    decided them. A country served by two channels takes the first channel's price.
    """
    if not (listing.listed and listing.is_visible):
        return {}
    out: dict[str, list[FeedItem]] = {}
    for channel in sorted(listing.channels):
        currency = settings.currencies.get(channel)
        for country in settings.countries.get(channel, ()):
            if country not in out:
                out[country] = list(_items(listing, settings, country, currency))
    return out


def _items(listing: StoreListing, settings: FeedSettings, country: str, currency: str | None) -> Iterator[FeedItem]:
    availability, available_on = _availability(listing)
    common = FeedItem(
        id="", title="", link="", image_link="",
        description=plain_text(listing.description),
        availability=availability,
        availability_date=available_on,
        brand=listing.brand or "",  # the imprint
        item_group_id=listing.family_id,  # the title family: every format of one work
    )
    if not listing.variants:
        front = [i.url for i in listing.images if i.kind is ResourceKind.FRONT_COVER]
        back = [i.url for i in listing.images if i.kind is ResourceKind.BACK_COVER]  # not the author photo
        price, sale, window = _prices(_price([p for p in (listing.price, *listing.extra_prices) if p is not None],
                                             currency))
        yield replace(common, id=listing.sku, title=listing.name, link=_link(settings, listing, listing.sku, country),
                      image_link=front[0] if front else "", additional_image_link=tuple(back[:10]),
                      price=price, sale_price=sale, sale_price_effective_date=window, gtin=listing.gtin or "",
                      product_type=_product_type(settings, _format(listing)))
        return
    for variant in listing.variants:  # the variant strategy: one item per edition all the same
        image = variant.image_url or next((i.url for i in listing.images if i.is_thumbnail), "")
        price, sale, window = _prices(_price([p for p in (variant.price, *variant.extra_prices) if p is not None],
                                             currency))
        yield replace(common, id=str(variant.isbn), title=f"{listing.name}, {variant.option_label}",
                      link=_link(settings, listing, variant.sku, country), image_link=image,
                      price=price, sale_price=sale, sale_price_effective_date=window, gtin=str(variant.isbn),
                      product_type=_product_type(settings, _variant_format(variant)))


def _availability(listing: StoreListing) -> tuple[str, str]:
    """in_stock when it can be bought; preorder (with its release instant) when orders are taken before release;
    out_of_stock otherwise (announced, temporarily unavailable). bookbridge has no state that takes orders for
    an unavailable title, so it never says backorder."""
    if listing.availability is Availability.PREORDER:
        return "preorder", instant(listing.preorder_release_date) if listing.preorder_release_date else ""
    if listing.availability is Availability.AVAILABLE and listing.purchasable:
        return "in_stock", ""
    return "out_of_stock", ""


def instant(at: datetime) -> str:
    """ISO 8601 as Google documents it: YYYY-MM-DDThh:mm±hhmm."""
    return at.strftime("%Y-%m-%dT%H:%M%z")


def _price(prices: Sequence[ListingPrice], currency: str | None) -> ListingPrice | None:
    if currency is not None:
        return next((p for p in prices if p.currency == currency), None)
    return prices[0] if prices else None


def _prices(price: ListingPrice | None) -> tuple[str, str, str]:
    """(price, sale_price, sale_price_effective_date).

    The effective date is the campaign window `start/end` (ISO 8601 with offsets, as Google requires both ends).
    A window open at either end is left out: Google then applies the sale price for as long as the item carries
    it, and bookbridge takes the sale price off at the window's known edge itself (the planner's wake-ups)."""
    if price is None:
        return "", "", ""
    sale = price.sale_price
    if sale is not None and sale < price.price:
        window = (f"{instant(price.sale_starts)}/{instant(price.sale_ends)}"
                  if price.sale_starts is not None and price.sale_ends is not None else "")
        return money(price.price, price.currency), money(sale, price.currency), window
    return money(price.price, price.currency), "", ""


def money(amount: Decimal, currency: str) -> str:
    return f"{amount.quantize(CENTS, rounding=ROUND_HALF_UP)} {currency.upper()}"


def _link(settings: FeedSettings, listing: StoreListing, sku: str, country: str) -> str:
    return settings.link_template.format(custom_url=listing.custom_url.lstrip("/"), sku=sku, country=country)


def _format(listing: StoreListing) -> str:
    return next((f.value for f in listing.custom_fields if f.name == "Format"), "")


def _variant_format(variant: VariantListing) -> str:
    return variant.option_label.split(" (")[0]


def _product_type(settings: FeedSettings, fmt: str) -> str:
    return f"{settings.product_type} > {fmt}" if fmt else settings.product_type


_BREAKS = re.compile(r"<\s*(?:br|/?p|/?div|/?h[1-6]|/?blockquote|/?li|/?ul|/?ol)\b[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


def plain_text(markup: str) -> str:
    """The listing's HTML description as plain text, one paragraph a line (Google shows text, not HTML)."""
    text = html.unescape(_TAGS.sub("", _BREAKS.sub("\n", markup)))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
