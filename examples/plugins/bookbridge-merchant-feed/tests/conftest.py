"""Shared fixtures: a feed configuration over a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookbridge_merchant_feed.settings import FeedSettings
from tests_support import feed_settings


@pytest.fixture
def settings(tmp_path: Path) -> FeedSettings:
    return feed_settings(tmp_path / "feeds")
