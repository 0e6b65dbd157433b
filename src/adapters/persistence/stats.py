"""Counts the metrics endpoint reads at scrape time: runs by outcome, open exceptions by kind, webhook events.

One short read-only query per table on an AUTOCOMMIT connection, so a scrape never waits behind a writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.tables import ExceptionRow, SyncRunRow, WebhookEventRow


@dataclass(frozen=True)
class DatabaseStats:
    runs_by_outcome: dict[tuple[str, str], int] = field(default_factory=dict)  # (storefront, outcome) -> runs
    open_exceptions_by_kind: dict[str, int] = field(default_factory=dict)
    webhook_events_by_status: dict[str, int] = field(default_factory=dict)


def database_stats(engine: Engine) -> DatabaseStats:
    runs = select(SyncRunRow.storefront, SyncRunRow.outcome, func.count()).group_by(SyncRunRow.storefront,
                                                                                    SyncRunRow.outcome)
    exceptions = (select(ExceptionRow.kind, func.count()).where(ExceptionRow.resolved_at.is_(None))
                  .group_by(ExceptionRow.kind))
    events = select(WebhookEventRow.status, func.count()).group_by(WebhookEventRow.status)
    with translated("metrics"), engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return DatabaseStats(
            runs_by_outcome={(str(s), str(o)): int(n) for s, o, n in connection.execute(runs)},
            open_exceptions_by_kind={str(k): int(n) for k, n in connection.execute(exceptions)},
            webhook_events_by_status={str(s): int(n) for s, n in connection.execute(events)},
        )
