"""The plugin contract: `hookimpl`, the hook specification, the adapter registry and what a factory receives.

Plugins (built-in or third-party) are modules or objects with `@hookimpl` functions, discovered from the
entry-point group `bookbridge.plugins`. Each registers its adapters through one hook,
`bookbridge_register_adapters(registry)`, calling `registry.add_storefront(name, factory, options=Model)` and
the like. A factory takes the adapter's options (an instance of the plugin's `AdapterOptions` model, parsed from
the adapter's configuration table) and an `AdapterContext` (what the core adds: the entry's name, the clock,
the configured storefronts, ...) and returns the port it registered for. Third parties import this module's
names from `bookbridge` itself (`from bookbridge import hookimpl, AdapterOptions`).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

import pluggy
from pydantic import BaseModel, ConfigDict, ValidationError

from bookbridge.domain.config_values import ConfigBool as ConfigBool
from bookbridge.domain.config_values import ConfigFloat as ConfigFloat
from bookbridge.domain.config_values import ConfigInt as ConfigInt
from bookbridge.domain.model import Edition
from bookbridge.domain.ports import CatalogSource, Clock, Notifier, OrderSource, SalesSink, Storefront
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.words import unset_variable, value_error_words

PROJECT = "bookbridge"
ENTRY_POINT_GROUP = "bookbridge.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class AdapterKind(StrEnum):
    """What an adapter is, and the port (in `bookbridge.domain.ports`) it implements.

    The values are the plugin API's names (`registry.add_storefront`, `create_storefront`, the `Storefront` port)
    and stay as they are; people read `words` instead: the adapter of the `[store]` table is a *store* adapter,
    since a storefront is one place the store sells in, never the store (docs/glossary.md).
    """

    SOURCE = "source"  # CatalogSource: the `[source]` table
    STOREFRONT = "storefront"  # Storefront: the `[store]` table
    ORDER_SOURCE = "order-source"  # OrderSource: the `[store]` table too (the store's orders)
    NOTIFIER = "notifier"  # Notifier: an `[[exception_queues]]` entry
    SALES_SINK = "sales-sink"  # SalesSink: a `[[sales_sinks]]` entry

    @property
    def words(self) -> str:
        """The kind in messages and listings, in the glossary's words: "store", "order source", "sales sink",
        "exception queue" (a notifier is what an `[[exception_queues]]` entry builds), ..."""
        return KIND_WORDS.get(self, self.value.replace("-", " "))


KIND_WORDS = {AdapterKind.STOREFRONT: "store", AdapterKind.NOTIFIER: "exception queue"}  # the rest as named

# Where an operator configures each kind: what an error about its options names.
TABLES: dict[AdapterKind, str] = {
    AdapterKind.SOURCE: "[source]",
    AdapterKind.STOREFRONT: "[store]",
    AdapterKind.ORDER_SOURCE: "[store]",
    AdapterKind.NOTIFIER: "[[exception_queues]]",
    AdapterKind.SALES_SINK: "[[sales_sinks]]",
}

PORTS: dict[AdapterKind, type] = {
    AdapterKind.SOURCE: CatalogSource,
    AdapterKind.STOREFRONT: Storefront,
    AdapterKind.ORDER_SOURCE: OrderSource,
    AdapterKind.NOTIFIER: Notifier,
    AdapterKind.SALES_SINK: SalesSink,
}


class AdapterOptions(BaseModel):
    """The base of every adapter's options model: the keys an operator may write in the adapter's table.

    Subclass it with one field per key (use `Field(alias=...)` for a key that is not a Python name or that
    shadows a model attribute). Unknown keys are refused (`extra="forbid"`), so a misspelling is an error that
    suggests the closest key instead of a silently ignored setting. Type a flag or a number `ConfigBool`,
    `ConfigInt` or `ConfigFloat`: the file's `"yes"` or `"15"` is text, and refused so, while an environment
    variable's (`BOOKBRIDGE_STORE__MAX_IN_FLIGHT=4`) is read as pydantic's lax mode reads it. `kind` and `name`
    are the core's: they are taken out of the table, and the name reaches the factory as `AdapterContext.name`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class NoOptions(AdapterOptions):
    """An adapter with nothing to configure besides its name."""


