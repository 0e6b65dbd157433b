"""A notifier that keeps what it was given: the exception queue's messages as a test sees them."""

from __future__ import annotations

from bookbridge.domain.ports import DeliveryError, Notifier, OutboxMessage


class InMemoryNotifier(Notifier):
    """Delivered messages in order, once each by id (a redelivery replaces nothing); `fail_with` makes the
    next deliveries raise `DeliveryError` (fault drills)."""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.delivered: dict[int, OutboxMessage] = {}
        self.fail_with: str | None = None
        self.closed = False

    def deliver(self, message: OutboxMessage) -> None:
        if self.fail_with is not None:
            raise DeliveryError(self.fail_with)
        self.closed = False  # reconnects when used again
        self.delivered.setdefault(message.id, message)

    def close(self) -> None:
        self.closed = True
