"""Section hashes are what the store last received: changing how they are computed would make every store
resend every product once. These pin them for the sample catalogue (product per edition on one and on two
storefronts, and the variant strategy). The file was recorded with the hashing of pydantic's JSON that predates
the fast canonical encoding; only the 26 listings on sale differ from before the campaign window was carried in
the price (their pricing section must change, so that stores publishing the window receive it). Descriptions pass
the HTML sanitiser since; the core section of every listing changed once then, because the sample biographies
(`<p>…</p>`, wrapped in a paragraph again) no longer nest paragraphs: nothing else in them changed. Page titles
credit List 17's primary roles since ("by A, translated by B"): the core section of the listings whose titles
have more than an author changed then, and nothing else. A family product of one kind (print only, or digital only)
is named by its title alone since, without "(Print)": the core section of those variant products changed then, and
nothing else.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.listing import StoreListing, build_store_listings, section_hashes
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings

AT = datetime(2026, 11, 28, 10, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                        timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False)
GOLDEN = Path(__file__).with_name("section_hashes.golden.json")


def _variants(s: StorefrontSettings) -> StorefrontSettings:
    return s.model_copy(update={"format_strategy": FormatStrategy.VARIANTS})


def current() -> dict[str, StoreListing]:
    families = sample_catalogue(AT.date(), families=60)
    out: dict[str, StoreListing] = {}
    for label, storefronts, store in (("merged", [UK, US], "shop"), ("uk", [UK], "uk"),
                                      ("variants", [_variants(UK), _variants(US)], "shop")):
        for listing in build_store_listings(families, storefronts, at=AT, store=store):
            out[f"{label}/{listing.key}"] = listing
    return out


def test_section_hashes_match_the_recorded_ones() -> None:
    golden = json.loads(GOLDEN.read_text())
    listings = current()
    assert sorted(listings) == sorted(golden)
    got = {key: {str(s): h[:16] for s, h in li.hashes.items()} for key, li in listings.items()}
    assert [k for k in golden if got[k] != golden[k]] == []


def test_the_fast_hashes_equal_pydantic_json_hashes() -> None:
    """The fast encoding and pydantic's JSON of the same sections give the same digests."""
    import hashlib

    from bookbridge.domain.listing.sections import INCLUDE, LISTING_ADAPTER

    for listing in current().values():
        slow = {}
        for section, include in INCLUDE.items():
            if not listing.variants:
                include = {k: v for k, v in include.items() if k != "variants"}
            slow[section] = hashlib.sha256(LISTING_ADAPTER.dump_json(listing, include=include)).hexdigest()
        assert section_hashes(listing) == slow, listing.key


def test_section_json_and_payloads_are_pydantics() -> None:
    """`section_json` (per-section TypedDict serialisers) writes the bytes pydantic's include filter writes, and
    `section_payloads` the data `model_dump(mode="json")` gives, for every listing of the sample catalogue, the
    day's listings a year either side included (pre-orders, campaigns, launches)."""
    from datetime import timedelta

    from bookbridge.domain.listing import section_json, section_payloads
    from bookbridge.domain.listing.sections import INCLUDE, LISTING_ADAPTER

    for at in (AT - timedelta(days=365), AT, AT + timedelta(days=365)):
        for storefronts, store in (([UK, US], "shop"), ([UK], "uk"), ([_variants(UK), _variants(US)], "shop")):
            for listing in build_store_listings(sample_catalogue(AT.date(), families=60), storefronts, at=at,
                                                store=store):
                for section, include in INCLUDE.items():
                    if not listing.variants:
                        include = {k: v for k, v in include.items() if k != "variants"}
                    assert section_json(listing)[section] == LISTING_ADAPTER.dump_json(
                        listing, include=include).decode(), listing.key
                    assert section_payloads(listing)[section] == LISTING_ADAPTER.dump_python(
                        listing, mode="json", include=include)


def test_listings_hold_valid_values_and_their_own_hashes() -> None:
    """Listings are built without validating (their inputs were validated at the boundary): every value they hold
    is still one pydantic would accept, and each listing's hashes are those of its sections."""
    from bookbridge.domain.listing.sections import LISTING_ADAPTER

    for listing in current().values():
        assert LISTING_ADAPTER.validate_python(LISTING_ADAPTER.dump_python(listing)) == listing, listing.key
        assert listing.hashes == section_hashes(listing), listing.key
