"""Delivering the outbox against in-memory fakes: back-off, exhaustion, unknown targets, one target down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookbridge.adapters.memory import InMemoryUnitOfWork
from bookbridge.application.notifications import deliver_outbox, exponential_backoff
from bookbridge.domain.ports import FixedClock, OutboxMessage

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


class RecordingNotifier:
    """A target that accepts messages while up and refuses them while down."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.up = True
        self.received: list[int] = []
        self.refused = 0

    def deliver(self, message: OutboxMessage) -> None:
        if not self.up:
            self.refused += 1
            raise ConnectionError(f"{self.name} is down")
        self.received.append(message.id)


def add(uow: InMemoryUnitOfWork, *targets: str, at: datetime = NOW) -> list[int]:
    with uow:
        ids = [uow.outbox.add(t, {"event": "exception.opened", "exception": {"id": 1}}, at=at).id for t in targets]
        uow.commit()
    return ids


def stored(uow: InMemoryUnitOfWork, message_id: int) -> OutboxMessage:
    with uow:
        return uow.outbox.messages[message_id]


def test_due_messages_are_delivered_once_and_marked_delivered() -> None:
    uow, clock, hook = InMemoryUnitOfWork(), FixedClock(NOW), RecordingNotifier("webhook")
    ids = add(uow, "webhook", "webhook")
    report = deliver_outbox(uow, {"webhook": hook}, clock)
    assert [d.message_id for d in report.delivered] == ids == hook.received
    assert report.ok and report.failed == ()
    assert stored(uow, ids[0]).delivered_at == NOW and stored(uow, ids[0]).attempts == 1
    again = deliver_outbox(uow, {"webhook": hook}, clock)
    assert again.delivered == () and hook.received == ids


def test_a_failed_message_waits_on_an_exponential_back_off_and_is_delivered_when_the_target_is_back() -> None:
    uow, clock, hook = InMemoryUnitOfWork(), FixedClock(NOW), RecordingNotifier("webhook")
    [message_id] = add(uow, "webhook")
    hook.up = False
    waits = []
    for _ in range(4):
        report = deliver_outbox(uow, {"webhook": hook}, clock)
        [failure] = report.failed
        assert failure.error == "webhook is down"  # the words, not the class that carried them
        assert failure.retry_at is not None
        waits.append(failure.retry_at - clock.now())
        assert deliver_outbox(uow, {"webhook": hook}, clock).failed == ()  # not due yet: not tried again
        clock.advance_to(failure.retry_at)
    assert waits == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert hook.refused == 4
    assert stored(uow, message_id).last_error == "webhook is down"
    hook.up = True
    report = deliver_outbox(uow, {"webhook": hook}, clock)
    assert [d.attempts for d in report.delivered] == [5]
    assert hook.received == [message_id]


def test_after_max_attempts_the_message_is_reported_exhausted_but_kept_and_retried_at_the_longest_wait() -> None:
    uow, clock, hook = InMemoryUnitOfWork(), FixedClock(NOW), RecordingNotifier("webhook")
    [message_id] = add(uow, "webhook")
    hook.up = False

    def backoff(failures: int) -> timedelta:
        return timedelta(minutes=failures)

    flags = []
    for _ in range(5):
        [failure] = deliver_outbox(uow, {"webhook": hook}, clock, max_attempts=3, backoff=backoff).failed
        flags.append((failure.attempts, failure.exhausted, failure.retry_at - clock.now()))
        clock.advance_to(failure.retry_at)
    assert flags == [
        (1, False, timedelta(minutes=1)),
        (2, False, timedelta(minutes=2)),
        (3, True, timedelta(minutes=3)),
        (4, True, timedelta(minutes=3)),  # the wait stops growing
        (5, True, timedelta(minutes=3)),
    ]
    hook.up = True
    report = deliver_outbox(uow, {"webhook": hook}, clock, max_attempts=3, backoff=backoff)
    assert report.ok and hook.received == [message_id]


def test_a_target_without_a_notifier_is_reported_and_its_messages_wait_untouched() -> None:
    uow, clock, hook = InMemoryUnitOfWork(), FixedClock(NOW), RecordingNotifier("webhook")
    hooked, orphan = add(uow, "webhook", "slack")
    report = deliver_outbox(uow, {"webhook": hook}, clock)
    assert report.unconfigured == ("slack",) and not report.ok
    assert [d.message_id for d in report.delivered] == [hooked]
    assert stored(uow, orphan).attempts == 0 and stored(uow, orphan).delivered_at is None
    slack = RecordingNotifier("slack")
    later = deliver_outbox(uow, {"webhook": hook, "slack": slack}, clock)
    assert later.ok and slack.received == [orphan]


def test_a_target_that_fails_is_not_tried_again_in_the_same_pass_and_does_not_hold_up_the_others() -> None:
    uow, clock = InMemoryUnitOfWork(), FixedClock(NOW)
    hook, amqp = RecordingNotifier("webhook"), RecordingNotifier("amqp")
    ids = add(uow, "webhook", "amqp", "webhook", "amqp", "webhook")
    hook.up = False
    report = deliver_outbox(uow, {"webhook": hook, "amqp": amqp}, clock)
    assert hook.refused == 1
    assert [f.message_id for f in report.failed] == [ids[0]]
    assert [d.message_id for d in report.deferred] == [ids[2], ids[4]]
    assert amqp.received == [ids[1], ids[3]]
    assert stored(uow, ids[2]).attempts == 0  # deferred messages are not counted as attempts
    hook.up = True
    deliver_outbox(uow, {"webhook": hook, "amqp": amqp}, clock)
    assert hook.received == [ids[2], ids[4]]  # the failed one waits out its back-off
    clock.advance_to(NOW + timedelta(seconds=30))
    deliver_outbox(uow, {"webhook": hook, "amqp": amqp}, clock)
    assert sorted(hook.received) == [ids[0], ids[2], ids[4]]


def test_a_pass_reads_at_most_a_batch_per_target() -> None:
    uow, clock, hook = InMemoryUnitOfWork(), FixedClock(NOW), RecordingNotifier("webhook")
    ids = add(uow, *["webhook"] * 5)
    assert [d.message_id for d in deliver_outbox(uow, {"webhook": hook}, clock, batch=2).delivered] == ids[:2]
    assert [d.message_id for d in deliver_outbox(uow, {"webhook": hook}, clock, batch=2).delivered] == ids[2:4]


def test_messages_written_later_are_not_due_earlier() -> None:
    uow, clock, hook = InMemoryUnitOfWork(), FixedClock(NOW), RecordingNotifier("webhook")
    add(uow, "webhook", at=NOW + timedelta(minutes=1))
    assert deliver_outbox(uow, {"webhook": hook}, clock).delivered == ()


def test_exponential_backoff_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    assert [exponential_backoff(n).total_seconds() for n in (1, 2, 3, 7, 8, 50, 10_000)] == [
        30, 60, 120, 1920, 3600, 3600, 3600]
    assert exponential_backoff(3, base=timedelta(seconds=1), cap=timedelta(days=1)) == timedelta(seconds=4)


@pytest.mark.parametrize("options", [{"batch": 0}, {"max_attempts": 0}])
def test_a_pass_needs_a_positive_batch_and_attempt_limit(options: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        deliver_outbox(InMemoryUnitOfWork(), {}, FixedClock(NOW), **options)
