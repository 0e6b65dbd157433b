"""The webhook inbox: deliveries stored before the HTTP answer and processed afterwards, as a port."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class WebhookEvent:
    id: int
    hash: str
    delivery_id: str | None
    scope: str
    store_id: str | None
    resource_id: str | None
    payload: Mapping[str, Any]
    received_at: datetime
    status: str  # "pending", "done" or "failed"
    attempts: int
    next_attempt_at: datetime
    processed_at: datetime | None = None
    result: str | None = None


@dataclass(frozen=True)
class Received:
    """The answer to one delivery: the stored event's id, and whether this delivery was the first."""

    id: int | None
    duplicate: bool


class WebhookInbox(Protocol):
    def receive(self, *, hash: str, delivery_id: str | None, scope: str, store_id: str | None,
                resource_id: str | None, payload: Mapping[str, Any], at: datetime) -> Received:
        """Store one delivery unless its `hash` or `delivery_id` was seen (then `duplicate`); never twice."""
        ...

    def due(self, *, at: datetime, limit: int = 500) -> list[WebhookEvent]:
        """Pending events whose (next) attempt is due, oldest first."""
        ...

    def mark_done(self, event_ids: Sequence[int], *, result: str, at: datetime) -> int:
        """Mark pending events done; returns how many were still pending (another instance may have won)."""
        ...

    def mark_failed(self, event_id: int, *, error: str, at: datetime, retry_at: datetime | None) -> WebhookEvent:
        """Record a failed attempt: pending again at `retry_at`, or failed for good when it is None."""
        ...

    def get(self, event_id: int) -> WebhookEvent | None: ...

    def counts(self) -> dict[str, int]:
        """Events by status: pending, done, failed."""
        ...

    def recent(self, *, limit: int = 50) -> list[WebhookEvent]:
        """Newest first."""
        ...

    def purge(self, *, processed_before: datetime, limit: int = 10_000) -> int:
        """Delete up to `limit` events processed (done, or failed for good) before `processed_before`, oldest
        first; returns how many. Pending events are never deleted, however old."""
        ...
