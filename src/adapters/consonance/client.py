"""`ConsonanceClient`: raw GraphQL over HTTP to Consonance (Consonance's GraphQL API).

`POST {base_url}/graphql` with `Authorization: Bearer <key>` and `{"query", "variables",
"operationName"}`. The documents live in `queries/` and can be swapped per tenant (`queries_dir`).
The client yields raw work dicts shaped by `queries/works.graphql`; turning them into domain
objects is the mapper's job, not this module's.

Failure policy:
- 429, 5xx, timeouts and connection errors are retried with exponential back-off and full jitter
  (delay ~ U(0, min(cap, base·2^k))), waiting at least `Retry-After` seconds when the server sends
  one; a Retry-After beyond `backoff_cap` is not waited out. Past `max_retries` retries:
  `ConsonanceUnavailable`. Consonance documents no rate limits, so this is defensive.
- 401/403 → `ConsonanceAuthError`; GraphQL `errors` in a 200 → `ConsonanceQueryError`; neither is retried.
- Paging: `after` = the last id seen (keyset). Consonance publishes no page-size cap, so a
  short page does not prove the end; the client stops at the first empty page.

The API key goes into the Authorization header and nowhere else: not into messages, reprs or logs.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from bookbridge.adapters.consonance.errors import (
    ConsonanceAuthError,
    ConsonanceProtocolError,
    ConsonanceQueryError,
    ConsonanceUnavailable,
)
from bookbridge.adapters.transport_words import transport_failure
from bookbridge.domain.redaction import Redactor

logger = logging.getLogger(__name__)

DEFAULT_QUERIES_DIR = Path(__file__).with_name("queries")
WORKS_DOCUMENT = "works"


def load_query(name: str, directory: Path | None = None) -> str:
    """Read `{directory}/{name}.graphql`, defaulting to the packaged documents."""
    path = (directory if directory is not None else DEFAULT_QUERIES_DIR) / f"{name}.graphql"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"Consonance query document not found: {path}") from None


class _Secret:
    """Holds the key so that no repr, log record or traceback local shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


