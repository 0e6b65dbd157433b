"""What every notifier is, and the pieces the webhook and AMQP notifiers share.

The port, `Notifier`, is `bookbridge.domain.ports.Notifier`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from bookbridge.domain.ports import DeliveryError, Notifier, OutboxMessage
from bookbridge.plugin import variable_value

__all__ = ["DeliveryError", "Notifier", "OutboxMessage"]


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


def url_option(target: str, cfg: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    """`url`, or the environment variable named by `url_env` (preferred when the URL holds a secret)."""
    if "url" in cfg and "url_env" in cfg:
        raise ValueError(f"exception queue {target!r}: give 'url' or 'url_env', not both")
    if "url_env" in cfg:
        return variable_value("url_env", str(cfg["url_env"]), environ)
    url = cfg.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"exception queue {target!r} needs 'url' or 'url_env'")
    return url.strip()


def positive_number(target: str, cfg: Mapping[str, Any], key: str, default: float) -> float:
    value = cfg.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"exception queue {target!r}: '{key}' must be a positive number of seconds")
    return float(value)
