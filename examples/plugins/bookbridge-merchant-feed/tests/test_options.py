"""The plugin declares the keys its factory reads, so bookbridge refuses a misspelt one before building the feed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bookbridge.adapters.hookspecs import ALWAYS_PASSED_OPTIONS, AdapterKind, AdapterRegistry
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager

from bookbridge_merchant_feed import plugin
from bookbridge_merchant_feed.settings import FeedSettings

README = Path(__file__).resolve().parents[1] / "README.md"


def registry() -> AdapterRegistry:
    built, failures = collect_adapters(make_plugin_manager(load_entrypoints=False, extra_plugins=[plugin]))
    assert failures == []
    return built


def test_the_declared_options_are_the_settings_fields():
    assert registry().get(AdapterKind.STOREFRONT, "merchant-feed").options == frozenset(FeedSettings.model_fields)


def test_every_key_the_readme_documents_is_declared():
    table = README.read_text(encoding="utf-8").split("| key | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = [row for row in table.splitlines() if row.startswith("|")]
    documented = {key for row in rows for key in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert {"directory", "link_template", "title", "home"} <= documented
    assert documented <= frozenset(FeedSettings.model_fields) | ALWAYS_PASSED_OPTIONS


def test_a_misspelt_key_is_refused_with_the_real_one(tmp_path: Path):
    with pytest.raises(ValueError, match=r"unknown option 'link_templte' for storefront adapter 'merchant-feed' "
                                         r"\(did you mean 'link_template'\?"):
        registry().create(AdapterKind.STOREFRONT, "merchant-feed", {
            "kind": "merchant-feed", "directory": str(tmp_path), "countries": {"1": ["GB"]},
            "link_templte": "https://shop.example/{custom_url}"})
