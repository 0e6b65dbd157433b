"""The plugin manager factory: specs, entry points, blocking, and safe adapter collection."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass

import pluggy

from adapters.hookspecs import (
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


def make_plugin_manager(
    *,
    load_entrypoints: bool = True,
    extra_plugins: Iterable[object] = (),
    blocked: Iterable[str] = (),
) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(BookbridgeSpecs)
    disabled = {name.strip() for name in os.environ.get(DISABLED_ENV, "").split(",") if name.strip()}
    for name in set(blocked) | disabled:
        pm.set_blocked(name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    for plugin in extra_plugins:
        pm.register(plugin)
    pm.check_pending()
    return pm


def _origin(pm: pluggy.PluginManager, plugin: object) -> str:
    for candidate, dist in pm.list_plugin_distinfo():
        if candidate is plugin:
            return "built-in" if dist.project_name == "bookbridge" else f"{dist.project_name} {dist.version}"
    return "extra"


def collect_adapters(pm: pluggy.PluginManager) -> tuple[AdapterRegistry, list[PluginFailure]]:
    """Call each plugin's registry hook on its own, so that one broken plugin is disabled, not fatal."""
    registry = AdapterRegistry()
    failures: list[PluginFailure] = []
    for impl in pm.hook.bookbridge_register_adapters.get_hookimpls():
        name = impl.plugin_name
        registry._bind(name, _origin(pm, impl.plugin))
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
