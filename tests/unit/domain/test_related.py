"""Related products: the formats of a work (and, on request, the titles of a series), resolved to store ids from
the state when written, and found stale when those ids change."""

from __future__ import annotations

from datetime import UTC, datetime

from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import MappingSettings, Section, build_store_listings
from bookbridge.domain.related import SENT_KEY, linked_isbns, related_ids, series_index, stale_links
from bookbridge.domain.storefront import StorefrontSettings

AT = datetime(2026, 11, 28, 10, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP")
FAMILIES = sample_catalogue(AT.date(), families=30)


def test_each_format_links_to_the_other_formats_of_its_work_and_series_only_when_asked():
    plain = {li.key: li for li in build_store_listings(FAMILIES, [UK], at=AT, store="uk")}
    series = {li.key: li for li in build_store_listings(FAMILIES, [UK], at=AT, store="uk",
                                                        mapping=MappingSettings(link_series=True))}
    index = series_index(FAMILIES)
    for family in FAMILIES:
        for edition in family.editions:
            others = sorted(str(e.isbn) for e in family.editions if e.isbn != edition.isbn)
            assert list(map(str, plain[str(edition.isbn)].related_isbns)) == others
            linked = list(map(str, series[str(edition.isbn)].related_isbns))
            assert linked[:len(others)] == others
            if edition.series is None:
                assert linked == others
            else:
                mates = {str(i) for i in index[edition.series.name.casefold()]} - {str(edition.isbn)}
                assert set(linked) == mates | set(others) and len(linked) <= 50


def test_ids_come_from_the_state_for_shown_products_only_and_a_changed_id_makes_the_links_stale():
    family = next(f for f in FAMILIES if len(f.editions) == 3)
    a, b, c = (str(e.isbn) for e in family.editions)
    assert linked_isbns(family.editions[0], family) == tuple(sorted(e.isbn for e in family.editions[1:]))
    listings = build_store_listings([family], [UK], at=AT, store="uk")
    applied = {a: AppliedListing(a, {Section.CORE: "x"}, product_id=1, remote={SENT_KEY: [2, 3]}),
               b: AppliedListing(b, {Section.CORE: "x"}, product_id=2, remote={SENT_KEY: [1, 3]}),
               c: AppliedListing(c, {Section.CORE: "x"}, product_id=3, remote={SENT_KEY: [1, 2]})}
    assert related_ids([b, c, "9780000000002"], lambda k: applied[k].product_id if k in applied else None) == [2, 3]
    assert stale_links(listings, applied) == []
    applied[c] = AppliedListing(c, {Section.CORE: "x"}, product_id=7, remote={SENT_KEY: [1, 2]})
    assert stale_links(listings, applied) == [a, b]  # made again under a new id: its siblings' links are stale
    applied[c] = AppliedListing(c, {Section.CORE: "x"}, product_id=7, visible=False)
    assert stale_links(listings, applied) == [a, b]  # hidden: not linked to, and its own links left alone
