"""The desired listing's value objects: frozen slotted dataclasses.

They are built from validated domain objects (editions, storefront settings) by the listing builders, millions of
times in a plan of 100,000 editions, so they validate nothing themselves: validation happens at the boundary
(sources, settings, HTTP). pydantic serialises them (`sections.py`): their JSON is what the section hashes are
taken over, so the field order is part of every stored hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, SerializerFunctionWrapHandler, WrapSerializer

from bookbridge.domain.categories import CategoryMapping
from bookbridge.domain.config_values import ConfigBool
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.lifecycle import Availability, Stage
from bookbridge.domain.model import ResourceKind
from bookbridge.domain.pricing import PriceAt
from bookbridge.domain.problems import Problem

NAME_MAX = 250  # BigCommerce product name: 1-250 characters
URL_MAX = 255
CUSTOM_FIELD_MAX = 250  # BigCommerce custom field name and value: 1-250 (catalog spec)


class Section(StrEnum):
    CORE = "core"
    PRICING = "pricing"
    MEDIA = "media"
    CUSTOM_FIELDS = "custom_fields"
    STOREFRONTS = "storefronts"


class MappingSettings(BaseModel):
    """Settings (validated where they are read): how the store measures."""

    model_config = ConfigDict(frozen=True)

    weight_unit: Literal["g", "kg", "oz", "lb"] = "kg"  # the store's weight unit (its settings)
    length_unit: Literal["mm", "cm", "in"] = "cm"  # the store's length unit
    categories: CategoryMapping = CategoryMapping()  # subjects -> category paths (domain/categories.py)
    link_series: ConfigBool = False  # related products: the titles of one series as well as the formats of one work


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingImage:
    url: str
    kind: ResourceKind
    checksum: str | None = None
    is_thumbnail: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class CustomField:
    name: str  # at most CUSTOM_FIELD_MAX characters (the builders clip)
    value: str  # at most CUSTOM_FIELD_MAX characters


def plain_amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


# An amount serialises by value, so 9.9 and 9.90 give the same section payload and hash.
Amount = Annotated[Decimal, PlainSerializer(plain_amount, return_type=str, when_used="json")]


def money(value: Decimal | None) -> Decimal | None:
    """BigCommerce keeps prices to 4 decimal places; 9.9 and 9.90 are one price, and hash alike."""
    return None if value is None else value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingPrice:
    currency: str
    price: Amount
    sale_price: Amount | None = None
    retail_price: Amount | None = None
    tax_inclusive: bool
    in_default_currency: bool = True  # else: price-list records
    storefront: str = ""
    # The campaign window of `sale_price`: [sale_starts, sale_ends) in the storefront's time zone, from the
    # promotional price row's From/Until; None where the window is open. Part of the pricing hash (a moved
    # window must reach stores that publish it, such as a Merchant Center feed), but only when set, so that
    # prices without a window hash as they did before the window was carried (`Price`).
    sale_starts: datetime | None = None
    sale_ends: datetime | None = None

    @classmethod
    def of(cls, at: PriceAt, *, default_currency: bool, storefront: str = "") -> ListingPrice:
        on_sale = at.sale_price is not None
        return cls(currency=at.currency, price=money(at.price), sale_price=money(at.sale_price),  # type: ignore[arg-type]
                   retail_price=money(at.retail_price), tax_inclusive=at.tax_inclusive,
                   in_default_currency=default_currency, storefront=storefront,
                   sale_starts=at.sale_starts if on_sale else None, sale_ends=at.sale_ends if on_sale else None)


_WINDOW_FIELDS = ("sale_starts", "sale_ends")


def _without_open_window(value: ListingPrice, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
    data: dict[str, Any] = handler(value)
    for name in _WINDOW_FIELDS:
        if data.get(name, 0) is None:
            del data[name]
    return data


# A listing price as the listing's fields hold it: serialised without an open campaign window.
Price = Annotated[ListingPrice, WrapSerializer(_without_open_window)]


def _no_categories(paths: tuple[tuple[str, ...], ...]) -> bool:
    return not paths


# Category paths (main subjects' first), left out of the JSON when empty: listings without categories hash as they
# did before categories were carried.
Categories = Annotated[tuple[tuple[str, ...], ...], Field(exclude_if=_no_categories)]


@dataclass(frozen=True, slots=True, kw_only=True)
class VariantListing:
    """One edition as a variant of a family product (variant strategy)."""

    isbn: ISBN13
    sku: str
    option_label: str
    price: Price | None
    extra_prices: tuple[Price, ...] = ()  # other currencies: price-list records
    weight: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    depth: Decimal | None = None
    purchasing_disabled: bool = False
    purchasing_disabled_message: str = ""
    image_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreListing:
    """What one store product should be: on one storefront, or merged over the storefronts of one store.

    `hashes` are the section hashes of the other fields (`sections.section_hashes`): the builders set them, and
    a listing changed with `dataclasses.replace` gets them again with `with_hashes`.
    """

    key: str  # stable: the ISBN (one product per edition) or family:<id>:<type>[:<isbn>] (variants)
    storefront: str  # the storefront, or the store when merged
    channels: tuple[int, ...]  # channels the product is assigned to (listed there)
    family_id: str
    isbns: tuple[ISBN13, ...]
    sku: str
    name: str
    custom_url: str
    product_type: str  # physical | digital
    description: str  # sanitised HTML (`text.sanitised_html`)
    brand: str | None
    gtin: str | None
    weight: Decimal
    width: Decimal | None = None
    height: Decimal | None = None
    depth: Decimal | None = None
    stage: Stage
    availability: Availability
    is_visible: bool
    purchasable: bool
    preorder_release_date: datetime | None = None
    preorder_message: str | None = None
    listed: bool  # False: keep out of the store, or hide it if it is there
    not_listed_reason: str | None = None
    price: Price | None  # in the store's default currency: on the product
    extra_prices: tuple[Price, ...] = ()  # other currencies: price-list records
    images: tuple[ListingImage, ...] = ()
    custom_fields: tuple[CustomField, ...] = ()
    related_isbns: tuple[ISBN13, ...] = ()
    variants: tuple[VariantListing, ...] = ()
    search_keywords: str = ""
    categories: Categories = ()
    page_title: str = ""
    meta_description: str = ""  # plain text (`text.plain_text`)
    next_change: datetime | None = None
    problems: tuple[Problem, ...] = ()
    # The source's id of the record an edition's product is made of (`Edition.record_reference`: Consonance's
    # product, ONIX's RecordReference); None for a family product (many records). In no section: never sent.
    record: str | None = None
    hashes: dict[Section, str] = field(default_factory=dict)

    @property
    def channel_id(self) -> int | None:
        return self.channels[0] if self.channels else None

