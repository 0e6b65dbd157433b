"""Notifiers for the exception queue: they deliver outbox messages to the outside world (webhook, AMQP).

The unit of work writes one outbox message per configured target when an exception opens or resolves;
`bookbridge.application.notifications.deliver_outbox` hands each to the notifier of its target.
"""

from bookbridge.adapters.queues.notifier import DeliveryError, Notifier

__all__ = ["DeliveryError", "Notifier"]
