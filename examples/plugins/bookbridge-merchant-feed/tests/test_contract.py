"""The storefront conformance suite that bookbridge ships, run against the merchant feed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from bookbridge.domain.listing import StoreListing, with_hashes
from bookbridge.domain.ports import StoredProduct, Storefront
from bookbridge.testing import StorefrontContract

from bookbridge_merchant_feed.rss import read_feed
from bookbridge_merchant_feed.storefront import MerchantFeedStorefront
from tests_support import feed_settings


class TestMerchantFeedStorefront(StorefrontContract):
    @pytest.fixture(autouse=True)
    def _directory(self, tmp_path: Path) -> None:
        self.directory = tmp_path / "feeds"

    def make_storefront(self) -> Storefront:
        return MerchantFeedStorefront(feed_settings(self.directory, countries={"1": ["GB"]}))

    def inspect(self, storefront: Storefront, sku: str) -> StoredProduct | None:
        """From the files alone: a fresh storefront over the same directory, and the GB feed itself."""
        assert isinstance(storefront, MerchantFeedStorefront)
        fresh = MerchantFeedStorefront(storefront.settings)
        found = next((p for p in fresh.read_back() if p.sku.casefold() == sku.casefold()), None)
        in_feed = any(i.id == sku for i in read_feed(storefront.settings.feed_path("GB")))
        assert found is None or found.is_visible == in_feed
        return found

    def writes(self, storefront: Storefront) -> int:
        assert isinstance(storefront, MerchantFeedStorefront)
        return storefront.files_written

    def make_rejected(self, storefront: Storefront, listing: StoreListing) -> StoreListing:
        return with_hashes(replace(listing, name="A" * 151))  # Google: title at most 150
