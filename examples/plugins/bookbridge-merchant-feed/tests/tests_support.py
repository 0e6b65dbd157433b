"""Helpers the plugin's tests share."""

from __future__ import annotations

from pathlib import Path

from bookbridge_merchant_feed.settings import FeedSettings


def feed_settings(directory: Path, **overrides: object) -> FeedSettings:
    config: dict[str, object] = {"directory": str(directory), "countries": {"1": ["GB"], "2": ["US"]},
                                 "currencies": {"1": "GBP", "2": "USD"},
                                 "link_template": "https://shop.example/{custom_url}", "name": "shop"}
    return FeedSettings.from_config({**config, **overrides})
