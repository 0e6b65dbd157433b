from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bookbridge.domain.formats import Format
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.lifecycle import Availability, Stage
from bookbridge.domain.listing import (
    CUSTOM_FIELD_MAX,
    NAME_MAX,
    MappingSettings,
    Section,
    StoreListing,
    build_edition_listing,
    build_listings,
    build_store_listings,
)
from bookbridge.domain.model import (
    Contributor,
    Dimensions,
    Milestones,
    Rights,
    SalesRestriction,
    SalesRights,
    TextContent,
    TextKind,
)
from bookbridge.domain.plan import ActionKind, plan_changes
from bookbridge.domain.storefront import FormatStrategy
from bookbridge.domain.territory import Territory
from examples import EBOOK, HARDBACK, PAPERBACK, cover, edition, family, gbp, storefront, usd

NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)
TESTS = Path(__file__).resolve().parents[2]


def listing(**changes: Any) -> StoreListing:
    store = changes.pop("store", storefront())
    return build_edition_listing(edition(**changes), store, at=NOON)


def changed_sections(before: StoreListing, after: StoreListing) -> set[Section]:
    return {s for s in Section if before.hashes[s] != after.hashes[s]}


def test_sku_and_gtin_are_the_isbn() -> None:
    product = listing()
    assert (product.key, product.sku, product.gtin) == ("9780007232833", "9780007232833", "9780007232833")
    assert product.isbns == (HARDBACK,)


def test_name_is_title_and_format() -> None:
    assert listing().name == "Roseanna (Hardback)"
    assert listing(subtitle="A Martin Beck Mystery").name == "Roseanna: A Martin Beck Mystery (Hardback)"
    long = listing(title="x" * 400).name
    assert len(long) == NAME_MAX and long.endswith("… (Hardback)")


def test_names_are_unique_and_collisions_are_disambiguated() -> None:
    # Two works called "Salt", each with a hardback: BigCommerce names are unique store-wide.
    one = family(edition(isbn=HARDBACK, family_id="salt-1", title="Salt"), family_id="salt-1", title="Salt")
    two = family(edition(isbn=PAPERBACK, family_id="salt-2", title="Salt"), family_id="salt-2", title="Salt")
    three = family(edition(isbn=EBOOK, family_id="roseanna", format=Format.EBOOK_EPUB))
    names = sorted(li.name for li in build_listings([one, two, three], storefront(), at=NOON))
    assert names == ["Roseanna (eBook (EPUB))", "Salt (Hardback) [9780007232833]", "Salt (Hardback) [9780141036144]"]


def test_listing_of_a_live_licensed_edition() -> None:
    product = listing()
    assert (product.listed, product.is_visible, product.purchasable, product.not_listed_reason) == (
        True, True, True, None)
    assert product.price is not None and product.price.price == Decimal("16.99")
    assert product.product_type == "physical"
    assert product.weight == Decimal("0.2500")  # 250 g in the store's kg
    assert [i.url for i in product.images] == ["https://covers.example/9780007232833.jpg"]
    assert product.images[0].is_thumbnail


def test_digital_editions_weigh_nothing_and_have_no_dimensions() -> None:
    product = listing(isbn=EBOOK, format=Format.EBOOK_EPUB)
    assert product.product_type == "digital"
    assert product.weight == Decimal(0)
    assert (product.width, product.height, product.depth) == (None, None, None)


def test_custom_fields_fit_bigcommerce_limits() -> None:
    crowd = tuple(Contributor(role="A01", name=f"Author Number {n}", sequence=n) for n in range(40))
    product = listing(contributors=crowd, page_count=288)
    fields = dict((f.name, f.value) for f in product.custom_fields)
    assert fields["ISBN"] == "9780007232833"
    assert fields["Format"] == "Hardback"
    assert fields["Pages"] == "288"
    assert fields["Publication date"] == "2026-03-05"
    # Cut at a whole person, each named with their role, and the rest counted.
    assert len(fields["Contributors"]) <= CUSTOM_FIELD_MAX
    assert fields["Contributors"].startswith("Author: Author Number 0; Author: Author Number 1;")
    shown = fields["Contributors"].count("Author: Author Number")
    assert fields["Contributors"].endswith(f"; Author: Author Number {shown - 1}; and {40 - shown} others")
    assert all(len(f.name) <= CUSTOM_FIELD_MAX and len(f.value) <= CUSTOM_FIELD_MAX for f in product.custom_fields)


