"""What the long-running service needs besides the sync: leases between instances, the webhook inbox, and the
log of milestone transitions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bookbridge.domain.milestones import MilestoneRecord


@dataclass(frozen=True)
class LeaseInfo:
    """A lease as recorded: who holds it, until when."""

    name: str
    holder: str
    expires_at: datetime | None  # None for a PostgreSQL advisory lock (held until its connection closes)
    holder_gone: bool = False  # its holder ran on this host and has exited: the next acquire takes it over


class Leases(Protocol):
    """Named leases, so that one instance at a time runs a job."""

    def acquire(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take the lease if it is free, expired, or already ours (then extend it). Never waits."""
        ...

    def renew(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Extend a lease we hold; False if we lost it (expired and taken, or released)."""
        ...

    def release(self, name: str, holder: str) -> None:
        """Give the lease up if we hold it; otherwise do nothing."""
        ...

    def close(self) -> None:
        """Release everything this object holds."""
        ...

    def held(self) -> list[LeaseInfo]:
        """Every lease currently recorded, by name."""
        ...

    def force_release(self, name: str) -> bool:
        """Free the lease whoever holds it; True if there was one to free."""
        ...


class MilestoneLog(Protocol):
    def record(self, record: MilestoneRecord) -> MilestoneRecord:
        """Append one record; returns it with its id."""
        ...

    def recent(self, *, limit: int = 50, isbn: str | None = None) -> list[MilestoneRecord]:
        """Newest first."""
        ...

    def pending(self, store: str) -> list[MilestoneRecord]:
        """The store's records whose action waits for a later sync (queued by a sync without a scheduler, or by a
        retry of another edition), oldest first."""
        ...

    def settle(self, record_id: int, *, ok: bool, detail: str, at: datetime,
               exception_id: int | None = None) -> MilestoneRecord | None:
        """Record what a pending action did (no longer pending); None when no pending record has that id (another
        instance settled it first)."""
        ...


@dataclass(frozen=True)
class WebhookEvent:
    """One store webhook as received: kept until processed, retried while pending."""

    id: int
    hash: str
    delivery_id: str | None
    scope: str
    store_id: str | None
    resource_id: str | None
    payload: Mapping[str, Any]
    received_at: datetime
    status: str
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
    """Store webhooks, stored on receipt (duplicates recognised) and processed later by the worker."""

    def receive(self, *, hash: str, delivery_id: str | None, scope: str, store_id: str | None,
                resource_id: str | None, payload: Mapping[str, Any], at: datetime) -> Received:
        """Store one delivery unless the same one (by delivery id, else by hash) is already held."""
        ...

    def receive_many(self, deliveries: Sequence[Mapping[str, Any]]) -> list[Received | Exception]:
        """Store several deliveries (each the keyword arguments of `receive`), all committed on return; each comes
        back as its answer, or as the error that kept it out. An adapter may store them in one transaction (group
        commit); this default stores them one by one."""
        outcomes: list[Received | Exception] = []
        for delivery in deliveries:
            try:
                outcomes.append(self.receive(**delivery))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

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


class AdminSessions(Protocol):
    """The dashboard's sign-in sessions, kept server-side so that signing out ends one on every instance."""

    def open(self, token: str, *, at: datetime, expires: datetime) -> None:
        """Keep a new session until `expires` (the store holds a hash of the token, never the token)."""
        ...

    def is_open(self, token: str, *, at: datetime) -> bool:
        """The session was opened and is neither closed nor expired at `at`."""
        ...

    def close(self, token: str) -> bool:
        """Revoke a session; True when it was open."""
        ...
