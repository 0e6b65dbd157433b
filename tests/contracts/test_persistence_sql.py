"""What the SQL adapters add beyond the port contracts: the outbox, the run log, stored times, and errors
that name the record and the field. Ends with a whole sync over SQL, checked against the in-memory run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork
from bookbridge.adapters.persistence import PersistenceError, SqlAlchemyUnitOfWork, make_session_factory
from bookbridge.adapters.persistence.tables import CatalogueFamilyRow
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.listing import Section
from bookbridge.domain.ports import ExceptionKind, FixedClock
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.testing.sync_state_contract import applied, family

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
ISBN = "9780007232833"


def make_uow(engine: Engine, clock: FixedClock | None = None, notify: tuple[str, ...] = ()) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(make_session_factory(engine), clock=clock or FixedClock(NOW), notify=notify)


# --- the outbox -----------------------------------------------------------------------------------------------------


def test_opening_and_resolving_an_exception_writes_outbox_messages_in_the_same_transaction(engine: Engine) -> None:
    uow = make_uow(engine, notify=("webhook", "slack"))
    with uow:
        uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=ISBN, storefront="uk", message="m", at=NOW)
        # rolled back: neither the exception nor its messages exist
    with uow:
        assert uow.outbox.due(at=NOW) == []
        item = uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=ISBN, storefront="uk", message="m", at=NOW)
        uow.exceptions.report(ExceptionKind.STORE_REJECTION, isbn=ISBN, storefront="uk", message="m", at=NOW)
        uow.exceptions.clear(isbn=ISBN, storefront="uk", at=NOW + timedelta(minutes=1))
        uow.commit()
    with uow:
        messages = uow.outbox.due(at=NOW + timedelta(minutes=1))
    assert [(m.target, m.payload["event"]) for m in messages] == [
        ("webhook", "exception.opened"),
        ("slack", "exception.opened"),
        ("webhook", "exception.resolved"),
        ("slack", "exception.resolved"),
    ]  # a repeat report is not news
    assert messages[0].payload["exception"]["id"] == item.id
    assert messages[2].payload["exception"]["resolution"] == "resolved by a later successful sync"


def test_outbox_delivery_is_retried_until_marked_delivered(engine: Engine) -> None:
    uow = make_uow(engine)
    with uow:
        message = uow.outbox.add("webhook", {"event": "test"}, at=NOW)
        failed = uow.outbox.mark_failed(message.id, error="HTTP 503", retry_at=NOW + timedelta(minutes=5))
        assert (failed.attempts, failed.last_error) == (1, "HTTP 503")
        assert uow.outbox.due(at=NOW + timedelta(minutes=4)) == []
        assert [m.id for m in uow.outbox.due(at=NOW + timedelta(minutes=5), target="webhook")] == [message.id]
        delivered = uow.outbox.mark_delivered(message.id, at=NOW + timedelta(minutes=5))
        assert (delivered.attempts, delivered.last_error) == (2, None)
        assert uow.outbox.due(at=NOW + timedelta(days=1)) == []
        with pytest.raises(KeyError):
            uow.outbox.mark_delivered(message.id + 1000, at=NOW)


# --- runs -----------------------------------------------------------------------------------------------------------


def test_runs_and_their_outcomes_are_recorded_and_listed_newest_first(engine: Engine) -> None:
    uow = make_uow(engine)
    with uow:
        first = uow.runs.start_run("uk", at=NOW)
        uow.runs.log_outcome(first.id, key=ISBN, isbn=ISBN, action="create", sections=list(Section), ok=True, at=NOW)
        uow.runs.log_outcome(first.id, key="family:x", isbn=None, action="update", sections=["pricing"], ok=False,
                             error="422: price must be positive", at=NOW)
        uow.runs.finish_run(first.id, at=NOW + timedelta(seconds=30), counts={"created": 1, "failed": 1},
                            outcome="failed")
        second = uow.runs.start_run("uk", at=NOW + timedelta(hours=1))
        uow.runs.start_run("us", at=NOW + timedelta(hours=2))
        uow.commit()
    with uow:
        runs = uow.runs.recent_runs("uk")
        assert [r.id for r in runs] == [second.id, first.id]
        assert (runs[0].outcome, runs[0].finished) == ("running", None)
        assert (runs[1].counts, runs[1].outcome, runs[1].finished) == (
            {"created": 1, "failed": 1}, "failed", NOW + timedelta(seconds=30),
        )
        assert [r.storefront for r in uow.runs.recent_runs(limit=2)] == ["us", "uk"]
        outcomes = uow.runs.outcomes(first.id)
        assert [(o.key, o.ok, o.error) for o in outcomes] == [
            (ISBN, True, None), ("family:x", False, "422: price must be positive"),
        ]
        assert outcomes[0].sections == tuple(Section)
        assert [o.key for o in uow.runs.outcomes(first.id, isbn=ISBN)] == [ISBN]
        assert [o.action for o in uow.runs.outcomes(first.id, key="family:x")] == ["update"]
        assert uow.runs.outcomes(first.id, isbn=ISBN, key="family:x") == []
        with pytest.raises(KeyError):
            uow.runs.finish_run(second.id + 1000, at=NOW, counts={}, outcome="ok")


# --- the catalogue's stored time ----------------------------------------------------------------------------------


def test_a_family_keeps_its_stored_time_until_it_changes(engine: Engine) -> None:
    clock = FixedClock(NOW)
    uow = make_uow(engine, clock)
    with uow:
        uow.state.save_catalogue("consonance", {"a": family("a"), "b": family("b")})
        uow.commit()
    clock.advance_to(NOW + timedelta(hours=1))
    with uow:
        uow.state.save_catalogue("consonance", {"a": family("a"), "b": family("b", price="20.00")})
        uow.commit()
    with Session(engine) as session:
        rows = session.execute(select(CatalogueFamilyRow.family_id, CatalogueFamilyRow.stored_at))
        stored = {family_id: at for family_id, at in rows}
    assert stored == {"a": NOW, "b": NOW + timedelta(hours=1)}


# --- errors name the record and the field ---------------------------------------------------------------------------


def test_a_payload_that_is_not_json_names_the_listing_and_the_section(engine: Engine) -> None:
    uow = make_uow(engine)
    with uow, pytest.raises(PersistenceError) as caught:
        uow.state.record_applied("uk", applied(payloads={Section.PRICING: {"price": object()}}))
    assert caught.value.field == "payloads.pricing"
    assert ISBN in caught.value.record and "uk" in caught.value.record


def test_store_side_ids_that_are_not_json_name_the_field(engine: Engine) -> None:
    uow = make_uow(engine)
    with uow, pytest.raises(PersistenceError) as caught:
        uow.state.record_applied("uk", applied(remote={"variants": {"x": {1, 2}}}))
    assert caught.value.field == "remote"


def test_a_constraint_violation_names_the_record_and_the_column(engine: Engine) -> None:
    uow = make_uow(engine)
    with uow, pytest.raises(PersistenceError) as caught:
        uow.outbox.add(None, {"event": "x"}, at=NOW)  # type: ignore[arg-type]
    assert caught.value.field == "target"
    assert "outbox message" in caught.value.record


def test_a_naive_datetime_is_refused(engine: Engine) -> None:
    uow = make_uow(engine)
    with uow, pytest.raises(PersistenceError, match="naive datetime"):
        uow.exceptions.report(ExceptionKind.DRIFT, isbn=ISBN, storefront="uk", message="m", at=datetime(2026, 1, 1))


def test_a_corrupt_catalogue_row_names_the_family_and_the_field(engine: Engine) -> None:
    uow = make_uow(engine)
    with uow:
        uow.state.save_catalogue("consonance", {"roseanna": family()})
        uow.commit()
    with Session(engine) as session:
        good = session.scalars(select(CatalogueFamilyRow.family_json)).one()
        session.execute(update(CatalogueFamilyRow).values(family_json=good.replace('"title":"Roseanna"', '"title":7')))
        session.commit()
    with uow, pytest.raises(PersistenceError) as caught:
        uow.state.catalogue("consonance")
    assert "roseanna" in caught.value.record and caught.value.field == "title"


def test_the_unit_of_work_is_used_inside_a_with_block_only(engine: Engine) -> None:
    uow = make_uow(engine)
    with pytest.raises(RuntimeError, match="with uow"):
        uow.state.cursor("x")
    with uow, pytest.raises(RuntimeError, match="do not nest"), uow:
        pass


# --- a whole sync -------------------------------------------------------------------------------------------------


UK = StorefrontSettings(
    name="uk", countries=frozenset({"GB"}), currency="GBP", tax_inclusive=True, timezone="Europe/London"
)


def test_a_sync_over_sql_matches_the_in_memory_sync_and_converges(engine: Engine) -> None:
    families = sample_catalogue(NOW.date(), families=12)
    reports = []
    for uow in (InMemoryUnitOfWork(), make_uow(engine)):
        source, store = InMemoryCatalogSource(families), InMemoryStorefront("uk")
        store.rejected_skus[str(families[0].editions[0].isbn)] = "name rejected (injected)"
        first = sync_store(SyncStore.single(UK), source, store, uow, FixedClock(NOW))
        second = sync_store(SyncStore.single(UK), source, store, uow, FixedClock(NOW))
        with uow:
            state = (uow.state.applied("uk"), uow.state.cursor("memory"), uow.state.catalogue("memory"))
            exceptions = [(e.kind, e.isbn, e.storefront, e.count) for e in uow.exceptions.open_items()]
        reports.append((first, second, state, exceptions, store.writes))
    (mem_first, mem_second, mem_state, mem_exc, mem_writes), (sql_first, sql_second, sql_state, sql_exc, sql_writes) = (
        reports
    )
    assert sql_first.created == mem_first.created > 0
    assert (sql_second.created, sql_second.updated) == (mem_second.created, mem_second.updated) == (0, 0)
    assert sql_writes == mem_writes
    assert sql_state == mem_state
    assert sql_exc == mem_exc and sql_exc
