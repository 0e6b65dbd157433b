"""The plugin contract: pluggy hook specifications under the project name `bookbridge`.

Plugins (built-in or third-party) are modules or objects with `@hookimpl` functions, discovered from the
entry-point group `bookbridge.plugins`. Each registers its adapters through one registry hook.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pluggy

PROJECT = "bookbridge"
ENTRY_POINT_GROUP = "bookbridge.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

AdapterFactory = Callable[[Mapping[str, Any]], Any]

# Keys an adapter's mapping may hold whatever options its plugin declares: the composition root
# (entrypoints/container.py, and `bookbridge check`, which builds adapters the same way) adds them, or they name
# the configuration entry itself. A factory may read them or ignore them.
#   kind              every adapter: the registered name chosen in the configuration
#   name              every adapter: the store's name (storefronts); the outbox target or sink name (exception
#                     queues, sales sinks, default: the kind); the source's name in the state database
#   storefronts       storefronts: the configured `[[storefronts]]` (`bookbridge.domain.storefront.StorefrontSettings`)
#   today, clock      sources: the clock's day (ISO date) and the clock itself
#   previous_edition  sources: ISBN -> the stored edition (ONIX block updates merge onto it)
#   validate          sources: set by `bookbridge source inspect --validate` (ONIX sources run onixcheck)
ALWAYS_PASSED_OPTIONS: frozenset[str] = frozenset(
    {"kind", "name", "storefronts", "today", "clock", "previous_edition", "validate"}
)


class AdapterKind(StrEnum):
    SOURCE = "source"  # implements domain.ports.CatalogSource
    STOREFRONT = "storefront"  # implements domain.ports.Storefront
    EXCEPTION_QUEUE = "exception-queue"  # implements domain.ports.ExceptionQueue (or a notifier of it)
    SALES_SINK = "sales-sink"  # implements domain.ports.SalesSink


@dataclass(frozen=True)
class AdapterSpec:
    kind: AdapterKind
    name: str
    factory: AdapterFactory
    plugin: str  # the plugin that registered it
    origin: str  # where the plugin came from: "built-in", a distribution name, or "extra"
    description: str = ""
    # The option keys the factory reads, besides ALWAYS_PASSED_OPTIONS; None: not declared, nothing is checked.
    options: frozenset[str] | None = None

    def unknown_options(self, config: Mapping[str, Any]) -> list[str]:
        """The keys of `config` the factory does not read (always empty when the plugin declared no options)."""
        if self.options is None:
            return []
        return sorted(str(k) for k in config if k not in self.options and k not in ALWAYS_PASSED_OPTIONS)

    def check_options(self, config: Mapping[str, Any]) -> None:
        """Refuse a key the factory would silently ignore (a misspelling, mostly): `ValueError` naming each key,
        the adapter, the closest declared key and the known ones. Callers prefix the configuration table."""
        unknown = self.unknown_options(config)
        if not unknown:
            return
        known = sorted((self.options or frozenset()) | {"name"})
        guesses = {key: difflib.get_close_matches(key, known, n=1) for key in unknown}
        where = f"for {self.kind} adapter {self.name!r}"
        if len(unknown) == 1:
            key, close = unknown[0], guesses[unknown[0]]
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(f"unknown option {key!r} {where} ({hint}known: {', '.join(known)})")
        listed = ", ".join(f"{k!r} (did you mean {guesses[k][0]!r}?)" if guesses[k] else repr(k) for k in unknown)
        raise ValueError(f"unknown options {listed} {where} (known: {', '.join(known)})")


class DuplicateAdapterError(ValueError):
    def __init__(self, existing: AdapterSpec, plugin: str) -> None:
        super().__init__(
            f"{existing.kind} adapter {existing.name!r} is registered twice: by plugin "
            f"{existing.plugin!r} and by plugin {plugin!r}"
        )


class AdapterRegistry:
    """What `bookbridge_register_adapters` receives. One registry per plugin manager; no globals."""

    def __init__(self) -> None:
        self._specs: dict[tuple[AdapterKind, str], AdapterSpec] = {}
        self._plugin = "unknown"
        self._origin = "unknown"

    def _bind(self, plugin: str, origin: str) -> None:
        self._plugin, self._origin = plugin, origin

    def _add(self, kind: AdapterKind, name: str, factory: AdapterFactory, description: str,
             options: Collection[str] | None) -> None:
        if not callable(factory):
            raise TypeError(f"plugin {self._plugin!r}: the factory for {kind} {name!r} is not callable")
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"plugin {self._plugin!r}: adapter name {name!r} must be letters, digits, - or _")
        if options is not None and (isinstance(options, str) or not all(isinstance(o, str) for o in options)):
            raise TypeError(f"plugin {self._plugin!r}: the options of {kind} {name!r} must be a collection of "
                            "key names, e.g. ('url', 'timeout')")
        key = (kind, name)
        if key in self._specs:
            raise DuplicateAdapterError(self._specs[key], self._plugin)
        declared = frozenset(options) if options is not None else None
        self._specs[key] = AdapterSpec(kind, name, factory, self._plugin, self._origin, description, declared)

    # `options`: every key the factory reads from its mapping (besides ALWAYS_PASSED_OPTIONS). When given, `create`
    # refuses any other key, so a misspelt option is an error instead of being ignored; None leaves it unchecked.

    def add_source(self, name: str, factory: AdapterFactory, description: str = "", *,
                   options: Collection[str] | None = None) -> None:
        self._add(AdapterKind.SOURCE, name, factory, description, options)

    def add_storefront(self, name: str, factory: AdapterFactory, description: str = "", *,
                       options: Collection[str] | None = None) -> None:
        self._add(AdapterKind.STOREFRONT, name, factory, description, options)

    def add_exception_queue(self, name: str, factory: AdapterFactory, description: str = "", *,
                            options: Collection[str] | None = None) -> None:
        self._add(AdapterKind.EXCEPTION_QUEUE, name, factory, description, options)

    def add_sales_sink(self, name: str, factory: AdapterFactory, description: str = "", *,
                       options: Collection[str] | None = None) -> None:
        self._add(AdapterKind.SALES_SINK, name, factory, description, options)

    def get(self, kind: AdapterKind, name: str) -> AdapterSpec:
        try:
            return self._specs[(kind, name)]
        except KeyError:
            known = ", ".join(sorted(n for k, n in self._specs if k is kind)) or "none"
            raise LookupError(f"no {kind} adapter named {name!r} (registered: {known})") from None

    def create(self, kind: AdapterKind, name: str, config: Mapping[str, Any] | None = None) -> Any:
        """Build an adapter. An undeclared option (see `AdapterSpec.options`) is a `ValueError` naming it; the
        factory is not called then."""
        spec = self.get(kind, name)
        options = dict(config or {})
        spec.check_options(options)
        return spec.factory(options)

    def all(self) -> list[AdapterSpec]:
        return sorted(self._specs.values(), key=lambda s: (s.kind, s.name))


class BookbridgeSpecs:
    @hookspec
    def bookbridge_register_adapters(self, registry: AdapterRegistry) -> None:
        """Register this plugin's adapters.

        Call ``registry.add_source``, ``add_storefront``, ``add_exception_queue`` or ``add_sales_sink`` with a
        unique name and a factory taking the adapter's configuration mapping. A factory must not do I/O when
        called with no configuration beyond building objects; connections open on first use. Declare the keys the
        factory reads with ``options=``: any other key in the configuration is then refused, with a suggestion,
        before the factory is called (keys in ``ALWAYS_PASSED_OPTIONS`` are always allowed).

        Must not: register a name another plugin registered (that is an error naming both plugins), raise for
        anything but a programming error (a plugin that raises is reported and disabled), or keep global state.
        """
