"""The one composition root: every adapter is built here, from the settings and the plugin registry."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from dependency_injector import containers, providers
from sqlalchemy import Engine

from bookbridge.adapters.bigcommerce.probe import ORDERS_CALL
from bookbridge.adapters.clock import SystemClock
from bookbridge.adapters.persistence import (
    PersistenceError,
    SqlAlchemyUnitOfWork,
    close_abandoned_runs,
    current_revision,
    head_revision,
    holder_id,
    lease,
    make_engine,
    make_leases,
    make_session_factory,
    upgrade,
)
from bookbridge.adapters.persistence.milestones import SqlAlchemyMilestoneLog
from bookbridge.adapters.persistence.sales import SqlAlchemySalesLedger
from bookbridge.adapters.persistence.sessions import SqlAlchemyAdminSessions
from bookbridge.adapters.persistence.stats import DatabaseStats, database_stats
from bookbridge.adapters.persistence.webhook_events import SqlAlchemyWebhookInbox
from bookbridge.adapters.sample.source import write_edits
from bookbridge.application.exception_words import known_places
from bookbridge.application.listing_memos import ListingMemos
from bookbridge.application.orders import ImportOrders
from bookbridge.application.sync import SyncStore
from bookbridge.domain.model import Edition, TitleFamily
from bookbridge.domain.ports import (
    CatalogSource,
    Clock,
    Leases,
    Notifier,
    OrderSource,
    SalesSink,
    Storefront,
    UnitOfWork,
)
from bookbridge.domain.ports.scheduling import HeldLease, OpenLease
from bookbridge.entrypoints.plugins import PluginFailure, collect_adapters, make_plugin_manager
from bookbridge.entrypoints.presentation import where_words
from bookbridge.entrypoints.secrets import configured_redactor
from bookbridge.entrypoints.settings import AdapterSettings, ConfigurationError, Settings, load_settings
from bookbridge.plugin import AdapterContext, AdapterKind, AdapterRegistry

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
    source per call: per command, job run or request).
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


def source_name(settings: Settings) -> str:
    """The source's name in the state database: its `name` option, or else its kind."""
    return str(settings.source.options().get("name") or settings.source.kind)


def write_sample_edits(path: Path, families: list[TitleFamily]) -> None:
    """The demo's catalogue edits to `path`, as the sample source's `edits` option reads them (`demo --keep`): the
    demo reaches the sample adapter's file format through the composition root, as every entrypoint does."""
    write_edits(path, families)


def known_places_of(settings: Settings, keys: Iterable[str | None] = ()) -> dict[str, str]:
    """Every place an exception can be kept under, by key, in words (`application.exception_words.known_places`),
    from the configuration, and `keys` (the open exceptions' places): `--where`'s and the Where filter's."""
    return known_places(settings.store.name, [s.name for s in settings.storefronts], source_name(settings),
                        entry_names(settings.sales_sinks, "sales_sinks"), orders=settings.orders.enabled, keys=keys)


def build_source(registry: AdapterRegistry, settings: Settings, clock: Clock, uow: UnitOfWork | None, *,
                 validate: bool = False) -> CatalogSource:
    """The `[source]` adapter. With a unit of work, ONIX block updates (04) merge onto the stored editions;
    without one (`bookbridge check`), they are reported as problems, as on a first sync. `validate`: schema
    validation asked for on the command line (`bookbridge source inspect --validate`)."""
    name = source_name(settings)
    context = AdapterContext(name=name, clock=clock, storefronts=tuple(settings.storefronts),
                             previous_edition=stored_edition_lookup(uow, name) if uow is not None else None,
                             validate=validate)
    return registry.create_source(settings.source.kind, settings.source.options(), context)


def storefront_context(settings: Settings, clock: Clock) -> AdapterContext:
    """What a storefront or order-source factory gets besides the `[store]` table: the store's name and the
    configured `[[storefronts]]`, so that a plugin need not ask for them again."""
    return AdapterContext(name=settings.store.name, clock=clock, storefronts=tuple(settings.storefronts),
                          page_size=settings.orders.page_size)


def build_storefront(registry: AdapterRegistry, settings: Settings, clock: Clock) -> Storefront:
    return registry.create_storefront(settings.store.kind, settings.store.options(),
                                      storefront_context(settings, clock))


def open_storefront(registry: AdapterRegistry, settings: Settings, clock: Clock) -> Iterator[Storefront]:
    """The storefront as a resource: its HTTP client (when it has one) is closed on shutdown."""
    store = build_storefront(registry, settings, clock)
    try:
        yield store
    finally:
        close_adapter(store)


