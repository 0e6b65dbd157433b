"""Registers the exception-queue notifiers: `webhook` (JSON POST, Slack-compatible) and `amqp` (RabbitMQ)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bookbridge.adapters.hookspecs import AdapterRegistry, hookimpl
from bookbridge.adapters.queues.notifier import Notifier
from bookbridge.adapters.queues.webhook import OPTIONS as WEBHOOK_OPTIONS
from bookbridge.adapters.queues.webhook import create_webhook_notifier

# adapters.queues.amqp.OPTIONS, named here so that registering needs no pika (a test keeps the two equal)
AMQP_OPTIONS = frozenset({"url", "url_env", "exchange", "routing_key", "timeout", "mandatory"})


@hookimpl
def bookbridge_register_adapters(registry: AdapterRegistry) -> None:
    registry.add_exception_queue("webhook", create_webhook_notifier,
                                 "exception notifications as a JSON POST (Slack-compatible, HMAC-signed)",
                                 options=WEBHOOK_OPTIONS)
    registry.add_exception_queue("amqp", _amqp, "exception notifications published to a RabbitMQ topic exchange",
                                 options=AMQP_OPTIONS)


def _amqp(cfg: Mapping[str, Any]) -> Notifier:
    # pika is imported only when an AMQP notifier is configured, so the webhook works without it installed.
    from bookbridge.adapters.queues.amqp import create_amqp_notifier

    return create_amqp_notifier(cfg)
