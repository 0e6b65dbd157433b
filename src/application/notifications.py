"""Delivering the outbox: exception notifications reach their targets at least once, in spite of outages.

The unit of work writes one outbox message per target when an exception opens or resolves, in the same
transaction. `deliver_outbox` sends the due ones through each target's notifier and marks each delivered,
or failed with a retry time on an exponential back-off: nothing is dropped while a target is down.

Each mark is committed on its own and no transaction is held open while a notifier talks to the network,
so a crash re-sends at most the message in flight (receivers drop duplicates by the message id). Run one
deliverer at a time (a scheduled one should hold a lease): two would send some messages twice.

The protocols below are local until the outbox joins the ports (`Outbox`, `OutboxMessage`, `Notifier` in
domain/ports.py); they are generic only so that a notifier may take the adapter's concrete message type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from bookbridge.domain.ports import Clock
from bookbridge.domain.words import failure_words

MAX_ERROR_LENGTH = 500  # last_error is shown in tables: keep the first line-sized part


class PendingMessage(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def target(self) -> str: ...

    @property
    def attempts(self) -> int: ...


Message = TypeVar("Message", bound=PendingMessage)
Message_co = TypeVar("Message_co", bound=PendingMessage, covariant=True)
Message_contra = TypeVar("Message_contra", bound=PendingMessage, contravariant=True)


class Outbox(Protocol[Message_co]):
    def due(self, *, at: datetime, target: str | None = None, limit: int = 100) -> Sequence[Message_co]:
        """Undelivered messages (for `target`, or any) whose next attempt is due at `at`, oldest first."""
        ...

    def mark_delivered(self, message_id: int, *, at: datetime) -> object: ...

    def mark_failed(self, message_id: int, *, error: str, retry_at: datetime) -> object: ...


class OutboxUnitOfWork(Protocol[Message_co]):
    @property
    def outbox(self) -> Outbox[Message_co]: ...

    def __enter__(self) -> object: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None: ...


class Notifier(Protocol[Message_contra]):
    name: str

    def deliver(self, message: Message_contra) -> None:
        """Return once the target accepted the message; raise otherwise."""
        ...


def exponential_backoff(failures: int, *, base: timedelta = timedelta(seconds=30),
                        cap: timedelta = timedelta(hours=1)) -> timedelta:
    """The wait after the `failures`-th failed attempt: 30 s, 1 min, 2 min, ... up to an hour."""
    doublings = min(max(0, failures - 1), 32)  # bounded: timedelta overflows long before an int does
    return min(cap, base * (1 << doublings))


@dataclass(frozen=True)
class DeliveryOutcome:
    message_id: int
    target: str
    attempts: int  # counting this pass's attempt, if there was one
    error: str | None = None
    retry_at: datetime | None = None
    exhausted: bool = False  # failed `max_attempts` times or more: the target needs a person


@dataclass(frozen=True)
class DeliveryReport:
    delivered: tuple[DeliveryOutcome, ...] = ()
    failed: tuple[DeliveryOutcome, ...] = ()
    deferred: tuple[DeliveryOutcome, ...] = ()  # not tried: their target failed earlier in this pass
    unconfigured: tuple[str, ...] = ()  # targets with due messages but no notifier: the messages wait

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unconfigured

    @property
    def exhausted(self) -> tuple[DeliveryOutcome, ...]:
        return tuple(f for f in self.failed if f.exhausted)


def deliver_outbox(
    uow: OutboxUnitOfWork[Message],
    notifiers: Mapping[str, Notifier[Message]],
    clock: Clock,
    *,
    batch: int = 100,
    max_attempts: int = 10,
    backoff: Callable[[int], timedelta] = exponential_backoff,
) -> DeliveryReport:
    """One delivery pass: at most `batch` due messages per target, oldest first.

    Targets are read one by one, so a target that is down never holds up another. Once a target fails, its
    remaining messages wait for the next pass (`deferred`) rather than each waiting out a timeout. A failed
    message waits `backoff(failures)`; the wait stops growing at `max_attempts` failures, when the message is
    reported as exhausted but still retried: the outbox has no dead-letter state, and dropping a notification
    is worse than repeating one. Messages for a target with no notifier are left as they are and reported.
    """
    if batch < 1 or max_attempts < 1:
        raise ValueError("batch and max_attempts must be at least 1")
    delivered: list[DeliveryOutcome] = []
    failed: list[DeliveryOutcome] = []
    deferred: list[DeliveryOutcome] = []
    with uow:
        waiting = uow.outbox.due(at=clock.now(), limit=batch)
    unconfigured = sorted({m.target for m in waiting} - set(notifiers))
    for target, notifier in sorted(notifiers.items()):
        with uow:
            due = list(uow.outbox.due(at=clock.now(), target=target, limit=batch))
        for position, message in enumerate(due):
            error = _send(message, notifier)
            attempts, at = message.attempts + 1, clock.now()
            if error is None:
                with uow:
                    uow.outbox.mark_delivered(message.id, at=at)
                    uow.commit()
                delivered.append(DeliveryOutcome(message.id, target, attempts))
                continue
            retry_at = at + backoff(min(attempts, max_attempts))
            with uow:
                uow.outbox.mark_failed(message.id, error=error, retry_at=retry_at)
                uow.commit()
            failed.append(DeliveryOutcome(message.id, target, attempts, error, retry_at,
                                          exhausted=attempts >= max_attempts))
            deferred += [DeliveryOutcome(m.id, target, m.attempts, "target failed earlier in this pass")
                         for m in due[position + 1:]]
            break
    return DeliveryReport(tuple(delivered), tuple(failed), tuple(deferred), tuple(unconfigured))


def _send(message: Message, notifier: Notifier[Message]) -> str | None:
    """None when delivered, else why not."""
    try:
        notifier.deliver(message)
    except Exception as exc:  # whatever the outside world did, the message stays in the outbox for a retry
        return failure_words(exc)[:MAX_ERROR_LENGTH]
    return None