@dataclass(frozen=True)
class AdapterContext:
    """What the core passes a factory besides the operator's options.

    name              the entry's name: the store's (`[store] name`), the source's name in the state database,
                      the notifier's outbox target, the sales sink's name (defaults: the adapter's kind)
    clock             the service's clock; a factory must not read the system time itself
    storefronts       the configured `[[storefronts]]` (storefronts and order sources)
    previous_edition  sources: ISBN -> the stored edition or None (ONIX block updates merge onto it);
                      `bookbridge check` passes none
    validate          sources: `bookbridge source inspect --validate` asks for schema validation
    page_size         order sources: orders per page (`[orders] page_size`)
    """

    name: str
    clock: Clock
    storefronts: tuple[StorefrontSettings, ...] = ()
    previous_edition: Callable[[str], Edition | None] | None = None
    validate: bool = False
    page_size: int = 250


OptionsT = TypeVar("OptionsT", bound=AdapterOptions)
PortT = TypeVar("PortT")
# A factory: (the adapter's options, the context) -> the port. It opens no connection; that happens on first use.
Factory = Callable[[OptionsT, AdapterContext], PortT]


@dataclass(frozen=True)
class AdapterSpec(Generic[OptionsT]):
    kind: AdapterKind
    name: str
    factory: Callable[[OptionsT, AdapterContext], Any]
    options: type[OptionsT]
    plugin: str  # the plugin that registered it
    origin: str  # where the plugin came from: "built-in", a distribution name, or "extra"
    description: str = ""

    @property
    def known_options(self) -> list[str]:
        """The keys an operator may write: the model's (by alias) and `name`."""
        return sorted({f.alias or key for key, f in self.options.model_fields.items()} | {"name"})

    def parse_options(self, config: Mapping[str, Any]) -> OptionsT:
        """The table as this adapter's options model; `kind` and `name` are the core's and are left out.

        A misspelt key is a `ValueError` naming each key, the adapter, the closest known key and the known ones;
        a wrong value names the key and says what is expected. Callers prefix the configuration table."""
        table = {str(k): v for k, v in config.items() if k not in ("kind", "name")}
        try:
            return self.options.model_validate(table)
        except ValidationError as exc:
            unknown = sorted(str(e["loc"][0]) for e in exc.errors() if e["type"] == "extra_forbidden")
            if unknown:
                raise ValueError(self._unknown_message(unknown)) from None
            errors = exc.errors(include_url=False)
            # A key left out is said as the adapters say it (`needs 'url'`), never as pydantic's "Field required".
            missing = [".".join(str(p) for p in e["loc"]) for e in errors if e["type"] == "missing"]
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'keys'}: "
                                 f"{value_error_words(e['type'], str(e['msg']), e.get('ctx'), e.get('input'))}"
                                 for e in errors if e["type"] != "missing")
            said = ((f" needs {', '.join(map(repr, missing))}" if missing else "")
                    + (f": {problems}" if problems else ""))
            raise ValueError(f"{self.kind.words} adapter {self.name!r}{said}") from None

    def _unknown_message(self, unknown: list[str]) -> str:
        known = self.known_options
        guesses = {key: difflib.get_close_matches(key, known, n=1) for key in unknown}
        # The key first, as every configuration error names it (`[store] max_inflight: unknown key ...`): the
        # caller puts its table (and entry) before it.
        if len(unknown) == 1:
            key, close = unknown[0], guesses[unknown[0]]
            hint = f"did you mean {close[0]!r}? " if close else ""
            return f"{key}: unknown key of kind {self.name!r} ({hint}known: {', '.join(known)})"
        listed = ", ".join(f"{k!r} (did you mean {guesses[k][0]!r}?)" if guesses[k] else repr(k) for k in unknown)
        return f"unknown keys {listed} of kind {self.name!r} (known: {', '.join(known)})"


