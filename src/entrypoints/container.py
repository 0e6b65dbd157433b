"""The one composition root: every adapter is built here, from the settings and the plugin registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dependency_injector import containers, providers
from sqlalchemy import Engine

from adapters.clock import SystemClock
from adapters.hookspecs import AdapterKind, AdapterRegistry
from adapters.persistence import SqlAlchemyUnitOfWork, make_engine, make_session_factory, upgrade
from application.sync import SyncStore
from domain.ports import CatalogSource, Clock, Storefront
from entrypoints.plugins import PluginFailure, collect_adapters, make_plugin_manager
from entrypoints.settings import Settings, load_settings


def _registry(pair: tuple[AdapterRegistry, list[PluginFailure]]) -> AdapterRegistry:
    return pair[0]


def _failures(pair: tuple[AdapterRegistry, list[PluginFailure]]) -> list[PluginFailure]:
    return pair[1]


def build_source(registry: AdapterRegistry, settings: Settings, clock: Clock) -> CatalogSource:
    options: dict[str, Any] = settings.source.options()
    options.setdefault("today", clock.now().date().isoformat())  # the sample catalogue is anchored on today
    source: CatalogSource = registry.create(AdapterKind.SOURCE, settings.source.kind, options)
    return source


def build_storefront(registry: AdapterRegistry, settings: Settings) -> Storefront:
    store: Storefront = registry.create(AdapterKind.STOREFRONT, settings.store.kind, settings.store.options())
    return store


def database(settings: Settings) -> Iterator[Engine]:
    """The state database, migrated to the latest schema on start (Alembic), disposed of on shutdown."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def build_unit_of_work(engine: Engine, clock: Clock) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(make_session_factory(engine), clock=clock)


def build_command(settings: Settings, *, full: bool = False) -> SyncStore:
    return SyncStore(store=settings.store.name, storefronts=tuple(settings.storefronts), full=full,
                     mapping=settings.mapping)


class Container(containers.DeclarativeContainer):
    config_path: providers.Object[Path | None] = providers.Object(None)
    settings = providers.Singleton(load_settings, config_path)

    clock = providers.Singleton(SystemClock)
    plugin_manager = providers.Singleton(make_plugin_manager, load_entrypoints=True)
    collected = providers.Singleton(collect_adapters, plugin_manager)
    registry = providers.Singleton(_registry, collected)
    plugin_failures = providers.Singleton(_failures, collected)

    source = providers.Singleton(build_source, registry, settings, clock)
    storefront = providers.Singleton(build_storefront, registry, settings)
    engine = providers.Resource(database, settings)
    unit_of_work = providers.Singleton(build_unit_of_work, engine, clock)
