from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bookbridge.domain.adoption import StoredProduct
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import Section, StoreListing, build_edition_listing
from bookbridge.domain.plan import ActionKind, Plan, applied_after, plan_changes
from examples import EBOOK, PAPERBACK, cover, edition, gbp, storefront

NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)


def desired(*editions: Any, at: datetime = NOON) -> list[StoreListing]:
    return [build_edition_listing(e, storefront(), at=at) for e in editions]


def apply(plan: Plan, applied: Mapping[str, AppliedListing]) -> dict[str, AppliedListing]:
    """What the application records after every action of the plan succeeded (a create gets a new id)."""
    after = dict(applied)
    for n, action in enumerate(plan.actions):
        before = after.get(action.key)
        product_id = 100 + len(after) + n if action.kind is ActionKind.CREATE else None
        after[action.key] = applied_after(action, before, product_id=product_id)
    return after


def kinds(plan: Plan) -> list[tuple[ActionKind, str]]:
    return [(a.kind, a.key) for a in plan.actions]


def settle(listings: Sequence[StoreListing]) -> dict[str, AppliedListing]:
    return apply(plan_changes("uk", listings, {}), {})


def test_a_listed_edition_never_applied_is_created_with_every_section() -> None:
    plan = plan_changes("uk", desired(edition()), {})
    assert kinds(plan) == [(ActionKind.CREATE, "9780007232833")]
    assert plan.actions[0].sections == tuple(Section)
    assert plan.counts == {"create": 1, "adopt": 0, "update": 0, "hide": 0, "unchanged": 0, "held_back": 0}


def test_a_create_is_marked_absent_only_when_the_store_was_read_and_no_product_held_its_sku() -> None:
    paperback, ebook = desired(edition(isbn=PAPERBACK), edition(isbn=EBOOK))
    assert [a.absent for a in plan_changes("uk", [paperback, ebook], {}).actions] == [False, False]  # not read
    assert [a.absent for a in plan_changes("uk", [paperback, ebook], {}, found={}).actions] == [True, True]
    # The SKU is held by a product bookbridge applied under another key: created (the storefront sorts the SKU
    # out), but not absent from the store.
    applied = {"other": AppliedListing("other", {}, product_id=7)}
    held = {paperback.sku.casefold(): StoredProduct(product_id=7, sku=paperback.sku, name="x", is_visible=True)}
    plan = plan_changes("uk", [paperback, ebook], applied, source_complete=False, found=held)
    assert [(a.kind, a.key, a.absent) for a in plan.actions] == [(ActionKind.CREATE, paperback.key, False),
                                                                 (ActionKind.CREATE, ebook.key, True)]


def test_applying_a_plan_leaves_an_empty_plan() -> None:
    listings = desired(edition(), edition(isbn=PAPERBACK, resources=()))
    applied = settle(listings)
    again = plan_changes("uk", listings, applied)
    assert again.actions == ()
    assert (again.unchanged, len(again.skipped)) == (1, 1)


def test_an_edition_that_is_not_listed_and_never_applied_is_skipped() -> None:
    plan = plan_changes("uk", desired(edition(resources=())), {})
    assert plan.actions == ()
    assert [s.key for s in plan.skipped] == ["9780007232833"]


def test_a_changed_section_is_updated_alone() -> None:
    applied = settle(desired(edition()))
    plan = plan_changes("uk", desired(edition(prices=(gbp("18.99"),))), applied)
    assert kinds(plan) == [(ActionKind.UPDATE, "9780007232833")]
    assert plan.actions[0].sections == (Section.PRICING,)
    [change] = plan.actions[0].changes(applied["9780007232833"])
    assert (change.section, change.field) == (Section.PRICING, "price")
    assert (change.before["price"], change.after["price"]) == ("16.99", "18.99")
    assert plan_changes("uk", desired(edition(prices=(gbp("18.99"),))), apply(plan, applied)).actions == ()


def test_full_resync_updates_every_section_of_every_applied_listing() -> None:
    listings = desired(edition())
    plan = plan_changes("uk", listings, settle(listings), full=True)
    assert kinds(plan) == [(ActionKind.UPDATE, "9780007232833")]
    assert plan.actions[0].sections == tuple(Section)
    # Nothing differs from what was last sent: the update says why it happens instead of showing no difference.
    assert plan.actions[0].reason == "nothing differs from what was last sent; a full sync sends every section again"
    assert plan.actions[0].changes(settle(listings)["9780007232833"]) == []


def test_a_full_resync_of_a_changed_listing_shows_its_changes_and_gives_no_reason() -> None:
    applied = settle(desired(edition()))
    plan = plan_changes("uk", desired(edition(prices=(gbp("18.99"),))), applied, full=True)
    [action] = plan.actions
    assert (action.kind, action.reason, action.sections) == (ActionKind.UPDATE, "", tuple(Section))
    assert [(c.field, c.after["price"]) for c in action.changes(applied["9780007232833"])] == [("price", "18.99")]


