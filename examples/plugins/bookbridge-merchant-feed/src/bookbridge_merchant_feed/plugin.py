"""The plugin's one hook: register the `merchant-feed` store adapter. Nothing is opened or written here."""

from __future__ import annotations

from bookbridge import AdapterContext, PluginRegistrar, hookimpl

from bookbridge_merchant_feed.settings import FeedOptions, FeedSettings
from bookbridge_merchant_feed.storefront import MerchantFeedStorefront


def create_merchant_feed(options: FeedOptions, context: AdapterContext) -> MerchantFeedStorefront:
    """The factory: validates the configuration; the directory is created on the first write."""
    return MerchantFeedStorefront(FeedSettings.from_options(options, context))


@hookimpl
def bookbridge_register_adapters(registry: PluginRegistrar) -> None:
    # The options model lists the keys an operator may write: bookbridge refuses a misspelt one (`bookbridge
    # check` names it and suggests the closest) before the factory is called.
    registry.add_storefront("merchant-feed", create_merchant_feed, options=FeedOptions,
                            description="Google Merchant Center product feeds (RSS 2.0), one per target country")
