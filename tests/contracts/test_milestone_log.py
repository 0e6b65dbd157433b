"""The SQL milestone log keeps every record, newest first, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bookbridge.adapters.persistence.milestones import SqlAlchemyMilestoneLog
from bookbridge.domain.milestones import MilestoneEvent, MilestoneRecord, Transition

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def test_records_come_back_newest_first_with_their_ids_and_filter_by_isbn(engine: Engine):
    log = SqlAlchemyMilestoneLog(engine)
    first = log.record(MilestoneRecord(at=NOW, store="shop", action="create-hidden", ok=True, detail="hidden",
                                       event=MilestoneEvent("9780306406157", Transition.METADATA_LOCKED, "no", "yes")))
    second = log.record(MilestoneRecord(at=NOW + timedelta(minutes=1), store="shop", action="schedule-launch",
                                        ok=False, detail="no publication date", exception_id=7,
                                        event=MilestoneEvent("9781861972712", Transition.DATE_CONFIRMED, "no", None)))
    assert first.id is not None and second.id is not None and second.id > first.id
    assert log.recent() == [second, first]
    assert log.recent(isbn="9780306406157") == [first]
    assert log.recent(limit=1) == [second]
    assert second.at == NOW + timedelta(minutes=1) and second.at.tzinfo is not None
