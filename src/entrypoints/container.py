"""The one composition root: every adapter is built here, from the settings and the plugin registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dependency_injector import containers, providers
from sqlalchemy import Engine

from adapters.clock import SystemClock
from adapters.hookspecs import AdapterKind, AdapterRegistry
from adapters.persistence import SqlAlchemyUnitOfWork, make_engine, make_session_factory, upgrade
from adapters.queues import Notifier
from application.sync import SyncStore
from domain.model import Edition
from domain.ports import CatalogSource, Clock, Storefront, UnitOfWork
from entrypoints.plugins import PluginFailure, collect_adapters, make_plugin_manager
from entrypoints.settings import ConfigurationError, Settings, load_settings


def _registry(pair: tuple[AdapterRegistry, list[PluginFailure]]) -> AdapterRegistry:
    return pair[0]


def _failures(pair: tuple[AdapterRegistry, list[PluginFailure]]) -> list[PluginFailure]:
    return pair[1]


def stored_edition_lookup(uow: UnitOfWork, source_name: str) -> Callable[[str], Edition | None]:
    """ISBN -> the edition last stored for `source_name`: what an ONIX block update (04) merges onto.

    The index is built on first use and kept for this lookup's life: one source read (the container builds a
    source per command; the service builds one per job run).
    """
    index: dict[str, Edition] | None = None

    def lookup(isbn: str) -> Edition | None:
        nonlocal index
        if index is None:
            with uow:
                families = uow.state.catalogue(source_name)
            index = {str(e.isbn): e for f in families.values() for e in f.editions}
        return index.get(str(isbn))

    return lookup


def build_source(registry: AdapterRegistry, settings: Settings, clock: Clock, uow: UnitOfWork) -> CatalogSource:
    options: dict[str, Any] = settings.source.options()
    options.setdefault("today", clock.now().date().isoformat())  # the sample catalogue is anchored on today
    options.setdefault("clock", clock)
    name = str(options.get("name") or settings.source.kind)
    options["previous_edition"] = stored_edition_lookup(uow, name)
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


def notify_targets(settings: Settings) -> tuple[str, ...]:
    """The outbox targets: one per `[[exception_queues]]` entry, named by its `name` or else its `kind`."""
    names = [str(queue.options().get("name") or queue.kind) for queue in settings.exception_queues]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigurationError(f"exception_queues: give each entry a unique `name` ({', '.join(duplicates)})")
    return tuple(names)


def open_notifiers(registry: AdapterRegistry, settings: Settings) -> Iterator[dict[str, Notifier]]:
    """The exception queue's notifiers by target name; their connections are closed on shutdown."""
    built: dict[str, Notifier] = {}
    try:
        for name, queue in zip(notify_targets(settings), settings.exception_queues, strict=True):
            notifier = registry.create(AdapterKind.EXCEPTION_QUEUE, queue.kind, {**queue.options(), "name": name})
            if not isinstance(notifier, Notifier):
                raise ConfigurationError(f"exception_queues: {queue.kind!r} is not a notifier")
            built[name] = notifier
        yield built
    finally:
        for notifier in built.values():
            notifier.close()


def build_unit_of_work(engine: Engine, clock: Clock, settings: Settings) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(make_session_factory(engine), clock=clock, notify=notify_targets(settings))


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

    storefront = providers.Singleton(build_storefront, registry, settings)
    engine = providers.Resource(database, settings)
    unit_of_work = providers.Singleton(build_unit_of_work, engine, clock, settings)
    source = providers.Singleton(build_source, registry, settings, clock, unit_of_work)
    notifiers = providers.Resource(open_notifiers, registry, settings)
