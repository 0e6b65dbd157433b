"""The exception queue in SQL, with the in-memory queue's rules: one open item per (kind, isbn, storefront), and
a problem reported again after it was resolved reopens its own item (same id, count going on) instead of
opening a new one.

Opening and resolving an item also writes one outbox message per notification target, in the same
transaction, so a notification is sent if and only if the change was committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.mapping import exception_from_row, exception_payload, place_as_it_is
from bookbridge.adapters.persistence.outbox import SqlAlchemyOutbox
from bookbridge.adapters.persistence.tables import ExceptionRow
from bookbridge.domain.ports import ExceptionKind, ExceptionQueue, SyncException
from bookbridge.domain.redaction import NO_SECRETS

AUTO_RESOLUTION = "resolved by a later successful sync"  # the in-memory queue's wording


class SqlAlchemyExceptionQueue(ExceptionQueue):
    def __init__(self, session: Session, *, notify: Sequence[str] = (), redact: Callable[[str], str] = NO_SECRETS,
                 where: Callable[[str | None], str | None] = place_as_it_is) -> None:
        self._session = session
        self._redact = redact
        self._where = where  # an exception's place in words, for the outbox messages
        self._outbox = SqlAlchemyOutbox(session)
        self._notify = tuple(notify)

    def report(
        self,
        kind: ExceptionKind,
        *,
        isbn: str | None,
        storefront: str | None,
        message: str,
        field: str | None = None,
        at: datetime,
    ) -> SyncException:
        record = f"{kind} exception for {isbn or 'no ISBN'} on {storefront or 'no storefront'}"
        message = self._redact(message)
        with translated(record):
            same = select(ExceptionRow).where(
                ExceptionRow.kind == str(kind),
                ExceptionRow.isbn.is_not_distinct_from(isbn),
                ExceptionRow.storefront.is_not_distinct_from(storefront),
            )
            row = self._session.scalars(
                same.where(ExceptionRow.resolved_at.is_(None)).order_by(ExceptionRow.id).limit(1)
            ).first()
            if row is not None:
                row.count += 1
                row.last_seen, row.message, row.field = at, message, field
                self._session.flush()
                return exception_from_row(row)
            row = self._session.scalars(same.order_by(ExceptionRow.id.desc()).limit(1)).first()
            if row is not None:  # resolved, and here again: the same problem reopens under its own id
                row.count += 1
                row.last_seen, row.message, row.field = at, message, field
                row.resolved_at, row.resolution = None, None
                self._session.flush()
                item = exception_from_row(row)
                self._announce(item, "exception.opened", at)
                return item
            row = ExceptionRow(
                kind=str(kind),
                isbn=isbn,
                storefront=storefront,
                message=message,
                field=field,
                count=1,
                first_seen=at,
                last_seen=at,
            )
            self._session.add(row)
            self._session.flush()
        item = exception_from_row(row)
        self._announce(item, "exception.opened", at)
        return item

    def clear(self, *, isbn: str, storefront: str, at: datetime, kinds: Iterable[ExceptionKind] | None = None) -> int:
        query = select(ExceptionRow).where(
            ExceptionRow.isbn == isbn, ExceptionRow.storefront == storefront, ExceptionRow.resolved_at.is_(None)
        )
        if kinds is not None:
            query = query.where(ExceptionRow.kind.in_([str(k) for k in kinds]))
        with translated(f"exceptions for {isbn} on {storefront!r}"):
            rows = self._session.scalars(query.order_by(ExceptionRow.id)).all()
            for row in rows:
                row.resolved_at, row.resolution = at, AUTO_RESOLUTION
            self._session.flush()
        for row in rows:
            self._announce(exception_from_row(row), "exception.resolved", at)
        return len(rows)

    def resolve(self, exception_id: int, *, note: str, at: datetime) -> SyncException:
        with translated(f"exception {exception_id}", "resolution"):
            row = self._session.get(ExceptionRow, exception_id)
            if row is None:
                raise KeyError(f"no exception with id {exception_id}")
            row.resolved_at, row.resolution = at, note
            self._session.flush()
        item = exception_from_row(row)
        self._announce(item, "exception.resolved", at)
        return item

    def open_items(self) -> list[SyncException]:
        with translated("open exceptions"):
            rows = self._session.scalars(
                select(ExceptionRow).where(ExceptionRow.resolved_at.is_(None)).order_by(ExceptionRow.id)
            ).all()
        return [exception_from_row(row) for row in rows]

    def get(self, exception_id: int) -> SyncException:
        """One item, open or resolved (`exceptions show`)."""
        with translated(f"exception {exception_id}"):
            row = self._session.get(ExceptionRow, exception_id)
        if row is None:
            raise KeyError(f"no exception with id {exception_id}")
        return exception_from_row(row)

    def _announce(self, item: SyncException, event: str, at: datetime) -> None:
        for target in self._notify:
            self._outbox.add(target, exception_payload(item, event, where=self._where(item.storefront)), at=at)
