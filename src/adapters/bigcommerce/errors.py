"""Typed failures of the BigCommerce transport, and the parser for BigCommerce's error bodies.

None of these objects holds the access token, the `httpx.Request` or the headers: they are plain
data, safe to log, pickle and show in an exception record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bookbridge.domain.ports import StoreError, StoreErrorKind
from bookbridge.domain.words import plural


class BigCommerceError(Exception):
    """Base class: any failure of a call to the BigCommerce API."""


def api_request(method: str, api: str, path: str) -> str:
    """A request as BigCommerce's API reference names it, in every message, log line and `bookbridge check` row: the
    method and the path with its API version, `GET /v3/catalog/products`, `GET /v2/orders`."""
    return f"{method} /{api}/{path.lstrip('/')}"


class BigCommerceRejected(BigCommerceError):
    """BigCommerce refused the request for good (a 4xx other than 429, or 501/505/507). Never retried.

    `errors` is the v3 body's `errors` object, field → message (docs/start/migration/4_errors.md);
    batch errors often do not say which item failed, so see `bisect_batch`.
    """

    def __init__(
        self,
        *,
        method: str,
        path: str,
        status: int,
        title: str,
        errors: Mapping[str, str] | None = None,
        error_type: str | None = None,
        api: str = "v3",
    ) -> None:
        self.method = method
        self.path = path
        self.api = api
        self.status = status
        self.title = title
        self.errors: dict[str, str] = dict(errors or {})
        self.error_type = error_type
        super().__init__(method, path, status, title, self.errors)

    @property
    def request(self) -> str:
        """The request refused, as BigCommerce names it: `PUT /v3/catalog/products` (`api_request`)."""
        return api_request(self.method, self.api, self.path)

    def __str__(self) -> str:
        detail = "; ".join(f"{field}: {message}" for field, message in self.errors.items())
        return f"{self.request} rejected with {self.status} {self.title}" + (
            f" ({detail})" if detail else ""
        )


# Where a token may come from, for a client that does not say which (configured in code).
TOKEN_KEYS = "[store] access_token, access_token_env or access_token_file (whichever it sets)"
# The scopes of the store-level API account a sync writes with, as the control panel names them.
SYNC_SCOPES = ("Products: modify", "Channel Listings: modify", "Channel Settings: read-only")
# The scope of the order import's reads (`GET /v2/orders` and the orders' products).
ORDER_SCOPES = ("Orders: read-only",)


class BigCommerceCredentialsRefused(BigCommerceRejected):
    """BigCommerce refused the credentials: a 401 (the access token is wrong or revoked) or a 403 (the API account may
    not use the resource: a scope is missing). Every call fails the same way until the configuration is fixed, so it
    is the store's failure, never one item's. Says what to check in `bookbridge check`'s words: where the token
    comes from (`token_source`, never the token) and the store hash."""

    def __init__(self, *, token_source: str, store_hash: str, **rejected: Any) -> None:
        super().__init__(**rejected)
        self.token_source = token_source
        self.store_hash = store_hash

    @property
    def reason(self) -> str:
        """What happened: `401 Unauthorized: BigCommerce does not accept the access token`; `403 Forbidden: the API
        account lacks a scope for this request` (the request is named beside it, `request`)."""
        if self.status == 401:
            return "401 Unauthorized: BigCommerce does not accept the access token"
        return f"{self.status} Forbidden: the API account lacks a scope for this request"

    @property
    def fix(self) -> str:
        """What a person should do about it."""
        if self.status == 401:
            return (f"check {self.token_source or TOKEN_KEYS}: it must hold the access token of a store-level API "
                    f"account of the store with hash {self.store_hash!r}")
        scopes = ORDER_SCOPES if " /v2/orders" in self.request else SYNC_SCOPES
        named = ", ".join(repr(scope) for scope in scopes)
        return (f"give {self.token_source or TOKEN_KEYS} the token of a store-level API account with the "
                f"{'scope' if len(scopes) == 1 else 'scopes'} {named}; scopes cannot be changed after an account is "
                "created")

    def __str__(self) -> str:
        return f"{self.reason} ({self.request}); {self.fix}"


class BigCommerceTransientError(BigCommerceError):
    """A failure that may pass: 429, 5xx, a timeout or a dropped connection, after the retries ran out.

    `maybe_applied` is True when BigCommerce may have carried out a non-idempotent request (a POST
    that timed out or got a 5xx). BigCommerce has no idempotency keys, so look the record up by SKU
    before sending it again (docs/start/migration/5_migrate.md).
    """

    def __init__(
        self,
        *,
        method: str,
        path: str,
        attempts: int,
        last_status: int | None,
        last_reason: str,
        maybe_applied: bool = False,
        api: str = "v3",
    ) -> None:
        self.method = method
        self.path = path
        self.api = api
        self.attempts = attempts
        self.last_status = last_status
        self.last_reason = last_reason
        self.maybe_applied = maybe_applied
        super().__init__(method, path, attempts, last_status, last_reason)

    def __str__(self) -> str:
        """What failed in words, then the technical cause: "the store did not answer after 5 attempts (PUT
        /v3/catalog/products: could not connect to https://api.bigcommerce.com: connection refused)", "the store
        answered 503 after 5 attempts (...)"."""
        answer = ("did not answer" if self.last_status is None
                  else "kept throttling (429)" if self.last_status == 429 else f"answered {self.last_status}")
        applied = "; it may have been applied" if self.maybe_applied else ""
        return (f"the store {answer} after {plural(self.attempts, 'attempt')} "
                f"({api_request(self.method, self.api, self.path)}: {self.last_reason}){applied}")


