"""The Storefront contract against the in-memory store (the reference) and BigCommerce over the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.sandbox import RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory.storefront import InMemoryStorefront
from bookbridge.domain.listing import StoreListing, with_hashes
from bookbridge.domain.ports import StoredProduct, Storefront
from bookbridge.testing.storefront_contract import StorefrontContract


class TestInMemoryStorefront(StorefrontContract):
    def make_storefront(self) -> Storefront:
        return InMemoryStorefront("contract")

    def _memory(self, storefront: Storefront) -> InMemoryStorefront:
        assert isinstance(storefront, InMemoryStorefront)
        return storefront

    def inspect(self, storefront: Storefront, sku: str) -> StoredProduct | None:
        product = self._memory(storefront).by_sku(sku)
        if product is None:
            return None
        return StoredProduct(product_id=product.id, sku=product.sku, name=product.name, is_visible=product.is_visible)

    def writes(self, storefront: Storefront) -> int:
        return self._memory(storefront).writes

    def make_rejected(self, storefront: Storefront, listing: StoreListing) -> StoreListing:
        self._memory(storefront).rejected_skus[listing.sku] = "refused by the test"
        return listing


class TestBigCommerceStorefront(StorefrontContract):
    sandbox: SandboxServer
    clients: list[BigCommerceClient]

    @pytest.fixture(autouse=True)
    def _sandbox(self) -> Iterator[None]:
        with SandboxServer(SandboxConfig(rate_limit=RateLimitConfig(time_scale=0.001))) as server:
            self.sandbox, self.clients = server, []
            yield
            for client in self.clients:
                client.close()

    def make_storefront(self) -> Storefront:
        sandbox = self.sandbox
        client = BigCommerceClient(BigCommerceConfig(
            store_hash=sandbox.config.store_hash, access_token=sandbox.config.token,
            v3_base_url=sandbox.base_url_v3, v2_base_url=sandbox.base_url_v2))
        self.clients.append(client)
        return BigCommerceStorefront(client, name="contract")

    def inspect(self, storefront: Storefront, sku: str) -> StoredProduct | None:
        product = self.sandbox.state.find_by_sku(sku)
        if product is None:
            return None
        return StoredProduct(product_id=product["id"], sku=product["sku"], name=product["name"],
                             is_visible=product["is_visible"], fields=dict(product))

    def writes(self, storefront: Storefront) -> int:
        return sum(1 for r in self.sandbox.requests if r.method != "GET")

    def make_rejected(self, storefront: Storefront, listing: StoreListing) -> StoreListing:
        # BigCommerce takes weights up to 9,999,999,999 (store units); this one is larger.
        return with_hashes(replace(listing, weight=Decimal("20000000000000")))
