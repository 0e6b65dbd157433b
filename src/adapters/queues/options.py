"""The options of the exception-queue notifiers (an `[[exception_queues]]` entry), importable without pika."""

from __future__ import annotations

from pydantic import Field

from bookbridge.plugin import AdapterOptions, ConfigBool, ConfigFloat


class WebhookOptions(AdapterOptions):
    url: str | None = Field(default=None, repr=False)  # a Slack webhook's path is a secret
    url_env: str | None = None
    timeout: ConfigFloat = 10.0
    headers: dict[str, str] = Field(default_factory=dict)
    secret_env: str | None = None


class AmqpOptions(AdapterOptions):
    url: str | None = Field(default=None, repr=False)  # user info holds the password
    url_env: str | None = None
    exchange: str = "bookbridge"
    routing_key: str = "bookbridge.exception.{kind}"
    timeout: ConfigFloat = 5.0
    mandatory: ConfigBool = True
