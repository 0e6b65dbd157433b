"""Exception notifications as a JSON POST: Slack-compatible (`text`) and with the full exception for machines.

Configuration (an `[[exception_queues]]` entry with `kind = "webhook"`):
    name        the outbox target (default "webhook"); name two webhooks differently
    url         where to POST, or
    url_env     the environment variable holding it (preferred: a Slack webhook URL is a secret)
    timeout     seconds for the whole request (default 10)
    headers     extra request headers, e.g. {"X-Team" = "catalogue"}
    secret_env  the environment variable holding a shared secret: the body is signed with HMAC-SHA256 in
                `X-Bookbridge-Signature: sha256=<hex>` (receivers compare it with hmac.compare_digest)

Any answer but 2xx is a failure (redirects are not followed). Errors and reprs name the host only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from bookbridge.adapters.queues.notifier import (
    encode,
    envelope,
    positive_number,
    redacted,
    url_option,
)
from bookbridge.adapters.queues.options import WebhookOptions
from bookbridge.adapters.transport_words import transport_failure
from bookbridge.domain.ports import DeliveryError, Notifier, OutboxMessage
from bookbridge.plugin import AdapterContext, variable_value

SIGNATURE_HEADER = "X-Bookbridge-Signature"
DELIVERY_HEADER = "X-Bookbridge-Delivery"  # the outbox message id: receivers drop duplicates by it
EVENT_HEADER = "X-Bookbridge-Event"


class WebhookNotifier(Notifier):
    def __init__(
        self,
        name: str,
        url: str,
        *,
        timeout: float = 10.0,
        headers: Mapping[str, str] | None = None,
        secret: bytes | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self._url = url
        self._where = redacted(url)
        self._timeout = timeout
        self._headers = dict(headers or {})
        self._secret = secret
        self._transport = transport
        self._client: httpx.Client | None = None

    def __repr__(self) -> str:
        return f"WebhookNotifier(name={self.name!r}, url={self._where!r})"

    def deliver(self, message: OutboxMessage) -> None:
        document = {"text": slack_text(message.payload), **envelope(message)}
        body = encode(document)
        headers = {
            **self._headers,
            "Content-Type": "application/json",
            DELIVERY_HEADER: str(message.id),
            EVENT_HEADER: str(message.payload.get("event", "")),
        }
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret, body)
        try:
            response = self._http().post(self._url, content=body, headers=headers)
        except httpx.TransportError as exc:
            # The cause's text can carry the full URL (Slack keeps its secret in the path): name the host only.
            reason = transport_failure(exc, self._where, httpx.Timeout(self._timeout)).replace(self._url, self._where)
            raise DeliveryError(f"POST {self._where} failed: {reason}") from None
        except httpx.HTTPError as exc:
            reason = str(exc).replace(self._url, self._where) or type(exc).__name__
            raise DeliveryError(f"POST {self._where} failed: {reason}") from None
        if not response.is_success:
            raise DeliveryError(f"POST {self._where} answered HTTP {response.status_code}: {response.text[:200]}")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self._timeout, follow_redirects=False, transport=self._transport,
                                        headers={"User-Agent": "bookbridge"})
        return self._client


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def slack_text(payload: Mapping[str, Any]) -> str:
    """One line a person can act on, e.g. ":rotating_light: store-rejection on storefront 'uk' for 978…: price < 0
    (price)": the place as the payload words it (`where`), else its raw key."""
    item = payload.get("exception") or {}
    where = (f"{item.get('kind', 'exception')} on {item.get('where') or item.get('storefront') or 'no place'} "
             f"for {item.get('isbn') or 'no ISBN'}")
    if payload.get("event") == "exception.resolved":
        text = f":white_check_mark: resolved {where}: {item.get('resolution') or 'resolved'}"
    else:
        text = f":rotating_light: {where}: {item.get('message', '')}"
        if item.get("field"):
            text += f" ({item['field']})"
        if (item.get("count") or 1) > 1:
            text += f", seen {item['count']} times"
    return _slack_escaped(text)


def _slack_escaped(text: str) -> str:
    # Slack reads <...> as links and mentions, and & as an entity: a store message may contain any of them.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def create_webhook_notifier(options: WebhookOptions, context: AdapterContext,
                            environ: Mapping[str, str] = os.environ) -> WebhookNotifier:
    name = context.name
    cfg = options.model_dump(exclude_none=True)
    secret = variable_value("secret_env", options.secret_env, environ).encode() if options.secret_env else None
    url = url_option(name, cfg, environ)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        # Checked here so that a typo fails at start-up, and no request error can echo the whole URL.
        raise ValueError(f"exception queue {name!r}: the webhook URL must be http(s)://host/...")
    return WebhookNotifier(name, url, timeout=positive_number(name, cfg, "timeout", 10.0),
                           headers=dict(options.headers), secret=secret)