def test_a_listing_that_stops_being_listed_is_hidden_with_its_reason() -> None:
    applied = settle(desired(edition()))
    plan = plan_changes("uk", desired(edition(publishing_status="07")), applied)
    [action] = plan.actions
    assert (action.kind, action.reason) == (ActionKind.HIDE, "withdrawn (out of print, PublishingStatus 07)")
    after = apply(plan, applied)
    assert after["9780007232833"].visible is False
    assert plan_changes("uk", desired(edition(publishing_status="07")), after).actions == ()


def test_a_key_removed_from_a_complete_source_is_hidden_never_deleted() -> None:
    applied = settle(desired(edition(), edition(isbn=EBOOK)))
    plan = plan_changes("uk", desired(edition()), applied)
    assert kinds(plan) == [(ActionKind.HIDE, "9781408855652")]
    assert plan.actions[0].listing is None and plan.actions[0].reason == "no longer in the source"
    assert {a.kind for a in plan.actions} <= set(ActionKind)
    assert "delete" not in {k.value for k in ActionKind}
    after = apply(plan, applied)
    assert after["9781408855652"].visible is False
    assert after["9781408855652"].product_id == applied["9781408855652"].product_id
    assert plan_changes("uk", desired(edition()), after).actions == ()


def test_a_family_product_whose_editions_moved_is_hidden_with_that_reason() -> None:
    listings = desired(edition())
    family = listings[0].family_id
    applied = settle(listings)
    retired = f"family:{family}:physical:9780007232833"
    applied[retired] = AppliedListing(key=retired, hashes={}, product_id=7)
    [action] = plan_changes("uk", listings, applied).actions
    assert (action.kind, action.key) == (ActionKind.HIDE, retired)
    assert action.reason == f"its editions moved to another product of family {family}"
    # A family that left the source altogether is gone from it.
    gone = plan_changes("uk", [], settle(listings) | {retired: applied[retired]}).actions
    assert {a.reason for a in gone if a.key == retired} == {"no longer in the source"}


def test_a_delta_source_hides_nothing() -> None:
    applied = settle(desired(edition(), edition(isbn=EBOOK)))
    assert plan_changes("uk", desired(edition()), applied, source_complete=False).actions == ()


def test_a_hidden_listing_that_returns_is_shown_again() -> None:
    applied = settle(desired(edition(), edition(isbn=EBOOK)))
    hidden = apply(plan_changes("uk", desired(edition()), applied), applied)
    back = plan_changes("uk", desired(edition(), edition(isbn=EBOOK)), hidden)
    [action] = back.actions
    assert (action.kind, action.key, action.sections) == (ActionKind.UPDATE, "9781408855652", tuple(Section))
    assert action.listing is not None and action.listing.is_visible
    shown = apply(back, hidden)
    assert shown["9781408855652"].visible is True
    assert shown["9781408855652"].product_id == applied["9781408855652"].product_id


def test_preorder_then_release_updates_the_listing() -> None:
    forthcoming = edition(publishing_status="02", publication_date=date(2026, 9, 1))
    applied = settle(desired(forthcoming))
    released = desired(forthcoming, at=datetime(2026, 9, 1, 12, tzinfo=UTC))
    [action] = plan_changes("uk", released, applied).actions
    assert action.kind is ActionKind.UPDATE and Section.CORE in action.sections
    assert action.listing is not None and action.listing.purchasable


def test_an_updated_but_unchanged_cover_is_unchanged() -> None:
    listings = desired(edition(resources=(cover(),)))
    assert plan_changes("uk", desired(edition(resources=(cover(),))), settle(listings)).unchanged == 1


def test_two_desired_listings_with_one_key_are_refused() -> None:
    with pytest.raises(ValueError, match="9780007232833"):
        plan_changes("uk", desired(edition(), edition()), {})


def test_a_number_written_another_way_is_no_field_change() -> None:
    """A weight recorded as `0.0` and built as `0` is the same weight: the plan does not list it as a change (the
    section's hash, over the text, is left as it is: changing it would resend every product once)."""
    from dataclasses import replace as replaced

    listings = desired(edition())
    applied = settle(listings)
    record = applied["9780007232833"]
    core = dict(record.payloads[Section.CORE])
    weight = core["weight"]
    core["weight"] = f"{weight}.0" if "." not in str(weight) else f"{weight}0"
    applied = {record.key: replaced(record, payloads={**record.payloads, Section.CORE: core})}
    [action] = plan_changes("uk", listings, applied, full=True).actions
    assert [c.field for c in action.changes(applied[record.key]) if c.section is Section.CORE] == []
