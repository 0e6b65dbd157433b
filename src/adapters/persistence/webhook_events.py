"""The webhook inbox: BigCommerce deliveries stored durably before the HTTP answer, processed afterwards.

`receive` inserts with ON CONFLICT DO NOTHING on the unique `hash` and `delivery_id`, so a duplicate delivery,
even one racing the first on another connection or instance, is refused by the database and never counted
twice. A worker claims `due` events, acts on them and marks each done, or failed with a retry time.
`purge` deletes processed events (done or failed for good) older than the retention; pending ones stay.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.tables import WebhookEventRow
from bookbridge.domain.webhooks import Received, WebhookEvent, WebhookInbox

PENDING, DONE, FAILED = "pending", "done", "failed"


def event_from_row(row: WebhookEventRow) -> WebhookEvent:
    return WebhookEvent(
        id=row.id, hash=row.hash, delivery_id=row.delivery_id, scope=row.scope, store_id=row.store_id,
        resource_id=row.resource_id, payload=row.payload, received_at=row.received_at, status=row.status,
        attempts=row.attempts, next_attempt_at=row.next_attempt_at, processed_at=row.processed_at, result=row.result,
    )


class SqlAlchemyWebhookInbox(WebhookInbox):
    """Each call is its own short transaction: an event is committed before `receive` returns."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._sessions = session_factory
        # SQLite has one writer at a time; its busy handler sleeps with growing back-off, so writers that queue on
        # it wait far longer than the write takes. Queueing this process's writers on a lock keeps the tail short.
        self._write_lock = threading.Lock()

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self._sessions() as session:
            if session.get_bind().dialect.name != "sqlite":
                yield session
                return
            with self._write_lock:
                yield session

    def receive(self, *, hash: str, delivery_id: str | None, scope: str, store_id: str | None,
                resource_id: str | None, payload: Mapping[str, Any], at: datetime) -> Received:
        values = {"hash": hash, "delivery_id": delivery_id, "scope": scope, "store_id": store_id,
                  "resource_id": resource_id, "payload": dict(payload), "received_at": at, "status": PENDING,
                  "attempts": 0, "next_attempt_at": at}
        with self._writing() as session, translated(f"webhook event {scope!r} (hash {hash})"):
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(WebhookEventRow).values(**values).on_conflict_do_nothing()
            new_id = session.execute(statement.returning(WebhookEventRow.id)).scalar_one_or_none()
            if new_id is None:
                existing = session.scalar(select(WebhookEventRow.id).where(
                    (WebhookEventRow.hash == hash) | (WebhookEventRow.delivery_id == delivery_id)).limit(1))
                return Received(id=existing, duplicate=True)
            session.commit()
        return Received(id=new_id, duplicate=False)

    def due(self, *, at: datetime, limit: int = 500) -> list[WebhookEvent]:
        """Pending events whose (next) attempt is due, oldest first."""
        query = (select(WebhookEventRow)
                 .where(WebhookEventRow.status == PENDING, WebhookEventRow.next_attempt_at <= at)
                 .order_by(WebhookEventRow.id).limit(limit))
        with self._sessions() as session, translated("webhook events"):
            return [event_from_row(row) for row in session.scalars(query)]

    def mark_done(self, event_ids: Sequence[int], *, result: str, at: datetime) -> int:
        """Mark pending events done; returns how many were still pending (another instance may have won)."""
        if not event_ids:
            return 0
        statement = (update(WebhookEventRow)
                     .where(WebhookEventRow.id.in_(event_ids), WebhookEventRow.status == PENDING)
                     .values(status=DONE, processed_at=at, result=result,
                             attempts=WebhookEventRow.attempts + 1))
        with self._writing() as session, translated(f"webhook events {list(event_ids)[:5]}", "status"):
            outcome = session.execute(statement)
            changed = outcome.rowcount if isinstance(outcome, CursorResult) else 0
            session.commit()
        return int(changed or 0)

    def mark_failed(self, event_id: int, *, error: str, at: datetime, retry_at: datetime | None) -> WebhookEvent:
        """Record a failed attempt: pending again at `retry_at`, or failed for good when it is None."""
        with self._writing() as session, translated(f"webhook event {event_id}", "status"):
            row = session.get(WebhookEventRow, event_id)
            if row is None:
                raise KeyError(f"no webhook event with id {event_id}")
            row.attempts += 1
            row.result = error
            if retry_at is None:
                row.status, row.processed_at = FAILED, at
            else:
                row.next_attempt_at = retry_at
            session.commit()
            return event_from_row(row)

    def get(self, event_id: int) -> WebhookEvent | None:
        with self._sessions() as session, translated(f"webhook event {event_id}"):
            row = session.get(WebhookEventRow, event_id)
            return event_from_row(row) if row is not None else None

    def counts(self) -> dict[str, int]:
        """Events by status: pending, done, failed."""
        query = select(WebhookEventRow.status, func.count()).group_by(WebhookEventRow.status)
        with self._sessions() as session, translated("webhook events"):
            found = {str(status): int(n) for status, n in session.execute(query)}
        return {status: found.get(status, 0) for status in (PENDING, DONE, FAILED)}

    def recent(self, *, limit: int = 50) -> list[WebhookEvent]:
        query = select(WebhookEventRow).order_by(WebhookEventRow.id.desc()).limit(limit)
        with self._sessions() as session, translated("webhook events"):
            return [event_from_row(row) for row in session.scalars(query)]

    def purge(self, *, processed_before: datetime, limit: int = 10_000) -> int:
        """Delete up to `limit` events processed (done, or failed for good) before `processed_before`, oldest
        first; returns how many. Pending events are never deleted, however old."""
        oldest = (select(WebhookEventRow.id)
                  .where(WebhookEventRow.status.in_((DONE, FAILED)),
                         WebhookEventRow.processed_at < processed_before)
                  .order_by(WebhookEventRow.processed_at).limit(limit))
        with self._writing() as session, translated("webhook events", "processed_at"):
            outcome = session.execute(delete(WebhookEventRow).where(WebhookEventRow.id.in_(oldest)))
            session.commit()
        return int(getattr(outcome, "rowcount", 0) or 0)
