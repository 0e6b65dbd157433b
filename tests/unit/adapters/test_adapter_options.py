"""Declared adapter options: `AdapterRegistry.create` refuses a key the factory would ignore, before calling it.

A misspelt option (`max_inflight` for `max_in_flight`) used to be dropped silently; now it is a `ValueError`
naming the configuration table, the key and the closest declared one. Keys the composition root adds are always
accepted, and a plugin that declares nothing is not checked at all.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bookbridge.adapters.hookspecs import ALWAYS_PASSED_OPTIONS, AdapterKind, AdapterRegistry
from bookbridge.adapters.memory.state import InMemoryUnitOfWork
from bookbridge.adapters.queues import plugin as queues_plugin
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.container import build_source, storefront_options
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.entrypoints.settings import AdapterSettings, Settings, StoreSettings

UK = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP")


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, cfg: Any) -> dict[str, Any]:
        self.calls.append(dict(cfg))
        return dict(cfg)


def registry_with(options: tuple[str, ...] | None, kind: AdapterKind = AdapterKind.STOREFRONT) -> tuple[
        AdapterRegistry, Recorder]:
    registry, factory = AdapterRegistry(), Recorder()
    add = {AdapterKind.SOURCE: registry.add_source, AdapterKind.STOREFRONT: registry.add_storefront,
           AdapterKind.EXCEPTION_QUEUE: registry.add_exception_queue, AdapterKind.SALES_SINK: registry.add_sales_sink}
    add[kind]("shop", factory, "a test adapter", options=options)
    return registry, factory


def test_an_unknown_option_is_refused_with_the_closest_key_and_the_factory_is_not_called():
    registry, factory = registry_with(("max_in_flight", "store_hash"))
    with pytest.raises(ValueError) as raised:
        registry.create(AdapterKind.STOREFRONT, "shop", {"kind": "shop", "max_inflight": 4})
    assert str(raised.value) == ("unknown option 'max_inflight' for storefront adapter 'shop' "
                                 "(did you mean 'max_in_flight'? known: max_in_flight, name, store_hash)")
    assert factory.calls == []


def test_an_unknown_option_with_nothing_close_lists_the_known_ones():
    registry, _ = registry_with(("url",), AdapterKind.EXCEPTION_QUEUE)
    with pytest.raises(ValueError, match=r"^unknown option 'colour' for exception-queue adapter 'shop' "
                                         r"\(known: name, url\)$"):
        registry.create(AdapterKind.EXCEPTION_QUEUE, "shop", {"colour": "red"})


def test_every_unknown_option_is_named_at_once():
    registry, _ = registry_with(("complete", "path"), AdapterKind.SOURCE)
    with pytest.raises(ValueError) as raised:
        registry.create(AdapterKind.SOURCE, "shop", {"path": "x", "complet": True, "zzz": 1})
    message = str(raised.value)
    assert message.startswith("unknown options 'complet' (did you mean 'complete'?), 'zzz' for source adapter "
                              "'shop'"), message


@pytest.mark.parametrize("kind", list(AdapterKind))
def test_every_kind_of_adapter_is_checked(kind):
    registry, _ = registry_with((), kind)
    with pytest.raises(ValueError, match=re.escape(f"unknown option 'typo' for {kind} adapter 'shop' (known: name)")):
        registry.create(kind, "shop", {"typo": 1})


def test_declared_and_always_passed_keys_are_accepted():
    registry, factory = registry_with(("store_hash",))
    config = {"store_hash": "abc", **dict.fromkeys(ALWAYS_PASSED_OPTIONS, "x")}
    assert registry.create(AdapterKind.STOREFRONT, "shop", config) == config
    assert factory.calls == [config]
    assert registry_with(())[0].create(AdapterKind.STOREFRONT, "shop") == {}  # nothing declared, nothing given


def test_a_plugin_that_declares_no_options_is_not_checked():
    registry, factory = registry_with(None)
    assert registry.create(AdapterKind.STOREFRONT, "shop", {"anything": 1, "max_inflight": 4})["anything"] == 1
    assert registry.get(AdapterKind.STOREFRONT, "shop").options is None


def test_options_must_be_key_names():
    registry = AdapterRegistry()
    with pytest.raises(TypeError, match="collection of key names"):
        registry.add_source("a", lambda cfg: None, options="path")  # a string is not a list of keys
    with pytest.raises(TypeError, match="collection of key names"):
        registry.add_source("b", lambda cfg: None, options=("path", 3))  # type: ignore[arg-type]


def test_options_are_kept_on_the_spec():
    registry, _ = registry_with(("b", "a", "a"))
    assert registry.get(AdapterKind.STOREFRONT, "shop").options == frozenset({"a", "b"})


# --- the built-in adapters and the composition root --------------------------------------------------------------
# (That each built-in declares its options, and accepts every option docs/configuration.md documents for it, is
# tests/unit/entrypoints/test_configuration_doc.py.)


def builtin_registry() -> AdapterRegistry:
    registry, failures = collect_adapters(make_plugin_manager())
    assert failures == []
    return registry


def test_a_misspelt_bigcommerce_option_is_refused_with_the_real_one():
    registry = builtin_registry()
    config = {"kind": "bigcommerce", "name": "shop", "storefronts": (UK,), "store_hash": "abc",
              "access_token": "t0ken", "max_inflight": 4}
    with pytest.raises(ValueError, match=r"unknown option 'max_inflight' for storefront adapter 'bigcommerce' "
                                         r"\(did you mean 'max_in_flight'\?"):
        registry.create(AdapterKind.STOREFRONT, "bigcommerce", config)
    del config["max_inflight"]
    assert registry.create(AdapterKind.STOREFRONT, "bigcommerce", {**config, "max_in_flight": 2}).name == "shop"


def test_the_amqp_options_registered_are_the_notifiers_own():
    amqp = pytest.importorskip("bookbridge.adapters.queues.amqp")  # the notifier needs pika; registering it does not
    assert queues_plugin.AMQP_OPTIONS == amqp.OPTIONS


def test_the_composition_root_adds_only_always_passed_keys():
    """What container.build_source and storefront_options add to the configured table is in ALWAYS_PASSED_OPTIONS,
    so a built-in adapter with no options configured accepts it."""
    settings = Settings(source=AdapterSettings(kind="sample"), store=StoreSettings(kind="memory", name="shop"),
                        storefronts=[UK])
    seen: dict[AdapterKind, dict[str, Any]] = {}

    class Spy(AdapterRegistry):
        def create(self, kind: AdapterKind, name: str, config: Any = None) -> Any:
            seen[kind] = dict(config or {})
            return builtin_registry().create(kind, name, config)

    clock = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
    build_source(Spy(), settings, clock, uow=InMemoryUnitOfWork())
    assert "previous_edition" in seen[AdapterKind.SOURCE]  # with a unit of work, the stored-edition lookup too
    assert set(seen[AdapterKind.SOURCE]) <= ALWAYS_PASSED_OPTIONS
    assert set(storefront_options(settings)) <= ALWAYS_PASSED_OPTIONS
