"""The store's lease during a long sync (SQLite rows with an expiry): renewed between batches, so no other
instance takes the store mid-run; when it is lost anyway, the sync stops cleanly before its next batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bookbridge.adapters.persistence import lease, make_engine, make_leases, upgrade
from bookbridge.adapters.persistence.tables import LeaseRow
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TTL = timedelta(hours=2)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")
COMMAND = SyncStore(store="uk", storefronts=(UK,), batch_size=4)


@pytest.fixture
def engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bookbridge.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def world(sandbox, make_world):
    source, store, uow, _ = make_world(families=5, name="uk")
    return sandbox, source, store, uow


def _holder(engine) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(select(LeaseRow.holder).where(LeaseRow.name == "sync:uk"))


def test_a_sync_longer_than_the_ttl_keeps_its_lease(engine, world):
    sandbox, source, store, uow = world
    lease_clock = FixedClock(NOW)
    other = make_leases(engine, clock=lease_clock)
    taken: list[bool] = []
    with lease(engine, "sync:uk", "a", TTL, clock=lease_clock) as held:
        assert held

        def one_hour_per_batch() -> bool:
            lease_clock.advance_to(lease_clock.now() + timedelta(hours=1))
            renewed = held.renew()
            taken.append(other.acquire("sync:uk", "b", TTL))  # another instance tries, after the renewal
            return renewed

        report = sync_store(COMMAND, source, store, uow, FixedClock(NOW), on_batch=one_hour_per_batch)
        assert _holder(engine) == "a"
    assert len(taken) >= 3  # the run outlived its 2-hour TTL ...
    assert not any(taken)  # ... and no other instance could take the store meanwhile
    assert report.ok and not report.stopped
    assert report.created == sum(1 for p in sandbox.state.products.values())


def test_a_sync_that_lost_its_lease_stops_before_the_next_batch(engine, world):
    sandbox, source, store, uow = world
    lease_clock = FixedClock(NOW)
    calls = 0
    with lease(engine, "sync:uk", "a", TTL, clock=lease_clock) as held:

        def lapse_after_the_first_batch() -> bool:
            nonlocal calls
            calls += 1
            if calls == 2:  # the process stalled past its TTL and another instance took the store
                lease_clock.advance_to(NOW + TTL + timedelta(minutes=1))
                assert make_leases(engine, clock=lease_clock).acquire("sync:uk", "b", TTL)
            return held.renew()

        report = sync_store(COMMAND, source, store, uow, FixedClock(NOW), on_batch=lapse_after_the_first_batch)
        assert held.lost
    assert report.stopped and calls == 2
    assert report.created == COMMAND.batch_size == len(sandbox.state.products)  # the first batch only
    with uow:
        [run] = uow.runs.recent_runs("uk", limit=1)
    assert run.outcome == "stopped"
    assert _holder(engine) == "b"  # the new holder's lease is left alone


def test_a_lapsed_lease_nobody_took_is_renewed(engine):
    clock = FixedClock(NOW)
    with lease(engine, "sync:uk", "a", TTL, clock=clock) as held:
        clock.advance_to(NOW + TTL + timedelta(minutes=5))
        assert held.renew() and not held.lost
        assert not make_leases(engine, clock=clock).acquire("sync:uk", "b", TTL)
    assert _holder(engine) is None  # released on exit
