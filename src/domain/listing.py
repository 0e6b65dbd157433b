"""The desired store listing: a store-neutral description of what a store should hold.

`build_listings(families, storefront, at=...)` is a pure function of the catalogue, one storefront and the
instant. `build_store_listings(families, storefronts, at=...)` merges the storefronts (channels) that share
one store's catalogue into one listing per product. The output is diffed against what was last applied
(plan.py), section by section.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    model_serializer,
)
from pydantic_core import SchemaSerializer
from typing_extensions import TypedDict  # pydantic's, which it requires for TypedDicts before Python 3.12

from bookbridge.domain.formats import Format
from bookbridge.domain.hashing import content_hash
from bookbridge.domain.instants import require_aware, start_of
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.lifecycle import Availability, Lifecycle, Stage, created_hidden, lifecycle
from bookbridge.domain.model import Contributor, Edition, ResourceKind, TextKind, TitleFamily
from bookbridge.domain.pricing import PriceAt, prices_and_next_change
from bookbridge.domain.problems import Problem, blocking
from bookbridge.domain.readiness import ALLOWED_IMAGE_TYPES, MAX_IMAGE_BYTES, problems, rights_conflicts
from bookbridge.domain.rights import next_restriction_change, storefront_rights
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings

NAME_MAX = 250  # BigCommerce product name: 1-250 characters
URL_MAX = 255
CUSTOM_FIELD_MAX = 250  # BigCommerce custom field name and value: 1-250 (catalog spec)
_M = TypeVar("_M", bound=BaseModel)


_setattr = object.__setattr__
_FIELDS_SETS: dict[type[BaseModel], set[str]] = {}


def _fast(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance of a frozen model from values that are already valid, without validating them again.

    Planning builds millions of these (100,000 editions, several storefronts): pydantic's validation and
    `model_construct` cost more than the rest of the work. `values` must hold every field, in the model's field
    order (pydantic serialises in the order of the instance's dict, so the order is part of the section hashes).
    Every instance of a class shares one (never mutated: the models are frozen) fields-set, which saves a set of
    some 40 names per listing.
    """
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", values)
    fields_set = _FIELDS_SETS.get(cls)
    if fields_set is None:
        fields_set = _FIELDS_SETS[cls] = set(cls.model_fields)
    _setattr(obj, "__pydantic_fields_set__", fields_set)
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", None)
    return obj


def _replace(model: _M, **update: Any) -> _M:
    """`model.model_copy(update=update)` for field names known to exist, without copying the fields-set."""
    return _fast(type(model), {**model.__dict__, **update})


class Section(StrEnum):
    CORE = "core"
    PRICING = "pricing"
    MEDIA = "media"
    CUSTOM_FIELDS = "custom_fields"
    STOREFRONTS = "storefronts"


class MappingSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    weight_unit: str = "kg"  # the store's weight unit: g, kg, oz, lb
    length_unit: str = "cm"  # the store's length unit: mm, cm, in