def test_not_licensed_for_the_storefront_is_kept_out() -> None:
    us_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("US")),), row_type="06")
    product = listing(rights=us_only)
    assert (product.listed, product.is_visible, product.purchasable) == (False, False, False)
    assert product.not_listed_reason is not None and product.not_listed_reason.startswith("not licensed for sale in GB")


def test_blocking_problems_keep_it_out_with_their_reason() -> None:
    product = listing(resources=())
    assert not product.listed and not product.is_visible
    assert product.not_listed_reason == "no approved front cover (SupportingResource 01)"


def test_preorder_listing_carries_the_release_date() -> None:
    product = listing(publishing_status="02", publication_date=date(2026, 9, 1))
    assert (product.is_visible, product.purchasable, product.availability) == (True, False, "preorder")
    assert product.preorder_release_date == datetime(2026, 9, 1, tzinfo=storefront().zone)
    assert product.next_change == datetime(2026, 9, 1, tzinfo=storefront().zone)


LOCKED = Milestones(metadata_locked=True)


def test_an_editorial_edition_with_locked_metadata_is_listed_hidden_and_never_sold() -> None:
    # No price, cover or description yet: a hidden product waits for them (assets come at final approval).
    product = listing(publishing_status="00", milestones=LOCKED, prices=(), resources=(), texts=())
    assert (product.listed, product.not_listed_reason, product.stage) == (True, None, Stage.EDITORIAL)
    assert (product.is_visible, product.purchasable, product.availability) == (False, False, Availability.DISABLED)
    assert product.channels == ()  # on no channel: nowhere to buy it
    assert (product.preorder_release_date, product.price) == (None, None)
    assert not [p for p in product.problems if p.blocking]
    assert plan_changes("uk", [product], {}).of_kind(ActionKind.CREATE)[0].listing == product


def test_an_unannounced_edition_with_locked_metadata_is_hidden_until_its_announcement() -> None:
    product = listing(publishing_status="02", publication_date=date(2026, 9, 1), milestones=LOCKED,
                      announcement_date=date(2026, 7, 1))
    assert (product.listed, product.is_visible, product.availability, product.channels) == (
        True, False, Availability.DISABLED, ())
    assert product.next_change == datetime(2026, 7, 1, tzinfo=storefront().zone)
    announced = build_edition_listing(edition(publishing_status="02", publication_date=date(2026, 9, 1),
                                              milestones=LOCKED, announcement_date=date(2026, 7, 1)),
                                      storefront(), at=datetime(2026, 7, 2, tzinfo=UTC))
    assert (announced.key, announced.is_visible, announced.availability, announced.channels) == (
        product.key, True, Availability.PREORDER, (1,))


def test_a_storefront_where_a_locked_edition_is_still_unannounced_does_not_hold_back_the_others_launch() -> None:
    """01:00 UTC on 1 September: announced and published in London, still 31 August (editorial) in New York."""
    ny = storefront(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                    timezone="America/New_York", default_currency=False)
    day = date(2026, 9, 1)
    locked = edition(publishing_status="04", publication_date=day, announcement_date=day, milestones=LOCKED,
                     prices=(gbp("9.99"), usd("14.99")))
    [product] = build_store_listings([family(locked)], [storefront(), ny], at=datetime(2026, 9, 1, 1, tzinfo=UTC),
                                     store="shop")
    assert (product.channels, product.is_visible, product.purchasable, product.availability) == (
        (1,), True, True, Availability.AVAILABLE)


def test_a_shared_product_on_pre_order_somewhere_keeps_its_pre_order_message() -> None:
    """00:30 UTC on 1 September: published (on sale) in London, still 31 August (pre-order) in New York. The shared
    product stays on pre-order until New York launches, and so keeps the message a pre-order shows."""
    ny = storefront(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                    timezone="America/New_York", default_currency=False)
    coming = edition(publishing_status="02", availability="10", publication_date=date(2026, 9, 1),
                     prices=(gbp("9.99"), usd("14.99")))
    [product] = build_store_listings([family(coming)], [storefront(), ny],
                                     at=datetime(2026, 9, 1, 0, 30, tzinfo=UTC), store="shop")
    assert product.availability == Availability.PREORDER
    assert product.preorder_message == "Pre-order now: released %%DATE%%"


