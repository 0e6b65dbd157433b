"""The webhook inbox: BigCommerce deliveries stored durably before the HTTP answer, processed afterwards.

`receive` inserts with ON CONFLICT DO NOTHING on the unique `hash` and `delivery_id`, so a duplicate delivery,
even one racing the first on another connection or instance, is refused by the database and never counted
twice. A worker claims `due` events, acts on them and marks each done, or failed with a retry time.
`purge` deletes processed events (done or failed for good) older than the retention; pending ones stay.

Group commit: deliveries that arrive while another is being committed wait for that commit, then the first
of them stores all that queued meanwhile in one transaction. One commit (one fsync) serves a whole batch, and
each `receive` still returns only once its own row is committed. A batch that fails is retried one delivery per
transaction, so one bad delivery fails its own request only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Executable, Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.tables import WebhookEventRow
from bookbridge.domain.ports import Received, WebhookEvent, WebhookInbox

PENDING, DONE, FAILED = "pending", "done", "failed"


def event_from_row(row: WebhookEventRow) -> WebhookEvent:
    return WebhookEvent(
        id=row.id, hash=row.hash, delivery_id=row.delivery_id, scope=row.scope, store_id=row.store_id,
        resource_id=row.resource_id, payload=row.payload, received_at=row.received_at, status=row.status,
        attempts=row.attempts, next_attempt_at=row.next_attempt_at, processed_at=row.processed_at, result=row.result,
    )


def _values(*, hash: str, delivery_id: str | None, scope: str, store_id: str | None, resource_id: str | None,
            payload: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    return {"hash": hash, "delivery_id": delivery_id, "scope": scope, "store_id": store_id,
            "resource_id": resource_id, "payload": dict(payload), "received_at": at, "status": PENDING,
            "attempts": 0, "next_attempt_at": at}


@dataclass(eq=False)
class _Delivery:
    """One `receive` waiting for its batch: the row's values, then its answer or its error."""

    values: dict[str, Any]
    received: Received | None = None
    error: Exception | None = None
    done: bool = False

    def answer(self) -> Received:
        if self.received is None:
            raise RuntimeError("a webhook delivery was answered before its batch was stored")
        return self.received


