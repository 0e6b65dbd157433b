"""Registers the exception-queue notifiers: `webhook` (JSON POST, Slack-compatible) and `amqp` (RabbitMQ)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.hookspecs import AdapterRegistry, hookimpl
from adapters.queues.notifier import Notifier
from adapters.queues.webhook import create_webhook_notifier


@hookimpl
def bookbridge_register_adapters(registry: AdapterRegistry) -> None:
    registry.add_exception_queue("webhook", create_webhook_notifier,
                                 "exception notifications as a JSON POST (Slack-compatible, HMAC-signed)")
    registry.add_exception_queue("amqp", _amqp, "exception notifications published to a RabbitMQ topic exchange")


def _amqp(cfg: Mapping[str, Any]) -> Notifier:
    # pika is imported only when an AMQP notifier is configured, so the webhook works without it installed.
    from adapters.queues.amqp import create_amqp_notifier

    return create_amqp_notifier(cfg)