@pytest.mark.parametrize("status", [None, "00", "09"])
def test_an_editorial_edition_without_the_lock_stays_out_of_the_store(status: str | None) -> None:
    product = listing(publishing_status=status)
    assert (product.listed, product.is_visible, product.channels) == (False, False, ())
    words = {None: "no PublishingStatus", "00": "PublishingStatus 00 Unspecified", "09": "PublishingStatus 09 Unknown"}
    assert product.not_listed_reason == f"not yet announced ({words[status]})"
    assert plan_changes("uk", [product], {}).skipped == (product,)


def test_a_locked_editorial_edition_outside_its_rights_or_blocked_is_not_created() -> None:
    us_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("US")),), row_type="06")
    unlicensed = listing(publishing_status="00", milestones=LOCKED, rights=us_only)
    assert (unlicensed.listed, unlicensed.is_visible) == (False, False)
    assert (unlicensed.not_listed_reason or "").startswith("not licensed for sale in GB")
    clash = Rights(sales_rights=(SalesRights(type="01", territory=Territory.world()),
                                 SalesRights(type="03", territory=Territory.of("GB"))))
    conflicted = listing(publishing_status="00", milestones=LOCKED, rights=clash)
    assert not conflicted.listed and "rights-conflict" in {p.code for p in conflicted.problems}
    untitled = listing(publishing_status="00", milestones=LOCKED, title=" ")
    assert (untitled.listed, untitled.not_listed_reason) == (False, "no title")
    delisted = listing(publishing_status="07", milestones=LOCKED)
    assert (delisted.listed, delisted.not_listed_reason) == (False, "withdrawn (out of print, PublishingStatus 07)")


def test_a_locked_editorial_edition_on_a_store_of_several_storefronts_waits_for_its_price() -> None:
    uk, us = storefront(), storefront(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD",
                                      tax_inclusive=False, default_currency=False)
    [product] = build_store_listings([family(edition(publishing_status="00", milestones=LOCKED, prices=()))],
                                     [uk, us], at=NOON, store="shop")
    assert (product.listed, product.is_visible, product.availability, product.channels, product.price) == (
        True, False, Availability.DISABLED, (), None)


