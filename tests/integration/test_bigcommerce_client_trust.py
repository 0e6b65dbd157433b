"""The storefront does not take the store's word blindly: a create answered 2xx without a product id failed."""

from __future__ import annotations

import json
from typing import Any

import httpx

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.ports import ExceptionKind, FixedClock
from bookbridge.domain.storefront import StorefrontSettings
from conftest import WORLD_NOW

UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")


class _IdLost(httpx.BaseTransport):
    """Forwards to the sandbox, but answers the first `count` product creates 200 with the id stripped."""

    def __init__(self, count: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.count = count

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.count and request.method == "POST" and request.url.path.endswith("/v3/catalog/products"):
            self.count -= 1
            response.read()
            body: Any = json.loads(response.content)
            body["data"].pop("id", None)
            return httpx.Response(200, json=body)
        return response


def test_a_create_answered_without_an_id_is_a_failure_with_an_exception(sandbox) -> None:
    client = BigCommerceClient(BigCommerceConfig(
        store_hash=sandbox.config.store_hash, access_token=sandbox.config.token,
        v3_base_url=sandbox.base_url_v3, v2_base_url=sandbox.base_url_v2), transport=_IdLost(count=1))
    source = InMemoryCatalogSource(sample_catalogue(WORLD_NOW.date(), families=2))
    uow, clock = InMemoryUnitOfWork(), FixedClock(WORLD_NOW)
    try:
        report = sync_store(SyncStore.single(UK), source, BigCommerceStorefront(client, name="shop"), uow, clock)
    finally:
        client.close()
    assert report.failed == 1 and not report.ok
    with uow:
        [item] = [x for x in uow.exceptions.open_items() if x.kind is ExceptionKind.STORE_REJECTION]
    assert "without a product id" in item.message and item.field == "id"
