"""Applied payloads kept packed by the SQL state store (`PackedPayloads`, `PackedHashes`) or as the listing they came
from (`ListingPayloads`): they read back as the payloads they hold, compare equal to plain dicts, and copy as
themselves."""

from __future__ import annotations

import copy
import pickle
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bookbridge.adapters.persistence.codecs import PackedHashes, PackedPayloads
from bookbridge.domain.applied import SECTIONS, AppliedListing, ListingPayloads, same_sections
from bookbridge.domain.listing import Section, build_edition_listing, section_payloads
from bookbridge.domain.plan import applied_after, plan_changes
from examples import edition, storefront

NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)
PAYLOADS: dict[Section, dict[str, Any]] = {
    Section.CORE: {"name": "Le Rouge et le Noir — édition", "sku": "978", "weight": 0.5, "tags": [1, None, True]},
    Section.MEDIA: {"images": []},
    Section.STOREFRONTS: {},
}


@pytest.mark.parametrize("compress", [True, False])
def test_packed_payloads_read_back_what_they_hold(compress: bool) -> None:
    packed = PackedPayloads.of(PAYLOADS, compress=compress)
    assert packed == PAYLOADS and dict(packed) == PAYLOADS
    assert list(packed) == [s for s in SECTIONS if s in PAYLOADS] and len(packed) == 3
    assert Section.PRICING not in packed and packed.get(Section.PRICING) is None
    assert packed[Section.CORE] == PAYLOADS[Section.CORE] and packed.get("core") == PAYLOADS[Section.CORE]
    assert packed[Section.CORE] is not packed[Section.CORE]  # a new dict each time: nothing is cached
    with pytest.raises(KeyError):
        packed[Section.PRICING]
    assert PackedPayloads.of({}) == {} and not PackedPayloads.of({}, compress=compress)


def test_packed_payloads_copy_as_themselves_and_pickle() -> None:
    packed = PackedPayloads.of(PAYLOADS)
    assert copy.deepcopy(packed) is packed and copy.copy(packed) is packed
    assert pickle.loads(pickle.dumps(packed)) == PAYLOADS


def test_packed_payloads_wrap_json_text_as_it_is() -> None:
    packed = PackedPayloads.from_json({Section.PRICING: '{"price": "9.99", "sale_price": null}'})
    assert packed == {Section.PRICING: {"price": "9.99", "sale_price": None}}
    with pytest.raises(KeyError):
        PackedPayloads.from_json({"not a section": "{}"})  # type: ignore[dict-item]


def test_listing_payloads_are_the_listings_own() -> None:
    listing = build_edition_listing(edition(), storefront(), at=NOON)
    payloads = ListingPayloads(listing)
    assert payloads == section_payloads(listing) and dict(payloads.items()) == section_payloads(listing)
    assert list(payloads) == list(SECTIONS) and all(s in payloads for s in SECTIONS)
    assert copy.deepcopy(payloads) is payloads


def test_applied_after_keeps_the_listing_and_a_held_sections_previous_payload() -> None:
    listing = build_edition_listing(edition(), storefront(), at=NOON)
    create = plan_changes("uk", [listing], {}).actions[0]
    record = applied_after(create, None, 7)
    assert record.payloads == section_payloads(listing) and record.hashes == listing.hashes
    held = AppliedListing(key=listing.key, hashes={Section.PRICING: "old"}, product_id=7,
                          payloads={Section.PRICING: {"price": "1.00"}}, held=frozenset({Section.PRICING}))
    again = applied_after(create, held, None)
    assert again.payloads[Section.PRICING] == {"price": "1.00"} and again.hashes[Section.PRICING] == "old"
    assert again.payloads[Section.CORE] == section_payloads(listing)[Section.CORE]
    hidden = applied_after(plan_changes("uk", [], {listing.key: record}).actions[0], record, None)
    assert hidden.payloads == {Section.CORE: {"name": listing.name}} and not hidden.visible


def test_packed_hashes_give_back_sha256_hex_and_leave_other_hashes_as_they_are() -> None:
    hashes = {Section.CORE: "ab" * 32, Section.MEDIA: "0f" * 32}
    packed = PackedHashes.of(hashes)
    assert isinstance(packed, PackedHashes) and packed == hashes and dict(packed) == hashes
    assert list(packed) == [Section.CORE, Section.MEDIA] and Section.PRICING not in packed
    assert packed.get(Section.PRICING) is None and packed.get("media") == "0f" * 32
    assert packed == hashes and hashes == packed and packed != {**hashes, Section.MEDIA: "1f" * 32}
    assert packed == PackedHashes.of(dict(hashes)) and packed != {Section.CORE: "ab" * 32}
    assert copy.deepcopy(packed) is packed and pickle.loads(pickle.dumps(packed)) == hashes
    for odd in ({Section.CORE: "c1"}, {Section.CORE: "AB" * 32}, {"sku": "ab" * 32}):
        assert PackedHashes.of(odd) is odd  # type: ignore[arg-type]
    assert PackedHashes.of({}) == {}


def test_the_diff_reads_packed_hashes_as_it_reads_a_dict() -> None:
    listing = build_edition_listing(edition(), storefront(), at=NOON)
    record = applied_after(plan_changes("uk", [listing], {}).actions[0], None, 7)
    packed = replace(record, hashes=PackedHashes.of(dict(record.hashes)))
    assert isinstance(packed.hashes, PackedHashes) and packed == record
    assert plan_changes("uk", [listing], {listing.key: packed}).unchanged == 1
    assert plan_changes("uk", [listing], {listing.key: packed}, full=True).actions[0].sections == SECTIONS
    stale = replace(record, hashes=PackedHashes.of({**record.hashes, Section.PRICING: "00" * 32}))
    assert plan_changes("uk", [listing], {listing.key: stale}).actions[0].sections == (Section.PRICING,)
    held = replace(stale, held=frozenset({Section.PRICING}))
    assert plan_changes("uk", [listing], {listing.key: held}).unchanged == 1


def test_a_record_has_its_listings_payloads_only_when_every_section_hash_is_the_listings() -> None:
    listing = build_edition_listing(edition(), storefront(), at=NOON)
    assert same_sections(listing, dict(listing.hashes))
    assert same_sections(listing, PackedHashes.of(listing.hashes))
    assert not same_sections(listing, {**listing.hashes, Section.PRICING: "0" * 64})
    assert not same_sections(listing, {s: h for s, h in listing.hashes.items() if s is not Section.MEDIA})
    assert not same_sections(None, dict(listing.hashes))
