"""The persistence contracts, run against the in-memory adapters, SQLite and PostgreSQL.

Plus a stateful comparison: any sequence of report / clear / resolve gives the same observable results from
the in-memory queue (the reference) and the SQL queue, up to the choice of ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bookbridge.adapters.memory import InMemoryExceptionQueue, InMemorySyncState, InMemoryUnitOfWork
from bookbridge.adapters.persistence import (
    SqlAlchemyExceptionQueue,
    SqlAlchemySyncState,
    SqlAlchemyUnitOfWork,
    make_session_factory,
)
from bookbridge.domain.ports import ExceptionKind, ExceptionQueue, FixedClock, SyncException, SyncState, UnitOfWork
from bookbridge.testing import ExceptionQueueContract, SyncStateContract, UnitOfWorkContract

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


class TestInMemoryExceptionQueue(ExceptionQueueContract):
    def make_queue(self) -> ExceptionQueue:
        return InMemoryExceptionQueue()


class TestInMemorySyncState(SyncStateContract):
    def make_state(self) -> SyncState:
        return InMemorySyncState()


class TestInMemoryUnitOfWork(UnitOfWorkContract):
    def make_uow(self) -> UnitOfWork:
        return InMemoryUnitOfWork()


class OnCleanDatabase:
    """Each test gets a migrated, empty database (SQLite and PostgreSQL) and a session on it."""

    engine: Engine
    session: Session

    @pytest.fixture(autouse=True)
    def _database(self, engine: Engine) -> Iterator[None]:
        self.engine = engine
        with Session(engine) as session:
            self.session = session
            yield


class TestSqlAlchemyExceptionQueue(OnCleanDatabase, ExceptionQueueContract):
    def make_queue(self) -> ExceptionQueue:
        return SqlAlchemyExceptionQueue(self.session)


class TestSqlAlchemySyncState(OnCleanDatabase, SyncStateContract):
    def make_state(self) -> SyncState:
        return SqlAlchemySyncState(self.session, clock=FixedClock(NOW))


class TestSqlAlchemyUnitOfWork(OnCleanDatabase, UnitOfWorkContract):
    def make_uow(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(make_session_factory(self.engine), clock=FixedClock(NOW))


# --- stateful comparison ------------------------------------------------------------------------------------------

ISBNS = st.sampled_from(["9780007232833", "9780141036144", "9781408855652"])
STOREFRONTS = st.sampled_from(["uk", "us"])
# PostgreSQL text cannot hold NUL, and UTF-8 cannot hold lone surrogates: neither occurs in store or ONIX text.
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)


class ExceptionQueueComparison(RuleBasedStateMachine):
    """Ids may differ (PostgreSQL sequences do not roll back between examples), so ids are paired as they appear."""

    ids = Bundle("ids")

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.connection = engine.connect()
        self.transaction = self.connection.begin()  # rolled back in teardown: every example starts empty
        self.session = Session(bind=self.connection, join_transaction_mode="create_savepoint")
        self.memory = InMemoryExceptionQueue()
        self.sql = SqlAlchemyExceptionQueue(self.session)
        self.sql_id: dict[int, int] = {}  # memory id -> SQL id
        self.now = NOW

    def _tick(self, minutes: int) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def _same(self, memory: SyncException, sql: SyncException) -> None:
        expected = self.sql_id.setdefault(memory.id, sql.id)
        assert sql.id == expected
        assert replace(sql, id=memory.id) == memory

    @rule(
        target=ids,
        kind=st.sampled_from(ExceptionKind),
        isbn=st.none() | ISBNS,
        storefront=st.none() | STOREFRONTS,
        message=TEXT,
        field=st.none() | st.sampled_from(["name", "price", "images[0].url"]),
        minutes=st.integers(0, 90),
    )
    def report(
        self, kind: ExceptionKind, isbn: str | None, storefront: str | None, message: str, field: str | None,
        minutes: int,
    ) -> int:
        at = self._tick(minutes)
        memory = self.memory.report(kind, isbn=isbn, storefront=storefront, message=message, field=field, at=at)
        sql = self.sql.report(kind, isbn=isbn, storefront=storefront, message=message, field=field, at=at)
        self._same(memory, sql)
        return memory.id

    @rule(
        isbn=ISBNS,
        storefront=STOREFRONTS,
        kinds=st.none() | st.sets(st.sampled_from(ExceptionKind)),
        minutes=st.integers(0, 90),
    )
    def clear(self, isbn: str, storefront: str, kinds: set[ExceptionKind] | None, minutes: int) -> None:
        at = self._tick(minutes)
        cleared = self.memory.clear(isbn=isbn, storefront=storefront, at=at, kinds=kinds)
        assert self.sql.clear(isbn=isbn, storefront=storefront, at=at, kinds=kinds) == cleared

    @rule(exception_id=consumes(ids) | st.integers(1000, 1010), note=TEXT, minutes=st.integers(0, 90))
    def resolve(self, exception_id: int, note: str, minutes: int) -> None:
        at = self._tick(minutes)
        known = exception_id in self.sql_id
        if not known:
            with pytest.raises(KeyError):
                self.memory.resolve(exception_id, note=note, at=at)
            with pytest.raises(KeyError):
                self.sql.resolve(exception_id + 10_000_000, note=note, at=at)
            return
        memory = self.memory.resolve(exception_id, note=note, at=at)
        self._same(memory, self.sql.resolve(self.sql_id[exception_id], note=note, at=at))

    @invariant()
    def open_items_agree(self) -> None:
        memory, sql = self.memory.open_items(), self.sql.open_items()
        assert len(memory) == len(sql)
        for m, s in zip(memory, sql, strict=True):
            self._same(m, s)

    def teardown(self) -> None:
        self.session.close()
        self.transaction.rollback()
        self.connection.close()


def test_the_sql_exception_queue_behaves_like_the_in_memory_one(engine: Engine) -> None:
    run_state_machine_as_test(
        lambda: ExceptionQueueComparison(engine),  # type: ignore[arg-type]  # a factory is documented and works
        settings=settings(
            max_examples=40, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        ),
    )
