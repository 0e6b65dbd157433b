"""A listing's values in words: a new product's prices per currency and its channels, and a value inside a
message (money as money, text quoted, long values cut)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from bookbridge.application.field_words import (
    change_said,
    change_texts,
    listing_summary,
    said,
    value_text,
    written_again_texts,
)
from bookbridge.domain.listing import ListingPrice, Section, build_edition_listing, section_payloads
from bookbridge.domain.plan import NOT_KNOWN, RESENT, ActionKind, FieldChange, StoreAction
from examples import PAPERBACK, edition, storefront

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
    assert said(["Crime", "Fiction"]) == "Crime, Fiction" and said([]) == "nothing"
    assert said([1, 2], field="channels") == "channels 1, 2"


def test_a_drifted_price_reads_in_the_currency_of_ours_both_ways():
    ours = {"currency": "GBP", "price": "9.9900", "sale_price": None}
    assert change_said(FieldChange(Section.PRICING, "price", ours, {"price": 1.5})) == ("£9.99", "£1.50")


def test_a_changed_storefront_and_a_new_price_read_in_words_not_json():
    """A storefront added after the first sync: the product's channels and its other currency's price change.
    The plan says so in the words a new product's line uses, never `[1] → [1, 2]` or `[] → US$24.99`."""
    storefronts = (storefront(), storefront(name="us", channel_id=2, currency="USD"))
    channels = FieldChange(Section.STOREFRONTS, "channels", [1], [1, 2])
    assert change_texts(channels, storefronts) == (
        "storefront 'uk' (channel 1)", "storefronts 'uk' and 'us' (channels 1, 2)")
    assert change_texts(channels) == ("channel 1", "channels 1, 2")  # storefronts unknown: BigCommerce's word
    usd = {"currency": "USD", "price": "24.99", "sale_price": None}
    assert change_texts(FieldChange(Section.PRICING, "extra_prices", [], [usd]), storefronts) == ("none", "US$24.99")
    assert change_texts(FieldChange(Section.CORE, "gtin", None, "9780007232833")) == ("none", "9780007232833")


def test_every_field_of_every_section_reads_in_words():
    """Each field a plan can show (every section's payload, the store's read-back included) reads as words: no
    JSON list, object or `true`/`false` falls through."""
    uk = storefront()
    listing = build_edition_listing(edition(publication_date=date(2027, 3, 5)), uk, at=NOON)
    listing = replace(listing, categories=(("Fiction", "Crime"), ("History",)), related_isbns=(PAPERBACK,))
    words = {name: value_text(value, field=name, storefronts=(uk,))
             for payload in section_payloads(listing).values() for name, value in payload.items()}
    assert words["channels"] == "storefront 'uk' (channel 1)"
    assert words["listed"] == "listed" and words["is_visible"] == "shown" and words["purchasable"] == "no"
    assert words["availability"] == "on pre-order"
    assert words["preorder_release_date"] == "2027-03-05 00:00 UTC"
    assert words["categories"] == "Fiction > Crime; History"
    assert words["related_isbns"] == PAPERBACK
    assert words["images"] == "front cover: https://covers.example/9780007232833.jpg"
    assert words["custom_fields"].startswith("ISBN: 9780007232833; Format: Hardback; ")
    assert words["extra_prices"] == "none" and words["price"] == "£16.99"
    for name, text in words.items():
        assert text and text[0] not in "[{" and text not in ("true", "false", "null"), (name, text)


def test_a_variant_familys_fields_read_in_words():
    value = [{"sku": "9780007232833", "price": {"currency": "GBP", "price": "9.99"}, "extra_prices": []}]
    assert value_text(value, field="variants") == "9780007232833: price £9.99, extra prices none"


def test_an_update_in_which_no_field_differs_says_what_it_writes_and_why():
    """Never a bare `all sections` with empty cells: the fields written (every field: the product whole) and why."""
    listing = build_edition_listing(edition(), storefront(), at=NOON)
    media = StoreAction(ActionKind.UPDATE, listing.key, listing, (Section.MEDIA,), reason=NOT_KNOWN)
    assert written_again_texts(media) == (
        "images", "not known: edited or deleted in the store since it was last sent, or a write not confirmed",
        "as last sent, written again")
    core = StoreAction(ActionKind.UPDATE, listing.key, listing, (Section.CORE,))
    assert written_again_texts(core) == ("SKU, name, custom URL and 18 more fields", "as last sent",
                                         "the same, written another way (a number as 0 or 0.0): sent again")
    whole = StoreAction(ActionKind.UPDATE, listing.key, listing, tuple(Section), reason=RESENT)
    assert written_again_texts(whole) == ("every field", "as last sent",
                                          "the same: a full sync sends every section again")
