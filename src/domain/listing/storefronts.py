"""Per-storefront facts: the fields of an edition's listing that depend on the storefront (channels, lifecycle,
rights, price, problems), and the listing of one edition on one storefront."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bookbridge.domain.instants import require_aware, start_of
from bookbridge.domain.lifecycle import Availability, Lifecycle, Stage, lifecycle, lifecycle_hold
from bookbridge.domain.listing.caches import ListingCaches
from bookbridge.domain.listing.editions import edition_parts
from bookbridge.domain.listing.sections import hashes_of_fields
from bookbridge.domain.listing.values import ListingPrice, MappingSettings, StoreListing, money
from bookbridge.domain.model import Edition
from bookbridge.domain.pricing import PriceContext, prices_and_next_change
from bookbridge.domain.problems import Problem
from bookbridge.domain.readiness import not_licensed_first, not_licensed_message, problems, rights_conflicts
from bookbridge.domain.rights import next_restriction_change, storefront_rights
from bookbridge.domain.storefront import StorefrontSettings

_UNSET: Any = object()  # not looked up yet (None is an answer)


@dataclass(frozen=True, slots=True)
class StorefrontFacts:
    """What every edition's listing on one storefront needs at one instant, computed once per plan."""

    zone: ZoneInfo
    prices: PriceContext
    currency: str  # a price's currency (as `pricing` gives it)
    outlets: frozenset[str]
    local_date: date

    @classmethod
    def of(cls, storefront: StorefrontSettings, at: datetime) -> StorefrontFacts:
        prices = storefront.price_context
        return cls(zone=storefront.zone, prices=prices, currency=prices.currency.upper(),
                   outlets=frozenset(storefront.outlet_names), local_date=at.astimezone(storefront.zone).date())


@dataclass(slots=True, kw_only=True, eq=False)
class OnStorefront:
    """The fields of an edition's listing that depend on the storefront (the rest are `edition_parts`), computed
    without building the listing itself, so that a store of several storefronts builds one listing per edition
    (their merge) instead of one per storefront and a merge. The names are the listing's, so the merge takes
    these and listings alike. A builder's intermediate record, never handed out (three per edition in a store of
    two storefronts): not frozen, which makes it five times cheaper to build; nothing changes it once built."""

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


def on_storefront(edition: Edition, storefront: StorefrontSettings, facts: StorefrontFacts, life: Lifecycle,
                  at: datetime, caches: ListingCaches, shared: dict[Any, Any] | None = None) -> OnStorefront:
    """`shared` (one dict per edition) lets an edition's storefronts share what they have in common."""
    tz = facts.zone
    found_price, price_change = prices_and_next_change(edition.prices, facts.prices, require_aware(at), tz)
    state = life.state
    # An edition's problems are the same on every storefront with the same requirements, unless a price is
    # missing (the problem names the currency) or the rights conflict where one serves (it names the storefront).
    key = ((state.stage, storefront.require_cover, storefront.require_description)
           if shared is not None and found_price is not None
           and not rights_conflicts(edition.rights, storefront.countries, caches.rights) else None)
    found = shared.get(key) if key is not None else None  # type: ignore[union-attr]
    if found is None:
        found = problems(edition, storefront, at=at, stage=state.stage, priced=found_price is not None,
                         memo=caches.rights)
        if key is not None:
            shared[key] = found  # type: ignore[index]
    licensed, refused = storefront_rights(edition.rights, storefront.countries, storefront.eligibility,
                                          storefront.unknown_rights, facts.outlets, facts.local_date, caches.rights)
    hold = lifecycle_hold(edition, state.stage)
    # Every cause, the first the main one: not licensed, then the blocking problems, then the lifecycle stage.
    causes: list[str] = []
    if not licensed:
        if hold is None:
            # Not licensed beats a missing price or content: those become warnings and open no exception of
            # their own. A stage that keeps the edition out anyway (out of print) opens none for the licence.
            found = not_licensed_first(found, refused, record=str(edition.isbn))
        causes.append(not_licensed_message(refused))
    causes += [p.message for p in found if p.blocking and p.code != "not-licensed"]
    if hold is not None:
        causes.append(hold)
    reason = "; ".join(causes) or None
    listed = reason is None
    if shared is None:
        rights_change = next_restriction_change(edition.rights, after=facts.local_date)
    elif (rights_change := shared.get(facts.local_date, _UNSET)) is _UNSET:
        rights_change = shared[facts.local_date] = next_restriction_change(edition.rights, after=facts.local_date)
    next_changes = [t for t in (life.next_change, price_change, start_of(rights_change, tz) if rights_change else None)
                    if t is not None]
    preorder = state.availability is Availability.PREORDER
    return OnStorefront(
        storefront=storefront.name,
        # A product nobody may see yet (created hidden at metadata lock) is on no channel: nothing is sold early.
        channels=(storefront.channel_id,) if listed and state.visible else (),
        stage=state.stage,
        availability=state.availability if listed else Availability.DISABLED,
        is_visible=state.visible and listed,
        purchasable=state.purchasable and listed,
        preorder_release_date=state.preorder_release if preorder else None,
        preorder_message=state.message if preorder else None,
        listed=listed,
        not_listed_reason=reason,
        price=(_listing_price(found_price, facts.currency, facts.prices.tax_inclusive, storefront.default_currency,
                              storefront.name, caches) if found_price is not None else None),
        extra_prices=(),
        next_change=min(next_changes) if next_changes else None,
        problems=tuple(found),
    )