def variable_value(key: str, variable: str, environ: Mapping[str, str] = os.environ) -> str:
    """The value of the environment variable that option `key` (an `*_env` key) names, stripped. Unset or blank,
    it is a `ValueError` worded as the start-up check of every command words it, naming the key and the
    variable, never a value: `access_token_env: environment variable 'BC_TOKEN' is not set` (its caller puts the
    table before it)."""
    value = environ.get(variable, "").strip()
    if not value:
        raise ValueError(unset_variable(key, variable))
    return value


class DuplicateAdapterError(ValueError):
    def __init__(self, existing: AdapterSpec[Any], plugin: str) -> None:
        super().__init__(
            f"{existing.kind.words} adapter {existing.name!r} is registered twice: by plugin "
            f"{existing.plugin!r} and by plugin {plugin!r}"
        )


class AdapterRegistry:
    """Every registered adapter, and `create_*` to build one. One registry per plugin manager; no globals.

    Plugins do not see it: their hook gets a `PluginRegistrar` bound to the plugin, whose registrations reach
    the registry only when the hook returns cleanly (`entrypoints.plugins.collect_adapters`).
    """

    def __init__(self) -> None:
        self._specs: dict[tuple[AdapterKind, str], AdapterSpec[Any]] = {}

    def add_all(self, specs: Iterable[AdapterSpec[Any]]) -> None:
        """Add a plugin's adapters, all or none: a (kind, name) already held is a `DuplicateAdapterError` naming
        both plugins, and nothing is added then."""
        specs = list(specs)
        for spec in specs:
            if (spec.kind, spec.name) in self._specs:
                raise DuplicateAdapterError(self._specs[(spec.kind, spec.name)], spec.plugin)
        self._specs.update({(spec.kind, spec.name): spec for spec in specs})

    def get(self, kind: AdapterKind, name: str) -> AdapterSpec[Any]:
        try:
            return self._specs[(kind, name)]
        except KeyError:
            known = ", ".join(sorted(n for k, n in self._specs if k is kind)) or "none"
            raise LookupError(f"no {kind.words} adapter named {name!r} (registered: {known})") from None

    def all(self) -> list[AdapterSpec[Any]]:
        return sorted(self._specs.values(), key=lambda s: (s.kind, s.name))

    def __iter__(self) -> Iterator[AdapterSpec[Any]]:
        return iter(self.all())

    def _create(self, kind: AdapterKind, name: str, config: Mapping[str, Any], context: AdapterContext) -> Any:
        spec = self.get(kind, name)
        adapter = spec.factory(spec.parse_options(config), context)
        port = PORTS[kind]
        if not isinstance(adapter, port):
            raise TypeError(f"plugin {spec.plugin!r}: the factory of {kind.words} adapter {name!r} returned "
                            f"{type(adapter).__name__}, which is not a {port.__name__} "
                            f"(bookbridge.domain.ports.{port.__name__})")
        return adapter

    # Each `create_*` parses `config` (the adapter's table) with the adapter's options model before calling its
    # factory: an unknown key or a bad value is a `ValueError` naming it, and the factory is not called then.
    # A factory returning anything but the port is a `TypeError` naming the plugin.

    def create_source(self, name: str, config: Mapping[str, Any], context: AdapterContext) -> CatalogSource:
        source: CatalogSource = self._create(AdapterKind.SOURCE, name, config, context)
        return source

    def create_storefront(self, name: str, config: Mapping[str, Any], context: AdapterContext) -> Storefront:
        store: Storefront = self._create(AdapterKind.STOREFRONT, name, config, context)
        return store

    def create_order_source(self, name: str, config: Mapping[str, Any], context: AdapterContext) -> OrderSource:
        orders: OrderSource = self._create(AdapterKind.ORDER_SOURCE, name, config, context)
        return orders

    def create_notifier(self, name: str, config: Mapping[str, Any], context: AdapterContext) -> Notifier:
        notifier: Notifier = self._create(AdapterKind.NOTIFIER, name, config, context)
        return notifier

    def create_sales_sink(self, name: str, config: Mapping[str, Any], context: AdapterContext) -> SalesSink:
        sink: SalesSink = self._create(AdapterKind.SALES_SINK, name, config, context)
        return sink


