"""The composition root builds the order source, the sales sinks and the import command from the settings, each
through the plugin registered for its kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookbridge import AdapterOptions, hookimpl
from bookbridge.adapters.bigcommerce import plugin as bigcommerce_plugin
from bookbridge.adapters.bigcommerce.orders import BigCommerceOrderSource
from bookbridge.adapters.memory.orders import InMemoryOrderSource
from bookbridge.adapters.sales import CsvSalesSink
from bookbridge.domain.ports import FixedClock
from bookbridge.entrypoints.container import build_import_command, build_order_source, build_sales_sinks
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.entrypoints.settings import ConfigurationError, Settings
from bookbridge.testing import registry_of

UK = {"name": "uk", "channel_id": 1, "countries": ["GB"], "currency": "GBP"}
CLOCK = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))


@pytest.fixture(scope="module")
def registry():
    found, failures = collect_adapters(make_plugin_manager(load_entrypoints=True))
    assert failures == []
    return found


def test_a_bigcommerce_store_gives_a_v2_order_source_named_after_the_store():
    settings = Settings(store={"kind": "bigcommerce", "name": "shop", "store_hash": "abc123", "access_token": "t0k"},
                        orders={"page_size": 50})
    source = build_order_source(registry_of(bigcommerce_plugin), settings, CLOCK)
    assert isinstance(source, BigCommerceOrderSource) and (source.name, source._page_size) == ("shop", 50)
    assert "t0k" not in repr(source.__dict__)
    source.close()


def test_the_memory_store_gives_an_empty_order_book_and_other_stores_are_refused(registry):
    assert isinstance(build_order_source(registry, Settings(), CLOCK), InMemoryOrderSource)
    with pytest.raises(ConfigurationError, match="store kind 'merchant-feed' has no order source"):
        build_order_source(registry, Settings(store={"kind": "merchant-feed"}), CLOCK)


def test_a_plugins_order_source_is_built_from_the_store_table():
    class ShopOptions(AdapterOptions):
        region: str

    def orders(options: ShopOptions, context):
        return InMemoryOrderSource(name=f"{context.name}-{options.region}")

    class Shop:
        @hookimpl
        def bookbridge_register_adapters(self, registry):
            registry.add_order_source("shop", orders, options=ShopOptions)

    settings = Settings(store={"kind": "shop", "name": "mine", "region": "eu"})
    assert build_order_source(registry_of(Shop()), settings, CLOCK).name == "mine-eu"


def test_sales_sinks_are_built_by_kind_and_named(registry, tmp_path):
    settings = Settings(sales_sinks=[{"kind": "csv", "directory": str(tmp_path / "a")},
                                     {"kind": "csv", "name": "archive", "directory": str(tmp_path / "b")}])
    sinks = build_sales_sinks(registry, settings, CLOCK)
    assert [(type(s), s.name) for s in sinks] == [(CsvSalesSink, "csv"), (CsvSalesSink, "archive")]


def test_two_sinks_with_one_name_are_a_configuration_error(registry, tmp_path):
    settings = Settings(sales_sinks=[{"kind": "csv", "directory": str(tmp_path)}] * 2)
    with pytest.raises(ConfigurationError, match=r"unique `name` \(csv\)"):
        build_sales_sinks(registry, settings, CLOCK)


def test_the_import_command_takes_the_overlap_the_storefronts_and_the_catalogue_name():
    settings = Settings(source={"kind": "onix-file", "path": "x.xml"}, storefronts=[UK], orders={"overlap_minutes": 3})
    command = build_import_command(settings)
    assert command.overlap == timedelta(minutes=3) and command.catalogue_source == "onix-file"
    assert [s.name for s in command.storefronts] == ["uk"]


@pytest.mark.parametrize("orders", [{"overlap_minutes": -1}, {"page_size": 251}, {"page_size": 0}, {"every": 1}])
def test_bad_order_settings_are_refused(orders):
    with pytest.raises(ValueError, match="orders"):
        Settings(orders=orders)


def test_the_container_closes_the_order_sources_http_client_on_shutdown(tmp_path, monkeypatch):
    from bookbridge.entrypoints.container import Container

    monkeypatch.delenv("BOOKBRIDGE_CONFIG", raising=False)
    path = tmp_path / "bookbridge.toml"
    path.write_text('[store]\nkind = "bigcommerce"\nstore_hash = "abc123"\naccess_token = "t0k"\n', encoding="utf-8")
    container = Container()
    container.config_path.override(path)
    source = container.order_source()
    assert container.order_source() is source
    http = source._client._http
    assert not http.is_closed
    container.shutdown_resources()
    assert http.is_closed
