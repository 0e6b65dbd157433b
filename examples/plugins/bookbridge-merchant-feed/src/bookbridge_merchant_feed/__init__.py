"""Google Merchant Center product feeds as a bookbridge store adapter (`store.kind = "merchant-feed"`).

One RSS 2.0 feed with the `g:` namespace per target country, written atomically into a directory. The plugin
reaches bookbridge only through its entry point (`bookbridge.plugins`) and the registry hook; nothing here
runs at import.
"""

from __future__ import annotations

from bookbridge_merchant_feed.items import FeedItem, feed_items
from bookbridge_merchant_feed.rss import read_feed, render_feed
from bookbridge_merchant_feed.settings import FeedSettings
from bookbridge_merchant_feed.storefront import MerchantFeedStorefront
from bookbridge_merchant_feed.validate import validate_item

__all__ = ["FeedItem", "FeedSettings", "MerchantFeedStorefront", "feed_items", "read_feed", "render_feed",
           "validate_item"]
