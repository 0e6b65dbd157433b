"""The webhook inbox: BigCommerce deliveries stored durably before the HTTP answer, processed afterwards.

`receive` inserts with ON CONFLICT DO NOTHING on the unique `hash` and `delivery_id`, so a duplicate delivery,
even one racing the first on another connection or instance, is refused by the database and never counted
twice. A worker claims `due` events, acts on them and marks each done, or failed with a retry time.
`purge` deletes processed events (done or failed for good) older than the retention; pending ones stay.

Group commit: deliveries that arrive while another is being committed wait for that commit, then the first
of them stores all that queued meanwhile in one transaction. One commit (one fsync) serves a whole batch, and
each `receive` still returns only once its own row is committed. A batch that fails is retried one delivery per
transaction, so one bad delivery fails its own request only.

A batch goes to the driver directly (sqlite3 or psycopg, on a connection from the engine's pool): one multi-row
INSERT ... ON CONFLICT DO NOTHING RETURNING per page of rows, written once per page size, the values bound by the
columns' own SQLAlchemy types, then one commit. At a batch of 10, SQLAlchemy's statement execution was a quarter
(SQLite) to a half (PostgreSQL) of the batch's CPU (docs/benchmarks.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Dialect, Engine, delete, func, select, update
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.tables import WebhookEventRow
from bookbridge.domain.ports import Received, WebhookEvent, WebhookInbox

PENDING, DONE, FAILED = "pending", "done", "failed"
_COLUMNS = ("hash", "delivery_id", "scope", "store_id", "resource_id", "payload", "received_at", "status", "attempts",
            "next_attempt_at")
_PAGE = 99  # rows per INSERT: 990 parameters, under SQLite's smallest limit (999) and psycopg's (65,535)


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


class _BatchSql:
    """The batch's SQL for one dialect, as the driver takes it, and its values bound by the columns' own types
    (the UTC instants, the JSON payload) as SQLAlchemy binds them."""

    def __init__(self, dialect: Dialect) -> None:
        table = WebhookEventRow.metadata.tables[WebhookEventRow.__tablename__]
        self._mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self._bind = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in _COLUMNS]
        self._row = "(" + ", ".join([self._mark] * len(_COLUMNS)) + ")"
        self._table = table.name
        self._inserts: dict[int, str] = {}  # by rows

    def insert(self, rows: int) -> str:
        statement = self._inserts.get(rows)
        if statement is None:
            statement = self._inserts[rows] = (
                f"INSERT INTO {self._table} ({', '.join(_COLUMNS)}) VALUES {', '.join([self._row] * rows)} "
                "ON CONFLICT DO NOTHING RETURNING id, hash, delivery_id")
        return statement

    def duplicates(self, hashes: int, delivery_ids: int) -> str:
        where = f"hash IN ({', '.join([self._mark] * hashes)})"
        if delivery_ids:
            where += f" OR delivery_id IN ({', '.join([self._mark] * delivery_ids)})"
        return f"SELECT id, hash, delivery_id FROM {self._table} WHERE {where} ORDER BY id"

    def parameters(self, rows: list[dict[str, Any]]) -> list[Any]:
        """The rows' values in column order; a value its type refuses comes out as SQLAlchemy's StatementError."""
        try:
            return [process(row[name]) if process else row[name] for row in rows for name, process in self._bind]
        except Exception as error:
            raise StatementError(str(error), None, None, error) from error


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
        self._sql: dict[str, _BatchSql] = {}  # by dialect name
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
    def _batch_transaction(self) -> Iterator[Any]:
        """A driver cursor in a transaction, committed on leaving (the same engine and lock as `_writing`); a
        driver error comes out as SQLAlchemy's, for `translated`."""
        if self._engine is None:
            with self._sessions() as session:
                bind = session.get_bind()
            self._engine = bind if isinstance(bind, Engine) else bind.engine
        engine, dialect = self._engine, self._engine.dialect
        with self._write_lock if dialect.name == "sqlite" else nullcontext():
            connection = engine.raw_connection()
            cursor = None
            try:
                cursor = connection.cursor()
                if dialect.name == "sqlite":
                    cursor.execute("BEGIN IMMEDIATE")  # as the engine's "begin" hook does (engine.py)
                yield cursor
                connection.commit()
            except dialect.loaded_dbapi.Error as error:
                with suppress(dialect.loaded_dbapi.Error):
                    connection.rollback()
                if dialect.is_disconnect(error, connection.dbapi_connection, cursor):
                    connection.invalidate(error)  # the pool replaces it
                raise DBAPIError.instance(None, None, error, dialect.loaded_dbapi.Error) from error
            except BaseException:
                with suppress(dialect.loaded_dbapi.Error):
                    connection.rollback()
                raise
            finally:
                connection.close()  # back to the pool

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
            with translated(context), self._batch_transaction() as cursor:
                answers = self._insert_all(cursor, [d.values for d in batch])
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

    def _insert_all(self, cursor: Any, rows: list[dict[str, Any]]) -> list[Received]:
        """One INSERT ... ON CONFLICT DO NOTHING RETURNING per page of the batch, then one SELECT for the rows it
        skipped."""
        assert self._engine is not None  # set by `_batch_transaction`
        sql = self._sql.get(self._engine.dialect.name) or self._sql.setdefault(
            self._engine.dialect.name, _BatchSql(self._engine.dialect))
        inserted: dict[tuple[str, str | None], list[int]] = {}
        for page in range(0, len(rows), _PAGE):
            chunk = rows[page:page + _PAGE]
            cursor.execute(sql.insert(len(chunk)), sql.parameters(chunk))
            for new_id, digest, delivery_id in cursor.fetchall():
                inserted.setdefault((digest, delivery_id), []).append(new_id)
        answers: list[Received | None] = []
        for row in rows:  # a row came back iff it was stored; the first delivery of a (hash, id) pair claims it
            claimed = inserted.get((row["hash"], row["delivery_id"]))
            answers.append(Received(id=claimed.pop(0), duplicate=False) if claimed else None)
        skipped = [row for row, answer in zip(rows, answers, strict=True) if answer is None]
        if skipped:  # duplicates, of a stored event or of one earlier in this batch: by hash, else delivery id
            hashes = sorted({row["hash"] for row in skipped})
            delivery_ids = sorted({row["delivery_id"] for row in skipped if row["delivery_id"] is not None})
            cursor.execute(sql.duplicates(len(hashes), len(delivery_ids)), [*hashes, *delivery_ids])
            by_hash: dict[str, int] = {}
            by_delivery: dict[str, int] = {}
            for found, digest, delivery_id in cursor.fetchall():
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
