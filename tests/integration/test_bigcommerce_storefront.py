"""The BigCommerce storefront adapter against the sandbox, over real HTTP on loopback."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from adapters.bigcommerce.storefront import BigCommerceStorefront
from adapters.memory import InMemoryCatalogSource, InMemoryUnitOfWork
from adapters.sample.catalogue import sample_catalogue
from application.sync import SyncStore, plan_store, sync_store
from contracts.bigcommerce_openapi import skip_reason, specs_available, validate_recorded_request
from domain.model import PriceRow
from domain.ports import ExceptionKind, FixedClock
from domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(
    name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True, timezone="Europe/London"
)
US = StorefrontSettings(
    name="us",
    channel_id=2,
    countries=frozenset({"US"}),
    currency="USD",
    tax_inclusive=False,
    timezone="Europe/London",
    default_currency=False,
)
COMMAND = SyncStore(store="shop", storefronts=(UK, US))


@pytest.fixture
def sandbox():
    config = SandboxConfig(
        extra_channels=(ChannelSeed(id=2, name="US storefront"),), rate_limit=RateLimitConfig(time_scale=0.001)
    )
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def store(sandbox):
    client = BigCommerceClient(
        BigCommerceConfig(
            store_hash=sandbox.config.store_hash,
            access_token=sandbox.config.token,
            v3_base_url=sandbox.base_url_v3,
            v2_base_url=sandbox.base_url_v2,
        )
    )
    yield BigCommerceStorefront(client, name="shop")
    client.close()


@pytest.fixture
def world(store):
    return (
        InMemoryCatalogSource(sample_catalogue(NOW.date(), families=20)),
        store,
        InMemoryUnitOfWork(),
        FixedClock(NOW),
    )


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
