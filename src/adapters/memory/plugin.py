"""Registers the in-memory adapters: a storefront, an exception queue and a sales sink."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bookbridge.adapters.hookspecs import AdapterRegistry, hookimpl
from bookbridge.adapters.memory.exceptions import InMemoryExceptionQueue
from bookbridge.adapters.memory.sales import InMemorySalesSink
from bookbridge.adapters.memory.storefront import InMemoryStorefront


@hookimpl
def bookbridge_register_adapters(registry: AdapterRegistry) -> None:
    registry.add_storefront(
        "memory",
        lambda cfg: InMemoryStorefront(str(cfg.get("name", "memory"))),
        "a store held in memory (tests, dry runs)",
        options=(),  # none: only `name`, which the composition root passes
    )
    registry.add_exception_queue("memory", _queue, "exceptions held in memory (tests)", options=())
    registry.add_sales_sink(
        "memory", lambda cfg: InMemorySalesSink(str(cfg.get("name", "memory"))), "sales facts held in memory (tests)",
        options=(),
    )


def _queue(cfg: Mapping[str, Any]) -> InMemoryExceptionQueue:
    return InMemoryExceptionQueue()
