from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.drift import find_drift
from bookbridge.domain.listing import Section, StoreListing, build_edition_listing, section_payloads
from bookbridge.domain.plan import ActionKind, applied_after, plan_changes
from examples import edition, storefront

NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)


def listing(**changes: Any) -> StoreListing:
    return build_edition_listing(edition(**changes), storefront(), at=NOON)


def applied_for(li: StoreListing) -> AppliedListing:
    plan = plan_changes("uk", [li], {})
    return applied_after(plan.actions[0], None, product_id=7)


def stored_for(li: StoreListing) -> dict[str, Any]:
    """What an honest store reports: the flattened section payloads (as the in-memory storefront holds them)."""
    return {k: v for payload in section_payloads(li).values() for k, v in payload.items()}


def test_a_store_holding_what_was_applied_shows_no_drift() -> None:
    li = listing()
    assert find_drift(applied_for(li), stored_for(li)) == []


def test_a_description_edited_by_hand_is_drift_in_the_core_section() -> None:
    li = listing()
    stored = stored_for(li) | {"description": "Edited by a merchandiser"}
    [change] = find_drift(applied_for(li), stored)
    assert (change.section, change.field, change.after) == (Section.CORE, "description", "Edited by a merchandiser")
    assert change.before == section_payloads(li)[Section.CORE]["description"]


def test_fields_the_store_does_not_report_are_never_drift() -> None:
    li = listing()
    assert find_drift(applied_for(li), {"name": li.name}) == []


def test_numbers_read_back_as_text_or_floats_are_not_drift() -> None:
    li = listing()
    price = dict(section_payloads(li)[Section.PRICING]["price"])
    assert find_drift(applied_for(li), {"price": price | {"price": float(price["price"])}}) == []
    assert find_drift(applied_for(li), {"weight": float(section_payloads(li)[Section.CORE]["weight"])}) == []
    [change] = find_drift(applied_for(li), {"price": price | {"price": 1.5}})
    assert (change.section, change.field) == (Section.PRICING, "price")


@given(field=st.sampled_from(["name", "description", "is_visible", "custom_fields", "images"]),
       value=st.one_of(st.text(max_size=5), st.booleans(), st.lists(st.integers(), max_size=2)))
def test_any_changed_reported_field_is_found_exactly_once(field: str, value: Any) -> None:
    li = listing()
    stored = stored_for(li)
    changes = find_drift(applied_for(li), stored | {field: value})
    if stored[field] == value:
        assert changes == []
    else:
        assert [c.field for c in changes] == [field]
        assert changes[0].after == value


def test_a_held_section_is_left_out_of_updates_but_other_sections_are_sent() -> None:
    li = listing()
    applied = replace(applied_for(li), held=frozenset({Section.CORE}))
    changed = replace(li, description="New blurb", hashes={s: "x" for s in Section})
    plan = plan_changes("uk", [changed], {li.key: applied})
    [action] = plan.actions
    assert action.kind is ActionKind.UPDATE
    assert Section.CORE not in action.sections
    assert set(action.sections) == set(Section) - {Section.CORE}


def test_a_held_section_alone_plans_nothing() -> None:
    li = listing()
    applied = applied_for(li)
    hashes = dict(li.hashes) | {Section.CORE: "changed"}
    held = replace(applied, held=frozenset({Section.CORE}))
    plan = plan_changes("uk", [replace(li, hashes=hashes)], {li.key: held})
    assert plan.actions == () and plan.unchanged == 1


def test_applied_after_carries_the_hold_and_keeps_the_held_sections_last_applied_hash() -> None:
    li = listing()
    held = replace(applied_for(li), held=frozenset({Section.CORE}))
    changed = replace(li, hashes={s: "new" for s in Section})
    plan = plan_changes("uk", [changed], {li.key: held})
    after = applied_after(plan.actions[0], held, product_id=None)
    assert after.held == frozenset({Section.CORE})
    assert after.hashes[Section.CORE] == li.hashes[Section.CORE]
    assert after.hashes[Section.PRICING] == "new"
    # Once released, the held section is planned again because its hash still differs.
    released = replace(after, held=frozenset())
    assert plan_changes("uk", [changed], {li.key: released}).actions[0].sections == (Section.CORE,)


def test_a_hide_keeps_the_hold() -> None:
    li = listing()
    held = replace(applied_for(li), held=frozenset({Section.MEDIA}))
    plan = plan_changes("uk", [], {li.key: held})
    assert applied_after(plan.actions[0], held, product_id=None).held == frozenset({Section.MEDIA})
