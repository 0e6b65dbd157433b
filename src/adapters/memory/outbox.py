"""The notification outbox in memory, with the SQL outbox's rules (due oldest first, attempts counted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from bookbridge.domain.ports import Outbox, OutboxMessage


class InMemoryOutbox(Outbox):
    def __init__(self) -> None:
        self.messages: dict[int, OutboxMessage] = {}
        self._next_id = 1

    def add(self, target: str, payload: Mapping[str, Any], *, at: datetime) -> OutboxMessage:
        message = OutboxMessage(id=self._next_id, target=target, payload=dict(payload), created=at, attempts=0,
                                next_attempt_at=at)
        self.messages[message.id] = message
        self._next_id += 1
        return message

    def due(self, *, at: datetime, target: str | None = None, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages whose next attempt is due, oldest first."""
        due = [m for m in self.messages.values()
               if m.delivered_at is None and m.next_attempt_at <= at and target in (None, m.target)]
        return sorted(due, key=lambda m: m.id)[:limit]

    def mark_delivered(self, message_id: int, *, at: datetime) -> OutboxMessage:
        message = self._get(message_id)
        self.messages[message_id] = replace(message, attempts=message.attempts + 1, delivered_at=at, last_error=None)
        return self.messages[message_id]

    def mark_failed(self, message_id: int, *, error: str, retry_at: datetime) -> OutboxMessage:
        message = self._get(message_id)
        self.messages[message_id] = replace(message, attempts=message.attempts + 1, last_error=error,
                                            next_attempt_at=retry_at)
        return self.messages[message_id]

    def _get(self, message_id: int) -> OutboxMessage:
        try:
            return self.messages[message_id]
        except KeyError:
            raise KeyError(f"no outbox message with id {message_id}") from None
