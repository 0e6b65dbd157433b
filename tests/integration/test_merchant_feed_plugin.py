"""A storefront that lives outside the core: the merchant feed plugin in examples/plugins/bookbridge-merchant-feed.

The plugin is installed as a third party would have it: its wheel is built from a copy of its folder (so the
checkout stays clean) and unpacked into a temporary site directory, once per session. Only while this module
runs is that directory on `sys.path` (and on PYTHONPATH for the CLI), where `importlib.metadata` finds the
distribution and its `bookbridge.plugins` entry point. Nothing in the core names the plugin.

Then: `bookbridge plugins` lists it with its distribution; it passes the storefront contract; and the ONIX
sample and the bundled sample catalogue are synced into both the BigCommerce sandbox and the feeds, whose
items are checked field by field, and a second sync rewrites no file.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.bigcommerce.storefront import BigCommerceStorefront
from bookbridge.adapters.memory.state import InMemoryUnitOfWork
from bookbridge.adapters.onix.sources import OnixFileSource
from bookbridge.adapters.sample.source import SampleCatalogSource
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.listing import StoreListing, with_hashes
from bookbridge.domain.ports import CatalogSource, FixedClock, StoredProduct, Storefront
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.plugin import AdapterKind, AdapterRegistry
from bookbridge.testing import StorefrontContract, context

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "examples" / "plugins" / "bookbridge-merchant-feed"
ROSEANNA = ROOT.parent / "shared" / "onix-samples" / "editeur-sample-roseanna.onix30.xml"
AT = datetime(2026, 11, 28, 10, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True,
                        timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="Europe/London", default_currency=False)
COMMAND = SyncStore(store="shop", storefronts=(UK, US))


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin's wheel, built and unpacked: what `pip install` would put in site-packages."""
    work = tmp_path_factory.mktemp("merchant-feed")
    shutil.copytree(PLUGIN, work / "project", ignore=shutil.ignore_patterns(
        "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "*.egg-info", "build", "dist"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"),
                            str(work / "project")], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = (work / "dist").glob("bookbridge_merchant_feed-*.whl")
    site = work / "site"
    zipfile.ZipFile(wheel).extractall(site)
    return site


@pytest.fixture(scope="module")
def installed(plugin_site: Path) -> Iterator[Path]:
    sys.path.insert(0, str(plugin_site))
    importlib.invalidate_caches()
    try:
        yield plugin_site
    finally:
        sys.path.remove(str(plugin_site))
        for name in [m for m in sys.modules if m.partition(".")[0] == "bookbridge_merchant_feed"]:
            del sys.modules[name]
        importlib.invalidate_caches()


def feed_module(name: str = "") -> ModuleType:
    return importlib.import_module("bookbridge_merchant_feed" + (f".{name}" if name else ""))


def registry() -> AdapterRegistry:
    found, failures = collect_adapters(make_plugin_manager())
    assert failures == [], failures
    return found


def feed_config(directory: Path, **overrides: Any) -> dict[str, Any]:
    return {"kind": "merchant-feed", "name": "shop-feed", "directory": str(directory),
            "countries": {"1": ["GB"], "2": ["US"]}, "currencies": {"1": "GBP", "2": "USD"},
            "link_template": "https://shop.example/{custom_url}", **overrides}


def create_feed(table: dict[str, Any]) -> Storefront:
    """The merchant feed as bookbridge builds it: the `[store]` table, and the store's name as context."""
    return registry().create_storefront("merchant-feed", table, context(str(table.get("name") or "merchant-feed")))


def items(path: Path) -> dict[str, Any]:
    return {item.id: item for item in feed_module("rss").read_feed(path)}


def files(directory: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(directory.iterdir())}


# --- discovery ----------------------------------------------------------------------------------------------------


def test_the_entry_point_registers_the_storefront_with_its_distribution_as_origin(installed: Path) -> None:
    spec = registry().get(AdapterKind.STOREFRONT, "merchant-feed")
    assert (spec.plugin, spec.origin) == ("merchant-feed", "bookbridge-merchant-feed 0.1.0")
    module = feed_module()
    assert module.__file__ is not None and module.__file__.startswith(str(installed)), module.__file__


