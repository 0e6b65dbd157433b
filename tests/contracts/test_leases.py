"""Leases: at most one holder at a time, across processes; the next holder gets in after release or expiry.

PostgreSQL holds a session advisory lock (freed when the holder's connection dies); SQLite an expiring row.
"""

from __future__ import annotations

import multiprocessing
import queue
import shutil
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bookbridge.adapters.persistence import lease, make_engine, make_leases
from bookbridge.adapters.persistence.leases import AdvisoryLeases, RowLeases
from bookbridge.domain.ports import FixedClock

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)
LEASE = "nightly-sync"


def test_one_holder_at_a_time_through_the_context_manager(engine: Engine) -> None:
    with lease(engine, "sync:uk", "a", TTL) as a:
        assert a
        with lease(engine, "sync:uk", "b", TTL) as b:
            assert not b
        with lease(engine, "sync:us", "b", TTL) as other_name:
            assert other_name
    with lease(engine, "sync:uk", "b", TTL) as b_later:
        assert b_later


def test_only_the_holder_can_release(engine: Engine) -> None:
    leases = make_leases(engine)
    try:
        assert leases.acquire("job", "a", TTL)
        leases.release("job", "b")
        assert not leases.acquire("job", "b", TTL)
        assert leases.renew("job", "a", TTL) and not leases.renew("job", "b", TTL)
        leases.release("job", "a")
        assert not leases.renew("job", "a", TTL)
        assert leases.acquire("job", "b", TTL)
    finally:
        leases.close()


def test_a_row_lease_expires_unless_renewed(engine: Engine) -> None:
    clock = FixedClock(NOW)
    leases = RowLeases(engine, clock=clock)
    assert leases.acquire("job", "a", TTL)
    assert leases.acquire("job", "a", TTL)  # re-entrant for the same holder: extends
    clock.advance_to(NOW + timedelta(minutes=4))
    assert leases.renew("job", "a", TTL)  # now good until 10:09
    clock.advance_to(NOW + timedelta(minutes=8))
    assert not leases.acquire("job", "b", TTL)
    clock.advance_to(NOW + timedelta(minutes=9))
    assert leases.acquire("job", "b", TTL)  # a's lease expired at 10:09
    assert not leases.renew("job", "a", TTL)


@pytest.mark.postgres
def test_postgres_uses_advisory_locks(postgres_engine: Engine) -> None:
    assert isinstance(make_leases(postgres_engine), AdvisoryLeases)
    first, second = make_leases(postgres_engine), make_leases(postgres_engine)
    try:
        assert first.acquire("job", "a", TTL)
        assert not second.acquire("job", "b", TTL)
        first.close()  # closing frees everything held
        assert second.acquire("job", "b", TTL)
    finally:
        first.close()
        second.close()


# --- across processes ---------------------------------------------------------------------------------------------


def _serve(url: str, holder: str, ttl_seconds: float, commands: Queue[Any], results: Queue[Any]) -> None:
    """A lease holder in its own process: does what it is told, and renews what it holds between commands."""
    engine = make_engine(url)
    leases = make_leases(engine)
    ttl, holding = timedelta(seconds=ttl_seconds), False
    while True:
        try:
            command, patience = commands.get(timeout=ttl_seconds / 4)
        except queue.Empty:
            if holding:
                assert leases.renew(LEASE, holder, ttl)
            continue
        if command == "acquire":
            deadline = time.monotonic() + patience
            while not (holding := leases.acquire(LEASE, holder, ttl)) and time.monotonic() < deadline:
                time.sleep(0.05)
            results.put(holding)
        elif command == "release":
            leases.release(LEASE, holder)
            holding = False
            results.put(None)
        else:
            break
    leases.close()
    engine.dispose()


class _Holder:
    """Drives one `_serve` process. Each has its own queues: killing a process that shares a queue can leave the
    queue's lock taken."""

    def __init__(self, url: str, holder: str, ttl_seconds: float) -> None:
        spawn = multiprocessing.get_context("spawn")
        self.commands: Queue[Any] = spawn.Queue()
        self.results: Queue[Any] = spawn.Queue()
        self.process = spawn.Process(target=_serve, args=(url, holder, ttl_seconds, self.commands, self.results))
        self.process.start()

    def acquire(self, patience: float = 0.0) -> bool:
        self.commands.put(("acquire", patience))
        return bool(self.results.get(timeout=30))

    def release(self) -> None:
        self.commands.put(("release", 0.0))
        self.results.get(timeout=30)

    def stop(self) -> None:
        if self.process.is_alive():
            self.commands.put(("stop", 0.0))
            self.process.join(10)


def _holder_exclusion_across_processes(url: str, ttl_seconds: float) -> None:
    a, b = _Holder(url, "a", ttl_seconds), _Holder(url, "b", ttl_seconds)  # both start (and import) at once
    try:
        assert a.acquire()
        assert not b.acquire()  # a holds it
        time.sleep(ttl_seconds * 1.5)
        assert not b.acquire()  # a renews it
        a.release()
        assert b.acquire()  # a released it
        assert not a.acquire()
        b.process.kill()  # b dies holding the lease, without releasing it
        b.process.join(10)
        assert a.acquire(patience=15.0)  # PostgreSQL: b's connection died; SQLite: b's lease expired
    finally:
        a.stop()
        b.process.kill()


@pytest.mark.postgres
def test_two_processes_never_hold_a_postgres_lease_together(postgres_engine: Engine) -> None:
    _holder_exclusion_across_processes(postgres_engine.url.render_as_string(hide_password=False), ttl_seconds=1)


def test_two_processes_never_hold_a_sqlite_lease_together(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "leases.db"
    shutil.copyfile(sqlite_template, path)
    _holder_exclusion_across_processes(f"sqlite:///{path}", ttl_seconds=1)
