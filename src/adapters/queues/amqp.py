"""Exception notifications published to RabbitMQ (AMQP 0-9-1, pika's blocking client).

Configuration (an `[[exception_queues]]` entry with `kind = "amqp"`):
    name         the outbox target (default "amqp")
    url          the broker, e.g. amqp://guest:guest@127.0.0.1:5672/%2F, or
    url_env      the environment variable holding it (preferred: the URL holds the password)
    exchange     a durable topic exchange, declared on connect (default "bookbridge")
    routing_key  a template over {kind}, {event} (opened, resolved), {storefront} and {target}
                 (default "bookbridge.exception.{kind}")
    timeout      seconds to connect and to wait on the socket (default 5)
    mandatory    true (default): a message no queue is bound for comes back and counts as a failure, so it is
                 retried rather than dropped; set false when consumers bind only some routing keys

Messages are persistent (delivery_mode 2) and published with confirms: `deliver` returns once the broker
has taken responsibility for the message. The connection opens on the first delivery and reopens after a failure.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from bookbridge.adapters.queues.notifier import encode, envelope, positive_number, redacted, url_option
from bookbridge.adapters.queues.options import AmqpOptions
from bookbridge.domain.ports import DeliveryError, Notifier, OutboxMessage
from bookbridge.plugin import AdapterContext

DEFAULT_ROUTING_KEY = "bookbridge.exception.{kind}"


class AmqpNotifier(Notifier):
    def __init__(
        self,
        name: str,
        url: str,
        *,
        exchange: str = "bookbridge",
        routing_key: str = DEFAULT_ROUTING_KEY,
        timeout: float = 5.0,
        mandatory: bool = True,
    ) -> None:
        routing_key_for(routing_key, {}, name)  # a bad template fails now, not on the first exception
        self.name = name
        self._url = url
        self._where = redacted(url)
        self._exchange = exchange
        self._routing_key = routing_key
        self._timeout = timeout
        self._mandatory = mandatory
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None

    def __repr__(self) -> str:
        return f"AmqpNotifier(name={self.name!r}, url={self._where!r}, exchange={self._exchange!r})"

    def deliver(self, message: OutboxMessage) -> None:
        key = routing_key_for(self._routing_key, message.payload, self.name)
        properties = pika.BasicProperties(
            content_type="application/json",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=str(message.id),  # consumers drop duplicates by it
            type=str(message.payload.get("event", "")),
            timestamp=int(message.created.timestamp()),
            app_id="bookbridge",
        )
        where = f"exchange {self._exchange!r} on {self._where} (routing key {key!r})"
        try:
            self._open_channel().basic_publish(self._exchange, key, encode(envelope(message)),
                                               properties=properties, mandatory=self._mandatory)
        except pika.exceptions.UnroutableError:
            raise DeliveryError(f"no queue is bound to {where}: the broker returned the message") from None
        except pika.exceptions.NackError:
            raise DeliveryError(f"the broker refused the message for {where}") from None
        except (pika.exceptions.AMQPError, OSError) as exc:
            self.close()  # a broken connection or channel: open a fresh one next time
            # pika's repr names the cause (its str is often empty); neither carries the URL's password.
            raise DeliveryError(f"publishing to {where} failed: {exc!r}") from None

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            # Closing a connection that is already failing: there is nothing left to release.
            with contextlib.suppress(pika.exceptions.AMQPError, OSError):
                connection.close()

    def _open_channel(self) -> BlockingChannel:
        if self._channel is not None and self._channel.is_open:
            return self._channel
        self.close()
        parameters = pika.URLParameters(self._url)
        parameters.connection_attempts = 1  # the outbox retries, with back-off
        parameters.socket_timeout = self._timeout
        parameters.stack_timeout = self._timeout
        parameters.blocked_connection_timeout = self._timeout  # a broker under a resource alarm must not hang us
        self._connection = pika.BlockingConnection(parameters)
        channel = self._connection.channel()
        channel.exchange_declare(self._exchange, exchange_type="topic", durable=True)
        channel.confirm_delivery()
        self._channel = channel
        return channel


def routing_key_for(template: str, payload: Mapping[str, Any], target: str) -> str:
    item = payload.get("exception") or {}
    event = str(payload.get("event", "exception.opened"))
    fields = {
        "kind": item.get("kind") or "unknown",
        "event": event.rpartition(".")[2],
        "storefront": item.get("storefront") or "none",
        "target": target,
    }
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"exception queue {target!r}: routing_key {template!r} is not a template over "
                         f"{{kind}}, {{event}}, {{storefront}} and {{target}} ({type(exc).__name__}: {exc})") from None


def create_amqp_notifier(options: AmqpOptions, context: AdapterContext,
                         environ: Mapping[str, str] = os.environ) -> AmqpNotifier:
    name = context.name
    cfg = options.model_dump(exclude_none=True)
    return AmqpNotifier(
        name,
        url_option(name, cfg, environ),
        exchange=options.exchange,
        routing_key=options.routing_key,
        timeout=positive_number(name, cfg, "timeout", 5.0),
        mandatory=options.mandatory,
    )
