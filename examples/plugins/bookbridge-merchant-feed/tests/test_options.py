"""The plugin's options model lists the keys an operator may write, so bookbridge refuses a misspelt one before
building the feed; what bookbridge passes besides (the store's name, the storefronts) comes as the context."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.plugin import AdapterKind
from bookbridge.testing import context, registry_of

from bookbridge_merchant_feed import plugin
from bookbridge_merchant_feed.settings import FeedOptions

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_options_model_is_the_one_registered():
    assert registry_of(plugin).get(AdapterKind.STOREFRONT, "merchant-feed").options is FeedOptions


def test_every_key_the_readme_documents_is_an_option():
    table = README.read_text(encoding="utf-8").split("| key | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = [row for row in table.splitlines() if row.startswith("|")]
    documented = {key for row in rows for key in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert {"directory", "link_template", "title", "home"} <= documented
    assert documented == set(FeedOptions.model_fields)


def test_a_misspelt_key_is_refused_with_the_real_one(tmp_path: Path):
    with pytest.raises(ValueError, match=r"link_templte: unknown key of kind 'merchant-feed' "
                                         r"\(did you mean 'link_template'\?"):
        registry_of(plugin).create_storefront("merchant-feed", {
            "kind": "merchant-feed", "directory": str(tmp_path), "countries": {"1": ["GB"]},
            "link_templte": "https://shop.example/{custom_url}"}, context("shop"))


def test_countries_and_currencies_default_to_the_configured_storefronts(tmp_path: Path):
    uk = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB", "IE"}), currency="GBP")
    store = registry_of(plugin).create_storefront("merchant-feed", {
        "directory": str(tmp_path), "link_template": "https://shop.example/{custom_url}"},
        context("shop", storefronts=(uk,)))
    assert store.settings.countries == {1: ("GB", "IE")} and store.settings.currencies == {1: "GBP"}
    assert store.name == "shop"
