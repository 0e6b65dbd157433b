"""In-memory adapters for every port: real code, used by the application tests and by plugin authors."""

from adapters.memory.catalog import InMemoryCatalogSource
from adapters.memory.exceptions import InMemoryExceptionQueue
from adapters.memory.outbox import InMemoryOutbox
from adapters.memory.runs import InMemoryRunLog
from adapters.memory.sales import InMemorySalesSink
from adapters.memory.state import InMemorySyncState, InMemoryUnitOfWork
from adapters.memory.storefront import InMemoryStorefront

__all__ = [
    "InMemoryCatalogSource",
    "InMemoryExceptionQueue",
    "InMemoryOutbox",
    "InMemoryRunLog",
    "InMemorySalesSink",
    "InMemoryStorefront",
    "InMemorySyncState",
    "InMemoryUnitOfWork",
]
