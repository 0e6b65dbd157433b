"""The incremental plan: reusing a family's listings from the last plan (ListingMemo) changes nothing.

For random catalogues, random edits (an edition replaced by another with the same ISBN, a family dropped or
added) and random clock moves (small steps across campaign and launch edges, jumps backwards and forwards),
the listings and the plan built with the memo equal those built from scratch at every step.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import ListingMemo, StoreListing, build_store_listings
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.plan import applied_after, plan_changes
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings
from strategies import _one_family_per_isbn, catalogues, editions, instants, storefronts

STEPS = st.sampled_from([timedelta(0), timedelta(minutes=1), timedelta(hours=6), timedelta(days=1),
                         timedelta(days=9), timedelta(days=60), timedelta(days=-1), timedelta(days=-40)])


@st.composite
def stores(draw: st.DrawFn) -> tuple[StorefrontSettings, ...]:
    """One storefront, or two sharing a store (the second in another currency, as price-list records)."""
    strategy = draw(st.sampled_from(list(FormatStrategy)))
    first = draw(storefronts(strategies=[strategy])).model_copy(update={"name": "uk", "channel_id": 1})
    if draw(st.booleans()):
        return (first,)
    second = draw(storefronts(strategies=[strategy])).model_copy(
        update={"name": "us", "channel_id": 2, "default_currency": False})
    return first, second


def edit(data: st.DataObject, catalogue: dict[str, TitleFamily]) -> dict[str, TitleFamily]:
    families = list(catalogue.values())
    kind = data.draw(st.sampled_from(["none", "edition", "drop", "add"]) if families else st.just("add"))
    event(f"edit: {kind}")
    if kind == "edition":
        family = data.draw(st.sampled_from(families))
        index = data.draw(st.integers(0, len(family.editions) - 1))
        old = family.editions[index]
        new = data.draw(editions(isbn=st.just(old.isbn), family_id=family.id)).model_copy(
            update={"title": family.title})
        changed = family.model_copy(update={"editions": (*family.editions[:index], new,
                                                          *family.editions[index + 1:])})
        return {**catalogue, family.id: changed}
    if kind == "drop":
        dropped = data.draw(st.sampled_from(families)).id
        return {k: f for k, f in catalogue.items() if k != dropped}
    if kind == "add":
        added = [f for f in data.draw(catalogues(min_families=1, max_families=1)) if f.id not in catalogue]
        return {f.id: f for f in _one_family_per_isbn([*families, *added])}
    return catalogue


def applied_from(plan_listings: list[StoreListing], applied: dict[str, AppliedListing], store: str
                 ) -> dict[str, AppliedListing]:
    """The applied state once every action of the plan has succeeded."""
    plan = plan_changes(store, plan_listings, applied)
    out = dict(applied)
    for i, action in enumerate(plan.actions):
        out[action.key] = applied_after(action, applied.get(action.key), i + 1)
    return out


@given(catalogues(min_families=1, max_families=3), stores(), instants(), st.lists(STEPS, min_size=1, max_size=5),
       st.data())
def test_the_incremental_plan_equals_the_cold_plan(families: list[TitleFamily],
                                                   sfs: tuple[StorefrontSettings, ...], start: datetime,
                                                   steps: list[timedelta], data: st.DataObject) -> None:
    store = "shop"
    memo = ListingMemo()
    catalogue = {f.id: f for f in families}
    applied: dict[str, AppliedListing] = {}
    at = start
    reused = 0
    for step in steps:
        warm = build_store_listings(catalogue.values(), sfs, at=at, store=store, memo=memo)
        cold = build_store_listings(catalogue.values(), sfs, at=at, store=store)
        assert warm == cold
        assert plan_changes(store, warm, applied) == plan_changes(store, cold, applied)
        reused += memo.reused
        applied = applied_from(cold, applied, store)
        catalogue = edit(data, catalogue)
        at += step
    event(f"families reused: {'some' if reused else 'none'}")


def test_an_unchanged_family_is_reused_until_its_next_change() -> None:
    """A campaign edge ends the reuse; an edit or other settings too; the clock going back as well."""
    from bookbridge.adapters.sample.catalogue import sample_catalogue

    at = datetime.fromisoformat("2026-11-28T10:00:00+00:00")
    families = sample_catalogue(at.date(), families=12)
    uk = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                            timezone="Europe/London")
    memo = ListingMemo()
    first = build_store_listings(families, [uk], at=at, store="uk", memo=memo)
    assert memo.reused == 0
    again = build_store_listings([f.model_copy(deep=True) for f in families], [uk], at=at + timedelta(minutes=5),
                                 store="uk", memo=memo)
    assert again == first and memo.reused == len(families)  # equal content, not the same objects
    changes = sorted({li.next_change for li in first if li.next_change is not None})
    later = changes[0]
    after_edge = build_store_listings(families, [uk], at=later, store="uk", memo=memo)
    changed = {li.family_id for li in first if li.next_change == later}
    assert memo.reused == len(families) - len(changed)
    assert after_edge == build_store_listings(families, [uk], at=later, store="uk")
    build_store_listings(families, [uk], at=at, store="uk", memo=memo)  # the clock went back: build again
    assert memo.reused < len(families)
    edited = [families[0].model_copy(update={"title": "Another title"}), *families[1:]]
    build_store_listings(edited, [uk], at=at, store="uk", memo=memo)
    assert memo.reused == len(families) - 1
    other: Any = uk.model_copy(update={"require_cover": False})
    build_store_listings(edited, [other], at=at, store="uk", memo=memo)
    assert memo.reused == 0


def test_a_territory_serialises_its_codes_sorted_so_fingerprints_are_canonical() -> None:
    """A set iterates in its hash table's order, which differs between equal sets (a deep copy, another
    process): the JSON of a territory, and so a family's fingerprint, must not."""
    from bookbridge.domain.territory import Territory

    codes = "AU IM IE GB JE GG NZ US CA ZA IN"
    territory = Territory(countries_included=codes, countries_excluded="FR DE", regions_included="WORLD GB-NIR")
    data = json.loads(territory.model_dump_json())
    assert data["countries_included"] == sorted(codes.split())
    assert data["countries_excluded"] == ["DE", "FR"] and data["regions_included"] == ["GB-NIR", "WORLD"]
    assert Territory.model_validate_json(territory.model_dump_json()) == territory
