"""A listing's values in words: a new product's prices per currency and its channels, and a value inside a
message (money as money, text quoted, long values cut)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from bookbridge.application.field_words import change_said, listing_summary, said
from bookbridge.domain.listing import ListingPrice, Section, build_edition_listing
from bookbridge.domain.plan import FieldChange
from examples import edition, storefront

NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)


def test_a_new_product_reads_as_its_prices_per_currency_and_its_storefronts():
    """The storefronts by name, as every message names them, with the channels they sell on (BigCommerce's word)."""
    uk = storefront()
    storefronts = (uk, storefront(name="us", channel_id=2, currency="USD"), storefront(name="jp", channel_id=3,
                                                                                          currency="JPY"))
    listing = build_edition_listing(edition(), uk, at=NOON)
    assert listing.price is not None
    usd = ListingPrice(currency="USD", price=Decimal("12.9900"), tax_inclusive=False, in_default_currency=False,
                       storefront="us")
    jpy = replace(usd, currency="JPY", price=Decimal("1500.0000"), storefront="jp")
    both = replace(listing, price=replace(listing.price, price=Decimal("9.9900")), extra_prices=(usd, jpy),
                   channels=(1, 2, 3))
    assert listing_summary(both, storefronts) == ("£9.99, US$12.99, JP¥1,500, storefronts 'uk', 'us' and 'jp' "
                                                  "(channels 1, 2, 3)")
    assert listing_summary(replace(both, extra_prices=(), channels=(1,)), storefronts) == (
        "£9.99, storefront 'uk' (channel 1)")
    unsold = replace(listing, price=None, extra_prices=(), channels=())
    assert listing_summary(unsold, storefronts) == "no price, on no storefront"


def test_a_value_inside_a_message():
    assert said({"price": 1.5}, "GBP") == "£1.50"  # the store reports a price without its currency
    assert said("Roseanna") == "“Roseanna”" and said(None) == "nothing" and said("") == "nothing"
    assert said("x" * 200) == "“" + "x" * 79 + "…”"
    assert said("<p>A body\n  in a lake.</p>") == "“<p>A body in a lake.</p>”"
    assert said(["Crime", "Fiction"]) == '["Crime", "Fiction"]'


def test_a_drifted_price_reads_in_the_currency_of_ours_both_ways():
    ours = {"currency": "GBP", "price": "9.9900", "sale_price": None}
    assert change_said(FieldChange(Section.PRICING, "price", ours, {"price": 1.5})) == ("£9.99", "£1.50")
