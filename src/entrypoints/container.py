"""The one composition root: every adapter is built here, from the settings and the plugin registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from dependency_injector import containers, providers
from sqlalchemy import Engine

from bookbridge.adapters.bigcommerce.plugin import create_bigcommerce_order_source
from bookbridge.adapters.bigcommerce.probe import ORDERS_CALL
from bookbridge.adapters.clock import SystemClock
from bookbridge.adapters.hookspecs import AdapterKind, AdapterRegistry
from bookbridge.adapters.memory.orders import InMemoryOrderSource
from bookbridge.adapters.persistence import (
    SqlAlchemyUnitOfWork,
    current_revision,
    head_revision,
    lease,
    make_engine,
    make_session_factory,
    upgrade,
)
from bookbridge.adapters.persistence.leases import HeldLease
from bookbridge.adapters.persistence.milestones import SqlAlchemyMilestoneLog
from bookbridge.adapters.persistence.sales import SqlAlchemySalesLedger
from bookbridge.adapters.persistence.webhook_events import SqlAlchemyWebhookInbox
from bookbridge.adapters.queues import Notifier
from bookbridge.application.orders import ImportOrders
from bookbridge.application.sync import SyncStore
from bookbridge.domain.model import Edition
from bookbridge.domain.ports import CatalogSource, Clock, SalesSink, Storefront, UnitOfWork
from bookbridge.domain.sales import OrderSource
from bookbridge.entrypoints.plugins import PluginFailure, collect_adapters, make_plugin_manager
from bookbridge.entrypoints.secrets import configured_redactor
from bookbridge.entrypoints.settings import AdapterSettings, ConfigurationError, Settings, load_settings

if TYPE_CHECKING:  # the sandbox is loaded by the demo alone (its web stack is slow to import)
    from bookbridge.adapters.bigcommerce.sandbox import SandboxServer

    DemoSandbox: TypeAlias = SandboxServer


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


def build_source(registry: AdapterRegistry, settings: Settings, clock: Clock, uow: UnitOfWork | None) -> CatalogSource:
    """The configured source; without `uow` it reads no state database (ONIX block updates are then problems)."""
    options: dict[str, Any] = settings.source.options()
    options.setdefault("today", clock.now().date().isoformat())  # the sample catalogue is anchored on today
    options.setdefault("clock", clock)
    name = str(options.get("name") or settings.source.kind)
    if uow is not None:
        options["previous_edition"] = stored_edition_lookup(uow, name)
    source: CatalogSource = registry.create(AdapterKind.SOURCE, settings.source.kind, options)
    return source


def storefront_options(settings: Settings) -> dict[str, Any]:
    """A storefront factory's mapping: the `[store]` table, plus the store's `name` and the configured
    `[[storefronts]]` (`bookbridge.domain.storefront.StorefrontSettings`), so that a plugin need not repeat them."""
    return {**settings.store.options(), "name": settings.store.name, "storefronts": tuple(settings.storefronts)}


def build_storefront(registry: AdapterRegistry, settings: Settings) -> Storefront:
    store: Storefront = registry.create(AdapterKind.STOREFRONT, settings.store.kind, storefront_options(settings))
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
            built[name] = build_notifier(registry, name, queue)
        yield built
    finally:
        for notifier in built.values():
            notifier.close()


def build_notifier(registry: AdapterRegistry, name: str, queue: AdapterSettings) -> Notifier:
    """The notifier of one `[[exception_queues]]` entry, named `name`."""
    notifier = registry.create(AdapterKind.EXCEPTION_QUEUE, queue.kind, {**queue.options(), "name": name})
    if not isinstance(notifier, Notifier):
        raise ConfigurationError(f"exception_queues: {queue.kind!r} is not a notifier")
    return notifier


def build_unit_of_work(engine: Engine, clock: Clock, settings: Settings) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(make_session_factory(engine), clock=clock, notify=notify_targets(settings),
                                redact=configured_redactor(settings))


def build_command(settings: Settings, *, full: bool = False) -> SyncStore:
    return SyncStore(store=settings.store.name, storefronts=tuple(settings.storefronts), full=full,
                     mapping=settings.mapping)


# --- orders and sales ---------------------------------------------------------------------------------------------


def build_order_source(settings: Settings) -> OrderSource:
    """The store's orders: BigCommerce `/v2/orders` for a BigCommerce store, an empty book for the memory store."""
    if settings.store.kind == "bigcommerce":
        return create_bigcommerce_order_source({**settings.store.options(), "name": settings.store.name},
                                               page_size=settings.orders.page_size)
    if settings.store.kind == "memory":
        return InMemoryOrderSource(name=settings.store.name)
    raise ConfigurationError(f"store kind {settings.store.kind!r} has no order source: orders can be imported from "
                             "a bigcommerce store only")


