"""The one composition root: every adapter is built here, from configuration and the plugin registry."""

from __future__ import annotations

from typing import Any

from dependency_injector import containers, providers

from adapters.clock import SystemClock
from adapters.hookspecs import AdapterKind, AdapterRegistry
from adapters.memory.state import InMemoryUnitOfWork
from entrypoints.plugins import PluginFailure, collect_adapters, make_plugin_manager


def _registry(pair: tuple[AdapterRegistry, list[PluginFailure]]) -> AdapterRegistry:
    return pair[0]


def _failures(pair: tuple[AdapterRegistry, list[PluginFailure]]) -> list[PluginFailure]:
    return pair[1]


def _create(registry: AdapterRegistry, kind: AdapterKind, name: str, config: dict[str, Any] | None) -> Any:
    return registry.create(kind, name, config or {})


class Container(containers.DeclarativeContainer):
    config = providers.Configuration()

    clock = providers.Singleton(SystemClock)
    plugin_manager = providers.Singleton(make_plugin_manager, load_entrypoints=True)
    collected = providers.Singleton(collect_adapters, plugin_manager)
    registry = providers.Singleton(_registry, collected)
    plugin_failures = providers.Singleton(_failures, collected)

    source = providers.Singleton(_create, registry, AdapterKind.SOURCE, config.source.kind, config.source)
    storefront = providers.Singleton(_create, registry, AdapterKind.STOREFRONT, config.store.kind, config.store)
    unit_of_work = providers.Singleton(InMemoryUnitOfWork)
