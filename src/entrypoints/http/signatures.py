"""Webhook authentication: Standard Webhooks signatures (https://www.standardwebhooks.com) and a custom header.

A signature is `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`; `webhook-signature` holds
one or more, space-separated (several during a secret rotation). The key: a `whsec_`-prefixed secret is base64
of the key (the spec's form); any other secret is used as its raw bytes, which is what BigCommerce's example
does when it hands `base64(client_secret)` to the `standardwebhooks` library. A timestamp further than the
tolerance from now, either way, is refused: a captured delivery cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

SECRET_PREFIX = "whsec_"
ID, TIMESTAMP, SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"
MAX_ID_LENGTH = 256


class WebhookAuthError(Exception):
    """Why a delivery was refused. The message names the header at fault, never a secret; `reason` is one of
    REASONS (the label of `bookbridge_webhook_refusals_total`)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


REASONS = ("unsigned", "malformed", "stale", "forged", "unconfigured")


@dataclass(frozen=True)
class SigningKey:
    key: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, secret: str) -> SigningKey:
        secret = secret.strip()
        if not secret:
            raise ValueError("the webhook secret is empty")
        if secret.startswith(SECRET_PREFIX):
            try:
                return cls(base64.b64decode(secret[len(SECRET_PREFIX):], validate=True))
            except binascii.Error:
                raise ValueError("the webhook secret starts with whsec_ but the rest is not base64") from None
        return cls(secret.encode("utf-8"))

    def sign(self, delivery_id: str, timestamp: int, body: bytes) -> str:
        """The `v1,...` signature of a delivery (tests and the benchmark send signed deliveries with it)."""
        content = f"{delivery_id}.{timestamp}.".encode() + body
        return "v1," + base64.b64encode(hmac.digest(self.key, content, "sha256")).decode("ascii")  # one C call


def verify_signature(key: SigningKey, headers: Mapping[str, str], body: bytes, *, now: float,
                     tolerance_seconds: int) -> str:
    """Check the Standard Webhooks headers; returns the delivery id, or raises WebhookAuthError."""
    delivery_id, stamp, signatures = headers.get(ID), headers.get(TIMESTAMP), headers.get(SIGNATURE)
    missing = [name for name, value in ((ID, delivery_id), (TIMESTAMP, stamp), (SIGNATURE, signatures)) if not value]
    if missing or delivery_id is None or stamp is None or signatures is None:
        raise WebhookAuthError(f"missing header {', '.join(missing)}", "unsigned")
    if len(delivery_id) > MAX_ID_LENGTH or not delivery_id.isprintable():
        raise WebhookAuthError(f"{ID} is not a printable id of at most {MAX_ID_LENGTH} characters", "malformed")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise WebhookAuthError(f"{TIMESTAMP} is not a Unix time in seconds", "malformed")
    timestamp = int(stamp)
    if abs(now - timestamp) > tolerance_seconds:
        raise WebhookAuthError(f"{TIMESTAMP} is more than {tolerance_seconds} s from now (replayed or clock skew)",
                               "stale")
    expected = key.sign(delivery_id, timestamp, body).encode("ascii")
    for candidate in signatures.split():
        if hmac.compare_digest(candidate.encode("utf-8", "replace"), expected):
            return delivery_id
    raise WebhookAuthError(f"no {SIGNATURE} matches the body", "forged")


def verify_custom_header(headers: Mapping[str, str], name: str, expected: str) -> None:
    value = headers.get(name)
    if value is None:
        raise WebhookAuthError(f"missing header {name}", "unsigned")
    if not hmac.compare_digest(value.encode("utf-8", "replace"), expected.encode("utf-8")):
        raise WebhookAuthError(f"header {name} does not match", "forged")