def open_order_source(settings: Settings) -> Iterator[OrderSource]:
    """The order source as a resource: its HTTP client is closed on shutdown."""
    source = build_order_source(settings)
    try:
        yield source
    finally:
        close = getattr(source, "close", None)
        if callable(close):
            close()


def build_sales_sinks(registry: AdapterRegistry, settings: Settings) -> list[SalesSink]:
    """One sink per `[[sales_sinks]]` entry, named by its `name` or else its `kind` (the name keys what is pending)."""
    names = [str(entry.options().get("name") or entry.kind) for entry in settings.sales_sinks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigurationError(f"sales_sinks: give each entry a unique `name` ({', '.join(duplicates)})")
    sinks: list[SalesSink] = []
    for name, entry in zip(names, settings.sales_sinks, strict=True):
        try:
            sinks.append(registry.create(AdapterKind.SALES_SINK, entry.kind, {**entry.options(), "name": name}))
        except (LookupError, ValueError) as exc:
            raise ConfigurationError(f"sales_sinks: {exc}") from None
    return sinks


def build_import_command(settings: Settings) -> ImportOrders:
    catalogue = str(settings.source.options().get("name") or settings.source.kind)  # as build_source names it
    return ImportOrders(storefronts=tuple(settings.storefronts), catalogue_source=catalogue,
                        overlap=timedelta(minutes=settings.orders.overlap_minutes))


# --- the command line ------------------------------------------------------------------------------------------


OpenLease = Callable[[str, str, timedelta], AbstractContextManager[HeldLease]]


def lease_opener(engine: Engine, clock: Clock) -> OpenLease:
    """`open_lease(name, holder, ttl)`: the named lease on the state database, as a context manager."""

    def open_lease(name: str, holder: str, ttl: timedelta) -> AbstractContextManager[HeldLease]:
        return lease(engine, name, holder, ttl, clock=clock)

    return open_lease


def upgrade_database(settings: Settings) -> tuple[str | None, str | None, str | None]:
    """Migrate the state database to the latest schema: (the revision before, the revision after, the head)."""
    engine = make_engine(settings.database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        return before, current_revision(engine), head_revision()
    finally:
        engine.dispose()


def optional_store_calls(settings: Settings) -> frozenset[str]:
    """The store probe's calls that this configuration does not need: the orders read when order import is off."""
    return frozenset() if settings.orders.enabled else frozenset({ORDERS_CALL})


def open_demo_sandbox() -> Iterator[DemoSandbox]:
    """The BigCommerce sandbox that `bookbridge demo` syncs into, serving on a free loopback port until shutdown.

    It keeps BigCommerce's rules and its Standard-plan quota (150 requests per 30 s window), compressed 100 times
    so that the demo's few hundred calls take seconds. Channel 1 is the store's default; channel 2 is the demo's
    US storefront.
    """
    from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer

    config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US storefront"),),
                           rate_limit=RateLimitConfig(time_scale=0.01))
    with SandboxServer(config) as sandbox:
        yield sandbox


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

    # http
    webhook_inbox = providers.Singleton(lambda engine: SqlAlchemyWebhookInbox(make_session_factory(engine)), engine)

    # orders and sales
    order_source = providers.Resource(open_order_source, settings)
    sales_ledger = providers.Singleton(lambda engine: SqlAlchemySalesLedger(make_session_factory(engine)), engine)
    sales_sinks = providers.Singleton(build_sales_sinks, registry, settings)

    # the command line
    leases = providers.Singleton(lease_opener, engine, clock)
    milestone_log = providers.Singleton(SqlAlchemyMilestoneLog, engine)
    demo_sandbox = providers.Resource(open_demo_sandbox)
