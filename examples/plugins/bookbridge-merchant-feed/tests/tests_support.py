"""Helpers the plugin's tests share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bookbridge.testing import context

from bookbridge_merchant_feed.settings import FeedOptions, FeedSettings


def settings_from(table: dict[str, Any], name: str = "merchant-feed", **fields: Any) -> FeedSettings:
    """Settings from a `[store]` table, the way bookbridge builds them (options model, then context)."""
    return FeedSettings.from_options(FeedOptions.model_validate(table), context(name, **fields))


def feed_settings(directory: Path, **overrides: object) -> FeedSettings:
    table: dict[str, object] = {"directory": str(directory), "countries": {"1": ["GB"], "2": ["US"]},
                                "currencies": {"1": "GBP", "2": "USD"},
                                "link_template": "https://shop.example/{custom_url}"}
    return settings_from({**table, **overrides}, name="shop")
