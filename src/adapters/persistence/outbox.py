"""The notification outbox: messages written in the same transaction as the change they announce.

A deliverer (webhook, chat) reads `due` messages, sends them, and marks each delivered or failed with a
retry time; a crash between the two sends again, so receivers must accept duplicates (the payload has ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.tables import OutboxRow
from bookbridge.domain.ports import Outbox, OutboxMessage


def message_from_row(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        target=row.target,
        payload=row.payload,
        created=row.created,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
    )


class SqlAlchemyOutbox(Outbox):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, target: str, payload: Mapping[str, Any], *, at: datetime) -> OutboxMessage:
        row = OutboxRow(target=target, payload=dict(payload), created=at, attempts=0, next_attempt_at=at)
        with translated(f"outbox message for {target!r}"):
            self._session.add(row)
            self._session.flush()
        return message_from_row(row)

    def due(self, *, at: datetime, target: str | None = None, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages whose next attempt is due, oldest first."""
        query = select(OutboxRow).where(OutboxRow.delivered_at.is_(None), OutboxRow.next_attempt_at <= at)
        if target is not None:
            query = query.where(OutboxRow.target == target)
        with translated("outbox"):
            rows = self._session.scalars(query.order_by(OutboxRow.id).limit(limit)).all()
        return [message_from_row(row) for row in rows]

    def mark_delivered(self, message_id: int, *, at: datetime) -> OutboxMessage:
        row = self._get(message_id)
        row.attempts += 1
        row.delivered_at = at
        row.last_error = None
        return self._flushed(row)

    def mark_failed(self, message_id: int, *, error: str, retry_at: datetime) -> OutboxMessage:
        row = self._get(message_id)
        row.attempts += 1
        row.last_error = error
        row.next_attempt_at = retry_at
        return self._flushed(row)

    def _get(self, message_id: int) -> OutboxRow:
        with translated(f"outbox message {message_id}"):
            row = self._session.get(OutboxRow, message_id)
        if row is None:
            raise KeyError(f"no outbox message with id {message_id}")
        return row

    def _flushed(self, row: OutboxRow) -> OutboxMessage:
        with translated(f"outbox message {row.id}"):
            self._session.flush()
        return message_from_row(row)
