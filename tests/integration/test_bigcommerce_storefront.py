"""The BigCommerce storefront adapter against the sandbox, over real HTTP on loopback."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest

from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.sync import plan_store, sync_store
from bookbridge.domain.model import Milestones, PriceRow
from bookbridge.domain.ports import ExceptionKind
from contracts.bigcommerce_openapi import skip_reason, specs_available, validate_recorded_request
from sync_drills import COMMAND, NOW, UK, US


@pytest.fixture
def world(make_world):
    return make_world(families=20)


def _writes(sandbox) -> int:
    return sum(1 for r in sandbox.requests if r.method != "GET")


def test_first_sync_creates_each_listed_edition_once_with_its_fields(sandbox, world):
    source, store, uow, clock = world
    planned = plan_store(COMMAND, source, uow, clock)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0, report.exceptions_opened
    listed = {li.sku: li for li in planned.listings if li.listed}
    assert report.created == len(listed)
    creates = [r for r in sandbox.requests if r.method == "POST" and r.api_path == "/v3/catalog/products"]
    assert len(creates) == len(listed)
    for sku, listing in listed.items():
        product = sandbox.state.find_by_sku(sku)
        assert product is not None, sku
        assert product["name"] == listing.name
        assert product["gtin"] == sku
        assert product["type"] == listing.product_type
        assert product["availability"] == listing.availability.value
        assert product["is_visible"] is listing.is_visible
        assert Decimal(str(product["price"])) == listing.price.price
        assert sandbox.state.product_channels(product["id"]) == list(listing.channels)
        fields = {f["name"]: f["value"] for f in sandbox.state.children(sandbox.state.custom_fields, product["id"])}
        assert fields["ISBN"] == sku and fields["Format"]
    held = [li for li in planned.listings if not li.listed]
    assert held and all(sandbox.state.find_by_sku(li.sku) is None for li in held)


def test_other_currencies_become_price_list_records(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    lists = list(sandbox.state.price_lists.values())
    assert [pl["name"] for pl in lists] == ["bookbridge USD"]
    records = [r for r in sandbox.state.price_records.values() if r["price_list_id"] == lists[0]["id"]]
    planned = plan_store(COMMAND, source, uow, clock)
    expected = {li.sku: li.extra_prices[0].price for li in planned.listings if li.listed and li.extra_prices}
    assert len(records) == len(expected) > 0
    by_variant = {r["variant_id"]: r for r in records}
    for sku, price in expected.items():
        base = sandbox.state.find_by_sku(sku)["base_variant_id"]
        assert Decimal(str(by_variant[base]["price"])) == price


def test_the_price_list_prices_its_storefront_channel_and_is_assigned_once(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    [price_list] = sandbox.state.price_lists.values()
    assert [(a["price_list_id"], a.get("channel_id")) for a in sandbox.state.price_list_assignments.values()] == [
        (price_list["id"], US.channel_id)]
    planned = plan_store(COMMAND, source, uow, clock)
    listing = next(li for li in planned.listings if li.listed and li.extra_prices and li.price)
    usd, gbp = listing.extra_prices[0], listing.price
    on_us = sandbox.state.shopper_price(listing.sku, channel_id=US.channel_id, currency="USD")
    assert Decimal(str(on_us)) == (usd.sale_price or usd.price)
    assert sandbox.state.shopper_price(listing.sku, channel_id=UK.channel_id, currency="USD") is None
    assert Decimal(str(sandbox.state.shopper_price(listing.sku, channel_id=UK.channel_id, currency="GBP"))) == (
        gbp.sale_price or gbp.price)

    start = len(sandbox.requests)
    sync_store(replace(COMMAND, full=True), source, BigCommerceStorefront(store.client, name="shop"), uow, clock)
    calls = [(r.method, r.api_path) for r in list(sandbox.requests)[start:]]
    assert ("PUT", f"/v3/pricelists/{price_list['id']}/records") in calls  # every price resent ...
    assert ("POST", "/v3/pricelists/assignments") not in calls  # ... the assignment read, not made again
    assert len(sandbox.state.price_list_assignments) == 1


def test_an_unassigned_price_list_prices_no_channel(sandbox):
    """The sandbox's rule: records alone price nothing; the channel's assigned list does."""
    with httpx.Client(base_url=sandbox.base_url_v3, headers=sandbox.auth_headers) as v3:
        product = v3.post("/catalog/products", json={"name": "Priced", "type": "physical", "weight": 1, "price": 10,
                                                      "sku": "PRICED-1"}).json()["data"]
        lid = v3.post("/pricelists", json={"name": "USD"}).json()["data"]["id"]
        assert v3.put(f"/pricelists/{lid}/records",
                      json=[{"sku": "PRICED-1", "currency": "USD", "price": 12.5}]).status_code == 200
        assert sandbox.state.shopper_price("PRICED-1", channel_id=2, currency="USD") is None
        assert v3.post("/pricelists/assignments", json=[{"price_list_id": lid, "channel_id": 2}]).status_code == 200
        assert sandbox.state.shopper_price("PRICED-1", channel_id=2, currency="USD") == 12.5
        assert sandbox.state.shopper_price("PRICED-1", channel_id=1, currency="USD") is None
        assert sandbox.state.shopper_price("PRICED-1", channel_id=1, currency="GBP") == product["price"]
        assert v3.put(f"/pricelists/{lid}", json={"name": "USD", "active": False}).status_code == 200
        assert sandbox.state.shopper_price("PRICED-1", channel_id=2, currency="USD") is None


def test_second_sync_writes_nothing(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    before = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert (report.created, report.updated, report.failed) == (0, 0, 0)
    assert len(sandbox.requests) == before, [(r.method, r.path) for r in list(sandbox.requests)[before:]]


def test_price_changes_cost_one_batch_call_per_ten_products(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    changed = 0
    for family in source.families[:6]:
        editions = []
        for e in family.editions:
            rows = tuple(replace_amount(r) for r in e.prices)
            editions.append(e.model_copy(update={"prices": rows}))
        source.put(family.model_copy(update={"editions": tuple(editions)}))
        changed += len(family.editions)
    before = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    calls = list(sandbox.requests)[before:]
    product_calls = [r for r in calls if r.api_path.startswith("/v3/catalog/products")]
    assert report.failed == 0 and report.updated > 0
    assert len(product_calls) <= -(-report.updated // 10)
    assert all(r.method == "PUT" for r in product_calls)


def replace_amount(row: PriceRow) -> PriceRow:
    return row.model_copy(update={"amount": row.amount + Decimal("1.00")})


def test_a_crash_after_the_store_applied_but_before_recording_never_duplicates(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    count = len(sandbox.state.products)
    uow.committed_state.listings.clear()  # the store has the products; bookbridge lost its record of them
    before = len(sandbox.requests)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0
    creates = [
        r for r in list(sandbox.requests)[before:] if r.method == "POST" and r.api_path == "/v3/catalog/products"
    ]
    assert creates == []
    assert len(sandbox.state.products) == count
    assert sync_store(COMMAND, source, store, uow, clock).updated == 0


def test_a_dropped_connection_on_create_is_reported_then_converges(sandbox, world):
    source, store, uow, clock = world
    sandbox.faults.schedule("drop", count=1, method="POST", path_prefix="/v3/catalog/products")
    first = sync_store(COMMAND, source, store, uow, clock)
    assert first.failed == 1
    with uow:
        transient = [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.TRANSIENT_EXHAUSTED]
    assert len(transient) == 1
    second = sync_store(COMMAND, source, store, uow, clock)
    assert second.failed == 0
    skus = [p["sku"].casefold() for p in sandbox.state.products.values()]
    assert len(skus) == len(set(skus))
    with uow:
        assert not [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.TRANSIENT_EXHAUSTED]


def test_a_name_taken_by_a_hand_made_product_is_a_conflict_naming_the_edition(sandbox, world):
    source, store, uow, clock = world
    planned = plan_store(COMMAND, source, uow, clock)
    victim = next(li for li in planned.listings if li.listed)
    # A merchandiser created a product by hand with the same name (BigCommerce names are unique: 409).
    httpx.post(
        f"{sandbox.base_url_v3}/catalog/products",
        headers=sandbox.auth_headers,
        json={"name": victim.name, "type": "physical", "weight": 1, "price": 1, "sku": "HAND-MADE-1"},
    ).raise_for_status()
    report = sync_store(COMMAND, source, store, uow, clock)
    with uow:
        rejections = [e for e in uow.exceptions.open_items() if e.kind is ExceptionKind.STORE_REJECTION]
    assert [(e.isbn, e.field) for e in rejections] == [(victim.sku, "name")]
    assert victim.sku in rejections[0].message and "409" in rejections[0].message
    assert report.created == len([li for li in planned.listings if li.listed]) - 1
    assert sandbox.state.find_by_sku(victim.sku) is None


def test_hand_deleted_products_are_recreated_and_delisting_hides(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    family = next(f for f in source.families if all(sandbox.state.find_by_sku(e.isbn) for e in f.editions))
    source.remove(family.id)
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.hidden == len(family.editions)
    for e in family.editions:
        product = sandbox.state.find_by_sku(e.isbn)
        assert product is not None and product["is_visible"] is False


def test_a_product_deleted_on_delist_is_recreated_when_its_edition_comes_back(sandbox, world):
    source, _, uow, clock = world
    store = BigCommerceStorefront(world[1].client, name="shop", delete_on_delist=True)
    sync_store(COMMAND, source, store, uow, clock)
    family = next(f for f in source.families if all(sandbox.state.find_by_sku(e.isbn) for e in f.editions))
    old_ids = {sandbox.state.find_by_sku(e.isbn)["id"] for e in family.editions}
    channels = {str(e.isbn): sandbox.state.product_channels(sandbox.state.find_by_sku(e.isbn)["id"])
                for e in family.editions}
    without = InMemoryCatalogSource([f for f in source.families if f.id != family.id], name=source.name)
    assert sync_store(replace(COMMAND, full=True), without, store, uow, clock).hidden == len(family.editions)
    assert all(sandbox.state.find_by_sku(e.isbn) is None for e in family.editions)  # deleted, as configured

    back = InMemoryCatalogSource(source.families, name=source.name)
    report = sync_store(replace(COMMAND, full=True), back, store, uow, clock)
    assert report.ok, report.exceptions_opened
    for edition in family.editions:
        product = sandbox.state.find_by_sku(edition.isbn)
        assert product is not None and product["is_visible"] and product["id"] not in old_ids
        assert sandbox.state.children(sandbox.state.images, product["id"])  # its parts came back too
        assert sandbox.state.product_channels(product["id"]) == channels[str(edition.isbn)]
    skus = [p["sku"].casefold() for p in sandbox.state.products.values()]
    assert len(skus) == len(set(skus))
    assert not sync_store(COMMAND, back, store, uow, clock).outcomes


def test_a_new_title_never_takes_the_name_a_hidden_product_still_holds(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    titles = [f.title for f in source.families]
    gone = next(f for f in source.families if titles.count(f.title) == 1 and all(
        (p := sandbox.state.find_by_sku(str(e.isbn))) and not p["name"].endswith("]") for e in f.editions))
    # A complete read without the family: its products leave bookbridge's catalogue and are hidden.
    source = InMemoryCatalogSource([f for f in source.families if f.id != gone.id], name=source.name)
    assert sync_store(replace(COMMAND, full=True), source, store, uow, clock).hidden == len(gone.editions)
    held = dict(sandbox.state.find_by_sku(str(gone.editions[0].isbn)))
    assert held["is_visible"] is False  # hidden, not deleted: it keeps its name
    # A new family whose title (and so whose product names) equal the hidden one's.
    newcomer = sample_catalogue(NOW.date(), families=21)[20]
    source.put(newcomer.model_copy(update={"title": gone.title, "editions": tuple(
        e.model_copy(update={"title": gone.editions[0].title, "subtitle": gone.editions[0].subtitle,
                             "format": gone.editions[i % len(gone.editions)].format})
        for i, e in enumerate(newcomer.editions))}))
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.ok, report.exceptions_opened  # before: BigCommerce refused the duplicate name (409)
    created = sandbox.state.find_by_sku(str(newcomer.editions[0].isbn))
    assert created["name"] != held["name"] and created["name"].startswith(held["name"].split(" (")[0])
    assert str(newcomer.editions[0].isbn) in created["name"]
    names = [p["name"].casefold() for p in sandbox.state.products.values()]
    assert len(names) == len(set(names))
    assert not sync_store(COMMAND, source, store, uow, clock).outcomes  # stable: the tag is not re-planned


@pytest.mark.parametrize("taker_first", [True, False])
def test_a_name_moving_from_one_product_to_another_in_one_run_converges(sandbox, world, taker_first):
    """Found by the stateful test: one title is renamed, and another takes its old title, in the same run."""
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    titles = [f.title for f in source.families]
    unique = [f for f in source.families if titles.count(f.title) == 1]
    giver, taker = (unique[1], unique[0]) if taker_first else (unique[0], unique[1])
    assert min(giver.editions[0].isbn, taker.editions[0].isbn) == (taker if taker_first else giver).editions[0].isbn
    old = giver.title
    source.put(giver.model_copy(update={"title": old + " Vol. 2", "editions": tuple(
        e.model_copy(update={"title": e.title + " Vol. 2"}) for e in giver.editions)}))
    source.put(taker.model_copy(update={"title": old, "editions": tuple(
        e.model_copy(update={"title": giver.editions[0].title, "subtitle": giver.editions[0].subtitle,
                             "format": giver.editions[i % len(giver.editions)].format})
        for i, e in enumerate(taker.editions))}))
    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.ok, report.exceptions_opened  # before: 409, blamed on an innocent edition of the batch
    names = [p["name"].casefold() for p in sandbox.state.products.values()]
    assert len(names) == len(set(names))
    assert not sync_store(COMMAND, source, store, uow, clock).outcomes


def test_a_title_replacing_a_withdrawn_one_in_the_same_run_gets_a_free_name(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    titles = [f.title for f in source.families]
    gone = next(f for f in source.families if titles.count(f.title) == 1)
    newcomer = sample_catalogue(NOW.date(), families=21)[20]
    newcomer = newcomer.model_copy(update={"title": gone.title, "editions": tuple(
        e.model_copy(update={"title": gone.editions[0].title, "subtitle": gone.editions[0].subtitle,
                             "format": gone.editions[0].format}) for e in newcomer.editions[:1])})
    # One complete read: the old title is gone (its product is hidden, keeping its name), the new one arrives.
    source = InMemoryCatalogSource([*(f for f in source.families if f.id != gone.id), newcomer], name=source.name)
    report = sync_store(replace(COMMAND, full=True), source, store, uow, clock)
    assert report.ok, report.exceptions_opened
    names = [p["name"].casefold() for p in sandbox.state.products.values()]
    assert len(names) == len(set(names))
    assert sandbox.state.find_by_sku(str(newcomer.editions[0].isbn))["name"].endswith(f"[{newcomer.editions[0].isbn}]")


@pytest.mark.skipif(not specs_available(), reason=skip_reason())
def test_every_request_the_adapter_sends_is_valid_against_the_official_specs(sandbox, world):
    source, store, uow, clock = world
    sync_store(COMMAND, source, store, uow, clock)
    family = source.families[1]
    source.put(
        family.model_copy(
            update={
                "editions": tuple(
                    e.model_copy(update={"prices": tuple(replace_amount(r) for r in e.prices)}) for e in family.editions
                )
            }
        )
    )
    sync_store(COMMAND, source, store, uow, clock)
    problems = {f"{r.method} {r.path}": errs for r in sandbox.requests if (errs := validate_recorded_request(r))}
    assert problems == {}


def _buyable_on(sandbox, product) -> list[int]:
    """The channels on which a shopper can buy the product: assigned there, visible, and not disabled."""
    if not product["is_visible"] or product["availability"] == "disabled":
        return []
    return sandbox.state.product_channels(product["id"])


def test_a_locked_editorial_edition_is_created_hidden_and_the_same_product_goes_on_sale_at_its_release(
        sandbox, world):
    source, store, uow, clock = world
    family, other = source.families[0], source.families[1]
    target, unlocked = family.editions[0], other.editions[0]
    release = NOW.date() + timedelta(days=3)  # announced and published the same day
    source.put(family.model_copy(update={"editions": (target.model_copy(update={
        "publishing_status": "04", "announcement_date": release, "publication_date": release,
        "milestones": Milestones(metadata_locked=True)}), *family.editions[1:])}))
    source.put(other.model_copy(update={"editions": (unlocked.model_copy(update={"publishing_status": "00"}),
                                                     *other.editions[1:])}))
    sku = str(target.isbn)

    report = sync_store(COMMAND, source, store, uow, clock)
    assert report.failed == 0, report.exceptions_opened
    product = sandbox.state.find_by_sku(sku)
    assert product is not None, "the lock creates the product"
    assert (product["is_visible"], product["availability"]) == (False, "disabled")
    assert sandbox.state.product_channels(product["id"]) == [] and _buyable_on(sandbox, product) == []
    assert sandbox.state.find_by_sku(str(unlocked.isbn)) is None  # editorial without the lock: never created
    launch = min(when for key, when in report.wakeups if key == sku)
    assert launch == datetime.combine(release, time(), ZoneInfo("Europe/London"))  # its announcement and release

    clock.advance_to(launch - timedelta(microseconds=1))
    assert sync_store(COMMAND, source, store, uow, clock).failed == 0
    assert _buyable_on(sandbox, sandbox.state.find_by_sku(sku)) == []  # not a moment early
    clock.advance_to(launch)
    assert sync_store(COMMAND, source, store, uow, clock).failed == 0
    live = sandbox.state.find_by_sku(sku)
    assert live is not None and live["id"] == product["id"]
    assert (live["is_visible"], live["availability"]) == (True, "available")
    assert _buyable_on(sandbox, live) == [1, 2]
    creates = [r for r in sandbox.requests if r.method == "POST" and r.api_path == "/v3/catalog/products"
               and (r.json or {}).get("sku") == sku]
    assert len(creates) == 1
    assert [p["id"] for p in sandbox.state.products.values() if str(p["sku"]).casefold() == sku] == [product["id"]]
