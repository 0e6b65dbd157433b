"""Registers the in-memory adapters: a storefront and its order source, a notifier and a sales sink."""

from __future__ import annotations

from bookbridge.adapters.memory.notifier import InMemoryNotifier
from bookbridge.adapters.memory.orders import InMemoryOrderSource
from bookbridge.adapters.memory.sales import InMemorySalesSink
from bookbridge.adapters.memory.storefront import InMemoryStorefront
from bookbridge.plugin import AdapterContext, NoOptions, PluginRegistrar, hookimpl


def _storefront(options: NoOptions, context: AdapterContext) -> InMemoryStorefront:
    return InMemoryStorefront(context.name)


def _orders(options: NoOptions, context: AdapterContext) -> InMemoryOrderSource:
    return InMemoryOrderSource(name=context.name)


def _notifier(options: NoOptions, context: AdapterContext) -> InMemoryNotifier:
    return InMemoryNotifier(context.name)


def _sales_sink(options: NoOptions, context: AdapterContext) -> InMemorySalesSink:
    return InMemorySalesSink(context.name)


@hookimpl
def bookbridge_register_adapters(registry: PluginRegistrar) -> None:
    registry.add_storefront("memory", _storefront, options=NoOptions,
                            description="a store held in memory (tests, dry runs)")
    registry.add_order_source("memory", _orders, options=NoOptions,
                              description="the memory store's orders: none until a test adds some")
    registry.add_notifier("memory", _notifier, options=NoOptions,
                          description="exception notifications kept in memory (tests)")
    registry.add_sales_sink("memory", _sales_sink, options=NoOptions,
                            description="sales facts held in memory (tests)")
