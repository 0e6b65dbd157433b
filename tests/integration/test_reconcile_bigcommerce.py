"""Reconcile against the BigCommerce sandbox: a merchandiser's edits and deletions made over the HTTP API."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.sandbox import RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.reconcile import ReconcileStore, reconcile_store
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.drift import DriftPolicy
from bookbridge.domain.listing import Section
from bookbridge.domain.ports import ExceptionKind, FixedClock
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(
    name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True, timezone="Europe/London"
)
SYNC = SyncStore(store="shop", storefronts=(UK,))


@pytest.fixture
def sandbox():
    with SandboxServer(SandboxConfig(rate_limit=RateLimitConfig(time_scale=0.001))) as server:
        yield server


@pytest.fixture
def world(sandbox):
    client = BigCommerceClient(BigCommerceConfig(
        store_hash=sandbox.config.store_hash, access_token=sandbox.config.token,
        v3_base_url=sandbox.base_url_v3, v2_base_url=sandbox.base_url_v2))
    source = InMemoryCatalogSource(sample_catalogue(NOW.date(), families=8))
    world = (source, BigCommerceStorefront(client, name="shop"), InMemoryUnitOfWork(), FixedClock(NOW))
    report = sync_store(SYNC, *world)
    assert report.failed == 0 and report.created > 1, report.exceptions_opened
    yield world
    client.close()


def merchandiser(sandbox) -> httpx.Client:
    """Someone editing the store by hand, over the same API (not through bookbridge)."""
    return httpx.Client(base_url=sandbox.base_url_v3.rstrip("/") + "/",
                        headers={"X-Auth-Token": sandbox.config.token, "Accept": "application/json"})


def products(sandbox) -> list[dict]:
    with merchandiser(sandbox) as http:
        return http.get("catalog/products", params={"limit": 250}).json()["data"]


def reconcile(world, policies=None):
    source, store, uow, clock = world
    return reconcile_store(ReconcileStore("shop", source.name, policies or {}), store, uow, clock)


def drift_items(uow):
    with uow:
        return [x for x in uow.exceptions.open_items() if x.kind is ExceptionKind.DRIFT]


def test_a_freshly_synced_store_has_no_drift(world):
    report = reconcile(world)
    assert report.findings == [], sorted({(f.field, f.message[:0]) for f in report.findings})
    assert report.checked > 1


@pytest.mark.parametrize("policy", [DriftPolicy.REPORT, DriftPolicy.OVERWRITE])
def test_an_edited_description_and_a_deleted_product_are_found(sandbox, world, policy):
    edited, deleted = products(sandbox)[:2]
    with merchandiser(sandbox) as http:
        http.put(f"catalog/products/{edited['id']}", json={"description": "<p>Staff pick!</p>"}).raise_for_status()
        http.delete(f"catalog/products/{deleted['id']}").raise_for_status()
    report = reconcile(world, {Section.CORE: policy})
    found = {(f.what, f.isbn, f.field) for f in report.findings}
    assert found == {("field", edited["sku"], "description"), ("deleted", deleted["sku"], None)}
    items = {x.isbn: x for x in drift_items(world[2])}
    assert "deleted by hand" in items[deleted["sku"]].message
    if policy is DriftPolicy.REPORT:
        assert "store has “<p>Staff pick!</p>”" in items[edited["sku"]].message
        assert items[edited["sku"]].field == "description"
    else:
        assert edited["sku"] not in items

    synced = sync_store(SyncStore(store="shop", storefronts=(UK,), full=True), *world)
    after = {p["sku"]: p for p in products(sandbox)}
    if policy is DriftPolicy.REPORT:
        # The edit stays and the deleted product stays deleted; the open exceptions say why.
        assert after[edited["sku"]]["description"] == "<p>Staff pick!</p>"
        assert deleted["sku"] not in after
        assert {x.isbn for x in drift_items(world[2])} == {edited["sku"], deleted["sku"]}
    else:
        assert after[edited["sku"]]["description"] == edited["description"]
        assert deleted["sku"] in after  # recreated, and counted so
        assert synced.created == 1 and synced.failed == 0, (synced.created, synced.updated)
        assert reconcile(world, {Section.CORE: policy}).findings == []


@pytest.mark.parametrize("policy", [DriftPolicy.OVERWRITE, DriftPolicy.REPORT])
def test_a_price_edited_in_the_store_is_told_as_money_both_ways(sandbox, world, policy):
    """The merchandiser's price and ours, in the storefront's currency: what a person compares first."""
    edited = products(sandbox)[0]
    with merchandiser(sandbox) as http:
        http.put(f"catalog/products/{edited['id']}", json={"price": 1.5}).raise_for_status()
    report = reconcile(world, {Section.PRICING: policy})
    [finding] = [f for f in report.findings if f.field == "price"]
    then = "the next sync restores it" if policy is DriftPolicy.OVERWRITE else "left alone until resolved"
    assert re.fullmatch(rf"edited in the store \(£1\.50, ours £\d+\.\d\d\); {then}", finding.message), (
        finding.message)
    ours = re.search(r"ours (£\S+)\)", finding.message).group(1)  # type: ignore[union-attr]
    assert ours != "£1.50"
    if policy is DriftPolicy.REPORT:
        [item] = drift_items(world[2])
        assert f"price edited in store 'shop': store has £1.50, bookbridge has {ours}" in item.message, item.message
