"""Product keys under the variant strategy stay put through lifecycle changes (issue #5, no duplicate products).

A family product's key names its SKU and URL in the store: a key that moved to another set of editions would
move variants between products. The rule (`_family_products`): the group holding a type's lowest-SKU edition
is `family:<id>:<type>`, any other group `family:<id>:<type>:<its lowest SKU>`, so a key is a function of the
editions a product holds, never of their dates or states.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bookbridge.domain.formats import Format
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.listing import build_store_listings
from bookbridge.domain.model import (
    Edition,
    PriceRow,
    ResourceKind,
    Rights,
    SalesRights,
    SupportingResource,
    TextContent,
    TextKind,
    TitleFamily,
)
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings
from bookbridge.domain.territory import Territory
from strategies import AVAILABILITIES, PUBLISHING_STATUSES, dates_or_instants, editions_for, instants, title_families

UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                        timezone="Europe/London", format_strategy=FormatStrategy.VARIANTS)
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False, format_strategy=FormatStrategy.VARIANTS)
# Print formats weigh more, so that one type often splits into several products (on sale, pre-order, hidden).
FORMATS = (Format.HARDBACK, Format.PAPERBACK, Format.HARDBACK, Format.PAPERBACK, Format.AUDIO_CD,
           Format.EBOOK_EPUB, Format.AUDIOBOOK)
# The lifecycle inputs of one edition: List 65 availability, List 64 status, List 163 dates.
LIFECYCLE = ("availability", "publishing_status", "publication_date", "sales_embargo", "preorder_embargo")

# Mostly the states that split a type into several products: forthcoming or active (List 64 02/04), temporarily
# unavailable (06; List 65 31), out of print (07; List 65 40), with dates either side of the instant.
STATUSES = st.sampled_from(["04", "04", "02", "06", "07"]) | st.sampled_from(PUBLISHING_STATUSES)
STOCK = st.none() | st.none() | st.sampled_from(["21", "31", "40"]) | st.sampled_from(AVAILABILITIES)
families = title_families(min_size=2, max_size=5, edition=editions_for(UK, formats=FORMATS, statuses=STATUSES,
                                                                       availabilities=STOCK))


def _products(family: TitleFamily, at: datetime) -> dict[frozenset[str], str]:
    """Each product's edition set -> its key."""
    listings = build_store_listings([family], [UK, US], at=at, store="shop")
    keys = [li.key for li in listings]
    assert len(keys) == len(set(keys)), keys
    return {frozenset(str(i) for i in li.isbns): li.key for li in listings}


def _lifecycle_edit(draw: st.DrawFn, edition: Edition) -> Edition:
    field = draw(st.sampled_from(LIFECYCLE))
    values = {"availability": STOCK, "publishing_status": STATUSES}.get(field, st.none() | dates_or_instants())
    return edition.model_copy(update={field: draw(values)})


@given(family=families, at=instants())
def test_every_edition_is_in_one_product_and_keys_follow_the_lowest_sku(family: TitleFamily, at: datetime) -> None:
    products = _products(family, at)
    held = [isbn for isbns in products for isbn in isbns]
    assert sorted(held) == sorted(str(e.isbn) for e in family.editions)
    for isbns, key in products.items():
        digital = next(e.format.is_digital for e in family.editions if str(e.isbn) in isbns)
        lowest_of_type = min(str(e.isbn) for e in family.editions if e.format.is_digital == digital)
        main = f"family:{family.id}:{'digital' if digital else 'physical'}"
        # The lowest-SKU edition of a type holds the main key, on sale or not; any other group its own lowest SKU.
        assert key == (main if lowest_of_type in isbns else f"{main}:{min(isbns)}")


@given(family=families, at=instants(), data=st.data())
def test_a_lifecycle_change_of_one_edition_keeps_the_key_of_every_product_whose_editions_stay(
    family: TitleFamily, at: datetime, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(family.editions) - 1))
    changed = _lifecycle_edit(data.draw, family.editions[index])
    edited = family.model_copy(update={"editions": tuple(changed if i == index else e
                                                         for i, e in enumerate(family.editions))})
    before, after = _products(family, at), _products(edited, at)
    assert {isbns: after[isbns] for isbns in before.keys() & after.keys()} == {
        isbns: before[isbns] for isbns in before.keys() & after.keys()}


@given(family=families, at=instants(), days=st.integers(1, 400))
def test_time_passing_keeps_the_key_of_every_product_whose_editions_stay(family: TitleFamily, at: datetime,
                                                                         days: int) -> None:
    """Launches, embargoes lifting and announcements by the clock alone."""
    before, after = _products(family, at), _products(family, at + timedelta(days=days))
    same = before.keys() & after.keys()
    assert {s: after[s] for s in same} == {s: before[s] for s in same}