def test_the_plugins_own_tests_pass_against_this_bookbridge(installed: Path) -> None:
    """Its tests build the feed through bookbridge's public API (`bookbridge.testing.registry_of`, the options
    model, the context) and run bookbridge's storefront contract suite."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("BOOKBRIDGE_DISABLED_PLUGINS", None)
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=PLUGIN,
                         env=env, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert " passed" in ran.stdout and " skipped" not in ran.stdout, ran.stdout[-2000:]


def test_bookbridge_plugins_lists_it(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(installed), os.environ.get("PYTHONPATH")])),
           "COLUMNS": "250"}
    env.pop("BOOKBRIDGE_DISABLED_PLUGINS", None)
    script = "import sys\nfrom bookbridge.entrypoints.cli import main\nsys.argv = ['bookbridge', 'plugins']\nmain()\n"
    shown = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=120)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    [row] = [line for line in shown.stdout.splitlines() if "merchant-feed" in line and "│ store " in line]
    assert "bookbridge-merchant-feed 0.1.0" in row and "Google Merchant Center" in row


# --- the contract -------------------------------------------------------------------------------------------------


class TestMerchantFeedContract(StorefrontContract):
    @pytest.fixture(autouse=True)
    def _installed(self, installed: Path, tmp_path: Path) -> None:
        self.directory = tmp_path / "feeds"

    def make_storefront(self) -> Storefront:
        store: Storefront = create_feed(feed_config(self.directory, countries={"1": ["GB"]}))
        return store

    def inspect(self, storefront: Storefront, sku: str) -> StoredProduct | None:
        fresh: Storefront = create_feed(feed_config(self.directory, countries={"1": ["GB"]}))
        found = next((p for p in fresh.read_back() if p.sku.casefold() == sku.casefold()), None)
        assert found is None or found.is_visible == (sku in items(self.directory / "feed-GB.xml"))
        return found

    def writes(self, storefront: Storefront) -> int:
        written: int = storefront.files_written  # type: ignore[attr-defined]
        return written

    def make_rejected(self, storefront: Storefront, listing: StoreListing) -> StoreListing:
        return with_hashes(replace(listing, name="A" * 151))  # Google: a title has at most 150


# --- syncs into BigCommerce and the feed --------------------------------------------------------------------------


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US"),), rate_limit=RateLimitConfig(time_scale=0.001))
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def bigcommerce(sandbox: SandboxServer) -> Iterator[BigCommerceStorefront]:
    client = BigCommerceClient(BigCommerceConfig(store_hash=sandbox.config.store_hash,
                                                 access_token=sandbox.config.token,
                                                 v3_base_url=sandbox.base_url_v3, v2_base_url=sandbox.base_url_v2))
    yield BigCommerceStorefront(client, name="shop")
    client.close()


def sync_both(source: CatalogSource, bigcommerce: Storefront, feed: Storefront,
              state: tuple[InMemoryUnitOfWork, InMemoryUnitOfWork], clock: FixedClock) -> None:
    for store, uow in zip((bigcommerce, feed), state, strict=True):
        report = sync_store(COMMAND, source, store, uow, clock)
        assert report.failed == 0, report.exceptions_opened


def writes(sandbox: SandboxServer, since: int) -> list[str]:
    return [f"{r.method} {r.api_path}" for r in list(sandbox.requests)[since:] if r.method != "GET"]


@pytest.mark.skipif(not ROSEANNA.exists(), reason=f"ONIX samples not found at {ROSEANNA.parent}")
def test_an_onix_record_goes_to_bigcommerce_and_into_the_gb_feed_only(installed: Path, sandbox: SandboxServer,
                                                                      bigcommerce: BigCommerceStorefront,
                                                                      tmp_path: Path) -> None:
    clock, state = FixedClock(AT), (InMemoryUnitOfWork(), InMemoryUnitOfWork())
    feed = create_feed(feed_config(tmp_path / "feeds"))
    sync_both(OnixFileSource(ROSEANNA), bigcommerce, feed, state, clock)

    product = sandbox.state.find_by_sku("9780007232833")
    assert product is not None and sandbox.state.product_channels(product["id"]) == [1]
    # Rights: for sale in GB, not in the US (06), so the same listing is in one feed and not the other.
    assert items(tmp_path / "feeds" / "feed-US.xml") == {}
    item = items(tmp_path / "feeds" / "feed-GB.xml")["9780007232833"]
    expected = {
        "id": "9780007232833", "gtin": "9780007232833", "title": "Roseanna (Paperback)",
        "link": "https://shop.example/roseanna-paperback-9780007232833/",
        "image_link": "http://www.harpercollins.co.uk/covers/9780007232833.jpg", "additional_image_link": (),
        "availability": "in_stock", "availability_date": "", "price": "7.99 GBP", "sale_price": "",
        "sale_price_effective_date": "", "brand": "HarperPerennial", "item_group_id": "A0220090000154FA",
        "product_type": "Books > Paperback",
    }
    assert {k: getattr(item, k) for k in expected} == expected
    lines = item.description.splitlines()
    assert lines[0] == "One of the greatest masterpieces of crime fiction"
    assert "Reviews" in lines and "About the authors" in lines and "<" not in item.description  # two A01s
    assert feed_module("validate").validate_item(item) == []

    before, since = files(tmp_path / "feeds"), len(sandbox.requests)
    sync_both(OnixFileSource(ROSEANNA), bigcommerce, feed, state, clock)
    assert writes(sandbox, since) == []
    assert files(tmp_path / "feeds") == before


def test_the_sample_catalogue_goes_to_bigcommerce_and_into_one_feed_per_country(
        installed: Path, sandbox: SandboxServer, bigcommerce: BigCommerceStorefront, tmp_path: Path) -> None:
    clock, state = FixedClock(AT), (InMemoryUnitOfWork(), InMemoryUnitOfWork())
    directory = tmp_path / "feeds"
    feed = create_feed(feed_config(directory))
    source = SampleCatalogSource(AT.date())
    sync_both(source, bigcommerce, feed, state, clock)

    gb, us = items(directory / "feed-GB.xml"), items(directory / "feed-US.xml")
    # Rights decide: a feed holds exactly the visible products that BigCommerce assigns to its channel.
    products = [p for p in sandbox.state.products.values() if p["is_visible"]]
    assert set(gb) == {p["sku"] for p in products if 1 in sandbox.state.product_channels(p["id"])}
    assert set(us) == {p["sku"] for p in products if 2 in sandbox.state.product_channels(p["id"])}
    assert len(gb) > len(us) > 50

    hardback = sandbox.state.find_by_sku("9781800000018")
    assert hardback is not None
    expected = {
        "id": "9781800000018", "gtin": "9781800000018", "title": hardback["name"],
        "link": f"https://shop.example{hardback['custom_url']['url']}",
        "image_link": "https://covers.bookbridge.example/9781800000018.jpg", "additional_image_link": (),
        "availability": "in_stock", "availability_date": "", "price": "20.00 GBP", "sale_price": "",
        "brand": "Harbour Press", "item_group_id": "work-1000", "product_type": "Books > Hardback",
    }
    assert {k: getattr(gb["9781800000018"], k) for k in expected} == expected
    assert f"{hardback['price']:.2f} GBP" == gb["9781800000018"].price
    assert (us["9781800000018"].price, us["9781800000018"].link) == ("26.00 USD", expected["link"])

    preorders = [p for p in products if p["availability"] == "preorder"]
    assert preorders
    for product in preorders:
        item = gb[product["sku"]]
        assert item.availability == "preorder"
        assert item.availability_date[:10] == product["preorder_release_date"][:10]
    # The sample's US campaigns run from four days ago to three days ahead (inclusive days, London time).
    on_sale = [i for i in us.values() if i.sale_price]
    assert on_sale and all(i.sale_price_effective_date == "2026-11-24T00:00+0000/2026-12-02T00:00+0000"
                           for i in on_sale)
    assert all(not i.sale_price_effective_date for i in [*gb.values(), *us.values()] if not i.sale_price)
    validate = feed_module("validate").validate_item
    assert [(i.id, validate(i)) for i in [*gb.values(), *us.values()] if validate(i)] == []
    family = [i for i in gb.values() if i.item_group_id == "work-1000"]
    assert len(family) > 1  # the formats of one work share an item group

    before, since = files(directory), len(sandbox.requests)
    sync_both(source, bigcommerce, feed, state, clock)
    assert writes(sandbox, since) == []
    assert files(directory) == before


def test_the_composition_root_gives_the_feed_its_storefronts(installed: Path, tmp_path: Path) -> None:
    """Configured as in its README minus `countries` and `currencies`: the `[[storefronts]]` supply both, and the
    store's name titles the feed. An explicit table still wins."""
    from bookbridge.entrypoints.container import Container
    from bookbridge.entrypoints.settings import Settings, StoreSettings

    table = {"directory": str(tmp_path / "feeds"), "link_template": "https://shop.example/{custom_url}"}
    container = Container()
    container.settings.override(Settings(store=StoreSettings(kind="merchant-feed", name="harbour", **table),
                                         storefronts=[UK, US], database_url=f"sqlite:///{tmp_path / 'state.db'}"))
    feed = container.storefront()
    assert feed.name == "harbour"
    settings = feed.settings  # type: ignore[attr-defined]
    assert settings.countries == {1: ("GB",), 2: ("US",)} and settings.currencies == {1: "GBP", 2: "USD"}
    assert settings.target_countries == ("GB", "US")

    container.settings.override(Settings(store=StoreSettings(kind="merchant-feed", countries={"1": ["IE"]}, **table),
                                         storefronts=[UK, US], database_url=f"sqlite:///{tmp_path / 't.db'}"))
    container.storefront.shutdown()  # a resource: closed now, built again on the next call
    assert container.storefront().settings.countries == {1: ("IE",)}  # type: ignore[attr-defined]