def _masked(value: Any, redact: Redactor) -> Any:
    """A copy of a JSON value with every string (keys too) passed through `redact`."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_masked(v, redact) for v in value]
    if isinstance(value, dict):
        return {redact(str(k)): _masked(v, redact) for k, v in value.items()}
    return value


class ConsonanceClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        http_client: httpx.Client | None = None,
        queries_dir: Path | None = None,
    ) -> None:
        if not api_key or any(c.isspace() or not c.isprintable() for c in api_key):
            # httpx would echo a malformed header value in its error; refuse before that can happen.
            raise ValueError("the Consonance API key is empty or contains whitespace or control characters")
        if max_retries < 0 or backoff_base < 0 or backoff_cap < 0:
            raise ValueError("max_retries, backoff_base and backoff_cap must not be negative")
        self.endpoint = base_url.rstrip("/") + "/graphql"
        self.timeout = _explicit_timeout(timeout)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._key = _Secret(api_key)
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client(timeout=self.timeout)
        self.works_document = load_query(WORKS_DOCUMENT, queries_dir)

    def __repr__(self) -> str:
        return f"ConsonanceClient(endpoint={self.endpoint!r})"

    # -- public API -----------------------------------------------------------------------------------

    def iter_works(self, *, changed_since: date | None = None, document: str | None = None) -> Iterator[dict[str, Any]]:
        """Every work (with all its products) changed on or after `changed_since`, or all works, in id order.

        `changed_since` is date-granular; callers overlap windows by a day. Each page is one request.
        `document` replaces `works_document` (the source sends it fitted to the tenant's schema).
        """
        after: int | None = None
        since = changed_since.isoformat() if changed_since is not None else None
        while True:
            variables = {"after": after, "changedSince": since}
            data = self.execute(document or self.works_document, variables, operation_name="Works")
            page = data.get("works")
            if not isinstance(page, list):
                raise ConsonanceProtocolError("Consonance's answer to Works has no 'works' list")
            if not page:
                return
            for work in page:
                work_id = work.get("id") if isinstance(work, dict) else None
                if not isinstance(work_id, int) or (after is not None and work_id <= after):
                    raise ConsonanceProtocolError(
                        f"Works page after id {after} returned id {work_id!r}: keyset paging does not advance"
                    )
                after = work_id
                yield work

    def get_work(self, work_id: int) -> dict[str, Any] | None:
        """One work with all its products, or None when Consonance has no work with that id."""
        data = self.execute(self.works_document, {"id": work_id}, operation_name="Work")
        work = data.get("work")
        if work is not None and not isinstance(work, dict):
            raise ConsonanceProtocolError("Consonance's answer to Work is not an object")
        return work

    def execute(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        max_retries: int | None = None,
    ) -> dict[str, Any]:
        """Send one GraphQL operation and return its `data`; raise on any error.

        `max_retries` overrides the client's bound for this call (`bookbridge check` sends one attempt)."""
        payload: dict[str, Any] = {"query": document, "variables": dict(variables or {})}
        if operation_name is not None:
            payload["operationName"] = operation_name
        response = self._post_with_retries(payload, operation_name or "query", max_retries)
        try:
            body = response.json()
        except ValueError:
            raise ConsonanceProtocolError(f"Consonance's answer to {operation_name} is not JSON") from None
        if not isinstance(body, dict):
            raise ConsonanceProtocolError(f"Consonance's answer to {operation_name} is not a JSON object")
        if body.get("errors"):
            # A server may echo the request, key included, in its errors: mask it before anyone keeps the text.
            raise ConsonanceQueryError(_masked(body["errors"], Redactor([self._key.reveal()])), operation_name)
        data = body.get("data")
        if not isinstance(data, dict):
            raise ConsonanceProtocolError(f"Consonance's answer to {operation_name} has no data")
        return data

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ConsonanceClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- transport -----------------------------------------------------------------------------------

    def _post_with_retries(self, payload: dict[str, Any], operation: str,
                           max_retries: int | None = None) -> httpx.Response:
        retries = self.max_retries if max_retries is None else max_retries
        attempts = retries + 1
        last_error: httpx.TransportError | None = None
        for attempt in range(attempts):
            retry_after: float | None = None
            try:
                response = self._http.post(
                    self.endpoint,
                    json=payload,
                    headers={"Authorization": f"Bearer {self._key.reveal()}"},
                    timeout=self.timeout,
                )
            except httpx.TransportError as exc:  # the endpoint holds no secret: the key goes in a header
                problem, last_error = transport_failure(exc, self.endpoint, self.timeout), exc
            else:
                status = response.status_code
                if status in (401, 403):
                    raise ConsonanceAuthError(status)
                if 200 <= status < 300:
                    return response
                if status != 429 and status < 500:
                    raise ConsonanceProtocolError(f"Consonance answered HTTP {status} to {operation}")
                problem, last_error = f"HTTP {status}", None
                retry_after = _retry_after_seconds(response)
            if attempt == attempts - 1:
                break
            if retry_after is not None and retry_after > self.backoff_cap:
                problem += f"; Retry-After {retry_after:g}s exceeds the {self.backoff_cap:g}s bound"
                raise ConsonanceUnavailable(attempt + 1, problem)
            delay = self._backoff(attempt, retry_after)
            logger.warning(
                "Consonance: %s (%s); retry %d of %d in %.2fs",
                problem,
                operation,
                attempt + 1,
                retries,
                delay,
            )
            self._sleep(delay)
        raise ConsonanceUnavailable(attempts, problem) from last_error

    def _backoff(self, retry: int, retry_after: float | None) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * 2**retry)
        delay = self._rng.uniform(0, ceiling)  # full jitter
        return max(delay, retry_after) if retry_after is not None else delay


def _retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as delta-seconds; an HTTP-date or garbage is ignored (plain back-off applies)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def _explicit_timeout(timeout: float | httpx.Timeout) -> httpx.Timeout:
    """Every phase (connect, read, write, pool) needs a finite bound, or httpx may wait forever."""
    bound = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    phases = {"connect": bound.connect, "read": bound.read, "write": bound.write, "pool": bound.pool}
    unbounded = [name for name, value in phases.items() if value is None or value <= 0]
    if unbounded:
        raise ValueError(f"Consonance timeouts must be explicit and positive; not so: {', '.join(unbounded)}")
    return bound
