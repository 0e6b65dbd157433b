"""Registers the exception-queue notifiers: `webhook` (JSON POST, Slack-compatible) and `amqp` (RabbitMQ)."""

from __future__ import annotations

from bookbridge.adapters.queues.options import AmqpOptions, WebhookOptions
from bookbridge.adapters.queues.webhook import create_webhook_notifier
from bookbridge.domain.ports import Notifier
from bookbridge.plugin import AdapterContext, PluginRegistrar, hookimpl


@hookimpl
def bookbridge_register_adapters(registry: PluginRegistrar) -> None:
    registry.add_notifier("webhook", create_webhook_notifier, options=WebhookOptions,
                          description="exception notifications as a JSON POST (Slack-compatible, HMAC-signed)")
    registry.add_notifier("amqp", _amqp, options=AmqpOptions,
                          description="exception notifications published to a RabbitMQ topic exchange")


def _amqp(options: AmqpOptions, context: AdapterContext) -> Notifier:
    # pika is imported only when an AMQP notifier is configured, so the webhook works without it installed.
    from bookbridge.adapters.queues.amqp import create_amqp_notifier

    return create_amqp_notifier(options, context)
