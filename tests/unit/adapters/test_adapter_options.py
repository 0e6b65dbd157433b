"""Typed adapter options: each adapter declares an `AdapterOptions` model, and `create_*` parses the table with
it before calling the factory.

A misspelt option (`max_inflight` for `max_in_flight`) is a `ValueError` naming the key, the adapter and the
closest declared key; a wrong value names the key and what was expected. `kind` and `name` belong to the core
and are never the factory's to read: the name reaches it as `AdapterContext.name`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import Field

from bookbridge.adapters.memory.state import InMemoryUnitOfWork
from bookbridge.adapters.memory.storefront import InMemoryStorefront
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.container import build_source, build_storefront
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.entrypoints.settings import AdapterSettings, Settings, StoreSettings
from bookbridge.plugin import AdapterContext, AdapterKind, AdapterOptions, AdapterRegistry, PluginRegistrar
from bookbridge.testing import context

UK = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP")
CLOCK = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))


class ShopOptions(AdapterOptions):
    store_hash: str = ""
    max_in_flight: int = Field(default=4, ge=1)


class Recorder:
    """A factory that keeps what it was given and returns a real in-memory storefront."""

    def __init__(self) -> None:
        self.calls: list[tuple[AdapterOptions, AdapterContext]] = []

    def __call__(self, options: AdapterOptions, context: AdapterContext) -> InMemoryStorefront:
        self.calls.append((options, context))
        return InMemoryStorefront(context.name)


def registry_with(options: type[AdapterOptions] = ShopOptions, kind: AdapterKind = AdapterKind.STOREFRONT,
                  factory: Any = None) -> tuple[AdapterRegistry, Recorder]:
    registrar, recorder = PluginRegistrar("test-plugin", "extra"), Recorder()
    add = {AdapterKind.SOURCE: registrar.add_source, AdapterKind.STOREFRONT: registrar.add_storefront,
           AdapterKind.ORDER_SOURCE: registrar.add_order_source, AdapterKind.NOTIFIER: registrar.add_notifier,
           AdapterKind.SALES_SINK: registrar.add_sales_sink}
    add[kind]("shop", factory or recorder, options=options, description="a test adapter")
    registry = AdapterRegistry()
    registry.add_all(registrar.registered)
    return registry, recorder


def test_an_unknown_option_is_refused_with_the_closest_key_and_the_factory_is_not_called():
    registry, factory = registry_with()
    with pytest.raises(ValueError) as raised:
        registry.create_storefront("shop", {"kind": "shop", "max_inflight": 4}, context())
    assert str(raised.value) == ("max_inflight: unknown key of kind 'shop' "
                                 "(did you mean 'max_in_flight'? known: max_in_flight, name, store_hash)")
    assert factory.calls == []


def test_an_unknown_option_with_nothing_close_lists_the_known_ones():
    class UrlOptions(AdapterOptions):
        url: str = ""

    registry, _ = registry_with(UrlOptions, AdapterKind.NOTIFIER)
    with pytest.raises(ValueError, match=r"^colour: unknown key of kind 'shop' "
                                         r"\(known: name, url\)$"):
        registry.create_notifier("shop", {"colour": "red"}, context())


def test_every_unknown_option_is_named_at_once():
    class FileOptions(AdapterOptions):
        path: str = ""
        complete: bool = False

    registry, _ = registry_with(FileOptions, AdapterKind.SOURCE)
    with pytest.raises(ValueError) as raised:
        registry.create_source("shop", {"path": "x", "complet": True, "zzz": 1}, context())
    message = str(raised.value)
    assert message.startswith("unknown keys 'complet' (did you mean 'complete'?), 'zzz' of kind "
                              "'shop'"), message


@pytest.mark.parametrize("kind", list(AdapterKind))
def test_every_kind_of_adapter_is_checked(kind):
    class Nothing(AdapterOptions):
        pass

    registry, _ = registry_with(Nothing, kind)
    create = getattr(registry, f"create_{kind.value.replace('-', '_')}")
    expected = "typo: unknown key of kind 'shop' (known: name)"
    with pytest.raises(ValueError, match=re.escape(expected)):
        create("shop", {"typo": 1}, context())


def test_a_wrong_value_names_the_key_and_the_adapter():
    registry, factory = registry_with()
    with pytest.raises(ValueError, match=r"^store adapter 'shop': max_in_flight: must be at least 1; it is 0"):
        registry.create_storefront("shop", {"max_in_flight": 0}, context())
    assert factory.calls == []


def test_the_factory_gets_parsed_options_and_the_context_never_kind_or_name():
    registry, factory = registry_with()
    shop = context("my-shop", storefronts=(UK,))
    store = registry.create_storefront("shop", {"kind": "shop", "name": "my-shop", "store_hash": "abc",
                                                "max_in_flight": "2"}, shop)
    [(options, given)] = factory.calls
    assert options == ShopOptions(store_hash="abc", max_in_flight=2)
    assert given is shop and store.name == "my-shop"


def test_a_factory_returning_something_else_than_the_port_is_an_error_naming_the_plugin():
    registry, _ = registry_with(factory=lambda options, context: {"not": "a storefront"})
    with pytest.raises(TypeError, match=r"^plugin 'test-plugin': the factory of store adapter 'shop' returned dict, "
                                        r"which is not a Storefront"):
        registry.create_storefront("shop", {}, context())


def test_options_must_be_an_options_model():
    registrar = PluginRegistrar("test-plugin", "extra")
    with pytest.raises(TypeError, match="must be an AdapterOptions subclass"):
        registrar.add_source("a", lambda o, c: None, options=("path",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be an AdapterOptions subclass"):
        registrar.add_source("b", lambda o, c: None, options=dict)  # type: ignore[arg-type]
    assert registrar.registered == []


def test_options_models_forbid_extras_even_when_a_plugin_forgets():
    assert AdapterOptions.model_config.get("extra") == "forbid"
    registry, _ = registry_with()
    with pytest.raises(ValueError, match="unknown key"):
        registry.create_storefront("shop", {"extra": 1}, context())


# --- the built-in adapters and the composition root --------------------------------------------------------------
# (That each built-in documents every option of its model in docs/configuration.md, and declares no option the
# page does not document, is tests/unit/entrypoints/test_configuration_doc.py.)


def builtin_registry() -> AdapterRegistry:
    registry, failures = collect_adapters(make_plugin_manager())
    assert failures == []
    return registry


def test_a_misspelt_bigcommerce_option_is_refused_with_the_real_one():
    registry = builtin_registry()
    table = {"kind": "bigcommerce", "name": "shop", "store_hash": "abc", "access_token": "t0ken", "max_inflight": 4}
    with pytest.raises(ValueError, match=r"max_inflight: unknown key of kind 'bigcommerce' "
                                         r"\(did you mean 'max_in_flight'\?"):
        registry.create_storefront("bigcommerce", table, context("shop"))
    del table["max_inflight"]
    store = registry.create_storefront("bigcommerce", {**table, "max_in_flight": 2}, context("shop"))
    assert store.name == "shop"
    store.close()  # type: ignore[attr-defined]


def test_the_composition_root_passes_the_table_as_configured_and_the_rest_as_context():
    """What container.build_source and build_storefront give a factory: the configured table (which the
    options model accepts as it is) and a context with the entry's name, the clock and the storefronts."""
    settings = Settings(source=AdapterSettings(kind="sample", families=2),
                        store=StoreSettings(kind="memory", name="shop"), storefronts=[UK])
    seen: list[tuple[str, dict[str, Any], AdapterContext]] = []

    class Spy(AdapterRegistry):
        def _create(self, kind: AdapterKind, name: str, config: Any, context: AdapterContext) -> Any:
            seen.append((name, dict(config), context))
            return builtin_registry()._create(kind, name, config, context)

    source = build_source(Spy(), settings, CLOCK, None)
    store = build_storefront(Spy(), settings, CLOCK)
    build_source(Spy(), settings, CLOCK, InMemoryUnitOfWork())
    assert source.name == "sample" and store.name == "shop"
    [(_, source_table, source_context), (_, store_table, store_context), (_, _, with_state)] = seen
    assert source_table == {"kind": "sample", "families": 2} and store_table == {"kind": "memory"}
    assert (source_context.name, source_context.clock, source_context.previous_edition) == ("sample", CLOCK, None)
    assert callable(with_state.previous_edition)  # with a unit of work, the stored-edition lookup too
    assert with_state.previous_edition("9780007232833") is None  # nothing is stored yet
    assert (store_context.name, store_context.storefronts) == ("shop", (UK,))
