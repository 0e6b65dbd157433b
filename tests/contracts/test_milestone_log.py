"""The SQL milestone log keeps every record, newest first, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bookbridge.adapters.memory import InMemoryMilestoneLog
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


@pytest.mark.parametrize("log_of", [SqlAlchemyMilestoneLog, lambda engine: InMemoryMilestoneLog()],
                         ids=["sql", "memory"])
def test_a_queued_action_stays_pending_until_one_settle_wins(engine: Engine, log_of):
    log = log_of(engine)
    done = log.record(MilestoneRecord(at=NOW, store="shop", action="sync", ok=True, detail="applied",
                                      event=MilestoneEvent("9780306406157", Transition.ACTIVE, "02", "04")))
    first, other = _queued(log, "shop", "9781861972712"), _queued(log, "elsewhere", "9780131103627")
    second = _queued(log, "shop", "9780262033848")
    assert first.pending and not done.pending
    assert log.pending("shop") == [first, second] and log.pending("elsewhere") == [other]
    later = NOW + timedelta(minutes=5)
    settled = log.settle(first.id, ok=True, detail="launch job at:shop:x", at=later)
    assert settled is not None and (settled.pending, settled.ok, settled.detail, settled.at) == (
        False, True, "launch job at:shop:x", later)
    assert log.settle(first.id, ok=False, detail="again", at=later) is None, "settled once only"
    assert log.settle(done.id, ok=False, detail="not pending", at=later) is None
    assert log.pending("shop") == [second]
    assert log.recent(isbn="9781861972712") == [settled]


def _queued(log, store: str, isbn: str) -> MilestoneRecord:
    return log.record(MilestoneRecord(at=NOW, store=store, action="schedule-launch", ok=False, pending=True,
                                      detail="queued for the service",
                                      event=MilestoneEvent(isbn, Transition.DATE_CONFIRMED, "no", "2027-03-01")))
