"""The Notifier contract: what every exception-queue notifier must do for the outbox to deliver once or retry.

Subclass it in a pytest module as `Test…` and implement::

    class TestMyNotifier(NotifierContract):
        def make_notifier(self) -> Notifier: ...            # over a target that accepts everything
        def make_failing_notifier(self) -> Notifier: ...    # over a target that refuses (down, 500, ...)
        def received(self, notifier) -> list[int]: ...      # the outbox message ids the target has received

The checks: `deliver` returns only once the target holds the message; delivering the same message again is
allowed (receivers drop duplicates by `delivery.id`); a notifier closed and used again reconnects; a target
that refuses makes `deliver` raise `DeliveryError` (never another exception, which would stop the deliverer).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import Any

from bookbridge.domain.ports import DeliveryError, Notifier, OutboxMessage

AT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def message(message_id: int = 41, *, target: str = "contract", event: str = "exception.opened") -> OutboxMessage:
    """An outbox message as the unit of work writes one (its payload as
    `bookbridge.adapters.persistence.mapping.exception_payload` builds it)."""
    payload: dict[str, Any] = {
        "event": event,
        "exception": {"id": 7, "kind": "store-rejection", "isbn": "9780007232833", "storefront": "uk",
                      "where": "storefront 'uk'",
                      "message": "price must be > 0", "field": "price", "count": 1,
                      "first_seen": AT.isoformat(), "last_seen": AT.isoformat()},
    }
    return OutboxMessage(id=message_id, target=target, payload=payload, created=AT, attempts=0, next_attempt_at=AT)


class NotifierContract(ABC):
    """Subclass as `Test…`; each test gets fresh notifiers from the factory methods, and closes them."""

    @abstractmethod
    def make_notifier(self) -> Notifier:
        """A notifier over a target that accepts every message."""

    @abstractmethod
    def make_failing_notifier(self) -> Notifier:
        """A notifier over a target that refuses every message."""

    @abstractmethod
    def received(self, notifier: Notifier) -> list[int]:
        """The ids of the outbox messages the target has received so far, in order (duplicates included)."""

    def test_the_notifier_is_a_notifier_with_a_name(self) -> None:
        notifier = self.make_notifier()
        try:
            assert isinstance(notifier, Notifier)
            assert isinstance(notifier.name, str) and notifier.name.strip()
        finally:
            notifier.close()

    def test_deliver_returns_once_the_target_holds_the_message(self) -> None:
        notifier = self.make_notifier()
        try:
            notifier.deliver(message(41))
            assert self.received(notifier) == [41]
            notifier.deliver(message(42, event="exception.resolved"))
            assert self.received(notifier) == [41, 42]
        finally:
            notifier.close()

    def test_the_same_message_may_be_delivered_again(self) -> None:
        notifier = self.make_notifier()
        try:
            notifier.deliver(message(41))
            notifier.deliver(message(41))  # a crash between sending and marking it delivered
            assert set(self.received(notifier)) == {41}
        finally:
            notifier.close()

    def test_a_closed_notifier_reconnects_when_used_again(self) -> None:
        notifier = self.make_notifier()
        try:
            notifier.deliver(message(41))
            notifier.close()
            notifier.close()  # closing twice is harmless
            notifier.deliver(message(42))
            assert self.received(notifier)[-1] == 42
        finally:
            notifier.close()

    def test_a_refusing_target_is_a_delivery_error(self) -> None:
        notifier = self.make_failing_notifier()
        try:
            try:
                notifier.deliver(message(41))
            except DeliveryError as exc:
                assert str(exc).strip(), "a DeliveryError must say why (it is stored and shown)"
            else:
                raise AssertionError("deliver returned although the target refused the message")
        finally:
            notifier.close()
