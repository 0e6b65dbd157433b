"""The feed storefront: items field by field, one feed per country, rights, no-op syncs, delisting, rejections."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bookbridge.adapters.memory.state import InMemoryUnitOfWork
from bookbridge.adapters.sample.source import SampleCatalogSource
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.listing import StoreListing, build_store_listings, with_hashes
from bookbridge.domain.model import Milestones
from bookbridge.domain.plan import ActionKind, StoreAction
from bookbridge.domain.ports import FixedClock, StoreErrorKind
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.plugin import AdapterKind
from bookbridge.testing import context

from bookbridge_merchant_feed import plugin
from bookbridge_merchant_feed.items import FeedItem, feed_items, plain_text
from bookbridge_merchant_feed.rss import G, read_feed
from bookbridge_merchant_feed.settings import FeedSettings
from bookbridge_merchant_feed.storefront import MerchantFeedStorefront
from bookbridge_merchant_feed.validate import validate_item
from tests_support import feed_settings, settings_from

AT = datetime(2026, 11, 28, 10, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True,
                        timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False)
COMMAND = SyncStore(store="shop", storefronts=(UK, US))


def listings() -> list[StoreListing]:
    return build_store_listings(SampleCatalogSource(AT.date()).read().families, [UK, US], at=AT, store="shop")


def by_key(key: str) -> StoreListing:
    return next(li for li in listings() if li.key == key)


def test_a_listing_becomes_one_item_per_country_it_is_listed_in(settings: FeedSettings) -> None:
    listing = by_key("9781800000018")  # world rights: channels 1 and 2
    items = feed_items(listing, settings)
    assert sorted(items) == ["GB", "US"]
    [gb], [us] = items["GB"], items["US"]
    assert gb == FeedItem(
        id="9781800000018", title="The Glass Meridian (Hardback)", description=plain_text(listing.description),
        link="https://shop.example/the-glass-meridian-hardback-9781800000018/",
        image_link="https://covers.bookbridge.example/9781800000018.jpg", additional_image_link=(),
        availability="in_stock", price="20.00 GBP", brand="Harbour Press", gtin="9781800000018",
        item_group_id="work-1000", product_type="Books > Hardback")
    assert (us.price, us.id, us.link) == ("26.00 USD", gb.id, gb.link)
    assert gb.description.splitlines()[:2] == [
        "Shortlisted for the Sample Prize",
        "The Glass Meridian is the story of a orchard and the people who keep it. Ines Brennan follows three "
        "generations through a glass season of change."]


def test_rights_decide_the_countries_and_preorders_carry_their_date(settings: FeedSettings) -> None:
    everything = listings()
    uk_only = next(li for li in everything if li.listed and li.channels == (1,))
    assert sorted(feed_items(uk_only, settings)) == ["GB"]
    preorder = next(li for li in everything if li.listed and li.availability.value == "preorder")
    [item] = feed_items(preorder, settings)["GB"]
    assert preorder.preorder_release_date is not None
    assert (item.availability, item.availability_date) == (
        "preorder", preorder.preorder_release_date.strftime("%Y-%m-%dT%H:%M%z"))
    announced = next(li for li in everything if li.listed and li.stage.value == "announced")
    assert feed_items(announced, settings)["GB"][0].availability == "out_of_stock"
    assert all(feed_items(li, settings) == {} for li in everything if not li.listed)


def test_under_the_variant_strategy_each_edition_is_an_item_of_the_family(settings: FeedSettings) -> None:
    variants = StorefrontSettings(**{**UK.model_dump(), "format_strategy": FormatStrategy.VARIANTS})
    products = build_store_listings(SampleCatalogSource(AT.date()).read().families, [variants], at=AT, store="uk")
    family = next(li for li in products if li.listed and len(li.variants) > 1)
    [hardback, paperback] = feed_items(family, settings)["GB"]
    assert [(i.id, i.gtin, i.title, i.price, i.item_group_id, i.product_type) for i in (hardback, paperback)] == [
        ("9781800000018", "9781800000018", "The Glass Meridian (Print), Hardback", "20.00 GBP", "work-1000",
         "Books > Hardback"),
        ("9781800000025", "9781800000025", "The Glass Meridian (Print), Paperback", "9.99 GBP", "work-1000",
         "Books > Paperback")]
    assert paperback.image_link == "https://covers.bookbridge.example/9781800000025.jpg"
    assert validate_item(hardback) == validate_item(paperback) == []


def test_a_channel_without_a_country_puts_nothing_in_any_feed(tmp_path: Path) -> None:
    settings = feed_settings(tmp_path, countries={"1": ["GB"]}, currencies={})
    items = feed_items(by_key("9781800000018"), settings)
    assert sorted(items) == ["GB"] and items["GB"][0].price == "20.00 GBP"  # the default-currency price


def test_a_sync_writes_one_rss_feed_per_country_and_a_no_op_sync_rewrites_nothing(settings: FeedSettings) -> None:
    store, uow, clock = MerchantFeedStorefront(settings), InMemoryUnitOfWork(), FixedClock(AT)
    report = sync_store(COMMAND, SampleCatalogSource(AT.date()), store, uow, clock)
    assert report.failed == 0, report.exceptions_opened
    gb, us = settings.feed_path("GB"), settings.feed_path("US")
    assert (gb.name, us.name) == ("feed-GB.xml", "feed-US.xml")
    head = gb.read_bytes()[:200].decode()
    assert head.startswith("<?xml version='1.0' encoding='UTF-8'?>") and f'xmlns:g="{G}"' in head
    listed = [li for li in listings() if li.listed and li.is_visible]
    assert {i.id for i in read_feed(gb)} == {li.sku for li in listed if 1 in li.channels}
    assert {i.id for i in read_feed(us)} == {li.sku for li in listed if 2 in li.channels}
    assert sorted(p.name for p in settings.directory.iterdir()) == [".merchant-feed-index.json", "feed-GB.xml",
                                                                    "feed-US.xml"]  # no temporary file left

    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in settings.directory.iterdir()}
    written = store.files_written
    os.utime(gb, ns=(1, 1))  # so that any rewrite would show in the mtime
    before[gb] = (1, before[gb][1])
    again = sync_store(COMMAND, SampleCatalogSource(AT.date()), MerchantFeedStorefront(settings), uow, clock)
    assert (again.created, again.updated, again.hidden) == (0, 0, 0)
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in settings.directory.iterdir()} == before
    assert store.files_written == written


def test_an_update_that_changes_no_item_writes_no_file(settings: FeedSettings) -> None:
    store = MerchantFeedStorefront(settings)
    listing = by_key("9781800000018")
    store.apply([StoreAction(ActionKind.CREATE, listing.key, listing, tuple(listing.hashes))], {})
    written = store.files_written
    changed = with_hashes(replace(listing, weight=listing.weight + 1))  # not in the feed
    [outcome] = store.apply([StoreAction(ActionKind.UPDATE, changed.key, changed, tuple(changed.hashes))], {})
    assert outcome.ok and store.files_written == written
    assert listing.price is not None
    cheaper = with_hashes(replace(listing, price=replace(listing.price, sale_price=listing.price.price - 5)))
    store.apply([StoreAction(ActionKind.UPDATE, cheaper.key, cheaper, tuple(cheaper.hashes))], {})
    assert store.files_written == written + 1  # the GB feed only: the USD price did not change
    assert [i.sale_price for i in read_feed(settings.feed_path("GB"))] == ["15.00 GBP"]


def on_sale() -> StoreListing:
    """A sample listing whose US price is in a campaign (24 Nov to 1 Dec inclusive, London time)."""
    return next(li for li in listings() if li.listed and any(p.sale_price is not None for p in li.extra_prices))


def test_a_sale_price_carries_its_campaign_window(settings: FeedSettings) -> None:
    listing = on_sale()
    [us_price] = [p for p in listing.extra_prices if p.currency == "USD"]
    assert (us_price.sale_starts, us_price.sale_ends) == (datetime(2026, 11, 24, tzinfo=UK.zone),
                                                          datetime(2026, 12, 2, tzinfo=UK.zone))
    [us] = feed_items(listing, settings)["US"]
    assert us.sale_price and us.sale_price_effective_date == "2026-11-24T00:00+0000/2026-12-02T00:00+0000"
    assert validate_item(us) == []
    [gb] = feed_items(listing, settings)["GB"]
    assert (gb.sale_price, gb.sale_price_effective_date) == ("", "")  # no GBP campaign


def test_a_window_open_at_either_end_is_left_out(settings: FeedSettings) -> None:
    listing = on_sale()
    for open_end in ({"sale_starts": None}, {"sale_ends": None}):
        prices = tuple(replace(p, **open_end) for p in listing.extra_prices)
        [us] = feed_items(replace(listing, extra_prices=prices), settings)["US"]
        assert us.sale_price and us.sale_price_effective_date == ""  # Google wants both ends or none
        assert validate_item(us) == []


def test_a_moved_campaign_window_changes_the_pricing_hash_and_reaches_the_feed(settings: FeedSettings) -> None:
    store = MerchantFeedStorefront(settings)
    listing = on_sale()
    store.apply([StoreAction(ActionKind.CREATE, listing.key, listing, tuple(listing.hashes))], {})
    written = store.files_written
    prices = tuple(replace(p, sale_ends=datetime(2026, 12, 9, tzinfo=UK.zone))
                   for p in listing.extra_prices)
    longer = with_hashes(replace(listing, extra_prices=prices))
    changed = [s for s in listing.hashes if listing.hashes[s] != longer.hashes[s]]
    assert changed == ["pricing"]
    store.apply([StoreAction(ActionKind.UPDATE, longer.key, longer, tuple(changed))], {})
    assert store.files_written == written + 1  # the US feed only
    [item] = [i for i in read_feed(settings.feed_path("US")) if i.id == listing.sku]
    assert item.sale_price_effective_date == "2026-11-24T00:00+0000/2026-12-09T00:00+0000"


def test_delisting_removes_the_item_and_keeps_the_product(settings: FeedSettings) -> None:
    store = MerchantFeedStorefront(settings)
    listing = by_key("9781800000018")
    [created] = store.apply([StoreAction(ActionKind.CREATE, listing.key, listing, tuple(listing.hashes))], {})
    [hidden] = store.apply([StoreAction(ActionKind.HIDE, listing.key, None, reason="withdrawn")], {})
    assert hidden.ok and hidden.product_id == created.product_id
    assert read_feed(settings.feed_path("GB")) == read_feed(settings.feed_path("US")) == []
    [product] = MerchantFeedStorefront(settings).read_back()
    assert (product.product_id, product.sku, product.is_visible) == (created.product_id, listing.sku, False)
    [back] = store.apply([StoreAction(ActionKind.CREATE, listing.key, listing, tuple(listing.hashes))], {})
    assert back.product_id == created.product_id and len(read_feed(settings.feed_path("GB"))) == 1


def test_an_edition_created_hidden_at_metadata_lock_is_in_no_feed_until_its_release(settings: FeedSettings) -> None:
    family = SampleCatalogSource(AT.date()).read().families[0]
    release = AT.date() + timedelta(days=3)
    locked = family.model_copy(update={"editions": (family.editions[0].model_copy(update={
        "publishing_status": "04", "announcement_date": release, "publication_date": release,
        "milestones": Milestones(metadata_locked=True)}),)})
    [hidden] = build_store_listings([locked], [UK, US], at=AT, store="shop")
    assert (hidden.listed, hidden.is_visible, hidden.channels) == (True, False, ())
    store = MerchantFeedStorefront(settings)
    [created] = store.apply([StoreAction(ActionKind.CREATE, hidden.key, hidden, tuple(hidden.hashes))], {})
    assert created.ok and feed_items(hidden, settings) == {}
    assert read_feed(settings.feed_path("GB")) == read_feed(settings.feed_path("US")) == []
    [live] = build_store_listings([locked], [UK, US], at=AT + timedelta(days=4), store="shop")
    [shown] = store.apply([StoreAction(ActionKind.UPDATE, live.key, live, tuple(live.hashes))], {})
    assert shown.product_id == created.product_id
    assert [i.id for i in read_feed(settings.feed_path("GB"))] == [hidden.sku]


def test_an_invalid_item_is_rejected_naming_the_edition_and_the_attribute(settings: FeedSettings) -> None:
    store = MerchantFeedStorefront(settings)
    good = by_key("9781800000018")
    bad = with_hashes(replace(by_key("9781800000025"), name="T" * 151))
    outcomes = store.apply([StoreAction(ActionKind.CREATE, li.key, li, tuple(li.hashes)) for li in (good, bad)], {})
    assert outcomes[0].ok and not outcomes[1].ok
    error = outcomes[1].error
    assert error is not None and error.kind is StoreErrorKind.REJECTED and error.field == "title"
    assert "edition 9781800000025" in error.message and "title: 151 characters; at most 150" in error.message
    assert [i.id for i in read_feed(settings.feed_path("GB"))] == ["9781800000018"]


def test_an_item_no_product_owns_is_dropped_on_the_next_write(settings: FeedSettings) -> None:
    store = MerchantFeedStorefront(settings)
    first, second = by_key("9781800000018"), by_key("9781800000025")
    store.apply([StoreAction(ActionKind.CREATE, first.key, first, tuple(first.hashes))], {})
    settings.index_path.write_text('{"version": 1, "next_id": 1, "products": []}')  # as if the index was lost
    fresh = MerchantFeedStorefront(settings)
    fresh.apply([StoreAction(ActionKind.CREATE, second.key, second, tuple(second.hashes))], {})
    assert [i.id for i in read_feed(settings.feed_path("GB"))] == [second.sku]


def test_the_plugin_registers_the_storefront_through_the_hook(tmp_path: Path) -> None:
    registry, failures = collect_adapters(make_plugin_manager(load_entrypoints=False, extra_plugins=[plugin]))
    assert failures == []
    spec = registry.get(AdapterKind.STOREFRONT, "merchant-feed")
    built = registry.create_storefront("merchant-feed", {
        "kind": "merchant-feed", "directory": str(tmp_path / "x"), "countries": {"1": "GB IE"},
        "link_template": "https://shop.example/{custom_url}"}, context("shop"))
    assert isinstance(built, MerchantFeedStorefront) and spec.description.startswith("Google Merchant Center")
    assert built.settings.target_countries == ("GB", "IE") and not (tmp_path / "x").exists()  # no I/O yet


@pytest.mark.parametrize(("changes", "message"), [
    ({"countries": {"1": ["XX"]}}, "countries: Value error, channel 1: not ISO 3166-1"),
    ({"currencies": {"1": "GBX"}}, "not ISO 4217"),
    ({"link_template": "https://shop.example/{slug}"}, "unknown placeholder 'slug'"),
    ({"link_template": "/{custom_url}"}, "absolute http(s) URL"),
    ({"countries": {}}, "countries: Dictionary should have at least 1 item"),
])
def test_a_bad_configuration_is_an_error_naming_the_key(tmp_path: Path, changes: dict[str, object],
                                                        message: str) -> None:
    with pytest.raises(ValueError, match="store 'merchant-feed'") as raised:
        feed_settings(tmp_path, **changes)
    assert message in str(raised.value)


def test_the_directory_is_required() -> None:
    with pytest.raises(ValueError, match="store 'merchant-feed': directory: Field required"):
        settings_from({"countries": {"1": ["GB"]}, "link_template": "https://shop.example/{custom_url}"})