def close_adapter(adapter: object) -> None:
    """Close an adapter that holds something open (an HTTP client, a connection); others have nothing to close."""
    close = getattr(adapter, "close", None)
    if callable(close):
        close()


def database(settings: Settings) -> Iterator[Engine]:
    """The state database, migrated to the latest schema on start (Alembic), disposed of on shutdown."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def entry_names(entries: list[AdapterSettings], table: str) -> tuple[str, ...]:
    """The names of a list of tables (`[[exception_queues]]`, `[[sales_sinks]]`): each entry's `name`, or else
    its `kind`; two alike are a configuration error naming them (`table`: the list's key)."""
    names = [str(entry.options().get("name") or entry.kind) for entry in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigurationError(f"{table}: give each entry a unique `name` ({', '.join(duplicates)})")
    return tuple(names)


def entry_error(key: str, name: str, exc: Exception) -> str:
    """What stops an entry of a list of tables (`key`: `sales_sinks`), naming the entry by `name`: an adapter's
    message that starts with the key at fault names it after the entry (`[[sales_sinks]] 'csv' directry: unknown
    key ...`, `[[sales_sinks]] 'ledger' api_key_env: environment variable ...`), others follow a colon."""
    names_a_key = re.match(r"[a-z_][a-z0-9_]*: ", str(exc)) is not None
    return f"[[{key}]] {name!r}{' ' if names_a_key else ': '}{exc}"


def notify_targets(settings: Settings) -> tuple[str, ...]:
    """The outbox targets: one per `[[exception_queues]]` entry, named by its `name` or else its `kind`."""
    return entry_names(settings.exception_queues, "exception_queues")


def open_notifiers(registry: AdapterRegistry, settings: Settings, clock: Clock) -> Iterator[dict[str, Notifier]]:
    """The exception queue's notifiers by target name; their connections are closed on shutdown."""
    built: dict[str, Notifier] = {}
    try:
        for name, queue in zip(notify_targets(settings), settings.exception_queues, strict=True):
            built[name] = build_notifier(registry, name, queue, clock)
        yield built
    finally:
        for notifier in built.values():
            notifier.close()


def build_notifier(registry: AdapterRegistry, name: str, queue: AdapterSettings, clock: Clock) -> Notifier:
    """The notifier of one `[[exception_queues]]` entry, delivering to outbox target `name`."""
    return registry.create_notifier(queue.kind, queue.options(), AdapterContext(name=name, clock=clock))


def build_unit_of_work(engine: Engine, clock: Clock, settings: Settings) -> SqlAlchemyUnitOfWork:
    storefronts = [s.name for s in settings.storefronts]
    return SqlAlchemyUnitOfWork(make_session_factory(engine), clock=clock, notify=notify_targets(settings),
                                redact=configured_redactor(settings),
                                where=lambda key: where_words(key, settings.store.name, storefronts))


def build_command(settings: Settings, *, full: bool = False) -> SyncStore:
    return SyncStore(store=settings.store.name, storefronts=tuple(settings.storefronts), full=full,
                     mapping=settings.mapping)


# --- orders and sales ---------------------------------------------------------------------------------------------


def build_order_source(registry: AdapterRegistry, settings: Settings, clock: Clock) -> OrderSource:
    """The store's orders, from the plugin that registered an order source under the store's kind."""
    try:
        registry.get(AdapterKind.ORDER_SOURCE, settings.store.kind)
    except LookupError as exc:
        raise ConfigurationError(f"store kind {settings.store.kind!r} has no order source, so orders cannot be "
                                 f"imported from it ({exc})") from None
    return registry.create_order_source(settings.store.kind, settings.store.options(),
                                        storefront_context(settings, clock))


def open_order_source(registry: AdapterRegistry, settings: Settings, clock: Clock) -> Iterator[OrderSource]:
    """The order source as a resource: its HTTP client is closed on shutdown."""
    source = build_order_source(registry, settings, clock)
    try:
        yield source
    finally:
        close_adapter(source)


def build_sales_sinks(registry: AdapterRegistry, settings: Settings, clock: Clock) -> list[SalesSink]:
    """One sink per `[[sales_sinks]]` entry, named by its `name` or else its `kind` (the name keys what is pending)."""
    sinks: list[SalesSink] = []
    for name, entry in zip(entry_names(settings.sales_sinks, "sales_sinks"), settings.sales_sinks, strict=True):
        try:
            sinks.append(build_sales_sink(registry, name, entry, clock))
        except (LookupError, ValueError) as exc:
            raise ConfigurationError(entry_error("sales_sinks", name, exc)) from None
    return sinks


def build_sales_sink(registry: AdapterRegistry, name: str, entry: AdapterSettings, clock: Clock) -> SalesSink:
    """The sales sink of one `[[sales_sinks]]` entry, named `name`."""
    return registry.create_sales_sink(entry.kind, entry.options(), AdapterContext(name=name, clock=clock))


def build_import_command(settings: Settings) -> ImportOrders:
    catalogue = source_name(settings)
    return ImportOrders(storefronts=tuple(settings.storefronts), catalogue_source=catalogue,
                        overlap=timedelta(minutes=settings.orders.overlap_minutes))


# --- what the service, the HTTP app and the commands reach the database through ----------------------------


def open_lease_table(engine: Engine, clock: Clock) -> Iterator[Leases]:
    """Every lease on the state database, for the operator (`bookbridge lease list|release`)."""
    leases = make_leases(engine, clock=clock)
    try:
        yield leases
    finally:
        leases.close()


def abandoned_runs_closer(engine: Engine, clock: Clock) -> Callable[[str], int]:
    """`close(store)`: runs of the store still marked running, whose holder died, become `crashed`. Called by
    whoever has just taken the store's sync lease, so no live run of the store can be among them."""

    def close(store: str) -> int:
        return close_abandoned_runs(engine, [store], at=clock.now())

    return close


def lease_holder() -> str:
    """This process as a lease holder: host and PID, so that a holder that died on this host is recognised."""
    return holder_id()


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


def schema_revision_reader(engine: Engine) -> Callable[[], tuple[str | None, str | None]]:
    """`() -> (the database's Alembic revision, the code's head)`, for `/readyz`."""
    return lambda: (current_revision(engine), head_revision())


def stats_reader(engine: Engine) -> Callable[[], DatabaseStats]:
    """What `/metrics` reads at scrape time: runs, open exceptions and webhook events by status."""
    return lambda: database_stats(engine)


class Container(containers.DeclarativeContainer):
    config_path: providers.Object[Path | None] = providers.Object(None)
    settings = providers.Singleton(load_settings, config_path)

    clock = providers.Singleton(SystemClock)
    listing_memos = providers.Singleton(ListingMemos)  # planning caches, one per store, for the process's life
    plugin_manager = providers.Singleton(make_plugin_manager, load_entrypoints=True)
    collected = providers.Singleton(collect_adapters, plugin_manager)
    registry = providers.Singleton(_registry, collected)
    plugin_failures = providers.Singleton(_failures, collected)

    # Clients with a close() are resources: `shutdown_resources()` closes them.
    storefront = providers.Resource(open_storefront, registry, settings, clock)
    engine = providers.Resource(database, settings)
    notifiers = providers.Resource(open_notifiers, registry, settings, clock)
    # A unit of work and a source per job run, command or request: they are never shared between threads. A
    # source reads through the unit of work it is given (`source(uow=...)`), or else through a new one.
    unit_of_work = providers.Factory(build_unit_of_work, engine, clock, settings)
    source = providers.Factory(build_source, registry, settings, clock, uow=unit_of_work)

    # the service, the HTTP app and the commands
    leases = providers.Singleton(lease_opener, engine, clock)
    lease_table = providers.Resource(open_lease_table, engine, clock)
    close_abandoned_runs = providers.Singleton(abandoned_runs_closer, engine, clock)
    milestone_log = providers.Singleton(SqlAlchemyMilestoneLog, engine)
    webhook_inbox = providers.Singleton(lambda engine: SqlAlchemyWebhookInbox(make_session_factory(engine)), engine)
    admin_sessions = providers.Singleton(lambda engine: SqlAlchemyAdminSessions(make_session_factory(engine)), engine)
    database_stats = providers.Singleton(stats_reader, engine)
    schema_revisions = providers.Singleton(schema_revision_reader, engine)
    database_error = providers.Object(PersistenceError)  # what the HTTP app answers with a 503

    # orders and sales
    order_source = providers.Resource(open_order_source, registry, settings, clock)
    sales_ledger = providers.Singleton(lambda engine: SqlAlchemySalesLedger(make_session_factory(engine)), engine)
    sales_sinks = providers.Singleton(build_sales_sinks, registry, settings, clock)

    # the command line
    demo_sandbox = providers.Resource(open_demo_sandbox)
