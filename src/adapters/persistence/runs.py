"""Sync runs and the per-edition outcome log: what each run did, for the dashboard and for audits.

`SqlAlchemyRunLog` implements the RunLog port; it is reached as `uow.runs` and writes in the unit of work's
transaction, so a batch's outcomes commit together with its applied state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.tables import EditionOutcomeRow, SyncRunRow
from bookbridge.domain.ports import EditionOutcome, RunLog, SyncRun
from bookbridge.domain.redaction import NO_SECRETS
from bookbridge.domain.words import plural

logger = logging.getLogger(__name__)
RUNNING = "running"
CRASHED = "crashed"


def run_from_row(row: SyncRunRow) -> SyncRun:
    return SyncRun(
        id=row.id,
        storefront=row.storefront,
        started=row.started,
        finished=row.finished,
        counts={str(k): int(v) for k, v in row.counts.items()},
        outcome=row.outcome,
        what=row.what,
    )


def outcome_from_row(row: EditionOutcomeRow) -> EditionOutcome:
    return EditionOutcome(
        run_id=row.run_id,
        key=row.key,
        isbn=row.isbn,
        action=row.action,
        sections=tuple(row.sections),
        ok=row.ok,
        error=row.error,
        at=row.at,
    )


class SqlAlchemyRunLog(RunLog):
    def __init__(self, session: Session, *, redact: Callable[[str], str] = NO_SECRETS) -> None:
        self._redact = redact
        self._session = session

    def start_run(self, storefront: str, *, at: datetime, what: str | None = None) -> SyncRun:
        row = SyncRunRow(storefront=storefront, started=at, counts={}, outcome=RUNNING, what=what)
        with translated(f"sync run of store {storefront!r}"):  # a run is per store
            self._session.add(row)
            self._session.flush()
        return run_from_row(row)

    def finish_run(self, run_id: int, *, at: datetime, counts: Mapping[str, int], outcome: str) -> SyncRun:
        with translated(f"sync run {run_id}", "counts"):
            row = self._session.get(SyncRunRow, run_id)
            if row is None:
                raise KeyError(f"no sync run with id {run_id}")
            row.finished, row.counts, row.outcome = at, dict(counts), outcome
            self._session.flush()
        return run_from_row(row)

    def log_outcome(
        self,
        run_id: int,
        *,
        key: str,
        isbn: str | None,
        action: str,
        sections: Sequence[str],
        ok: bool,
        error: str | None = None,
        at: datetime,
    ) -> EditionOutcome:
        row = EditionOutcomeRow(
            run_id=run_id, key=key, isbn=isbn, action=action, sections=[str(s) for s in sections], ok=ok,
            error=None if error is None else self._redact(error), at=at,
        )
        with translated(f"outcome of {key!r} in sync run {run_id}"):
            self._session.add(row)  # inserted with the transaction's next flush: a batch's outcomes together
        return outcome_from_row(row)

    def recent_runs(self, storefront: str | None = None, *, limit: int = 20) -> list[SyncRun]:
        """Newest first."""
        query = select(SyncRunRow)
        if storefront is not None:
            query = query.where(SyncRunRow.storefront == storefront)
        with translated("recent sync runs"):
            rows = self._session.scalars(query.order_by(SyncRunRow.started.desc(), SyncRunRow.id.desc()).limit(limit))
            return [run_from_row(row) for row in rows]

    def outcomes(self, run_id: int, *, isbn: str | None = None, key: str | None = None) -> list[EditionOutcome]:
        """A run's outcomes in the order they were logged; `isbn` narrows to one edition, `key` to one key."""
        query = select(EditionOutcomeRow).where(EditionOutcomeRow.run_id == run_id)
        if isbn is not None:
            query = query.where(EditionOutcomeRow.isbn == isbn)
        if key is not None:
            query = query.where(EditionOutcomeRow.key == key)
        with translated(f"outcomes of sync run {run_id}"):
            rows = self._session.scalars(query.order_by(EditionOutcomeRow.id)).all()
        return [outcome_from_row(row) for row in rows]


def close_abandoned_runs(engine: Engine, storefronts: Sequence[str], *, at: datetime) -> int:
    """Mark `crashed` the runs of these storefronts still `running`. Call it holding the store's sync lease: no
    other sync of the store can be running then, so such a run's process died (SIGKILL, power cut)."""
    with translated(f"abandoned sync runs of {', '.join(storefronts)}"), engine.begin() as connection:
        closed = connection.execute(
            update(SyncRunRow).where(SyncRunRow.storefront.in_(list(storefronts)), SyncRunRow.outcome == RUNNING)
            .values(outcome=CRASHED, finished=at)
        )
    if closed.rowcount:
        logger.warning("closed %s of %s left running by a process that died", plural(closed.rowcount, "sync run"),
                       ", ".join(storefronts))
    return int(closed.rowcount)
