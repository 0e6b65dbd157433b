"""Leases know their holder: a dead holder on this host loses its lease at once, the operator can list and free
leases, and runs a dead holder left `running` are closed as `crashed` by the next holder of the sync lease."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bookbridge.adapters.persistence import close_abandoned_runs, holder_id, make_engine, make_leases
from bookbridge.adapters.persistence.engine import make_session_factory
from bookbridge.adapters.persistence.leases import RowLeases, holder_is_gone
from bookbridge.adapters.persistence.runs import SqlAlchemyRunLog
from bookbridge.domain.ports import FixedClock

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_holder_is_gone_only_for_a_dead_process_on_this_host() -> None:
    host = socket.gethostname()
    assert holder_is_gone(f"{host}:{_dead_pid()}")
    assert not holder_is_gone(holder_id())  # ourselves
    assert not holder_is_gone(f"{host}:1")  # alive (init), even if not ours to signal
    assert not holder_is_gone(f"another-host.example:{_dead_pid()}")  # cannot tell: wait for the ttl
    assert not holder_is_gone("nightly-worker")  # not host:pid


def test_a_lease_of_a_dead_holder_on_this_host_is_taken_over_at_once(sqlite_engine: Engine) -> None:
    clock = FixedClock(NOW)
    dead = f"{socket.gethostname()}:{_dead_pid()}"
    first, second = RowLeases(sqlite_engine, clock=clock), RowLeases(sqlite_engine, clock=clock)
    assert first.acquire("sync:shop", dead, timedelta(hours=2))
    assert second.acquire("sync:shop", holder_id(), TTL)  # long before the two hours are up
    assert [(i.name, i.holder) for i in second.held()] == [("sync:shop", holder_id())]
    assert not first.renew("sync:shop", dead, TTL)


def test_a_live_holder_elsewhere_keeps_its_lease_until_its_ttl(sqlite_engine: Engine) -> None:
    clock = FixedClock(NOW)
    leases = RowLeases(sqlite_engine, clock=clock)
    assert leases.acquire("sync:shop", f"another-host.example:{_dead_pid()}", TTL)
    assert not leases.acquire("sync:shop", holder_id(), TTL)
    clock.advance_to(NOW + TTL)
    assert leases.acquire("sync:shop", holder_id(), TTL)


def test_the_operator_can_list_and_free_a_lease(engine: Engine) -> None:
    leases, other = make_leases(engine), make_leases(engine)
    try:
        assert leases.acquire("sync:shop", "somewhere:42", TTL)
        assert ("sync:shop", "somewhere:42") in [(i.name, i.holder) for i in leases.held()]
        assert not other.acquire("sync:shop", "here:7", TTL)
        assert other.force_release("sync:shop")
        assert other.acquire("sync:shop", "here:7", TTL)
        assert not other.force_release("no-such-lease")
    finally:
        other.close()
        leases.close()


def test_runs_left_running_are_closed_as_crashed(engine: Engine) -> None:
    session_factory = make_session_factory(engine)
    with session_factory() as session:
        runs = SqlAlchemyRunLog(session)
        abandoned = runs.start_run("shop", at=NOW)
        other_store = runs.start_run("other", at=NOW)
        finished = runs.start_run("shop", at=NOW)
        runs.finish_run(finished.id, at=NOW, counts={}, outcome="ok")
        session.commit()
    assert close_abandoned_runs(engine, ["shop"], at=NOW + TTL) == 1
    with session_factory() as session:
        outcomes = {r.id: r.outcome for r in SqlAlchemyRunLog(session).recent_runs(limit=10)}
    assert outcomes == {abandoned.id: "crashed", other_store.id: "running", finished.id: "ok"}


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """Row leases are the SQLite implementation (PostgreSQL uses advisory locks, freed with their session)."""
    path = tmp_path / "leases.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()
