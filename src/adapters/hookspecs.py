"""The plugin contract: pluggy hook specifications under the project name `bookbridge`.

Plugins (built-in or third-party) are modules or objects with `@hookimpl` functions, discovered from the
entry-point group `bookbridge.plugins`. Each registers its adapters through one registry hook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pluggy

PROJECT = "bookbridge"
ENTRY_POINT_GROUP = "bookbridge.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

AdapterFactory = Callable[[Mapping[str, Any]], Any]


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

    def _add(self, kind: AdapterKind, name: str, factory: AdapterFactory, description: str) -> None:
        if not callable(factory):
            raise TypeError(f"plugin {self._plugin!r}: the factory for {kind} {name!r} is not callable")
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"plugin {self._plugin!r}: adapter name {name!r} must be letters, digits, - or _")
        key = (kind, name)
        if key in self._specs:
            raise DuplicateAdapterError(self._specs[key], self._plugin)
        self._specs[key] = AdapterSpec(kind, name, factory, self._plugin, self._origin, description)

    def add_source(self, name: str, factory: AdapterFactory, description: str = "") -> None:
        self._add(AdapterKind.SOURCE, name, factory, description)

    def add_storefront(self, name: str, factory: AdapterFactory, description: str = "") -> None:
        self._add(AdapterKind.STOREFRONT, name, factory, description)

    def add_exception_queue(self, name: str, factory: AdapterFactory, description: str = "") -> None:
        self._add(AdapterKind.EXCEPTION_QUEUE, name, factory, description)

    def add_sales_sink(self, name: str, factory: AdapterFactory, description: str = "") -> None:
        self._add(AdapterKind.SALES_SINK, name, factory, description)

    def get(self, kind: AdapterKind, name: str) -> AdapterSpec:
        try:
            return self._specs[(kind, name)]
        except KeyError:
            known = ", ".join(sorted(n for k, n in self._specs if k is kind)) or "none"
            raise LookupError(f"no {kind} adapter named {name!r} (registered: {known})") from None

    def create(self, kind: AdapterKind, name: str, config: Mapping[str, Any] | None = None) -> Any:
        return self.get(kind, name).factory(dict(config or {}))

    def all(self) -> list[AdapterSpec]:
        return sorted(self._specs.values(), key=lambda s: (s.kind, s.name))


class BookbridgeSpecs:
    @hookspec
    def bookbridge_register_adapters(self, registry: AdapterRegistry) -> None:
        """Register this plugin's adapters.

        Call ``registry.add_source``, ``add_storefront``, ``add_exception_queue`` or ``add_sales_sink`` with a
        unique name and a factory taking the adapter's configuration mapping. A factory must not do I/O when
        called with no configuration beyond building objects; connections open on first use.

        Must not: register a name another plugin registered (that is an error naming both plugins), raise for
        anything but a programming error (a plugin that raises is reported and disabled), or keep global state.
        """