def parse_error_body(body: Any, fallback_title: str) -> tuple[str, dict[str, str], str | None]:
    """Return (title, errors, type) from a v3 or v2 error body; tolerate anything else.

    v3: `{"status", "title", "type", "errors": {field: message}}` (errorResponse_422); a 207 nests the
    same shape under `errors` (errorMultiStatus). v2: `[{"status": 400, "message": "..."}]`.
    """
    if isinstance(body, list):  # v2 error list
        messages = [str(item.get("message", item)) if isinstance(item, dict) else str(item) for item in body]
        title = messages[0] if messages else fallback_title
        return title, {str(i): m for i, m in enumerate(messages)}, None
    if not isinstance(body, dict):
        return fallback_title, {}, None
    errors = body.get("errors")
    if isinstance(errors, dict) and isinstance(errors.get("errors"), dict):  # 207 errorMultiStatus
        inner_title, inner_errors, inner_type = parse_error_body(errors, fallback_title)
        return str(body.get("title") or inner_title), inner_errors, body.get("type") or inner_type
    title = str(body.get("title") or fallback_title)
    error_type = body.get("type") if isinstance(body.get("type"), str) else None
    if isinstance(errors, dict):
        return title, {str(k): _message(v) for k, v in errors.items()}, error_type
    if isinstance(errors, list):
        return title, {str(i): _message(v) for i, v in enumerate(errors)}, error_type
    return title, {}, error_type


def _message(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def store_error(exc: BigCommerceError, *, context: str) -> StoreError:
    """`exc` as the port's error, `context` (the item's step: `creating 9780007232833`) first, when given; a
    refusal of the credentials names no item (it is the store's, `StoreErrorKind.CREDENTIALS`)."""
    if isinstance(exc, BigCommerceCredentialsRefused):
        return StoreError(StoreErrorKind.CREDENTIALS, str(exc), status=exc.status)
    step = f"{context}: " if context else ""
    if isinstance(exc, BigCommerceRejected):
        field_name = next(iter(exc.errors), None)
        kind = StoreErrorKind.CONFLICT if exc.status == 409 else StoreErrorKind.REJECTED
        detail = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
        message = f"{step}BigCommerce rejected it ({exc.status} {exc.title}{': ' + detail if detail else ''})"
        return StoreError(kind, message, field=field_name, status=exc.status)
    if isinstance(exc, BigCommerceTransientError):
        return StoreError(StoreErrorKind.TRANSIENT, f"{step}{exc}", status=exc.last_status)
    return StoreError(StoreErrorKind.TRANSIENT, f"{step}{exc}")
