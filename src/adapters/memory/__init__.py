"""In-memory adapters for every port: real code, used by the application tests and by plugin authors."""

from bookbridge.adapters.memory.catalog import InMemoryCatalogSource
from bookbridge.adapters.memory.exceptions import InMemoryExceptionQueue
from bookbridge.adapters.memory.milestones import InMemoryMilestoneLog
from bookbridge.adapters.memory.notifier import InMemoryNotifier
from bookbridge.adapters.memory.orders import InMemoryOrderSource, InMemorySalesLedger
from bookbridge.adapters.memory.outbox import InMemoryOutbox
from bookbridge.adapters.memory.runs import InMemoryRunLog
from bookbridge.adapters.memory.sales import InMemorySalesSink
from bookbridge.adapters.memory.state import InMemorySyncState, InMemoryUnitOfWork
from bookbridge.adapters.memory.storefront import InMemoryStorefront

__all__ = [
    "InMemoryCatalogSource",
    "InMemoryExceptionQueue",
    "InMemoryMilestoneLog",
    "InMemoryNotifier",
    "InMemoryOrderSource",
    "InMemoryOutbox",
    "InMemoryRunLog",
    "InMemorySalesLedger",
    "InMemorySalesSink",
    "InMemoryStorefront",
    "InMemorySyncState",
    "InMemoryUnitOfWork",
]