def _hardback_and_paperback(paperback_date: date) -> TitleFamily:
    """A hardback on sale and a paperback with the lower ISBN on pre-order: the pre-order group holds the main key."""
    rights = Rights(sales_rights=(SalesRights(type="01", territory=Territory.world()),))  # List 46: 01 for sale

    def edition(isbn: str, fmt: Format, published: date) -> Edition:
        cover = SupportingResource(kind=ResourceKind.FRONT_COVER, url=f"https://covers.example/{isbn}.jpg",
                                   mime_type="image/jpeg", size_bytes=200_000, sha256=isbn.ljust(64, "0"))
        return Edition(isbn=ISBN13(isbn), family_id="W", format=fmt, title="Salt", publication_date=published,
                       publishing_status="04", rights=rights, resources=(cover,),
                       texts=(TextContent(kind=TextKind.DESCRIPTION, text="<p>A lake.</p>"),),
                       prices=(PriceRow(amount=Decimal("9.99"), currency="GBP", price_type="02"),))

    return TitleFamily(id="W", title="Salt", editions=(edition("9781800000100", Format.PAPERBACK, paperback_date),
                                                       edition("9781800000117", Format.HARDBACK, date(2026, 1, 5))))


def _keys(paperback_date: date, at: datetime) -> list[tuple[str, set[str], datetime | None]]:
    listings = build_store_listings([_hardback_and_paperback(paperback_date)], [UK], at=at, store="uk")
    assert all(li.listed for li in listings), [li.not_listed_reason for li in listings]
    return [(li.key, {str(i) for i in li.isbns}, li.preorder_release_date) for li in listings]


def test_a_pre_order_date_move_re_dates_the_product_and_makes_no_new_key() -> None:
    at = datetime(2026, 11, 28, 10, tzinfo=UTC)
    hardback = ("family:W:physical:9781800000117", {"9781800000117"}, None)
    assert _keys(date(2026, 12, 20), at) == [("family:W:physical", {"9781800000100"}, _midnight(2026, 12, 20)),
                                             hardback]
    assert _keys(date(2027, 2, 1), at) == [("family:W:physical", {"9781800000100"}, _midnight(2027, 2, 1)),
                                           hardback]
    # At the launch both share the main product; the hardback's product is retired (its key is gone).
    assert _keys(date(2026, 12, 20), datetime(2027, 1, 2, tzinfo=UTC)) == [
        ("family:W:physical", {"9781800000100", "9781800000117"}, None)]


def _midnight(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=ZoneInfo("Europe/London"))


def _per_edition(storefront: StorefrontSettings) -> StorefrontSettings:
    return storefront.model_copy(update={"format_strategy": FormatStrategy.PRODUCT_PER_EDITION})


_WORLD = Rights(sales_rights=(SalesRights(type="01", territory=Territory.world()),))
_GB = Rights(sales_rights=(SalesRights(type="01", territory=Territory(countries_included=frozenset({"GB"}))),))
_US = Rights(sales_rights=(SalesRights(type="01", territory=Territory(countries_included=frozenset({"US"}))),))


@st.composite
def _licensed_apart(draw: st.DrawFn) -> TitleFamily:
    """A family whose editions are mostly on sale, each for the world, the UK alone or the US alone."""
    family = draw(families)
    ready = _hardback_and_paperback(date(2020, 1, 1)).editions[0]  # priced, with a cover and a description
    sold = {"publishing_status": "04", "availability": None, "publication_date": date(2020, 1, 1),
            "sales_embargo": None, "preorder_embargo": None, "announcement_date": None,
            "prices": ready.prices, "resources": ready.resources, "texts": ready.texts}
    editions = tuple(e.model_copy(update={**(sold if draw(st.booleans()) or draw(st.booleans()) else {}),
                                          "rights": draw(st.sampled_from((_WORLD, _GB, _US)))})
                     for e in family.editions)
    return family.model_copy(update={"editions": editions})


@given(family=_licensed_apart(), at=instants())
def test_a_family_product_is_on_no_channel_where_one_of_its_editions_is_not_listed(family: TitleFamily,
                                                                                   at: datetime) -> None:
    """A title is never offered where it is not licensed: not even as a variant of a sibling's product."""
    # Priced like the UK (the editions' prices are in its currency), so that rights alone tell the two apart.
    us = US.model_copy(update={"currency": UK.currency, "tax_inclusive": True})
    alone = {str(li.isbns[0]): set(li.channels)
             for li in build_store_listings([family], [_per_edition(UK), _per_edition(us)], at=at, store="shop")}
    for product in build_store_listings([family], [UK, us], at=at, store="shop"):
        for isbn in product.isbns:
            assert set(product.channels) <= alone[str(isbn)], (product.key, str(isbn), alone[str(isbn)])


def test_a_hardback_licensed_for_one_storefront_is_not_a_variant_on_the_others_channel() -> None:
    family = _hardback_and_paperback(date(2026, 1, 5))
    gb_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory(countries_included=frozenset({"GB"}))),))
    hardback = family.editions[1].model_copy(update={"rights": gb_only,
                                                     "prices": (*family.editions[1].prices, _usd("14.99"))})
    paperback = family.editions[0].model_copy(update={"prices": (*family.editions[0].prices, _usd("12.99"))})
    family = family.model_copy(update={"editions": (paperback, hardback)})
    listings = build_store_listings([family], [UK, US], at=datetime(2026, 11, 28, tzinfo=UTC), store="shop")
    assert sorted(({str(i) for i in li.isbns}, li.channels) for li in listings) == [
        ({"9781800000100"}, (1, 2)), ({"9781800000117"}, (1,))]


def _usd(amount: str) -> PriceRow:
    return PriceRow(amount=Decimal(amount), currency="USD", price_type="01")
