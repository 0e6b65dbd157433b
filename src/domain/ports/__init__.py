"""Ports: the small interfaces the application needs from the outside world, in domain words, one module per role.

Adapters in src/adapters implement them and name the port they serve (`class BigCommerceStorefront(Storefront)`);
in-memory fakes in adapters/memory serve the tests. `from bookbridge.domain.ports import X` is the one way to
import a port.
"""

from __future__ import annotations

from bookbridge.domain.ports.catalog import (
    CatalogSource,
    Clock,
    FixedClock,
    SourceRead,
    SourceUnreadable,
)
from bookbridge.domain.ports.exceptions import ExceptionKind, ExceptionQueue, SyncException
from bookbridge.domain.ports.notify import DeliveryError, Notifier, Outbox, OutboxMessage
from bookbridge.domain.ports.sales import OrderSource, SalesFact, SalesLedger, SalesSink
from bookbridge.domain.ports.service import (
    AdminSessions,
    LeaseInfo,
    Leases,
    MilestoneLog,
    Received,
    WebhookEvent,
    WebhookInbox,
)
from bookbridge.domain.ports.state import (
    MAX_INTEGER,
    CategoryIds,
    EditionOutcome,
    RunLog,
    SyncRun,
    SyncState,
    UnitOfWork,
)
from bookbridge.domain.ports.storefront import (
    ActionOutcome,
    Buffering,
    CategoryKey,
    CategoryMaking,
    ChannelPriced,
    Probeable,
    ProbeFinding,
    ProbeResult,
    ProbeStatus,
    RelatedLinking,
    StoreChannel,
    StoredProduct,
    StoreError,
    StoreErrorKind,
    Storefront,
    StoreUnreadable,
)

__all__ = [
    "MAX_INTEGER", "ActionOutcome", "AdminSessions", "Buffering", "CatalogSource", "CategoryIds", "CategoryKey",
    "CategoryMaking", "ChannelPriced", "Clock", "DeliveryError", "EditionOutcome", "ExceptionKind", "ExceptionQueue",
    "FixedClock", "LeaseInfo", "Leases", "MilestoneLog", "Notifier", "OrderSource", "Outbox", "OutboxMessage",
    "ProbeFinding", "ProbeResult", "ProbeStatus", "Probeable", "Received", "RelatedLinking", "RunLog", "SalesFact",
    "SalesLedger", "SalesSink", "SourceRead", "SourceUnreadable", "StoreChannel", "StoreError", "StoreErrorKind",
    "StoreUnreadable", "StoredProduct", "Storefront", "SyncException", "SyncRun", "SyncState", "UnitOfWork",
    "WebhookEvent", "WebhookInbox",
]
