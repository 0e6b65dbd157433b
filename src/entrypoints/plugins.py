"""The plugin manager factory: specs, entry points, blocking, and safe adapter collection.

Nothing here runs at import. A plugin that cannot be imported, whose hook raises, or that registers a name
another plugin owns is reported (`PluginFailure`) and disabled; the others carry on.
"""

from __future__ import annotations

import importlib.metadata as md
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass

import pluggy

from bookbridge.adapters.hookspecs import (
    ENTRY_POINT_GROUP,
    PROJECT,
    AdapterRegistry,
    BookbridgeSpecs,
    DuplicateAdapterError,
)

log = logging.getLogger(__name__)
DISABLED_ENV = "BOOKBRIDGE_DISABLED_PLUGINS"


@dataclass(frozen=True)
class PluginFailure:
    plugin: str
    error: str


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, plus where each plugin came from and which ones failed to load."""

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.origins: dict[str, str] = {}
        self.load_failures: list[PluginFailure] = []

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        for ep in md.entry_points(group=group):
            if self.is_blocked(ep.name) or self.has_plugin(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # an uninstallable plugin must not take the service down
                self.load_failures.append(PluginFailure(ep.name, f"cannot import {ep.value}: "
                                                                 f"{type(exc).__name__}: {exc}"))
                log.error("plugin %s disabled: cannot import %s: %s", ep.name, ep.value, exc)
                continue
            self.register(plugin, name=ep.name)
            dist = ep.dist
            self.origins[ep.name] = ("built-in" if dist is not None and dist.name == "bookbridge"
                                     else f"{dist.name} {dist.version}" if dist is not None else "entry point")


def make_plugin_manager(
    *,
    load_entrypoints: bool = True,
    extra_plugins: Iterable[object] = (),
    blocked: Iterable[str] = (),
) -> PluginManager:
    pm = PluginManager()
    pm.add_hookspecs(BookbridgeSpecs)
    disabled = {name.strip() for name in os.environ.get(DISABLED_ENV, "").split(",") if name.strip()}
    for name in set(blocked) | disabled:
        pm.set_blocked(name)
    if load_entrypoints:
        pm.load_entry_points()
    for plugin in extra_plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


def collect_adapters(pm: PluginManager) -> tuple[AdapterRegistry, list[PluginFailure]]:
    """Call each plugin's registry hook on its own, so that one broken plugin is disabled, not fatal."""
    registry = AdapterRegistry()
    failures: list[PluginFailure] = list(pm.load_failures)
    for impl in pm.hook.bookbridge_register_adapters.get_hookimpls():
        name = impl.plugin_name
        registry._bind(name, pm.origins.get(name, "extra"))
        before = {(s.kind, s.name) for s in registry.all()}
        try:
            result = impl.function(registry=registry)
            if result is not None:
                raise TypeError(f"bookbridge_register_adapters returned {type(result).__name__}; it must return None")
        except DuplicateAdapterError as exc:
            failures.append(PluginFailure(name, str(exc)))
        except Exception as exc:  # a plugin must never take the service down
            failures.append(PluginFailure(name, f"{type(exc).__name__}: {exc}"))
        else:
            continue
        # Roll back whatever the failing plugin registered before it failed, and disable it.
        for key in {(s.kind, s.name) for s in registry.all()} - before:
            registry._specs.pop(key, None)
        pm.set_blocked(name)
        log.error("plugin %s disabled: %s", name, failures[-1].error)
    return registry, failures
