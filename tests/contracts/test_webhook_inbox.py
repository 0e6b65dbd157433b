"""The webhook inbox on SQLite and PostgreSQL: dedup by hash and by delivery id, racing writers included; due
events oldest first; done is counted once; failures back off, then end failed; concurrent deliveries share
commits, yet each is stored before its answer, and one that cannot be stored fails alone."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bookbridge.adapters.persistence import make_session_factory
from bookbridge.adapters.persistence.errors import PersistenceError
from bookbridge.adapters.persistence.webhook_events import SqlAlchemyWebhookInbox
from bookbridge.domain.ports import Received

AT = datetime(2026, 11, 28, 12, tzinfo=UTC)


def receive(inbox: SqlAlchemyWebhookInbox, digest: str, delivery_id: str | None, at: datetime = AT):  # type: ignore[no-untyped-def]
    return inbox.receive(hash=digest, delivery_id=delivery_id, scope="store/order/created", store_id="1",
                         resource_id="7", payload={"scope": "store/order/created", "hash": digest}, at=at)


def test_dedup_by_hash_and_by_delivery_id(engine: Engine) -> None:
    inbox = SqlAlchemyWebhookInbox(make_session_factory(engine))
    first = receive(inbox, "h1", "msg_1")
    assert not first.duplicate and first.id is not None
    assert receive(inbox, "h1", "msg_2") == type(first)(id=first.id, duplicate=True)  # a retry: same hash
    assert receive(inbox, "h2", "msg_1").duplicate  # the same delivery id
    assert not receive(inbox, "h3", None).duplicate and not receive(inbox, "h4", None).duplicate  # NULL ids
    assert inbox.counts() == {"pending": 3, "done": 0, "failed": 0}
    stored = inbox.get(first.id)
    assert stored is not None and stored.received_at == AT and stored.payload["hash"] == "h1"


def test_racing_duplicates_store_one_event(engine: Engine) -> None:
    inbox = SqlAlchemyWebhookInbox(make_session_factory(engine))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: receive(inbox, f"h{i % 10}", f"msg_{i}"), range(80)))
    assert sum(not r.duplicate for r in results) == 10
    assert inbox.counts()["pending"] == 10


def test_due_done_and_failed(engine: Engine) -> None:
    inbox = SqlAlchemyWebhookInbox(make_session_factory(engine))
    ids = [receive(inbox, f"h{i}", f"msg_{i}", AT + timedelta(seconds=i)).id for i in range(3)]
    assert [e.id for e in inbox.due(at=AT + timedelta(seconds=1))] == ids[:2]
    assert inbox.mark_done(ids[:1], result="ok", at=AT) == 1
    assert inbox.mark_done(ids[:1], result="again", at=AT) == 0  # already done: not counted twice
    later = AT + timedelta(minutes=1)
    retry = inbox.mark_failed(ids[1], error="boom", at=AT, retry_at=later)  # type: ignore[arg-type]
    assert retry.status == "pending" and retry.attempts == 1 and retry.result == "boom"
    assert [e.id for e in inbox.due(at=AT + timedelta(seconds=30))] == [ids[2]]
    final = inbox.mark_failed(ids[1], error="boom again", at=later, retry_at=None)  # type: ignore[arg-type]
    assert final.status == "failed" and final.attempts == 2 and final.processed_at == later
    assert inbox.counts() == {"pending": 1, "done": 1, "failed": 1}
    assert [e.id for e in inbox.recent(limit=2)] == [ids[2], ids[1]]


def test_purge_deletes_processed_events_older_than_the_cutoff_and_never_pending_ones(engine: Engine) -> None:
    inbox = SqlAlchemyWebhookInbox(make_session_factory(engine))
    done_old, failed_old, done_new, pending_old = (receive(inbox, f"h{i}", f"msg_{i}").id for i in range(4))
    inbox.mark_done([done_old], result="ok", at=AT - timedelta(days=40))  # type: ignore[list-item]
    inbox.mark_failed(failed_old, error="gave up", at=AT - timedelta(days=35), retry_at=None)  # type: ignore[arg-type]
    inbox.mark_done([done_new], result="ok", at=AT - timedelta(days=10))  # type: ignore[list-item]
    assert inbox.purge(processed_before=AT - timedelta(days=30)) == 2
    assert [inbox.get(i) is not None for i in (done_old, failed_old, done_new, pending_old)] == [  # type: ignore[arg-type]
        False, False, True, True]
    assert inbox.purge(processed_before=AT - timedelta(days=30)) == 0
    assert inbox.counts() == {"pending": 1, "done": 1, "failed": 0}


def test_concurrent_deliveries_are_each_committed_before_receive_returns(engine: Engine) -> None:
    """Group commit: deliveries share transactions, yet each answer comes only once its own row is stored."""
    inbox = SqlAlchemyWebhookInbox(make_session_factory(engine))
    reader = SqlAlchemyWebhookInbox(make_session_factory(engine))  # its own sessions: sees only what is committed
    start = threading.Barrier(16)

    def deliver(i: int) -> bool:
        if i < 16:
            start.wait()
        received = receive(inbox, f"h{i % 150}", f"msg_{i}")
        return received.id is not None and reader.get(received.id) is not None

    with ThreadPoolExecutor(16) as pool:
        assert all(pool.map(deliver, range(200)))
    assert inbox.counts()["pending"] == 150


def test_a_delivery_that_cannot_be_stored_fails_alone(engine: Engine) -> None:
    """One bad row in a shared transaction: it fails its own request, and every other delivery is stored."""
    inbox = SqlAlchemyWebhookInbox(make_session_factory(engine))
    start = threading.Barrier(12)

    def deliver(i: int) -> str:
        at = "not a time" if i == 5 else AT  # both databases refuse it as a timestamp
        start.wait()
        try:
            inbox.receive(hash=f"h{i}", delivery_id=f"msg_{i}", scope="store/order/created", store_id="1",
                          resource_id="7", payload={"hash": f"h{i}"}, at=at)  # type: ignore[arg-type]
        except PersistenceError as exc:
            return f"refused: {exc}"
        return "stored"

    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(deliver, range(12)))
    assert [o for o in outcomes if o != "stored"] == [outcomes[5]]
    assert outcomes[5].startswith("refused: webhook event 'store/order/created' (hash h5)")
    assert inbox.counts()["pending"] == 11


def test_receive_many_answers_each_delivery_in_order_and_a_bad_one_fails_alone(engine: Engine) -> None:
    """The batch the HTTP intake stores in one transaction: new events, a duplicate of a stored event (by hash,
    and by delivery id), a duplicate of one earlier in the same batch, and a row the database refuses."""
    inbox = SqlAlchemyWebhookInbox(make_session_factory(engine))
    stored = receive(inbox, "h-stored", "msg_stored")

    def delivery(digest: str, delivery_id: str | None, at: object = AT) -> dict[str, object]:
        return {"hash": digest, "delivery_id": delivery_id, "scope": "store/order/created", "store_id": "1",
                "resource_id": "7", "payload": {"hash": digest}, "at": at}

    answers = inbox.receive_many([
        delivery("h1", "msg_1"), delivery("h1", "msg_2"), delivery("h-stored", "msg_3"),
        delivery("h4", "msg_stored"), delivery("h5", "msg_5", at="not a time"), delivery("h6", None)])
    first, again, old_hash, old_id, refused, last = answers
    assert isinstance(first, Received) and not first.duplicate
    assert again == Received(id=first.id, duplicate=True)
    assert old_hash == Received(id=stored.id, duplicate=True) and old_id == Received(id=stored.id, duplicate=True)
    assert isinstance(refused, PersistenceError) and "hash h5" in str(refused)
    assert isinstance(last, Received) and not last.duplicate and last.id not in (first.id, stored.id)
    assert inbox.counts()["pending"] == 3  # h-stored, h1, h6


def test_a_batch_larger_than_one_insert_statement_is_stored_whole(engine: Engine) -> None:
    """A batch is sent as pages of multi-row INSERTs under the driver's parameter limit: all of it is stored
    and each delivery gets its own event's id."""
    inbox = SqlAlchemyWebhookInbox(make_session_factory(engine))
    rows = [{"hash": f"h{i}", "delivery_id": f"msg_{i}", "scope": "store/order/created", "store_id": "1",
             "resource_id": str(i), "payload": {"hash": f"h{i}"}, "at": AT} for i in range(3500)]
    answers = inbox.receive_many(rows)
    assert all(isinstance(a, Received) and not a.duplicate for a in answers)
    ids = [a.id for a in answers if isinstance(a, Received)]
    assert len(set(ids)) == 3500
    for i in (0, 999, 1000, 3499):
        event = inbox.get(ids[i])  # type: ignore[arg-type]
        assert event is not None and event.hash == f"h{i}" and event.resource_id == str(i)
