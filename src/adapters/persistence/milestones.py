"""The milestone log in SQL: one `milestone_events` row per transition and the outcome of its store action."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.tables import MilestoneEventRow
from bookbridge.domain.milestones import MilestoneEvent, MilestoneRecord, Transition
from bookbridge.domain.ports import MilestoneLog


def _from_row(row: MilestoneEventRow) -> MilestoneRecord:
    event = MilestoneEvent(isbn=row.isbn, transition=Transition(row.transition), before=row.before, after=row.after)
    return MilestoneRecord(at=row.at, store=row.store, event=event, action=row.action, ok=row.ok, detail=row.detail,
                           exception_id=row.exception_id, id=row.id, pending=row.pending)


class SqlAlchemyMilestoneLog(MilestoneLog):
    """Each record commits on its own: a later failure must not erase what an action already did."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, record: MilestoneRecord) -> MilestoneRecord:
        event = record.event
        row = MilestoneEventRow(at=record.at, store=record.store, isbn=event.isbn, transition=str(event.transition),
                                before=event.before, after=event.after, action=record.action, ok=record.ok,
                                detail=record.detail, exception_id=record.exception_id, pending=record.pending)
        with translated(f"milestone {event.transition} of {event.isbn}"), Session(self._engine) as session:
            session.add(row)
            session.commit()
            return _from_row(row)

    def recent(self, *, limit: int = 50, isbn: str | None = None) -> list[MilestoneRecord]:
        query = select(MilestoneEventRow).order_by(MilestoneEventRow.id.desc()).limit(limit)
        if isbn is not None:
            query = query.where(MilestoneEventRow.isbn == isbn)
        with translated("milestone events"), Session(self._engine) as session:
            return [_from_row(row) for row in session.scalars(query)]

    def pending(self, store: str) -> list[MilestoneRecord]:
        query = (select(MilestoneEventRow).where(MilestoneEventRow.store == store, MilestoneEventRow.pending)
                 .order_by(MilestoneEventRow.id))
        with translated(f"pending milestone actions of store {store!r}"), Session(self._engine) as session:
            return [_from_row(row) for row in session.scalars(query)]

    def settle(self, record_id: int, *, ok: bool, detail: str, at: datetime,
               exception_id: int | None = None) -> MilestoneRecord | None:
        # One conditional UPDATE: of two instances settling the same record, one wins.
        query = (update(MilestoneEventRow).where(MilestoneEventRow.id == record_id, MilestoneEventRow.pending)
                 .values(pending=False, ok=ok, detail=detail, exception_id=exception_id, at=at)
                 .returning(MilestoneEventRow.id))
        with translated(f"milestone event {record_id}"), Session(self._engine) as session:
            done = session.execute(query).scalar_one_or_none()
            session.commit()
            row = session.get(MilestoneEventRow, record_id) if done is not None else None
            return _from_row(row) if row is not None else None
