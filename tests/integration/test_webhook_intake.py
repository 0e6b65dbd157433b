"""The HTTP edge's group commit (entrypoints/http/intake.py) over the SQLite inbox: deliveries waiting on event
loops share transactions, each is answered only once its own row is committed, a failed batch fails only its own
deliveries, and the writer thread comes and goes with the deliveries."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bookbridge.adapters.persistence import make_engine, make_session_factory, upgrade
from bookbridge.adapters.persistence.webhook_events import SqlAlchemyWebhookInbox
from bookbridge.domain.ports import Received
from bookbridge.entrypoints.http.intake import WebhookIntake

AT = datetime(2026, 12, 7, 9, tzinfo=UTC)


class RecordingInbox(SqlAlchemyWebhookInbox):
    """The real inbox, recording each batch; the first `slow` batches take a while, so that others queue up."""

    def __init__(self, engine: Engine, *, slow: int = 0, fail: int = 0) -> None:
        super().__init__(make_session_factory(engine))
        self.batches: list[int] = []
        self.slow, self.fail = slow, fail

    def receive_many(self, deliveries: Sequence[Mapping[str, Any]]) -> list[Received | Exception]:
        self.batches.append(len(deliveries))
        if len(self.batches) <= self.slow:
            time.sleep(0.2)
        if len(self.batches) <= self.fail:
            raise ConnectionError("the database went away")
        return super().receive_many(deliveries)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'bookbridge.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def delivery(i: int) -> dict[str, Any]:
    return {"hash": f"h{i}", "delivery_id": f"msg_{i}", "scope": "store/order/created", "store_id": "1",
            "resource_id": str(i), "payload": {"hash": f"h{i}"}, "at": AT}


def wait_for(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_concurrent_deliveries_share_commits_and_each_is_answered_once_its_row_is_committed(engine: Engine) -> None:
    inbox = RecordingInbox(engine, slow=1)
    reader = SqlAlchemyWebhookInbox(make_session_factory(engine))  # its own sessions: sees only what is committed
    intake = WebhookIntake(inbox)

    async def deliver(i: int) -> bool:
        received = await intake.receive(**delivery(i % 50))
        return received.id is not None and reader.get(received.id) is not None  # committed when answered

    async def flood() -> list[bool]:
        return await asyncio.gather(*(deliver(i) for i in range(60)))

    assert all(asyncio.run(flood()))
    intake.close()
    assert sum(inbox.batches) == 60 and len(inbox.batches) < 60 and max(inbox.batches) > 1  # shared commits
    assert reader.counts()["pending"] == 50  # the 10 resends are duplicates, stored once


def test_deliveries_queued_in_one_turn_of_the_event_loop_share_one_commit_though_the_writer_is_idle(
        engine: Engine) -> None:
    """An idle writer does not take the first delivery alone while the loop still parses the others: what one
    turn of the loop queues is released together, after that turn."""
    inbox = RecordingInbox(engine)
    intake = WebhookIntake(inbox, linger=60)
    assert not asyncio.run(intake.receive(**delivery(0))).duplicate
    assert intake.writing and inbox.batches == [1]  # the writer is up, and idle

    async def deliver(i: int) -> Received:
        time.sleep(0.01)  # the request's own work (reading, the signature, parsing) holds the loop meanwhile
        return await intake.receive(**delivery(i))

    async def one_turn() -> list[Received]:
        return await asyncio.gather(*(deliver(i) for i in range(1, 9)))

    answers = asyncio.run(one_turn())
    intake.close()
    assert [a.duplicate for a in answers] == [False] * 8
    assert inbox.batches == [1, 8]


def test_a_batch_waits_up_to_gather_for_as_many_deliveries_as_the_last_batch_saw_at_once(engine: Engine) -> None:
    """Senders answered by one commit come back a little apart: the next batch waits for as many as were in the
    intake at once (up to `gather` seconds) instead of committing the first alone; a lone delivery after a quiet
    spell does not wait."""
    inbox = RecordingInbox(engine)
    intake = WebhookIntake(inbox, linger=60, gather=2.0)

    async def deliver(i: int, after: float) -> Received:
        await asyncio.sleep(after)
        return await intake.receive(**delivery(i))

    async def at_once() -> list[Received]:  # four in one turn of the loop: one batch, and four seen at once
        return await asyncio.gather(*(deliver(i, 0) for i in range(4)))

    async def apart() -> list[Received]:  # four 50 ms apart, well within `gather`
        return await asyncio.gather(*(deliver(4 + i, 0.05 * i) for i in range(4)))

    assert len({a.id for a in asyncio.run(at_once())}) == 4
    assert len({a.id for a in asyncio.run(apart())}) == 4
    assert inbox.batches == [4, 4]
    asyncio.run(deliver(8, 0))  # alone, after a batch of four: waits for company, at most `gather`
    started = time.monotonic()
    assert not asyncio.run(deliver(9, 0)).duplicate  # alone after a lone one: committed at once
    quick = time.monotonic() - started
    intake.close()
    assert inbox.batches == [4, 4, 1, 1] and quick < 1.0


def test_a_batch_that_fails_fails_its_own_deliveries_only(engine: Engine) -> None:
    inbox = RecordingInbox(engine, slow=1, fail=1)
    intake = WebhookIntake(inbox)

    async def deliver(i: int) -> str:
        try:
            received = await intake.receive(**delivery(i))
        except ConnectionError as exc:
            return f"refused: {exc}"
        return "duplicate" if received.duplicate else "stored"

    async def first_then_rest() -> list[str]:
        first = asyncio.ensure_future(deliver(0))  # the first batch, alone, slow and failing
        while not inbox.batches:  # taken by the writer: the others go into the next batch
            await asyncio.sleep(0.01)
        rest = await asyncio.gather(*(deliver(i) for i in range(1, 6)))
        return [await first, *rest]

    outcomes = asyncio.run(first_then_rest())
    intake.close()
    assert outcomes == ["refused: the database went away"] + ["stored"] * 5
    assert inbox.batches[0] == 1 and sum(inbox.batches) == 6


def test_deliveries_from_several_event_loops_are_each_answered_on_their_own(engine: Engine) -> None:
    inbox = RecordingInbox(engine, slow=1)
    intake = WebhookIntake(inbox)
    results: dict[int, list[Received]] = {}

    def loop(n: int) -> None:
        async def deliver_all() -> list[Received]:
            return await asyncio.gather(*(intake.receive(**delivery(n * 100 + i)) for i in range(10)))
        results[n] = asyncio.run(deliver_all())

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    intake.close()
    assert sorted(results) == [0, 1, 2]
    ids = [r.id for answers in results.values() for r in answers]
    assert all(not r.duplicate for answers in results.values() for r in answers) and len(set(ids)) == 30


def test_the_writer_thread_ends_when_idle_or_closed_and_the_next_delivery_starts_another(engine: Engine) -> None:
    idle = WebhookIntake(RecordingInbox(engine), linger=0.05)
    assert not idle.writing
    assert not asyncio.run(idle.receive(**delivery(1))).duplicate
    assert wait_for(lambda: not idle.writing)  # idle for `linger`: gone
    assert asyncio.run(idle.receive(**delivery(1))).duplicate  # a new writer for the next delivery
    assert wait_for(lambda: not idle.writing)

    closing = WebhookIntake(RecordingInbox(engine), linger=60)
    assert not asyncio.run(closing.receive(**delivery(2))).duplicate
    assert closing.writing  # lingering, waiting for the next delivery
    closing.close()
    assert not closing.writing
    assert not asyncio.run(closing.receive(**delivery(3))).duplicate  # still serves after close
    closing.close()
    assert not closing.writing


class Killed(BaseException):
    """Something no batch catches (not an Exception)."""


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_writer_killed_mid_batch_leaves_that_batch_unanswered_and_the_next_delivery_gets_a_new_writer(
        engine: Engine) -> None:
    """No 2xx for the killed batch (so BigCommerce sends it again); the intake itself goes on."""
    inbox = RecordingInbox(engine)
    intake = WebhookIntake(inbox)
    real = inbox.receive_many

    def killed_once(deliveries: Sequence[Mapping[str, Any]]) -> list[Received | Exception]:
        inbox.receive_many = real  # type: ignore[method-assign]
        raise Killed

    inbox.receive_many = killed_once  # type: ignore[method-assign]

    async def deliver(i: int) -> Received:
        return await asyncio.wait_for(intake.receive(**delivery(i)), timeout=1.0)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(deliver(1))
    assert wait_for(lambda: not intake.writing)
    assert not asyncio.run(deliver(1)).duplicate  # stored now, by a new writer
    intake.close()
