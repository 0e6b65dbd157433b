"""Notifications: the outbox messages written with the change they announce, and the notifiers delivering them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    target: str
    payload: Mapping[str, Any]
    created: datetime
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None = None
    last_error: str | None = None


class DeliveryError(Exception):
    """A message did not reach its target. The text is stored and shown: it never carries a secret."""


@runtime_checkable
class Notifier(Protocol):
    """Delivers outbox messages to one target (the target's name is `name`)."""

    name: str

    def deliver(self, message: OutboxMessage) -> None:
        """Send one message; return only once the target has accepted it, raise `DeliveryError` otherwise.

        The same message may be delivered twice (a crash between sending and marking it delivered): the
        envelope carries `delivery.id` so that receivers can drop duplicates.
        """
        ...

    def close(self) -> None:
        """Release connections. The notifier reconnects if used again."""
        ...


class Outbox(Protocol):
    """Messages written in the same transaction as the change they announce, then handed to each target's
    notifier; a crash between the two sends again, so receivers must accept duplicates."""

    def add(self, target: str, payload: Mapping[str, Any], *, at: datetime) -> OutboxMessage:
        """Queue one message for `target`, due at once."""
        ...

    def due(self, *, at: datetime, target: str | None = None, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages (for `target`, or any) whose next attempt is due at `at`, oldest first."""
        ...

    def mark_delivered(self, message_id: int, *, at: datetime) -> OutboxMessage: ...

    def mark_failed(self, message_id: int, *, error: str, retry_at: datetime) -> OutboxMessage:
        """Count a failed attempt and keep the message for another at `retry_at`."""
        ...