def test_section_hashes_are_stable_across_processes() -> None:
    script = (
        "import json; from datetime import UTC, datetime; from bookbridge.domain.listing import build_edition_listing; "
        "from examples import edition, storefront; "
        "li = build_edition_listing(edition(), storefront(), at=datetime(2026, 6, 15, 12, tzinfo=UTC)); "
        "print(json.dumps({str(k): v for k, v in li.hashes.items()}))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345",
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    here = {str(k): v for k, v in listing().hashes.items()}
    assert json.loads(out.stdout) == here
    assert set(here) == {str(s) for s in Section} and all(len(h) == 64 for h in here.values())


@pytest.mark.parametrize(
    ("changes", "sections"),
    [
        ({"prices": (gbp("17.99"),)}, {Section.PRICING}),
        ({"resources": (cover(url="https://covers.example/new.jpg"),)}, {Section.MEDIA}),
        ({"texts": (TextContent(kind=TextKind.DESCRIPTION, text="<p>New copy.</p>"),)}, {Section.CORE}),
        ({"page_count": 300}, {Section.CUSTOM_FIELDS}),
        ({"store": storefront(channel_id=2)}, {Section.STOREFRONTS}),
        ({"imprint": "Fourth Estate"}, {Section.CORE}),  # brand and search keywords
        ({"prices": (gbp("16.990"),)}, set()),  # the same amount, written differently
        ({"stock": 7, "record_reference": "com.example.1"}, set()),  # not store data
    ],
)
def test_a_section_hash_changes_exactly_when_that_section_changes(changes: dict[str, Any],
                                                                   sections: set[Section]) -> None:
    assert changed_sections(listing(), listing(**changes)) == sections


def test_going_off_sale_changes_core_and_storefronts() -> None:
    assert changed_sections(listing(), listing(publishing_status="07")) >= {Section.CORE, Section.STOREFRONTS}


def variants_store() -> Any:
    return storefront(format_strategy=FormatStrategy.VARIANTS)


def test_variant_strategy_splits_physical_and_digital() -> None:
    works = family(edition(isbn=HARDBACK), edition(isbn=PAPERBACK, format=Format.PAPERBACK),
                   edition(isbn=EBOOK, format=Format.EBOOK_EPUB, dimensions=edition().dimensions))
    products = build_listings([works], variants_store(), at=NOON)
    by_type = {p.product_type: p for p in products}
    assert set(by_type) == {"physical", "digital"}
    physical, digital = by_type["physical"], by_type["digital"]
    assert physical.key == "family:roseanna:physical" and digital.key == "family:roseanna:digital"
    assert physical.name == "Roseanna (Print)" and digital.name == "Roseanna (Digital)"
    assert [(v.sku, v.option_label) for v in physical.variants] == [("9780007232833", "Hardback"),
                                                                    ("9780141036144", "Paperback")]
    assert [v.sku for v in digital.variants] == ["9781408855652"]
    assert physical.gtin is None and physical.sku.startswith("FAM-")
    assert digital.weight == Decimal(0)


def test_a_family_product_of_one_kind_is_named_by_its_title_alone() -> None:
    """Print only (or digital only), the family has one kind of product: its name is the title, read once."""
    printed = family(edition(isbn=HARDBACK), edition(isbn=PAPERBACK, format=Format.PAPERBACK))
    [product] = build_listings([printed], variants_store(), at=NOON)
    assert product.name == "Roseanna" and product.product_type == "physical"
    digital = family(edition(isbn=EBOOK, format=Format.EBOOK_EPUB, dimensions=edition().dimensions))
    [ebook] = build_listings([digital], variants_store(), at=NOON)
    assert ebook.name == "Roseanna" and ebook.product_type == "digital"


def test_family_products_sharing_a_title_get_names_unique_store_wide() -> None:
    """BigCommerce names are unique store-wide: two families with one title, each a product named by its title,
    are told apart by their ISBN (a product of one edition) or SKU (`unique_names`), as any two products sharing a
    name are."""
    one = family(edition(isbn=HARDBACK), family_id="roseanna-1")
    other = family(edition(isbn=PAPERBACK, format=Format.PAPERBACK), family_id="roseanna-2")
    products = build_listings([one, other], variants_store(), at=NOON)
    assert sorted(p.name for p in products) == [f"Roseanna [{HARDBACK}]", f"Roseanna [{PAPERBACK}]"]
    assert len({p.name.casefold() for p in products}) == 2


def test_variant_strategy_splits_by_availability_and_preorder_date() -> None:
    works = family(edition(isbn=HARDBACK),
                   edition(isbn=PAPERBACK, format=Format.PAPERBACK, publishing_status="02",
                           publication_date=date(2026, 9, 1)),
                   edition(isbn=ISBN13("9780141036151"), format=Format.PAPERBACK, publishing_status="02",
                           publication_date=date(2026, 10, 1)))
    products = build_listings([works], variants_store(), at=NOON)
    assert sorted((p.key, p.availability, tuple(p.isbns)) for p in products) == [
        ("family:roseanna:physical", "available", (HARDBACK,)),
        ("family:roseanna:physical:9780141036144", "preorder", (PAPERBACK,)),
        ("family:roseanna:physical:9780141036151", "preorder", (ISBN13("9780141036151"),)),
    ]
    assert len({p.name for p in products}) == 3


def test_variant_products_on_the_same_date_share_a_product() -> None:
    works = family(edition(isbn=HARDBACK, publishing_status="02", publication_date=date(2026, 9, 1)),
                   edition(isbn=PAPERBACK, format=Format.PAPERBACK, publishing_status="02",
                           publication_date=date(2026, 9, 1)))
    [product] = build_listings([works], variants_store(), at=NOON)
    assert product.availability == "preorder" and product.isbns == (HARDBACK, PAPERBACK)
    assert all(not v.purchasing_disabled for v in product.variants)  # pre-orders can be placed


def test_a_restriction_window_ending_is_a_wakeup() -> None:
    # List 71 14 (except through online retail) until 2026-06-20 inclusive: licensed from 06-21 in London.
    until = SalesRestriction(type="14", end=date(2026, 6, 20))
    restricted = Rights(sales_rights=(SalesRights(type="01", territory=Territory.world(), restrictions=(until,)),))
    product = listing(rights=restricted)
    assert not product.listed
    assert product.next_change == datetime(2026, 6, 21, tzinfo=storefront().zone)
    later = build_edition_listing(edition(rights=restricted), storefront(), at=datetime(2026, 6, 21, tzinfo=UTC))
    assert later.listed and later.next_change is None


def test_a_product_with_no_price_in_the_stores_default_currency_is_held_back_never_sold_at_zero() -> None:
    from bookbridge.domain.listing import build_store_listings
    from bookbridge.domain.storefront import StorefrontSettings
    from examples import usd

    uk = storefront()  # GBP, the store's default currency
    us = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD",
                            tax_inclusive=False, timezone="Europe/London", default_currency=False)
    us_only = edition(prices=(usd("12.00"),), rights=Rights(sales_rights=(
        SalesRights(type="01", territory=Territory.of("US")),), row_type="03"))
    [merged] = build_store_listings([family(us_only)], [uk, us], at=NOON, store="shop")
    assert (merged.listed, merged.is_visible, merged.channels, merged.price) == (False, False, (), None)
    codes = {(p.code, p.source) for p in merged.problems if p.blocking}
    assert ("no-default-currency-price", "us") in codes


