"""Properties of the rules, over generated catalogues (strategies.py). Each runs >= 200 examples under `ci`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import event, given, target
from hypothesis import strategies as st

from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.instants import start_of
from bookbridge.domain.lifecycle import Availability, Stage, lifecycle, listing_state
from bookbridge.domain.listing import Section, StoreListing, build_edition_listing, build_listings
from bookbridge.domain.model import Edition, PriceRow, Rights, SalesRights, TitleFamily
from bookbridge.domain.plan import ActionKind, Plan, applied_after, plan_changes
from bookbridge.domain.pricing import PriceContext, candidate_rows, in_window, price_at, pricing, window
from bookbridge.domain.rights import (
    FOR_SALE_TYPES,
    NOT_FOR_SALE_TYPES,
    EligibilityPolicy,
    RightsResolver,
    RightsStatus,
    eligible,
)
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.territory import Territory, all_countries
from strategies import (
    MARKETS,
    STORE_ZONES,
    catalogues,
    countries,
    dates_or_instants,
    editions,
    editions_for,
    instants,
    milestones,
    prices_for,
    rights,
    sales_restrictions,
    sales_rights,
    storefronts,
    territories,
)

# Countries no generated territory names explicitly, so that ROWSalesRightsType decides them.
POOL = (*MARKETS, "JP", "BR", "MX")
MICROSECOND = timedelta(microseconds=1)


def for_sale(r: Rights, **kwargs: Any) -> frozenset[str]:
    return RightsResolver(r, **kwargs).countries_for_sale(POOL)


# --- rights -------------------------------------------------------------------------------------------------


@given(rights())
def test_a_country_named_by_a_not_for_sale_composite_is_never_for_sale(r: Rights) -> None:
    resolver = RightsResolver(r, unknown_default=RightsStatus.FOR_SALE)
    for composite in r.sales_rights:
        if composite.type in NOT_FOR_SALE_TYPES:
            assert not resolver.countries_for_sale(composite.territory.extent().named)


@given(rights(), st.sampled_from(sorted(RightsStatus)))
def test_for_sale_is_the_union_of_for_sale_territories_minus_the_not_for_sale_ones(
        r: Rights, default: RightsStatus) -> None:
    # List 46 (sales rights type): for_sale = ∪ full(01, 02, 07, 08) − ∪ named(03–06), for named countries.
    granted: set[str] = set()
    refused: set[str] = set()
    named: set[str] = set()
    for composite in r.sales_rights:
        extent = composite.territory.extent()
        named |= extent.named
        if composite.type in FOR_SALE_TYPES:
            granted |= extent.full
        elif composite.type in NOT_FOR_SALE_TYPES:
            refused |= extent.named
    assert for_sale(r, unknown_default=default) & named == (granted - refused) & set(POOL)


@given(rights(), st.sampled_from(["00", "01", "02", "03", "06", None]), st.sampled_from(sorted(RightsStatus)))
def test_row_type_applies_exactly_to_the_countries_no_composite_names(
        r: Rights, row_type: str | None, default: RightsStatus) -> None:
    changed = r.model_copy(update={"row_type": row_type})
    named = set().union(*(c.territory.extent().named for c in r.sales_rights))
    original = RightsResolver(r, unknown_default=default)
    resolver = RightsResolver(changed, unknown_default=default)
    row_status = {"01": RightsStatus.FOR_SALE, "02": RightsStatus.FOR_SALE, "03": RightsStatus.NOT_FOR_SALE,
                  "06": RightsStatus.NOT_FOR_SALE}.get(row_type or "", default)
    for country in POOL:
        if country in named:
            assert resolver.status(country) == original.status(country)
        else:
            assert resolver.status(country).status is row_status


restricted_composites = sales_rights(restrictions=st.tuples() | st.tuples(sales_restrictions()))


@given(st.lists(restricted_composites, max_size=4).flatmap(lambda rs: st.tuples(st.just(rs), st.permutations(rs))),
       st.sampled_from(["00", "01", "03", None]), st.none() | st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_the_order_of_sales_rights_composites_does_not_matter(
        pair: tuple[list[SalesRights], list[SalesRights]], row_type: str | None, on: date | None) -> None:
    original, shuffled = pair
    kwargs: dict[str, Any] = {"our_outlets": ["Our Shop"], "on": on}
    assert for_sale(Rights(sales_rights=tuple(original), row_type=row_type), **kwargs) == for_sale(
        Rights(sales_rights=tuple(shuffled), row_type=row_type), **kwargs)


@given(st.frozensets(countries(), max_size=20))
def test_world_minus_countries_is_their_complement(excluded: frozenset[str]) -> None:
    extent = Territory.world(excluding=excluded).extent()
    assert extent.full == all_countries() - excluded and extent.partial == frozenset()
    world_rights = Rights(sales_rights=(SalesRights(type="01", territory=Territory.world(excluding=excluded)),),
                          row_type="03")
    assert RightsResolver(world_rights).countries_for_sale() == all_countries() - excluded


@given(rights(restrictions=st.tuples() | st.tuples(sales_restrictions())), st.sets(countries(among=POOL), max_size=5))
def test_all_markets_eligibility_implies_any_market(r: Rights, markets: set[str]) -> None:
    resolver = RightsResolver(r, our_outlets=["Our Shop"])
    if eligible(resolver, markets, EligibilityPolicy.ALL_MARKETS):
        assert eligible(resolver, markets, EligibilityPolicy.ANY_MARKET)


@given(rights(), sales_rights(types=sorted(NOT_FOR_SALE_TYPES)), st.integers(0, 4),
       st.sampled_from(sorted(RightsStatus)))
def test_adding_a_not_for_sale_composite_never_adds_a_for_sale_country(
        r: Rights, refusal: SalesRights, position: int, default: RightsStatus) -> None:
    composites = list(r.sales_rights)
    composites.insert(min(position, len(composites)), refusal)
    more = r.model_copy(update={"sales_rights": tuple(composites)})
    assert for_sale(more, unknown_default=default) <= for_sale(r, unknown_default=default)


@given(rights(composites=sales_rights(territory=territories(sub_national=False))),
       sales_rights(types=sorted(FOR_SALE_TYPES), territory=territories(sub_national=False)))
def test_with_whole_countries_adding_a_for_sale_composite_never_removes_a_for_sale_country(
        r: Rights, grant: SalesRights) -> None:
    more = r.model_copy(update={"sales_rights": (*r.sales_rights, grant)})
    assert for_sale(r) <= for_sale(more)


@given(rights(composites=sales_rights(restrictions=st.tuples() | st.tuples(sales_restrictions())),
              restrictions=st.tuples() | st.tuples(sales_restrictions())),
       st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_a_restriction_in_force_against_our_shop_only_ever_removes_countries(r: Rights, on: date) -> None:
    unrestricted = Rights(
        sales_rights=tuple(c.model_copy(update={"restrictions": ()}) for c in r.sales_rights), row_type=r.row_type)
    assert for_sale(r, on=on, our_outlets=["Our Shop"]) <= for_sale(unrestricted)


@given(rights(restrictions=st.tuples() | st.tuples(sales_restrictions())),
       storefronts(max_countries=5), st.sampled_from(sorted(RightsStatus)))
def test_storefront_eligibility_is_the_conjunction_or_disjunction_over_its_countries(
        r: Rights, store: StorefrontSettings, default: RightsStatus) -> None:
    resolver = RightsResolver(r, unknown_default=default, our_outlets=store.outlet_names)
    each = [eligible(resolver, [c], EligibilityPolicy.ALL_MARKETS) for c in sorted(store.countries)]
    assert eligible(resolver, store.countries, EligibilityPolicy.ALL_MARKETS) is all(each)
    assert eligible(resolver, store.countries, EligibilityPolicy.ANY_MARKET) is any(each)


# --- lifecycle and pricing: next_change is exact ------------------------------------------------------------


def check_next_change(
    state_at: Callable[[datetime], Hashable],
    at: datetime,
    next_change: datetime | None,
    candidates: Sequence[datetime],
    fractions: Sequence[float],
) -> None:
    """The state is constant on [at, next) and differs at next; with no next, no later boundary changes it."""
    now = state_at(at)
    start = at.astimezone(UTC)
    if next_change is None:
        for boundary in candidates:
            if boundary > at:
                assert state_at(boundary) == now, f"changes at {boundary} but next_change is None"
                assert state_at(boundary + timedelta(days=400)) == now
        return
    assert next_change > at
    end = next_change.astimezone(UTC)
    samples = [min(start + (end - start) * f, end - MICROSECOND) for f in fractions] + [end - MICROSECOND]
    for instant in samples:
        assert state_at(instant) == now, f"state changed at {instant}, before next_change {next_change}"
    assert state_at(next_change) != now


def boundaries_of(edition: Edition, tz: ZoneInfo) -> list[datetime]:
    dates = (edition.announcement_date, edition.preorder_embargo, edition.publication_date, edition.sales_embargo)
    return sorted({start_of(d, tz) for d in dates if d is not None})


zones = st.sampled_from(STORE_ZONES).map(ZoneInfo)
fractions = st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=5)


# One season: dates and instants close together, so that every ordering of announcement, pre-order embargo,
# publication, sales embargo and `at` turns up often.
SEASON = (date(2026, 6, 1), date(2026, 7, 31))
selling = {"statuses": st.sampled_from(["02", "04", "13", "06", "07", None]),
           "availabilities": st.none() | st.sampled_from(["20", "10", "31", "46"]),
           "dates": st.none() | dates_or_instants(start=SEASON[0], end=SEASON[1])}
season = instants(start=SEASON[0], end=SEASON[1])


def near(edges: Sequence[datetime]) -> st.SearchStrategy[datetime]:
    """Instants in the season, or just around one of the given boundaries (where off-by-one errors live)."""
    if not edges:
        return season
    offsets = st.sampled_from([timedelta(0), -MICROSECOND, timedelta(hours=1), -timedelta(hours=1),
                               timedelta(days=3), -timedelta(days=3)])
    return season | st.builds(lambda edge, offset: edge.astimezone(UTC) + offset, st.sampled_from(list(edges)),
                              offsets)


@given(editions(**selling), zones, st.data())
def test_purchasable_only_after_both_the_sales_embargo_and_the_publication_date(
        edition: Edition, tz: ZoneInfo, data: st.DataObject) -> None:
    at = data.draw(near(boundaries_of(edition, tz)), label="at")
    state = listing_state(edition, at=at, tz=tz)
    if state.purchasable:
        for day in (edition.sales_embargo, edition.publication_date):
            assert day is None or at >= start_of(day, tz)


@given(editions(**selling), zones, fractions, st.data())
def test_lifecycle_next_change_is_exactly_the_next_state_change(
        edition: Edition, tz: ZoneInfo, fractions: list[float], data: st.DataObject) -> None:
    at = data.draw(near(boundaries_of(edition, tz)), label="at")
    life = lifecycle(edition, at=at, tz=tz)
    event(f"{life.state.stage}, {'changes later' if life.next_change else 'final'}")
    assert life.state == listing_state(edition, at=at, tz=tz)
    check_next_change(lambda t: listing_state(edition, at=t, tz=tz), at, life.next_change,
                      boundaries_of(edition, tz), fractions)


@functools.cache
def rows_for(store: StorefrontSettings) -> st.SearchStrategy[list[PriceRow]]:
    return st.lists(prices_for(store), max_size=5)


priced_stores = storefronts(currencies=("GBP", "USD")).flatmap(
    lambda s: st.tuples(st.just(s.price_context), rows_for(s)))


def edges_of(rows: Sequence[PriceRow], ctx: PriceContext) -> list[datetime]:
    return sorted({p for r in rows for p in window(r, ctx.zone) if p is not None})


@given(priced_stores, st.data())
def test_the_price_always_comes_from_a_row_in_force(
        priced: tuple[PriceContext, list[PriceRow]], data: st.DataObject) -> None:
    ctx, rows = priced
    at = data.draw(instants() | near(edges_of(rows, ctx)), label="at")
    found = price_at(rows, ctx, at)
    event("no price" if found is None else "on sale" if found.sale_price is not None else "regular price")
    target(0.0 if found is None else 1.0 if found.sale_price is None else 2.0, label="priced")
    if found is None:
        return
    live = [r for r in candidate_rows(rows, ctx) if in_window(r, at, ctx.zone)]
    assert found.currency == ctx.currency
    assert found.tax_inclusive is ctx.tax_inclusive
    assert found.price in {r.amount for r in live}
    assert found.effective in {r.amount for r in live}
    assert all(r.currency == ctx.currency for r in live)
    assert found.effective <= found.price


@given(priced_stores, fractions, st.data())
def test_pricing_next_change_is_exactly_the_next_price_change(
        priced: tuple[PriceContext, list[PriceRow]], fractions: list[float], data: st.DataObject) -> None:
    ctx, rows = priced
    at = data.draw(instants() | near(edges_of(rows, ctx)), label="at")
    result = pricing(rows, ctx, at)
    event("price changes later" if result.next_change else "price never changes")
    assert result.at == price_at(rows, ctx, at)
    check_next_change(lambda t: price_at(rows, ctx, t), at, result.next_change, edges_of(rows, ctx), fractions)


# --- planning -------------------------------------------------------------------------------------------


def apply(plan: Plan, applied: Mapping[str, AppliedListing]) -> dict[str, AppliedListing]:
    after = dict(applied)
    for n, action in enumerate(plan.actions):
        product_id = 1000 + len(after) + n if action.kind is ActionKind.CREATE else None
        after[action.key] = applied_after(action, after.get(action.key), product_id=product_id)
    return after


plan_stores = storefronts(currencies=("GBP", "USD"), max_countries=2)
moments = instants(zones=("UTC",))


@functools.cache
def catalogue_for(store: StorefrontSettings) -> st.SearchStrategy[list[TitleFamily]]:
    # Small catalogues: two works of up to two formats, mostly listable on the store; half of them with locked
    # metadata (Consonance IN_REVIEW/APPROVED), which puts an editorial edition in the store, hidden.
    return catalogues(min_families=1, max_families=2, max_size=2, edition=editions_for(store, milestones_=milestones()))


scenarios = plan_stores.flatmap(lambda s: st.tuples(st.just(s), catalogue_for(s)))


def restrict(families: list[TitleFamily], keep: set[int], edited: frozenset[int] = frozenset()) -> list[TitleFamily]:
    """The catalogue with only the editions whose position (in catalogue order) is in `keep`; the `edited` ones
    have a new price and a new cover."""
    ordered = [e.isbn for f in families for e in f.editions]
    kept = {ordered[i] for i in keep if i < len(ordered)}
    changed = {ordered[i] for i in edited if i < len(ordered)}

    def edit(e: Edition) -> Edition:
        if e.isbn not in changed:
            return e
        prices = tuple(p.model_copy(update={"amount": p.amount + 1}) for p in e.prices)
        resources = tuple(r.model_copy(update={"url": r.url + "?v=2"}) for r in e.resources)
        return e.model_copy(update={"prices": prices, "resources": resources})

    trimmed = [f.model_copy(update={"editions": tuple(edit(e) for e in f.editions if e.isbn in kept)})
               for f in families]
    return [f for f in trimmed if f.editions]


# Each edition's fate between the last sync and this one: unchanged, edited, gone, or new.
fates = st.lists(st.sampled_from(["both", "edited", "before", "now"]), min_size=4, max_size=4)


@given(scenarios, fates, moments, moments, st.booleans())
def test_applying_a_plan_leaves_an_empty_plan_and_creates_nothing_twice(
        scenario: tuple[StorefrontSettings, list[TitleFamily]], fate: list[str], then: datetime, at: datetime,
        complete: bool) -> None:
    # What was applied at `then` from one part of the catalogue; what is desired at `at` from another part:
    # editions in both are updated (time moved on), those only before are hidden, the new ones created.
    store, families = scenario
    before = {i for i, f in enumerate(fate) if f in ("both", "edited", "before")}
    now = {i for i, f in enumerate(fate) if f in ("both", "edited", "now")}
    edited = frozenset(i for i, f in enumerate(fate) if f == "edited")
    applied = apply(plan_changes(store.name, build_listings(restrict(families, before), store, at=then), {}), {})
    desired = build_listings(restrict(families, now, edited), store, at=at)
    plan = plan_changes(store.name, desired, applied, source_complete=complete)
    event(", ".join(sorted({a.kind.value for a in plan.actions})) or f"no actions, {plan.unchanged} unchanged")
    creates = [a.key for a in plan.of_kind(ActionKind.CREATE)]
    assert len(creates) == len(set(creates))
    assert not set(creates) & set(applied)
    assert all(a.listing is not None and a.listing.listed for a in plan.of_kind(ActionKind.CREATE))
    assert len({a.key for a in plan.actions}) == len(plan.actions)
    after = apply(plan, applied)
    assert plan_changes(store.name, desired, after, source_complete=complete).actions == ()
    # Nothing is ever deleted: every product once applied is still recorded, at worst hidden.
    assert set(applied) <= set(after)
    if complete:
        gone = set(applied) - {li.key for li in desired}
        assert all(not after[key].visible for key in gone)


# What the store may hold for a key: a record of any age, visible or hidden, or nothing.
stale_records = st.lists(st.tuples(st.sampled_from(["missing", "current", "stale", "hidden"]),
                                   st.sets(st.sampled_from(list(Section)))), min_size=4, max_size=4)


@given(scenarios, stale_records, st.sets(st.sampled_from(["gone-1", "gone-2"])), moments, st.booleans())
def test_any_applied_state_converges_after_one_plan(
        scenario: tuple[StorefrontSettings, list[TitleFamily]], records: list[tuple[str, set[Section]]],
        gone: set[str], at: datetime, complete: bool) -> None:
    store, families = scenario
    desired = build_listings(families, store, at=at)
    applied: dict[str, AppliedListing] = {key: AppliedListing(key=key, hashes={}, visible=True, product_id=7)
                                          for key in gone}
    for listing, (state, stale) in zip(desired, records, strict=False):
        if state == "missing":
            continue
        # A hidden record forgets its hashes (applied_after of a HIDE for a key the source dropped).
        hashes = {} if state == "hidden" else {s: ("0" * 64 if s in stale and state == "stale" else h)
                                               for s, h in listing.hashes.items()}
        applied[listing.key] = AppliedListing(key=listing.key, hashes=hashes, visible=state != "hidden",
                                              product_id=len(applied) + 1)
    plan = plan_changes(store.name, desired, applied, source_complete=complete)
    event(", ".join(sorted({a.kind.value for a in plan.actions})) or "no actions")
    for action in plan.actions:
        if action.kind is ActionKind.CREATE:
            assert action.key not in applied
        if action.kind is ActionKind.UPDATE and action.key in applied:
            stale_sections = {s for s in Section if applied[action.key].hashes.get(s) != action.listing.hashes[s]}
            assert set(action.sections) == stale_sections  # exactly the stale sections, nothing more
    after = apply(plan, applied)
    assert plan_changes(store.name, desired, after, source_complete=complete).actions == ()
    assert all(after[key].product_id == applied[key].product_id for key in applied)  # never re-created


def released(edition: Edition, store: StorefrontSettings, at: datetime) -> bool:
    days = [start_of(d, store.zone) for d in (edition.publication_date, edition.sales_embargo) if d is not None]
    return all(at >= day for day in days)


def licensed(edition: Edition, store: StorefrontSettings, at: datetime) -> bool:
    resolver = RightsResolver(edition.rights, unknown_default=store.unknown_rights, our_outlets=store.outlet_names,
                              on=at.astimezone(store.zone).date())
    return eligible(resolver, store.countries, store.eligibility)


@given(scenarios, moments)
def test_nothing_is_listed_outside_its_rights_or_before_its_date(
        scenario: tuple[StorefrontSettings, list[TitleFamily]], at: datetime) -> None:
    store, families = scenario
    by_isbn = {e.isbn: e for f in families for e in f.editions}
    listings: list[StoreListing] = build_listings(families, store, at=at)
    event("something listed" if any(li.listed for li in listings) else "nothing listed")
    assert sorted(i for li in listings for i in li.isbns) == sorted(by_isbn)  # one product (or variant) per edition
    assert len({li.key for li in listings}) == len(listings)
    assert len({li.name.casefold() for li in listings}) == len(listings)
    for li in listings:
        if li.is_visible or li.purchasable or li.listed:
            assert all(licensed(by_isbn[i], store, at) for i in li.isbns), li.key
        if li.purchasable or li.availability is Availability.AVAILABLE:
            assert all(released(by_isbn[i], store, at) for i in li.isbns), li.key
        stages = {listing_state(by_isbn[i], at=at, tz=store.zone).stage for i in li.isbns}
        if li.is_visible or li.channels:  # never shown, nor on a channel, before its announcement
            assert Stage.EDITORIAL not in stages, li.key
        if li.listed and Stage.EDITORIAL in stages:  # created hidden at metadata lock, and only then
            assert all(by_isbn[i].milestones.metadata_locked for i in li.isbns), li.key
            assert (li.is_visible, li.purchasable, li.availability, li.channels) == (
                False, False, Availability.DISABLED, ()), li.key
            event("an editorial edition created hidden")
        for variant in li.variants:
            if not variant.purchasing_disabled and li.availability is Availability.AVAILABLE:
                assert released(by_isbn[variant.isbn], store, at)
    plan = plan_changes(store.name, listings, {})
    for action in plan.of_kind(ActionKind.CREATE):
        assert action.listing is not None
        assert all(licensed(by_isbn[i], store, at) for i in action.listing.isbns)


# Editions that are often editorial: List 64 00/09 or none, or 02/04 before a (List 163: 09) announcement date.
unannounced = plan_stores.flatmap(lambda s: st.tuples(st.just(s), editions_for(
    s, statuses=st.sampled_from(["00", "09", "02", "04"]) | st.none(), dates=st.none() | dates_or_instants(),
    milestones_=milestones())))


@given(unannounced, moments)
def test_an_editorial_edition_is_in_the_store_only_once_locked_and_then_hidden_and_never_sold(
        scenario: tuple[StorefrontSettings, Edition], at: datetime) -> None:
    store, edition = scenario
    li = build_edition_listing(edition, store, at=at)
    if li.stage is not Stage.EDITORIAL:
        return
    blocked = any(p.blocking for p in li.problems)
    event(f"locked={edition.milestones.metadata_locked} listed={li.listed}")
    assert li.listed == (edition.milestones.metadata_locked and licensed(edition, store, at) and not blocked)
    assert (li.is_visible, li.purchasable, li.availability, li.channels, li.preorder_release_date) == (
        False, False, Availability.DISABLED, (), None)
    creates = plan_changes(store.name, [li], {}).of_kind(ActionKind.CREATE)
    assert [a.listing for a in creates] == ([li] if li.listed else [])
