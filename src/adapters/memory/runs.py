"""The run log in memory, with the same behaviour as the SQL adapter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from bookbridge.domain.ports import EditionOutcome, RunLog, SyncRun


class InMemoryRunLog(RunLog):
    def __init__(self) -> None:
        self.runs: dict[int, SyncRun] = {}
        self.logged: list[EditionOutcome] = []

    def start_run(self, storefront: str, *, at: datetime, what: str | None = None) -> SyncRun:
        run = SyncRun(id=len(self.runs) + 1, storefront=storefront, started=at, what=what)
        self.runs[run.id] = run
        return run

    def finish_run(self, run_id: int, *, at: datetime, counts: Mapping[str, int], outcome: str) -> SyncRun:
        if run_id not in self.runs:
            raise KeyError(f"no sync run with id {run_id}")
        run = replace(self.runs[run_id], finished=at, counts=dict(counts), outcome=outcome)
        self.runs[run_id] = run
        return run

    def log_outcome(self, run_id: int, *, key: str, isbn: str | None, action: str, sections: Sequence[str],
                    ok: bool, error: str | None = None, at: datetime) -> EditionOutcome:
        outcome = EditionOutcome(run_id=run_id, key=key, isbn=isbn, action=action, sections=tuple(sections), ok=ok,
                                 error=error, at=at)
        self.logged.append(outcome)
        return outcome

    def recent_runs(self, storefront: str | None = None, *, limit: int = 20) -> list[SyncRun]:
        runs = [r for r in self.runs.values() if storefront is None or r.storefront == storefront]
        return sorted(runs, key=lambda r: r.id, reverse=True)[:limit]

    def outcomes(self, run_id: int, *, isbn: str | None = None, key: str | None = None) -> list[EditionOutcome]:
        return [o for o in self.logged if o.run_id == run_id and (isbn is None or o.isbn == isbn)
                and (key is None or o.key == key)]