class SqlAlchemyWebhookInbox(WebhookInbox):
    """Each call is its own short transaction (deliveries share one, see group commit above): an event is
    committed before `receive` returns."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._sessions = session_factory
        # SQLite has one writer at a time; its busy handler sleeps with growing back-off, so writers that queue on
        # it wait far longer than the write takes. Queueing this process's writers on a lock keeps the tail short.
        self._write_lock = threading.Lock()
        self._queue: list[_Delivery] = []  # deliveries not yet taken into a batch
        self._queue_lock = threading.Lock()
        self._commit_lock = threading.Lock()  # held by the delivery committing a batch
        self._inserts: dict[str, Executable] = {}  # by dialect name
        self._engine: Engine | None = None  # the sessions' engine, for the batch insert

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self._sessions() as session:
            if session.get_bind().dialect.name != "sqlite":
                yield session
                return
            with self._write_lock:
                yield session

    @contextmanager
    def _batch_transaction(self) -> Iterator[Connection]:
        """A Core connection in a transaction, committed on leaving (the same engine and lock as `_writing`). The
        batch insert needs no ORM session, whose bookkeeping cost about 60 of 200 µs of CPU per delivery at a
        batch of 8 (docs/benchmarks.md)."""
        if self._engine is None:
            with self._sessions() as session:
                bind = session.get_bind()
            self._engine = bind if isinstance(bind, Engine) else bind.engine
        if self._engine.dialect.name != "sqlite":
            with self._engine.begin() as connection:
                yield connection
            return
        with self._write_lock, self._engine.begin() as connection:
            yield connection

    def receive(self, *, hash: str, delivery_id: str | None, scope: str, store_id: str | None,
                resource_id: str | None, payload: Mapping[str, Any], at: datetime) -> Received:
        delivery = _Delivery(_values(hash=hash, delivery_id=delivery_id, scope=scope, store_id=store_id,
                                     resource_id=resource_id, payload=payload, at=at))
        with self._queue_lock:
            self._queue.append(delivery)
        with self._commit_lock:  # when it is ours, the batch that held our delivery, if any, is committed
            if not delivery.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._commit(batch)
        if delivery.error is not None:
            raise delivery.error
        return delivery.answer()

    def receive_many(self, deliveries: Sequence[Mapping[str, Any]]) -> list[Received | Exception]:
        """Store deliveries (each the keyword arguments of `receive`) in one transaction, committed on return;
        each comes back as its answer, or as the error that kept it out (the others are stored regardless)."""
        batch = [_Delivery(_values(**delivery)) for delivery in deliveries]
        with self._commit_lock:
            self._commit(batch)
        return [d.error or d.answer() for d in batch]

    def _commit(self, batch: list[_Delivery]) -> None:
        """Store `batch` in one transaction; if that fails, each delivery in its own, keeping its own error."""
        try:
            if len(batch) == 1:
                values = batch[0].values
                context = f"webhook event {values['scope']!r} (hash {values['hash']})"
            else:
                context = f"webhook events (a batch of {len(batch)})"
            with translated(context), self._batch_transaction() as connection:
                answers = self._insert_all(connection, [d.values for d in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for delivery in batch:
                    self._commit([delivery])
        else:
            for delivery, answer in zip(batch, answers, strict=True):
                delivery.received = answer
        finally:
            for delivery in batch:
                delivery.done = True

    def _statements(self, connection: Connection) -> tuple[Executable, Table]:
        """The batch's INSERT, built once per dialect, and the table. Core over the table, not the ORM entity: run
        with the batch as its parameter list, the INSERT is compiled once and sent as multi-row VALUES pages
        ("insertmanyvalues", sized under the driver's parameter limit), without the ORM's per-row bookkeeping."""
        table = WebhookEventRow.metadata.tables[WebhookEventRow.__tablename__]
        dialect = connection.dialect.name
        statement = self._inserts.get(dialect)
        if statement is None:
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = self._inserts[dialect] = (insert(table).on_conflict_do_nothing()
                                                  .returning(table.c.id, table.c.hash, table.c.delivery_id))
        return statement, table

    def _insert_all(self, connection: Connection, rows: list[dict[str, Any]]) -> list[Received]:
        """One INSERT ... ON CONFLICT DO NOTHING RETURNING for the batch, then one SELECT for the rows it skipped."""
        insert, table = self._statements(connection)
        inserted: dict[tuple[str, str | None], list[int]] = {}
        for new_id, digest, delivery_id in connection.execute(insert, rows):
            inserted.setdefault((digest, delivery_id), []).append(new_id)
        answers: list[Received | None] = []
        for row in rows:  # a row came back iff it was stored; the first delivery of a (hash, id) pair claims it
            claimed = inserted.get((row["hash"], row["delivery_id"]))
            answers.append(Received(id=claimed.pop(0), duplicate=False) if claimed else None)
        skipped = [row for row, answer in zip(rows, answers, strict=True) if answer is None]
        if skipped:  # duplicates, of a stored event or of one earlier in this batch: by hash, else delivery id
            hashes = {row["hash"] for row in skipped}
            delivery_ids = {row["delivery_id"] for row in skipped if row["delivery_id"] is not None}
            by_hash: dict[str, int] = {}
            by_delivery: dict[str, int] = {}
            for found, digest, delivery_id in connection.execute(
                    select(table.c.id, table.c.hash, table.c.delivery_id)
                    .where(table.c.hash.in_(hashes) | table.c.delivery_id.in_(delivery_ids)).order_by(table.c.id)):
                by_hash.setdefault(digest, found)
                if delivery_id is not None:
                    by_delivery.setdefault(delivery_id, found)
            for index, row in enumerate(rows):
                if answers[index] is None:
                    existing = by_hash.get(row["hash"]) or by_delivery.get(row["delivery_id"] or "")
                    answers[index] = Received(id=existing, duplicate=True)
        return [answer for answer in answers if answer is not None]

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
