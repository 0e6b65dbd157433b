"""Why editions are held back, grouped by reason: a blocking problem by its code, a missing licence, a stage."""

from __future__ import annotations

from datetime import UTC, datetime

from bookbridge.application.held_back import held_back
from bookbridge.domain.formats import Format
from bookbridge.domain.model import Rights, SalesRights
from bookbridge.domain.readiness import problems
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.territory import Territory
from examples import EBOOK, HARDBACK, PAPERBACK, edition, family, gbp, storefront, usd

COVER = "no approved front cover (SupportingResource 01)"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
US = StorefrontSettings(name="us", countries=frozenset({"US"}), currency="USD", timezone="America/New_York",
                        tax_inclusive=False, channel_id=2, default_currency=False)


def test_editions_held_back_are_grouped_by_reason_and_counted_once() -> None:
    priced_everywhere = edition(isbn=HARDBACK, prices=(gbp("16.99"), usd("24.99")))
    gbp_only = edition(isbn=PAPERBACK, prices=(gbp("8.99"),))
    also_gbp_only = edition(isbn=EBOOK, prices=(gbp("6.99"),), resources=())  # and no cover, anywhere
    groups = held_back([family(priced_everywhere, gbp_only, also_gbp_only)], [storefront(), US], now=NOW)
    found = {g.reason: (g.editions, g.storefronts) for g in groups}
    assert found["no consumer price"] == (tuple(sorted((str(PAPERBACK), str(EBOOK)))), ("us",))
    assert found[COVER][0] == (str(EBOOK),)
    assert str(HARDBACK) not in {i for g in groups for i in g.editions}
    assert groups[0].reason == "no consumer price"  # the most editions first
    # The paperback is on the UK storefront; the ebook (no cover anywhere) on none: not in the store.
    assert {g.reason: g.everywhere for g in groups} == {"no consumer price": (str(EBOOK),), COVER: (str(EBOOK),)}


def test_one_reason_not_licensed_has_one_name_however_the_listing_found_it() -> None:
    """A licence missing in the storefront's countries is one reason in the status header, whether a blocking
    `not-licensed` problem says so (an active edition) or only the listing's reason does (out of print, List 64 07)."""
    uk_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB")),))
    active = edition(isbn=HARDBACK, rights=uk_only)
    out_of_print = edition(isbn=PAPERBACK, rights=uk_only, publishing_status="07", format=Format.PAPERBACK)
    shop = storefront(countries=frozenset({"GB", "JE"}))
    groups = held_back([family(active, out_of_print)], [shop], now=NOW)
    assert (groups[0].reason, groups[0].editions) == (
        "not licensed for sale", tuple(sorted((str(HARDBACK), str(PAPERBACK)))))


def test_an_edition_out_of_print_and_not_licensed_shows_under_both_causes() -> None:
    """Not licensed comes first, yet a person also needs to see that the edition is out of print (List 64 07):
    the lifecycle is a cause of its own, though not an exception to act on."""
    uk_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB")),))
    out_of_print = edition(isbn=PAPERBACK, rights=uk_only, publishing_status="07", prices=(gbp("8.99"), usd("9.99")))
    groups = held_back([family(out_of_print)], [storefront(), US], now=NOW)
    assert {g.reason: g.storefronts for g in groups} == {"not licensed for sale": ("us",),
                                                         "withdrawn (out of print, PublishingStatus 07)": ("uk", "us")}


def test_a_reasons_storefronts_are_named_in_the_configured_order() -> None:
    """(uk, us) on every line of the status header, not (us, uk) where the first edition found was US-only."""
    us_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("US")),))
    uk_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB")),))
    first = edition(isbn=HARDBACK, rights=uk_only, prices=(gbp("16.99"), usd("24.99")))  # held back on us
    then = edition(isbn=PAPERBACK, rights=us_only, prices=(gbp("8.99"), usd("12.99")), format=Format.PAPERBACK)
    groups = held_back([family(first, then)], [storefront(), US], now=NOW)
    assert [g.storefronts for g in groups] == [("uk", "us")], groups


def test_a_reason_is_worded_as_plan_sync_and_the_exceptions_word_the_problem() -> None:
    """A missing cover or description reads as its readiness message (`plan`, `sync`, `check`, the exceptions),
    not as its code ("missing cover"); a price names no currency, so that editions group."""
    bare = edition(isbn=HARDBACK, prices=(gbp("16.99"),), resources=(), texts=())
    groups = held_back([family(bare)], [storefront(), US], now=NOW)
    said = {p.message for p in problems(bare, storefront(), at=NOW) if p.blocking}
    assert {g.reason for g in groups} == {COVER, "no approved description (TextContent 03 or 02)",
                                          "no consumer price"}
    assert {COVER, "no approved description (TextContent 03 or 02)"} <= said