def _listing_price(found: Any, currency: str, tax_inclusive: bool, default_currency: bool, storefront: str,
                   caches: ListingCaches) -> ListingPrice:
    """`ListingPrice.of(PriceAt(...))` from pricing's plain values (`prices_and_next_change`).

    Prices repeat (a catalogue has a few price points per currency): one frozen object per value and
    storefront, which saves building one per edition and storefront, their memory, and serialising the same
    pricing section again (`hashes_of_fields`)."""
    price, sale, retail, starts, ends = found
    # Equal amounts are one price (9.9 and 9.90 give 9.9000), except that -0 serialises as such: never shared.
    signed = price.is_signed() or (sale is not None and sale.is_signed()) or (retail is not None and retail.is_signed())
    # Aware datetimes at one instant are equal whatever their zone: the key tells their zones apart as well.
    key = (found, currency, tax_inclusive, default_currency, storefront,
           starts and (starts.tzinfo, starts.fold), ends and (ends.tzinfo, ends.fold))
    made: ListingPrice | None = None if signed else caches.prices.get(key)
    if made is None:
        on_sale = sale is not None
        made = ListingPrice(currency=currency, price=money(price), sale_price=money(sale),  # type: ignore[arg-type]
                            retail_price=money(retail), tax_inclusive=tax_inclusive,
                            in_default_currency=default_currency, storefront=storefront,
                            sale_starts=starts if on_sale else None, sale_ends=ends if on_sale else None)
        if not signed:
            caches.prices.keep(key, made)
    return made


def listing_of(p: dict[str, Any], v: OnStorefront, caches: ListingCaches) -> StoreListing:
    """The listing of an edition's parts (`edition_parts`) and its storefront fields (one storefront's, or merged
    over a store's), with its section hashes. Built from validated domain objects: nothing to validate again."""
    values = {
        "key": p["key"], "storefront": v.storefront, "channels": v.channels,
        "family_id": p["family_id"], "isbns": p["isbns"], "sku": p["sku"], "name": p["name"],
        "custom_url": p["custom_url"], "product_type": p["product_type"], "description": p["description"],
        "brand": p["brand"], "gtin": p["gtin"], "weight": p["weight"], "width": p["width"], "height": p["height"],
        "depth": p["depth"], "stage": v.stage, "availability": v.availability, "is_visible": v.is_visible,
        "purchasable": v.purchasable, "preorder_release_date": v.preorder_release_date,
        "preorder_message": v.preorder_message, "listed": v.listed, "not_listed_reason": v.not_listed_reason,
        "price": v.price, "extra_prices": v.extra_prices, "images": p["images"], "custom_fields": p["custom_fields"],
        "related_isbns": p["related_isbns"], "variants": (), "search_keywords": p["search_keywords"],
        "categories": p["categories"], "page_title": p["page_title"], "meta_description": p["meta_description"],
        "next_change": v.next_change, "problems": v.problems + p["subject_problems"], "record": p["record"],
    }
    return StoreListing(**values, hashes=hashes_of_fields(values, caches))


def build_edition_listing(
    edition: Edition,
    storefront: StorefrontSettings,
    *,
    at: datetime,
    mapping: MappingSettings | None = None,
    parts: dict[str, Any] | None = None,
    caches: ListingCaches | None = None,
) -> StoreListing:
    """The desired product for one edition on one storefront (one-product-per-edition strategy). `parts` (from
    `edition_parts`) may be passed when building the same edition again; `caches` are the planner's, when it
    builds many."""
    caches = caches if caches is not None else ListingCaches()
    if parts is None:
        parts = edition_parts(edition, mapping or MappingSettings(), caches)
    facts = StorefrontFacts.of(storefront, at)
    life = lifecycle(edition, at=at, tz=facts.zone, shared=caches.lifecycles)
    return listing_of(parts, on_storefront(edition, storefront, facts, life, at, caches), caches)
