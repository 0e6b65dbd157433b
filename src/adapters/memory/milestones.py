"""The milestone log in memory: a list, for tests and for trying bookbridge without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bookbridge.domain.milestones import MilestoneRecord
from bookbridge.domain.ports import MilestoneLog


class InMemoryMilestoneLog(MilestoneLog):
    def __init__(self) -> None:
        self.records: list[MilestoneRecord] = []

    def record(self, record: MilestoneRecord) -> MilestoneRecord:
        kept = replace(record, id=len(self.records) + 1)
        self.records.append(kept)
        return kept

    def recent(self, *, limit: int = 50, isbn: str | None = None) -> list[MilestoneRecord]:
        return [r for r in reversed(self.records) if isbn is None or r.event.isbn == isbn][:limit]

    def pending(self, store: str) -> list[MilestoneRecord]:
        return [r for r in self.records if r.pending and r.store == store]

    def settle(self, record_id: int, *, ok: bool, detail: str, at: datetime,
               exception_id: int | None = None) -> MilestoneRecord | None:
        found = next((i for i, r in enumerate(self.records) if r.id == record_id and r.pending), None)
        if found is None:
            return None
        self.records[found] = replace(self.records[found], pending=False, ok=ok, detail=detail, at=at,
                                      exception_id=exception_id)
        return self.records[found]
