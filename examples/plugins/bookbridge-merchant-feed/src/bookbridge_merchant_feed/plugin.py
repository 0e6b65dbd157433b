"""The plugin's one hook: register the `merchant-feed` storefront. Nothing is opened or written here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bookbridge.adapters.hookspecs import AdapterRegistry, hookimpl

from bookbridge_merchant_feed.settings import FeedSettings
from bookbridge_merchant_feed.storefront import MerchantFeedStorefront


def create_merchant_feed(cfg: Mapping[str, Any]) -> MerchantFeedStorefront:
    """The factory: validates the configuration; the directory is created on the first write."""
    return MerchantFeedStorefront(FeedSettings.from_config(cfg))


@hookimpl
def bookbridge_register_adapters(registry: AdapterRegistry) -> None:
    # Declaring the keys the factory reads makes bookbridge refuse a misspelt one (`bookbridge check` names it
    # and suggests the closest), before the factory is called; they are the settings model's fields.
    registry.add_storefront("merchant-feed", create_merchant_feed,
                            "Google Merchant Center product feeds (RSS 2.0), one per target country",
                            options=tuple(FeedSettings.model_fields))