@dataclass
class PluginRegistrar:
    """What `bookbridge_register_adapters` receives: registers adapters on behalf of one plugin.

    Registrations are held until the hook returns; `AdapterRegistry` receives them only if it returned cleanly,
    so a plugin that fails halfway leaves nothing behind.
    """

    plugin: str
    origin: str
    registered: list[AdapterSpec[Any]] = field(default_factory=list)

    def _add(self, kind: AdapterKind, name: str, factory: Callable[[Any, AdapterContext], Any],
             options: type[AdapterOptions], description: str) -> None:
        if not callable(factory):
            raise TypeError(f"plugin {self.plugin!r}: the factory for {kind.words} adapter {name!r} is not callable")
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"plugin {self.plugin!r}: adapter name {name!r} must be letters, digits, - or _")
        if not (isinstance(options, type) and issubclass(options, AdapterOptions)):
            raise TypeError(f"plugin {self.plugin!r}: the options of {kind.words} adapter {name!r} must be an "
                            f"AdapterOptions subclass (from bookbridge import AdapterOptions), not {options!r}")
        for spec in self.registered:
            if (spec.kind, spec.name) == (kind, name):
                raise DuplicateAdapterError(spec, self.plugin)
        self.registered.append(AdapterSpec(kind, name, factory, options, self.plugin, self.origin, description))

    def add_source(self, name: str, factory: Factory[OptionsT, CatalogSource], *, options: type[OptionsT],
                   description: str = "") -> None:
        self._add(AdapterKind.SOURCE, name, factory, options, description)

    def add_storefront(self, name: str, factory: Factory[OptionsT, Storefront], *, options: type[OptionsT],
                       description: str = "") -> None:
        self._add(AdapterKind.STOREFRONT, name, factory, options, description)

    def add_order_source(self, name: str, factory: Factory[OptionsT, OrderSource], *, options: type[OptionsT],
                         description: str = "") -> None:
        self._add(AdapterKind.ORDER_SOURCE, name, factory, options, description)

    def add_notifier(self, name: str, factory: Factory[OptionsT, Notifier], *, options: type[OptionsT],
                     description: str = "") -> None:
        self._add(AdapterKind.NOTIFIER, name, factory, options, description)

    def add_sales_sink(self, name: str, factory: Factory[OptionsT, SalesSink], *, options: type[OptionsT],
                       description: str = "") -> None:
        self._add(AdapterKind.SALES_SINK, name, factory, options, description)


class BookbridgeSpecs:
    @hookspec
    def bookbridge_register_adapters(self, registry: PluginRegistrar) -> None:
        """Register this plugin's adapters.

        Parameters:
            registry: call ``registry.add_source``, ``add_storefront``, ``add_order_source``, ``add_notifier``
                or ``add_sales_sink`` with a unique name, a factory and ``options=``, an ``AdapterOptions``
                subclass listing the keys an operator may configure. The factory takes the parsed options and an
                ``AdapterContext`` and returns the port (checked when the adapter is created).

        Must not: open connections, read files or the clock, here or in a factory (do that on first use);
        register a name another plugin registered (an error naming both plugins); raise for anything but a
        programming error (a plugin that raises is reported, disabled, and none of its adapters is kept);
        return a value; keep global state.
        """
