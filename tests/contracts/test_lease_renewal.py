"""A held lease during a long job (`lease(...)` yields a HeldLease): renewed between steps, and lost when another
instance took it (SQLite: it lapsed and was taken) or its connection died (PostgreSQL: the advisory lock went
with it). A job stops when `renew()` answers False."""

from __future__ import annotations

import shutil
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from bookbridge.adapters.persistence import lease, make_engine, make_leases
from bookbridge.adapters.persistence.leases import AdvisoryLeases
from bookbridge.domain.ports import FixedClock

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TTL = timedelta(hours=2)
# PostgreSQL advisory locks are server-wide: a name of its own keeps other sessions on the server out of the way.
NAME = f"sync:renewal-{uuid.uuid4().hex[:12]}"


def _free(engine: Engine, clock: FixedClock, holder: str) -> bool:
    """Whether another instance could take the lease now (what it takes, it gives back at once)."""
    with lease(engine, NAME, holder, TTL, clock=clock) as taken:
        return bool(taken)


def test_a_held_lease_is_renewed_while_it_is_ours(engine: Engine) -> None:
    clock = FixedClock(NOW)
    with lease(engine, NAME, "a", TTL, clock=clock) as held:
        for hour in range(1, 6):  # five hours, renewed every hour: never lost, never free for another
            clock.advance_to(NOW + timedelta(hours=hour))
            assert held.renew() and not held.lost
            assert not _free(engine, clock, "b")
    assert _free(engine, clock, "b")  # released at the end


def test_a_lost_lease_says_so_and_stays_lost(engine: Engine) -> None:
    clock = FixedClock(NOW)
    other = make_leases(engine, clock=clock)
    try:
        with lease(engine, NAME, "a", TTL, clock=clock, renew_every=timedelta(0)) as held:
            if engine.dialect.name == "postgresql":
                leases = held._leases
                assert isinstance(leases, AdvisoryLeases)
                pid = leases._held[(NAME, "a")].scalar(select(func.pg_backend_pid()))
                with engine.connect() as admin:  # the holder's connection dies (a network cut, a restart)
                    admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                    admin.commit()
            else:
                clock.advance_to(NOW + TTL + timedelta(seconds=1))  # a stall past the TTL ...
            deadline = time.monotonic() + 10  # a terminated backend lets its locks go a moment later
            while not (taken := other.acquire(NAME, "b", TTL)) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert taken  # ... and another instance takes the store
            assert held.renew() is False and held.lost
            assert held.renew() is False
        assert not _free(engine, clock, "c")  # b's lease was left alone
    finally:
        other.close()


def test_renewal_is_spaced_by_the_clock(tmp_path: Path, sqlite_template: Path) -> None:
    # SQLite only: its lease is a row that each renewal writes (PostgreSQL's advisory lock needs no writes).
    shutil.copyfile(sqlite_template, tmp_path / "state.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    clock = FixedClock(NOW)
    try:
        with lease(engine, NAME, "a", TTL, clock=clock, renew_every=timedelta(minutes=10)) as held:
            clock.advance_to(NOW + TTL - timedelta(minutes=5))
            assert held.renew()  # due: extended to now + TTL
            clock.advance_to(NOW + TTL + timedelta(minutes=1))
            assert held.renew()  # not due yet (6 minutes since the last): no write, still ours
            assert not _free(engine, clock, "b")
    finally:
        engine.dispose()
