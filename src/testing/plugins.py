"""Helpers for a plugin's own tests: its adapters registered as bookbridge would, and a factory's context."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bookbridge.domain.ports import Clock, FixedClock
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.plugin import AdapterContext, AdapterRegistry

AT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def registry_of(*plugins: object) -> AdapterRegistry:
    """The adapters that `plugins` (modules or objects with `@hookimpl` functions) register, and no others.

    Registration goes the way the service's does (`collect_adapters`), so a duplicate name or a hook that
    raises is an `AssertionError` here, with bookbridge's message."""
    registry, failures = collect_adapters(make_plugin_manager(load_entrypoints=False, extra_plugins=plugins))
    assert not failures, "; ".join(f"plugin {f.plugin}: {f.error}" for f in failures)
    return registry


def context(name: str = "contract", *, clock: Clock | None = None, **fields: Any) -> AdapterContext:
    """An `AdapterContext` as the core would pass it, on a fixed clock unless one is given."""
    return AdapterContext(name=name, clock=clock if clock is not None else FixedClock(AT), **fields)
