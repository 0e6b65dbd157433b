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

from bookbridge.plugin import (
    ENTRY_POINT_GROUP,
    PROJECT,
    AdapterRegistry,
    BookbridgeSpecs,
    DuplicateAdapterError,
    PluginRegistrar,
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
    """Call each plugin's registry hook on its own, so that one broken plugin is disabled, not fatal.

    Each plugin registers through its own `PluginRegistrar`; what it registered reaches the registry only if
    its hook returned cleanly and none of its names is taken, so a failing plugin leaves nothing behind.
    """
    registry = AdapterRegistry()
    failures: list[PluginFailure] = list(pm.load_failures)
    hook = "bookbridge_register_adapters"
    plugins = {impl.plugin_name: impl.plugin for impl in pm.hook.bookbridge_register_adapters.get_hookimpls()}
    for name in plugins:
        registrar = PluginRegistrar(name, pm.origins.get(name, "extra"))
        only_this = pm.subset_hook_caller(hook, remove_plugins=[p for n, p in plugins.items() if n != name])
        try:
            results = only_this(registry=registrar)
            if results:
                raise TypeError(f"{hook} returned {type(results[0]).__name__}; it must return None")
            registry.add_all(registrar.registered)
        except DuplicateAdapterError as exc:
            error = str(exc)
        except Exception as exc:  # a plugin must never take the service down
            error = f"{type(exc).__name__}: {exc}"
        else:
            continue
        failures.append(PluginFailure(name, error))
        pm.set_blocked(name)
        log.error("plugin %s disabled: %s", name, error)
    return registry, failures