@pytest.mark.parametrize(("weight_unit", "length_unit", "expected"), [
    ("kg", "cm", ("0.5200", "23.4000", "15.3000", "2.8000")),
    ("g", "mm", ("520.0000", "234.0000", "153.0000", "28.0000")),
    ("oz", "in", ("18.3425", "9.2126", "6.0236", "1.1024")),
    ("lb", "in", ("1.1464", "9.2126", "6.0236", "1.1024")),
])
def test_measures_are_sent_in_the_stores_units(weight_unit: str, length_unit: str,
                                               expected: tuple[str, ...]) -> None:
    """Trim height and width, thickness and weight (ONIX Measure 01/02 or 04/05, 03, 08; kept in mm and g) go to
    BigCommerce in the units the store is set to (4 decimal places)."""
    e = edition(dimensions=Dimensions(height_mm=Decimal(234), width_mm=Decimal(153), thickness_mm=Decimal(28),
                                      weight_g=Decimal(520)))
    mapping = MappingSettings(weight_unit=weight_unit, length_unit=length_unit)  # type: ignore[arg-type]
    listing = build_edition_listing(e, storefront(), at=NOON, mapping=mapping)
    assert (listing.weight, listing.height, listing.width, listing.depth) == tuple(Decimal(v) for v in expected)


def test_a_store_unit_bookbridge_cannot_convert_to_is_refused_where_the_settings_are_made() -> None:
    with pytest.raises(ValueError, match="weight_unit"):
        MappingSettings(weight_unit="lbs")  # type: ignore[arg-type]


def test_an_edition_out_of_print_and_not_licensed_gives_every_cause_the_licence_first() -> None:
    """The listing's reason names the licence first and the lifecycle after it, for plan, inspect and the dashboard;
    only a cause a person can fix is a problem (an exception): being out of print is neither, and the licence of
    an edition out of print opens none either."""
    us_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("US")),), row_type="06")
    product = listing(publishing_status="07", rights=us_only)
    assert not product.listed
    assert product.not_listed_reason is not None
    licence, stage = product.not_listed_reason.split("; ")
    assert licence.startswith("not licensed for sale in GB")
    assert stage == "withdrawn (out of print, PublishingStatus 07)"
    assert not [p for p in product.problems if p.blocking]


def test_a_shared_products_reason_tells_the_storefronts_apart_from_their_causes() -> None:
    """Out of print everywhere and not licensed in the US: `storefront 'uk': withdrawn (…) | storefront 'us': not
    licensed …; withdrawn (…)`, never a list where a reader cannot tell which cause is whose storefront's."""
    ny = storefront(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                    timezone="America/New_York", default_currency=False)
    uk_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB")),))
    gone = edition(publishing_status="07", rights=uk_only, prices=(gbp("9.99"), usd("14.99")))
    [product] = build_store_listings([family(gone)], [storefront(), ny], at=datetime(2026, 9, 1, tzinfo=UTC),
                                     store="shop")
    assert product.not_listed_reason is not None
    uk, us = product.not_listed_reason.split(" | ")
    assert uk == "storefront 'uk': withdrawn (out of print, PublishingStatus 07)"
    assert us.startswith("storefront 'us': not licensed for sale in US")
    assert us.endswith("; withdrawn (out of print, PublishingStatus 07)")