class ListingImage(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str
    kind: ResourceKind
    checksum: str | None = None
    is_thumbnail: bool = False
    description: str = ""


class CustomField(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(max_length=CUSTOM_FIELD_MAX)
    value: str = Field(max_length=CUSTOM_FIELD_MAX)


def _plain_amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


# An amount serialises by value, so 9.9 and 9.90 give the same section payload and hash.
Amount = Annotated[Decimal, PlainSerializer(_plain_amount, return_type=str, when_used="json")]


class ListingPrice(BaseModel):
    model_config = ConfigDict(frozen=True)

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
    # prices without a window hash as they did before the window was carried.
    sale_starts: datetime | None = None
    sale_ends: datetime | None = None

    @model_serializer(mode="wrap")
    def _without_open_window(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in _WINDOW_FIELDS:
            if data.get(name, 0) is None:
                del data[name]
        return data

    @classmethod
    def of(cls, at: PriceAt, *, default_currency: bool, storefront: str = "") -> ListingPrice:
        on_sale = at.sale_price is not None
        return _fast(cls, {"currency": at.currency, "price": _money(at.price), "sale_price": _money(at.sale_price),
                           "retail_price": _money(at.retail_price), "tax_inclusive": at.tax_inclusive,
                           "in_default_currency": default_currency, "storefront": storefront,
                           "sale_starts": at.sale_starts if on_sale else None,
                           "sale_ends": at.sale_ends if on_sale else None})

    def for_storefront(self, name: str) -> ListingPrice:
        return _replace(self, storefront=name)


_WINDOW_FIELDS = ("sale_starts", "sale_ends")


def _money(value: Decimal | None) -> Decimal | None:
    """BigCommerce keeps prices to 4 decimal places; 9.9 and 9.90 are one price, and hash alike."""
    return None if value is None else value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


class VariantListing(BaseModel):
    """One edition as a variant of a family product (variant strategy)."""

    model_config = ConfigDict(frozen=True)

    isbn: ISBN13
    sku: str
    option_label: str
    price: ListingPrice | None
    extra_prices: tuple[ListingPrice, ...] = ()  # other currencies: price-list records
    weight: Decimal | None = None
    width: Decimal | None = None
    height: Decimal | None = None
    depth: Decimal | None = None
    purchasing_disabled: bool = False
    purchasing_disabled_message: str = ""
    image_url: str | None = None


class StoreListing(BaseModel):
    """What one store product should be: on one storefront, or merged over the storefronts of one store."""

    model_config = ConfigDict(frozen=True)

    key: str  # stable: the ISBN (one product per edition) or family:<id>:<type>[:<isbn>] (variants)
    storefront: str  # the storefront, or the store when merged
    channels: tuple[int, ...]  # channels the product is assigned to (listed there)
    family_id: str
    isbns: tuple[ISBN13, ...]
    sku: str
    name: str
    custom_url: str
    product_type: str  # physical | digital
    description: str
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
    price: ListingPrice | None  # in the store's default currency: on the product
    extra_prices: tuple[ListingPrice, ...] = ()  # other currencies: price-list records
    images: tuple[ListingImage, ...] = ()
    custom_fields: tuple[CustomField, ...] = ()
    related_isbns: tuple[ISBN13, ...] = ()
    variants: tuple[VariantListing, ...] = ()
    search_keywords: str = ""
    page_title: str = ""
    meta_description: str = ""
    next_change: datetime | None = None
    problems: tuple[Problem, ...] = ()
    hashes: dict[Section, str] = Field(default_factory=dict)

    @property
    def channel_id(self) -> int | None:
        return self.channels[0] if self.channels else None

    def section_payload(self, section: Section) -> dict[str, Any]:
        return section_payloads(self)[section]


_SECTION_FIELDS: dict[Section, tuple[str, ...]] = {
    Section.CORE: ("sku", "name", "custom_url", "product_type", "description", "brand", "gtin", "weight", "width",
                   "height", "depth", "availability", "is_visible", "purchasable", "preorder_release_date",
                   "preorder_message", "search_keywords", "page_title", "meta_description", "related_isbns"),
    Section.PRICING: ("price", "extra_prices"),
    Section.MEDIA: ("images",),
    Section.CUSTOM_FIELDS: ("custom_fields",),
    Section.STOREFRONTS: ("channels", "listed"),
}


_VARIANT_FIELDS = frozenset(VariantListing.model_fields)
_VARIANT_SECTION_FIELDS: dict[Section, frozenset[str]] = {
    Section.CORE: _VARIANT_FIELDS - {"price", "extra_prices", "image_url"},
    Section.PRICING: frozenset({"sku", "price", "extra_prices"}),
    Section.MEDIA: frozenset({"sku", "image_url"}),
}
_INCLUDE: dict[Section, dict[str, Any]] = {
    section: {
        **{f: True for f in fields},
        **({"variants": {"__all__": set(_VARIANT_SECTION_FIELDS[section])}} if section in _VARIANT_SECTION_FIELDS
           else {}),
    }
    for section, fields in _SECTION_FIELDS.items()
}


def section_payloads(listing: StoreListing) -> dict[Section, dict[str, Any]]:
    """Each section's fields as JSON-ready data (for field-level diffs and for stores kept in memory)."""
    if not listing.variants:
        d = listing.__dict__
        return {section: serializer.to_python({name: d[name] for name in names}, mode="json")
                for section, (names, serializer) in _SECTION_SERIALIZERS.items()}
    return {section: listing.model_dump(mode="json", include=include) for section, include in _INCLUDE.items()}


_INCLUDE_FLAT: dict[Section, dict[str, Any]] = {
    section: {k: v for k, v in include.items() if k != "variants"} for section, include in _INCLUDE.items()
}


def section_hashes(listing: StoreListing) -> dict[Section, str]:
    """One SHA-256 per section over pydantic's canonical JSON (field order is the model's): stable across
    processes and runs, and changed exactly when a field of that section changes."""
    sha = hashlib.sha256
    return {section: sha(text.encode()).hexdigest() for section, text in section_json(listing).items()}


def section_json(listing: StoreListing) -> dict[Section, str]:
    """Each section's fields as pydantic's JSON of them (`model_dump_json(include=...)`), byte for byte.

    Planning does this for every product: a listing without variants is serialised through one TypedDict per
    section (`_SECTION_SERIALIZERS`, the listing's own field types, so the same serialisers and the same
    bytes), which costs a third less than pydantic's include filters.
    """
    if listing.variants:
        dump = listing.model_dump_json
        return {section: dump(include=include) for section, include in _INCLUDE.items()}
    d = listing.__dict__
    return {section: serializer.to_json({name: d[name] for name in names}).decode()
            for section, (names, serializer) in _SECTION_SERIALIZERS.items()}


def _section_serializer(section: Section) -> tuple[tuple[str, ...], SchemaSerializer]:
    names = tuple(name for name in StoreListing.model_fields if name in _SECTION_FIELDS[section])
    fields = {name: StoreListing.model_fields[name].annotation for name in names}
    return names, TypeAdapter(TypedDict(f"{section.name.title()}Section", fields)).serializer  # type: ignore[operator]


# The fields of each section in the model's order (the order of the JSON), and a serialiser for them.
_SECTION_SERIALIZERS = {section: _section_serializer(section) for section in Section}


def with_hashes(listing: StoreListing) -> StoreListing:
    return _replace(listing, hashes=section_hashes(listing))


def _hashed(listing: StoreListing) -> StoreListing:
    """Set the section hashes of a listing built here and not yet handed out (no copy)."""
    d = listing.__dict__
    if d["variants"]:
        d["hashes"] = section_hashes(listing)
        return listing
    # `section_hashes`, with the pricing and storefronts sections' hashes shared between listings: their values
    # repeat (shared price objects, see `_listing_price`; a few channel sets).
    sha = hashlib.sha256
    hashes: dict[Section, str] = {}
    for section, (names, serializer) in _SECTION_SERIALIZERS.items():
        if section is Section.PRICING:
            price, extra = d["price"], d["extra_prices"]
            key: Any = (id(price), *map(id, extra))
            hit = _PRICING_HASHES.get(key)
            if hit is None:
                digest = sha(serializer.to_json({"price": price, "extra_prices": extra})).hexdigest()
                if len(_PRICING_HASHES) >= 65536:
                    _PRICING_HASHES.clear()
                _PRICING_HASHES[key] = (price, extra, digest)  # holds the prices: their ids stay theirs
            else:
                digest = hit[2]
        elif section is Section.STOREFRONTS:
            key = (d["channels"], d["listed"])
            digest = _STOREFRONTS_HASHES.get(key)  # type: ignore[assignment]
            if digest is None:
                digest = sha(serializer.to_json({"channels": key[0], "listed": key[1]})).hexdigest()
                if len(_STOREFRONTS_HASHES) >= 4096:
                    _STOREFRONTS_HASHES.clear()
                _STOREFRONTS_HASHES[key] = digest
        else:
            digest = sha(serializer.to_json({name: d[name] for name in names})).hexdigest()
        hashes[section] = digest
    d["hashes"] = hashes
    return listing


# Section hashes of values that repeat, for `_hashed`: the pricing section by the identity of its (shared, see
# `_listing_price`) price objects, which each entry holds; the storefronts section by its values.
_PRICING_HASHES: dict[tuple[int, ...], tuple[ListingPrice | None, tuple[ListingPrice, ...], str]] = {}
_STOREFRONTS_HASHES: dict[tuple[tuple[int, ...], bool], str] = {}


# --- text helpers -----------------------------------------------------------------------------------------


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "title"


@lru_cache(maxsize=256)
def _slug_of_label(label: str) -> str:
    return slugify(label)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_ROLE_LABELS = {"A01": "Author", "A12": "Illustrator", "A23": "Foreword", "A24": "Introduction", "B01": "Editor",
                "B06": "Translator", "E07": "Narrator", "A13": "Photographer", "A02": "With"}

_TO_GRAMS = {"g": Decimal(1), "kg": Decimal("0.001"), "oz": Decimal("0.03527396"), "lb": Decimal("0.00220462")}
_FROM_MM = {"mm": Decimal(1), "cm": Decimal("0.1"), "in": Decimal("0.0393700787")}


def _convert(value: Decimal | None, factor: Decimal) -> Decimal | None:
    return None if value is None else (value * factor).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# --- building one edition ---------------------------------------------------------------------------------


def _texts(edition: Edition) -> dict[TextKind, str]:
    """`edition.text(kind)` for every kind at once: the first approved, non-blank text of each kind."""
    first: dict[TextKind, str] = {}
    for t in edition.texts:
        if t.approved and t.kind not in first and t.text.strip():
            first[t.kind] = t.text
    return first


def _description(edition: Edition, texts: dict[TextKind, str] | None = None,
                 authors: tuple[Contributor, ...] | None = None) -> str:
    """`texts` (`_texts`) and `authors` (`edition.authors`) may be passed when the caller has them."""
    if texts is None:
        texts = _texts(edition)
    parts: list[str] = []
    if promo := texts.get(TextKind.PROMOTIONAL):
        parts.append(f"<p><strong>{promo}</strong></p>")
    main = texts.get(TextKind.DESCRIPTION) or texts.get(TextKind.SHORT_DESCRIPTION)
    if main:
        parts.append(main)
    reviews = [t.text for t in edition.texts if t.kind is TextKind.REVIEW and t.approved]
    if reviews:
        parts.append("<h3>Reviews</h3>" + "".join(f"<blockquote>{r}</blockquote>" for r in reviews))
    bios = [c.biography for c in (edition.authors if authors is None else authors) if c.biography] or (
        [bio] if (bio := texts.get(TextKind.BIOGRAPHY)) else []
    )
    if bios:
        parts.append("<h3>About the author</h3>" + "".join(f"<p>{b}</p>" for b in bios))
    return "\n".join(parts)


_IMAGE_LABELS = {ResourceKind.FRONT_COVER: "Front cover", ResourceKind.BACK_COVER: "Back cover",
                 ResourceKind.AUTHOR_PHOTO: "Author photo"}  # in the order the images go to the store


def _images(edition: Edition) -> tuple[ListingImage, ...]:
    resources = edition.resources
    if not resources:
        return ()
    images: list[ListingImage] = []
    seen: set[str] = set()
    for kind, label in _IMAGE_LABELS.items():
        for r in resources:
            if r.kind is not kind or not r.approved:
                continue
            if r.mime_type and r.mime_type.lower() not in ALLOWED_IMAGE_TYPES:
                continue  # BigCommerce takes JPEG, PNG and GIF only (readiness says so)
            if r.size_bytes is not None and r.size_bytes > MAX_IMAGE_BYTES:
                continue  # BigCommerce takes at most 8 MB per image (readiness says so)
            checksum = r.sha256 or r.md5  # the resource's `checksum`
            ident = checksum or r.url
            if ident in seen:
                continue
            seen.add(ident)
            images.append(_fast(ListingImage, {
                "url": r.url, "kind": kind, "checksum": checksum,
                "is_thumbnail": kind is ResourceKind.FRONT_COVER and not images,
                "description": clip(f"{label}: {edition.title}", 255)}))
    return tuple(images)


def _custom_fields(edition: Edition) -> tuple[CustomField, ...]:
    fields: list[tuple[str, str]] = [("ISBN", str(edition.isbn)), ("Format", edition.format.label)]
    d = edition.dimensions
    if d.height_mm and d.width_mm:
        fields.append(("Trim size", f"{_plain_amount(d.height_mm)} x {_plain_amount(d.width_mm)} mm"))
    if edition.page_count:
        fields.append(("Pages", str(edition.page_count)))
    if edition.duration_minutes:
        hours, minutes = divmod(edition.duration_minutes, 60)
        fields.append(("Duration", f"{hours} h {minutes:02d} min"))
    if edition.series:
        fields.append(("Series", edition.series.name))
        if edition.series.number:
            fields.append(("Series number", edition.series.number))
    if edition.publication_date:
        fields.append(("Publication date", edition.publication_date.isoformat()[:10]))
    contributors = sorted(edition.contributors, key=lambda c: c.sequence)
    if contributors:
        text = "; ".join(f"{_ROLE_LABELS.get(c.role, 'Contributor')}: {c.name}" for c in contributors)
        fields.append(("Contributors", text))
    # The ISBN is the one field of its edition alone: not cached (100,000 of them would push out those that repeat).
    isbn = _fast(CustomField, {"name": "ISBN", "value": clip(fields[0][1], CUSTOM_FIELD_MAX)})
    return (isbn, *(_custom_field(n, v) for n, v in fields[1:]))


@lru_cache(maxsize=65536)
def _custom_field(name: str, value: str) -> CustomField:
    """Custom fields repeat (the format, series, date, contributors of a work's formats): one frozen object each."""
    return _fast(CustomField, {"name": name, "value": clip(value, CUSTOM_FIELD_MAX)})


def edition_parts(edition: Edition, mapping: MappingSettings) -> dict[str, Any]:
    """The fields of an edition's listing that no storefront changes: computed once per edition."""
    digital = edition.format.is_digital
    d = edition.dimensions
    length = _FROM_MM[mapping.length_unit]
    title = edition.display_title
    authors = edition.authors
    author = ", ".join(c.name for c in authors)
    texts = _texts(edition)
    isbn = str(edition.isbn)
    label = edition.format.label
    suffix = f" ({label})"
    short = texts.get(TextKind.SHORT_DESCRIPTION)
    return {
        "key": isbn,
        "family_id": edition.family_id,
        "isbns": (edition.isbn,),
        "sku": isbn,
        "name": clip(title, NAME_MAX - len(suffix)) + suffix,  # edition_name(edition)
        "custom_url": f"/{_slug_of_title(edition.title)[:150]}-{_slug_of_label(label)}-{isbn}/",
        "product_type": "digital" if digital else "physical",
        "description": _description(edition, texts, authors),
        "brand": edition.imprint,
        "gtin": isbn,
        "weight": Decimal(0) if digital else (_convert(d.weight_g, _TO_GRAMS[mapping.weight_unit]) or Decimal(0)),
        "width": None if digital else _convert(d.width_mm, length),
        "height": None if digital else _convert(d.height_mm, length),
        "depth": None if digital else _convert(d.thickness_mm, length),
        "images": _images(edition),
        "custom_fields": _custom_fields(edition),
        "related_isbns": tuple(sorted(edition.related_isbns)) if edition.related_isbns else (),
        "search_keywords": ", ".join(dict.fromkeys(x for x in (isbn, author, edition.imprint or "") if x)),
        "page_title": clip(f"{title} by {author}" if author else title, 255),
        "meta_description": _meta_description(short) if short else "",
    }


@lru_cache(maxsize=1024)
def _slug_of_title(title: str) -> str:
    """A work's formats share its title (and a family's editions follow each other)."""
    return slugify(title)


@lru_cache(maxsize=1024)
def _meta_description(text: str) -> str:
    """A work's formats often share its short description."""
    return clip(re.sub(r"<[^>]+>", "", text), 1000)


class _StorefrontFacts:
    """What every edition's listing on one storefront needs at one instant, computed once per plan."""

    __slots__ = ("currency", "local_date", "outlets", "prices", "zone")

    def __init__(self, storefront: StorefrontSettings, at: datetime) -> None:
        self.zone = storefront.zone
        self.prices = storefront.price_context
        self.currency = self.prices.currency.upper()  # a price's currency (as `pricing` gives it)
        self.outlets = frozenset(storefront.outlet_names)
        self.local_date = at.astimezone(self.zone).date()


def build_edition_listing(
    edition: Edition,
    storefront: StorefrontSettings,
    *,
    at: datetime,
    mapping: MappingSettings | None = None,
    parts: dict[str, Any] | None = None,
    hashed: bool = True,
    facts: _StorefrontFacts | None = None,
    life: Lifecycle | None = None,
) -> StoreListing:
    """The desired product for one edition on one storefront (one-product-per-edition strategy).

    `parts` (from `edition_parts`) may be passed when building the same edition for several storefronts;
    `hashed=False` skips the section hashes of a listing that is about to be merged and hashed again;
    `facts` are the storefront's (`_StorefrontFacts`), computed once when building a whole catalogue;
    `life` is the edition's lifecycle at `at` in the storefront's time zone, shared by storefronts in one zone.
    """
    if parts is None:
        parts = edition_parts(edition, mapping or MappingSettings())
    if facts is None:
        facts = _StorefrontFacts(storefront, at)
    if life is None:
        life = lifecycle(edition, at=at, tz=facts.zone)
    listing = _listing(parts, _on_storefront(edition, storefront, facts, life, at))
    return _hashed(listing) if hashed else listing


class _OnStorefront:
    """The fields of an edition's listing that depend on the storefront (the rest are `edition_parts`): what
    `build_edition_listing` puts in them, computed without building the listing itself, so that a store of
    several storefronts builds one listing per edition (their merge) instead of one per storefront and a merge.
    The attribute names are the listing's, so `_merged` takes these and listings alike."""

    __slots__ = ("availability", "channels", "extra_prices", "is_visible", "listed", "next_change",
                 "not_listed_reason", "preorder_message", "preorder_release_date", "price", "problems",
                 "purchasable", "stage", "storefront")

    storefront: str
    channels: tuple[int, ...]
    stage: Stage
    availability: Availability
    is_visible: bool
    purchasable: bool
    preorder_release_date: datetime | None
    preorder_message: str | None
    listed: bool
    not_listed_reason: str | None
    price: ListingPrice | None
    extra_prices: tuple[ListingPrice, ...]
    next_change: datetime | None
    problems: tuple[Problem, ...]


def _on_storefront(edition: Edition, storefront: StorefrontSettings, facts: _StorefrontFacts, life: Lifecycle,
                   at: datetime, shared: dict[Any, Any] | None = None) -> _OnStorefront:
    """`shared` (one dict per edition) lets an edition's storefronts share what they have in common."""
    tz = facts.zone
    found_price, price_change = prices_and_next_change(edition.prices, facts.prices, require_aware(at), tz)
    state = life.state
    # An edition's problems are the same on every storefront with the same requirements, unless a price is
    # missing (the problem names the currency) or the rights conflict where one serves (it names the storefront).
    key = ((state.stage, storefront.require_cover, storefront.require_description)
           if shared is not None and found_price is not None
           and not rights_conflicts(edition.rights, storefront.countries) else None)
    found = shared.get(key) if key is not None else None  # type: ignore[union-attr]
    if found is None:
        found = problems(edition, storefront, at=at, stage=state.stage, priced=found_price is not None)
        if key is not None:
            shared[key] = found  # type: ignore[index]
    licensed, refused = storefront_rights(edition.rights, storefront.countries, storefront.eligibility,
                                          storefront.unknown_rights, facts.outlets, facts.local_date)
    reason: str | None = None
    if any(p.blocking for p in found):
        reason = "; ".join(p.message for p in found if p.blocking)
    elif not licensed:
        reason = "not licensed: " + "; ".join(f"{r.country} ({r.reason})" for r in refused[:5])
    elif state.stage in (Stage.EDITORIAL, Stage.DELISTED) and not created_hidden(edition, state.stage):
        reason = f"lifecycle stage {state.stage}"
    listed = reason is None
    if shared is None:
        rights_change = next_restriction_change(edition.rights, after=facts.local_date)
    elif (rights_change := shared.get(facts.local_date, _UNSET)) is _UNSET:
        rights_change = shared[facts.local_date] = next_restriction_change(edition.rights, after=facts.local_date)
    next_changes = [t for t in (life.next_change, price_change, start_of(rights_change, tz) if rights_change else None)
                    if t is not None]
    preorder = state.availability is Availability.PREORDER
    v = _OnStorefront()
    v.storefront = storefront.name
    # A product nobody may see yet (created hidden at metadata lock) is on no channel: nothing is sold early.
    v.channels = (storefront.channel_id,) if listed and state.visible else ()
    v.stage = state.stage
    v.availability = state.availability if listed else Availability.DISABLED
    v.is_visible = state.visible and listed
    v.purchasable = state.purchasable and listed
    v.preorder_release_date = state.preorder_release if preorder else None
    v.preorder_message = state.message if preorder else None
    v.listed = listed
    v.not_listed_reason = reason
    v.price = (_listing_price(found_price, facts.currency, facts.prices.tax_inclusive, storefront.default_currency,
                              storefront.name) if found_price is not None else None)
    v.extra_prices = ()
    v.next_change = min(next_changes) if next_changes else None
    v.problems = tuple(found)
    return v


def _listing_price(found: Any, currency: str, tax_inclusive: bool, default_currency: bool, storefront: str
                   ) -> ListingPrice:
    """`ListingPrice.of(PriceAt(...))` from pricing's plain values (`prices_and_next_change`).

    Prices repeat (a catalogue has a few price points per currency): one frozen object per value and
    storefront, which saves building one per edition and storefront, their memory, and serialising the same
    pricing section again (`_hashed`)."""
    price, sale, retail, starts, ends = found
    # Equal amounts are one price (9.9 and 9.90 give 9.9000), except that -0 serialises as such: never shared.
    signed = price.is_signed() or (sale is not None and sale.is_signed()) or (retail is not None and retail.is_signed())
    # Aware datetimes at one instant are equal whatever their zone: the key tells their zones apart as well.
    key = (found, currency, tax_inclusive, default_currency, storefront,
           starts and (starts.tzinfo, starts.fold), ends and (ends.tzinfo, ends.fold))
    made = None if signed else _PRICES.get(key)
    if made is None:
        on_sale = sale is not None
        made = _fast(ListingPrice, {
            "currency": currency, "price": _money(price), "sale_price": _money(sale), "retail_price": _money(retail),
            "tax_inclusive": tax_inclusive, "in_default_currency": default_currency, "storefront": storefront,
            "sale_starts": starts if on_sale else None, "sale_ends": ends if on_sale else None})
        if not signed:
            if len(_PRICES) >= 65536:
                _PRICES.clear()
            _PRICES[key] = made
    return made


_PRICES: dict[tuple[Any, ...], ListingPrice] = {}


def _listing(p: dict[str, Any], v: _OnStorefront) -> StoreListing:
    """The listing of an edition's parts (`edition_parts`) and its storefront fields (one storefront's, or
    merged over a store's). Built from validated domain objects: constructed without validating again (planning
    100k editions). The fields are in the model's order (test_section_hash_compat holds them to it)."""
    return _fast(StoreListing, {
        "key": p["key"], "storefront": v.storefront, "channels": v.channels,
        "family_id": p["family_id"], "isbns": p["isbns"], "sku": p["sku"], "name": p["name"],
        "custom_url": p["custom_url"], "product_type": p["product_type"], "description": p["description"],
        "brand": p["brand"], "gtin": p["gtin"], "weight": p["weight"], "width": p["width"], "height": p["height"],
        "depth": p["depth"], "stage": v.stage, "availability": v.availability, "is_visible": v.is_visible,
        "purchasable": v.purchasable, "preorder_release_date": v.preorder_release_date,
        "preorder_message": v.preorder_message, "listed": v.listed, "not_listed_reason": v.not_listed_reason,
        "price": v.price, "extra_prices": v.extra_prices, "images": p["images"], "custom_fields": p["custom_fields"],
        "related_isbns": p["related_isbns"], "variants": (), "search_keywords": p["search_keywords"],
        "page_title": p["page_title"], "meta_description": p["meta_description"], "next_change": v.next_change,
        "problems": v.problems, "hashes": {},
    })


def edition_name(edition: Edition) -> str:
    suffix = f" ({edition.format.label})"
    return clip(edition.display_title, NAME_MAX - len(suffix)) + suffix


# --- the catalogue ----------------------------------------------------------------------------------------


def build_listings(
    families: Iterable[TitleFamily],
    storefront: StorefrontSettings,
    *,
    at: datetime,
    mapping: MappingSettings | None = None,
) -> list[StoreListing]:
    """Every desired product for one storefront, with store-wide unique names."""
    return build_store_listings(families, [storefront], at=at, mapping=mapping, store=storefront.name)


def build_store_listings(
    families: Iterable[TitleFamily],
    storefronts: Sequence[StorefrontSettings],
    *,
    at: datetime,
    mapping: MappingSettings | None = None,
    store: str,
    memo: ListingMemo | None = None,
) -> list[StoreListing]:
    """Every desired product of one store whose catalogue several storefronts (channels) share.

    Per edition, the storefront listings are merged (`merge_storefronts`); then, under the variant strategy,
    editions are grouped into family products. Names are made unique store-wide.

    With a `memo` (the same one for every plan of this store), a family whose listings cannot have changed
    since the last plan is not built again (`ListingMemo`); the result is the same either way.
    """
    if not storefronts:
        raise ValueError(f"store {store!r} has no storefronts")
    mapping = mapping or MappingSettings()
    strategies = {s.format_strategy for s in storefronts}
    if len(strategies) > 1:
        raise ValueError(f"storefronts of store {store!r} disagree on the format strategy; products are shared")
    facts = [(s, _StorefrontFacts(s, at)) for s in storefronts]
    variants = storefronts[0].format_strategy is FormatStrategy.VARIANTS
    listings: list[StoreListing] = []
    context = memo.start((tuple(storefronts), mapping, store)) if memo is not None else ()
    kept: dict[str, _MemoEntry] = {}
    for family in families:
        if memo is not None and (entry := memo.reuse(family, at, context)) is not None:
            listings += entry.listings
            kept[family.id] = entry
            continue
        editions = [_store_edition(e, facts, at=at, mapping=mapping, store=store) for e in family.editions]
        built = _family_products(family, editions) if variants else editions
        if memo is not None:
            kept[family.id] = _MemoEntry(family, built, at, context)
        listings += built
    if memo is not None:
        memo.entries = kept  # families no longer in the catalogue are forgotten
    return unique_names(listings)


def _fingerprint(family: TitleFamily) -> bytes:
    return hashlib.sha256(family.model_dump_json().encode()).digest()


class _MemoEntry:
    __slots__ = ("_fingerprint", "built_at", "context", "family", "listings", "until")

    def __init__(self, family: TitleFamily, listings: list[StoreListing], built_at: datetime,
                 context: tuple[Any, ...]) -> None:
        self.context = context  # the settings it was built under (the memo's canonical object for them)
        self.family = family  # what it was built from (frozen all the way down)
        self._fingerprint: bytes | None = None  # the family's, computed when first compared (see ListingMemo)
        self.listings = listings  # before names are made unique store-wide (that depends on other families)
        self.built_at = built_at
        self.until = min((li.next_change for li in listings if li.next_change is not None), default=None)

    def built_from(self, family: TitleFamily) -> bool:
        """Whether `family` has the content this entry was built from: the same (frozen) object, or the same
        fingerprint. On a match the entry keeps `family`, so that the next plan may find it by identity."""
        if family is self.family:
            return True
        if self._fingerprint is None:
            self._fingerprint = _fingerprint(self.family)
        if _fingerprint(family) != self._fingerprint:
            return False
        self.family = family
        return True


class ListingMemo:
    """The listings of one store's last plan, per family, to reuse in its next plan.

    A family's listings are a pure function of the family, the storefronts, the mapping, the store and the
    instant, and they change with the instant only at their `next_change` (a launch, a campaign edge, a
    restriction's start or end). So a family whose content is unchanged (the same frozen object, or the same
    fingerprint, a SHA-256 of its canonical JSON), planned with the same storefronts and mapping at an instant
    from the one it was built at up to (not including) its earliest `next_change`, has exactly the listings
    built last time: they are reused. Any other family is built again. Holds one plan's listings; `for_store`
    keeps one memo per store for the life of the process (a planning cache, like the rights caches: nothing in
    it is state that must persist).

    Fingerprints are taken only when needed: a plan that reuses nothing (the first of a process) takes none, a
    family that is the very object it was built from needs none (a catalogue kept in memory), and an entry
    fingerprints the family it was built from the first time it is compared with another object.
    """

    _shared: ClassVar[dict[str, ListingMemo]] = {}

    def __init__(self) -> None:
        self.context: tuple[Any, ...] | None = None
        self.entries: dict[str, _MemoEntry] = {}
        self.reused = 0  # families reused by the last plan (for tests and benchmarks)

    @classmethod
    def for_store(cls, store: str) -> ListingMemo:
        return cls._shared.setdefault(store, cls())

    def start(self, context: tuple[Any, ...]) -> tuple[Any, ...]:
        """Begin a plan under `context` (storefronts, mapping, store); returns the canonical object for it, which
        the plan passes to `reuse`. Entries built under other settings (another object) are never reused, even
        if two plans with different settings overlap."""
        if context != self.context:
            self.context = context
        self.reused = 0
        return self.context

    def forget(self) -> None:
        """Build every family again on the next plan (a full sync starts over)."""
        self.context, self.entries = None, {}

    def reuse(self, family: TitleFamily, at: datetime, context: tuple[Any, ...]) -> _MemoEntry | None:
        """The family's entry if its listings at `at` are those built last time; None to build them again."""
        entry = self.entries.get(family.id)
        if (entry is None or entry.context is not context or at < entry.built_at
                or (entry.until is not None and at >= entry.until) or not entry.built_from(family)):
            return None
        self.reused += 1
        return entry


def _store_edition(edition: Edition, storefronts: Sequence[tuple[StorefrontSettings, _StorefrontFacts]], *,
                   at: datetime, mapping: MappingSettings, store: str) -> StoreListing:
    parts = edition_parts(edition, mapping)
    lives: dict[ZoneInfo, Lifecycle] = {}  # storefronts in one time zone share the edition's lifecycle
    on: list[_OnStorefront] = []
    shared: dict[Any, Any] | None = {} if len(storefronts) > 1 else None
    for s, f in storefronts:
        life = lives.get(f.zone)
        if life is None:
            life = lives[f.zone] = lifecycle(edition, at=at, tz=f.zone)
        on.append(_on_storefront(edition, s, f, life, at, shared))
    if len(on) == 1 and on[0].storefront == store:
        return _hashed(_listing(parts, on[0]))
    # One listing of the merged storefront fields: the merge of the storefronts' listings, field for field.
    return _hashed(_listing(parts, _merged(on, store=store, record=parts["key"])[1]))


_UNSET: Any = object()  # not looked up yet (None is an answer)
_RESTRICTIVENESS = {Availability.DISABLED: 2, Availability.PREORDER: 1, Availability.AVAILABLE: 0}


def merge_storefronts(listings: Sequence[StoreListing], *, store: str) -> StoreListing:
    """One product over the storefronts of a store (BigCommerce keeps these fields on the product).

    The product is assigned to the channels where it is listed; it is visible if any listed storefront shows
    it; its availability is the most restrictive of the listed storefronts (so nothing is sold early on any
    channel) and it is purchasable only where all of them sell it. The default-currency storefront's price
    goes on the product; other currencies become price-list records.
    """
    if len(listings) == 1 and listings[0].storefront == store:
        return listings[0]
    base, merged = _merged(listings, store=store, record=str(listings[0].isbns[0]))
    return _hashed(_replace(base, **{name: getattr(merged, name) for name in _OnStorefront.__slots__}, hashes={}))


def _merged(listings: Sequence[Any], *, store: str, record: str) -> tuple[Any, _OnStorefront]:
    """The listing (or `_OnStorefront`) whose other fields the merge of one edition's storefront listings (or
    `_OnStorefront`s) keeps (see `merge_storefronts`), and the merged storefront fields. `record` is the ISBN."""
    listed = [li for li in listings if li.listed]
    # Storefronts where the product is on a channel decide how it sells; one where it is created hidden (no
    # channel, before its announcement there) must not hold back the others' launch.
    selling = [li for li in listed if li.channels] or listed
    basis = selling or list(listings)
    # The default-currency storefront's listing is the base; otherwise the first (listed) one.
    base = next((li for li in basis if li.price is not None and li.price.in_default_currency), basis[0])
    availability = max((li.availability for li in basis), key=lambda a: _RESTRICTIVENESS[a])
    releases = [li.preorder_release_date for li in basis if li.preorder_release_date is not None]
    default_price = next((li.price for li in listed if li.price and li.price.in_default_currency), None)
    extra = tuple(li.price for li in listed if li.price is not None and li.price is not default_price
                  and not li.price.in_default_currency)
    changes = [li.next_change for li in listings if li.next_change is not None]
    reasons = [f"{li.storefront}: {li.not_listed_reason}" for li in listings if not li.listed and li.not_listed_reason]
    problems = [_replace(p, source=li.storefront) for li in listings for p in li.problems]
    if default_price is None and any(li.channels for li in listed):
        # BigCommerce needs a product price in the store's default currency; without one the product would
        # show (and sell at) price 0 wherever no price list applies. Never sell at 0: hold it back. A product on
        # no channel (created hidden at metadata lock) sells nowhere, so it may wait for its price.
        message = ("listed only on storefronts priced in another currency; the store's default-currency "
                   "storefront does not list it, so the product would have no price of its own")
        problems += [_replace(blocking("no-default-currency-price", message, record=record, field="Price"),
                              source=li.storefront) for li in listed]
        reasons, listed = [f"{li.storefront}: {message}" for li in listed], []
    preorder = bool(listed) and availability is Availability.PREORDER
    v = _OnStorefront()
    v.storefront = store
    v.channels = tuple(sorted({c for li in listed for c in li.channels}))
    v.stage = base.stage
    v.listed = bool(listed)
    v.not_listed_reason = None if listed else "; ".join(reasons) or None
    v.is_visible = any(li.is_visible for li in listed)
    v.purchasable = bool(listed) and all(li.purchasable for li in selling)
    v.availability = availability if listed else Availability.DISABLED
    v.preorder_release_date = max(releases) if preorder and releases else None
    v.preorder_message = base.preorder_message if preorder else None
    v.price = default_price
    v.extra_prices = tuple(sorted(extra, key=lambda p: (p.currency, p.storefront)))
    v.next_change = min(changes) if changes else None
    v.problems = tuple(problems)
    return base, v


def unique_names(listings: Sequence[StoreListing], held: Collection[str] = ()) -> list[StoreListing]:
    """BigCommerce names are unique store-wide: colliding names get the ISBN (or key) appended, deterministically.

    `held` are names (casefolded) that products outside `listings` still hold in the store, such as products
    bookbridge hid when their titles left the source: a listing wanting one of them is tagged as well.
    """
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, listing in enumerate(listings):
        by_name[listing.name.casefold()].append(i)
    result = list(listings)
    for name, indexes in by_name.items():
        if len(indexes) < 2 and name not in held:
            continue
        for i in indexes:
            listing = result[i]
            tag = f" [{listing.isbns[0] if len(listing.isbns) == 1 else listing.sku}]"
            result[i] = with_hashes(listing.model_copy(update={"name": clip(listing.name, NAME_MAX - len(tag)) + tag}))
    return result


def _family_products(family: TitleFamily, editions: list[StoreListing]) -> list[StoreListing]:
    """Variant strategy: editions that agree on every product-only field share one product.

    BigCommerce keeps type, availability, pre-order date, visibility and channel assignment on the product
    only, so editions that differ in any of them are split into separate products. Channels above all: an
    edition licensed for fewer storefronts than its siblings must never ride on their product to a channel
    where it is not licensed.

    A product's key (its SKU and URL derive from it) depends only on which editions it holds, never on their
    dates or states, because the editions of a family are stable and their lifecycle is not:
    - `family:<id>:<type>`, the main key, goes to the group holding the type's lowest-SKU edition, whatever
      that edition's state (on sale, on pre-order, hidden). A launch, a date move or a stock change never
      hands the main key to another group; existing stores keep what they recorded under it.
    - any other group is `family:<id>:<type>:<sku>`, by its own lowest SKU. Groups are disjoint and the main
      key has no suffix, so keys are unique within a family. The pre-order date is deliberately left out:
      moving it re-dates the product, it does not make a new one.
    So a group whose editions stay together keeps its key; only groups that gain or lose an edition may
    change key (a launch merges a pre-order group into its siblings' product: the retired key is hidden and
    the moving variant's SKU reclaimed by the storefront). Rules that follow the state instead (the group on
    sale, or the lowest listed edition, takes the main key) keep an on-sale product through more launches,
    but swap keys between unchanged groups when that group sells out or is delisted, which moves every
    variant of both products.
    """
    groups: dict[tuple[Any, ...], list[StoreListing]] = defaultdict(list)
    anchors: dict[str, str] = {}  # product type -> its lowest SKU
    for e in sorted(editions, key=lambda x: x.sku):
        anchors.setdefault(e.product_type, e.sku)
        signature = (e.product_type, e.availability, e.preorder_release_date, e.is_visible, e.listed, e.channels)
        groups[signature].append(e)
    products: list[StoreListing] = []
    for group in sorted(groups.values(), key=lambda g: g[0].sku):
        first = group[0]  # the group's lowest SKU
        key = f"family:{family.id}:{first.product_type}"
        if first.sku != anchors[first.product_type]:
            key += f":{first.sku}"
        products.append(_merge_group(family, key, group))
    return products


def _merge_group(family: TitleFamily, key: str, group: list[StoreListing]) -> StoreListing:
    first = group[0]
    labels: dict[str, int] = defaultdict(int)
    for e in group:
        labels[e.name] += 1
    variants = tuple(
        VariantListing(
            isbn=e.isbns[0], sku=e.sku, option_label=_option_label(e, labels), price=e.price,
            extra_prices=e.extra_prices, weight=e.weight,
            width=e.width, height=e.height, depth=e.depth,
            purchasing_disabled=not (e.purchasable or e.availability is Availability.PREORDER),
            purchasing_disabled_message="" if e.purchasable else (e.preorder_message or "Not yet available"),
            image_url=next((i.url for i in e.images if i.is_thumbnail), None),
        )
        for e in group
    )
    priced = [v.price for v in variants if v.price is not None]
    kinds = "Digital" if first.product_type == "digital" else "Print"
    suffix = f" ({kinds})"
    sku = "FAM-" + content_hash(key)[:12].upper()
    merged = first.model_copy(update={
        "key": key,
        "isbns": tuple(e.isbns[0] for e in group),
        "sku": sku,
        "gtin": None,
        "name": clip(family.title, NAME_MAX - len(suffix)) + suffix,
        "custom_url": f"/{slugify(family.title)[:150]}-{slugify(kinds)}-{sku.lower()}/",
        "price": min(priced, key=lambda p: p.price) if priced else None,
        "extra_prices": (),  # per-currency prices live on the variants (price-list records are per variant)
        "images": tuple(dict.fromkeys(i for e in group for i in e.images)),
        "custom_fields": tuple(f for f in first.custom_fields if f.name not in ("ISBN", "Format", "Pages",
                                                                                 "Duration", "Trim size")),
        "variants": variants,
        "problems": tuple(p for e in group for p in e.problems),
        "next_change": min((e.next_change for e in group if e.next_change), default=None),
    })
    return with_hashes(merged)


def _option_label(e: StoreListing, labels: dict[str, int]) -> str:
    fmt = next((f.value for f in e.custom_fields if f.name == "Format"), Format.OTHER.label)
    return fmt if labels[e.name] == 1 else f"{fmt} ({e.sku})"
