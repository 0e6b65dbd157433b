"""What every notifier is, and the pieces the webhook and AMQP notifiers share.

`Notifier` belongs with the ports (the application's delivery use case consumes it); it lives here until
`OutboxMessage` moves out of the persistence adapter into `domain/ports.py`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from bookbridge.adapters.persistence.outbox import OutboxMessage


class DeliveryError(Exception):
    """A message did not reach its target. The text is stored and shown: it never carries a secret."""


@runtime_checkable
class Notifier(Protocol):
    """Delivers outbox messages to one target (the target's name is `name`)."""

    name: str

    def deliver(self, message: OutboxMessage) -> None:
        """Send one message; return only once the target has accepted it, raise `DeliveryError` otherwise.

        The same message may be delivered twice (a crash between sending and marking it delivered): the
        envelope carries `delivery.id` so that receivers can drop duplicates.
        """
        ...

    def close(self) -> None:
        """Release connections. The notifier reconnects if used again."""
        ...


def envelope(message: OutboxMessage) -> dict[str, Any]:
    """The message's payload (event and exception) plus where it came from, as receivers see it."""
    return {
        **message.payload,
        "delivery": {"id": message.id, "target": message.target, "created": message.created.isoformat()},
    }


def encode(document: Mapping[str, Any]) -> bytes:
    """Stable bytes: what is signed is exactly what is sent."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def redacted(url: str) -> str:
    """The scheme, host and port only: a webhook's path (Slack's) or a broker URL's user info are secrets."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}:{parts.port}" if parts.port else f"{parts.scheme}://{host}"


def check_options(target: str, cfg: Mapping[str, Any], known: frozenset[str]) -> None:
    unknown = sorted(set(cfg) - known - {"kind", "name"})
    if unknown:
        raise ValueError(f"exception queue {target!r}: unknown option(s) {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(known))})")


def url_option(target: str, cfg: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    """`url`, or the environment variable named by `url_env` (preferred when the URL holds a secret)."""
    if "url" in cfg and "url_env" in cfg:
        raise ValueError(f"exception queue {target!r}: give 'url' or 'url_env', not both")
    if "url_env" in cfg:
        return env_option(target, "url_env", cfg, environ)
    url = cfg.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"exception queue {target!r} needs 'url' or 'url_env'")
    return url.strip()


def env_option(target: str, key: str, cfg: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> str:
    """The value of the environment variable that option `key` names; the error names the variable, never a value."""
    variable = cfg[key]
    value = environ.get(str(variable), "").strip()
    if not value:
        raise ValueError(f"exception queue {target!r}: environment variable {variable} (from '{key}') is not set")
    return value


def positive_number(target: str, cfg: Mapping[str, Any], key: str, default: float) -> float:
    value = cfg.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"exception queue {target!r}: '{key}' must be a positive number of seconds")
    return float(value)
