"""The BigCommerce REST transport: one pooled `httpx.Client`, paced, retried, and typed failures.

It knows HTTP, headers, rate limits and error bodies; it knows nothing about books. The storefront
adapter builds on `BigCommerceClient.request`, `iter_v3`, `iter_v2` and `batching.bisect_batch`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from types import MappingProxyType, TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from bookbridge.adapters.transport_words import transport_failure

from .errors import (
    BigCommerceCredentialsRefused,
    BigCommerceError,
    BigCommerceRejected,
    BigCommerceTransientError,
    api_request,
    parse_error_body,
)
from .ratelimit import Backoff, RateLimitHeaders, RateLimitPacer

logger = logging.getLogger(__name__)

MAX_PAGE_LIMIT = 250  # `limit` above 250 gives 413 (BigCommerce's common query parameters)

# Per-endpoint concurrency limits, separate from the quota; exceeding them gives 429 (BigCommerce).
DEFAULT_LANES: Mapping[str, int] = MappingProxyType(
    {
        "channel-assignments": 1,  # "Do not make parallel assignment requests" (products_catalog.v3)
        "price-list-upserts": 1,  # PUT /pricelists/{id}/records: "only one bulk upsert at a time"
        "price-list-creates": 10,  # POST /pricelists/{id}/records: ≤10 concurrent
        "category-tree-reads": 1,  # GET /catalog/trees/{tree_id}/categories: 1 concurrent
        "inventory-adjustments": 1,  # "Wait to send new requests until the current request returns"
    }
)
_RETRYABLE_5XX = frozenset({500, 502, 503, 504})  # not 501/505 (BigCommerce's API error guide)
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_IDEMPOTENT = _SAFE | {"PUT", "DELETE"}
# The request never reached BigCommerce, so even a POST is safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_RETRYABLE_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

Api = Literal["v3", "v2"]


@dataclass(frozen=True)
class BigCommerceConfig:
    store_hash: str
    access_token: str = field(repr=False)
    v3_base_url: str = "https://api.bigcommerce.com/stores/{store_hash}/v3"
    v2_base_url: str = "https://api.bigcommerce.com/stores/{store_hash}/v2"
    user_agent: str = "bookbridge/0.1 (catalogue sync)"  # BigCommerce asks apps to name themselves
    timeout_s: float = 30.0
    max_connections: int = 10
    max_keepalive_connections: int = 10
    max_in_flight: int = 4
    lanes: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LANES))
    max_attempts: int = 5  # 5xx, timeouts, dropped connections ("three to five times", status-codes)
    max_throttled: int = 8  # 429s for one request before giving up
    backoff: Backoff = field(default_factory=Backoff)
    safety_margin: int = 1
    reset_slack_s: float = 0.05
    # Where the configuration gives the token, for a message to name (`[store] access_token_env (the variable
    # 'X')`); never the token. Empty for a client configured in code.
    token_source: str = ""

    def __post_init__(self) -> None:
        if not self.store_hash or not self.store_hash.isalnum():
            raise ValueError("store_hash must be BigCommerce's alphanumeric store hash")
        if not self.access_token or any(c.isspace() for c in self.access_token):
            raise ValueError("access_token is empty or contains whitespace")  # never echo it
        if min(self.max_in_flight, self.max_attempts, self.max_throttled, *self.lanes.values(), 1) < 1:
            raise ValueError("max_in_flight, max_attempts, max_throttled and lane sizes must be at least 1")


@dataclass
class ClientStats:
    """Counters for metrics; `BigCommerceClient.stats` hands out a copy. `retries` counts every
    resend, after a 429 as well as after a 5xx, timeout or dropped connection."""

    requests: int = 0  # HTTP attempts, retries included
    by_method: dict[str, int] = field(default_factory=dict)
    throttled: int = 0  # 429 responses seen
    retries: int = 0
    partial: int = 0  # 207 responses seen
    pacing_sleep_s: float = 0.0  # waiting for the quota, including after a 429
    backoff_sleep_s: float = 0.0  # waiting after 5xx, timeouts and dropped connections


@dataclass(frozen=True)
class BigCommerceResponse:
    """A successful or partly successful response. `partial` is a 207: the main write succeeded but
    a sub-part (inventory, URL) failed; treat it as a failure to report (products_catalog.v3)."""

    method: str
    path: str
    status: int
    body: Any
    partial: bool = False
    title: str | None = None
    errors: Mapping[str, str] = field(default_factory=dict)

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else self.body

    @property
    def meta(self) -> Mapping[str, Any]:
        meta = self.body.get("meta") if isinstance(self.body, dict) else None
        return meta if isinstance(meta, dict) else {}


class BigCommerceClient:
    def __init__(
        self,
        config: BigCommerceConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._config = config
        self._sleep = sleep
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._bases: dict[Api, str] = {
            "v3": config.v3_base_url.format(store_hash=config.store_hash).rstrip("/"),
            "v2": config.v2_base_url.format(store_hash=config.store_hash).rstrip("/"),
        }
        self._http = httpx.Client(
            headers={
                "X-Auth-Token": config.access_token,  # X-Auth-Client is no longer required
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": config.user_agent,
            },
            timeout=config.timeout_s,
            limits=httpx.Limits(
                max_connections=config.max_connections,
                max_keepalive_connections=config.max_keepalive_connections,
            ),
            transport=transport,
        )
        self._pacer = RateLimitPacer(
            safety_margin=config.safety_margin,
            reset_slack_s=config.reset_slack_s,
            monotonic=monotonic,
            sleep=sleep,
        )
        self._in_flight = threading.BoundedSemaphore(config.max_in_flight)
        self._lanes = {name: threading.BoundedSemaphore(size) for name, size in config.lanes.items()}
        self._stats = ClientStats()
        self._stats_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BigCommerceClient(store_hash={self._config.store_hash!r}, v3={self._bases['v3']!r})"

    def __enter__(self) -> BigCommerceClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def config(self) -> BigCommerceConfig:
        return self._config

    @property
    def stats(self) -> ClientStats:
        with self._stats_lock:
            return replace(self._stats, by_method=dict(self._stats.by_method))

    def request(
        self,
        method: str,
        path: str,
        *,
        api: Api = "v3",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        lane: str | None = None,
        idempotent: bool | None = None,
    ) -> BigCommerceResponse:
        """Send one request, paced and retried; return a 2xx (207 included) or raise.

        Raises `BigCommerceRejected` (4xx other than 429, and 501/505/507; not retried) or
        `BigCommerceTransientError` (429/5xx/timeouts/dropped connections once the retries are spent).
        A POST is not idempotent: BigCommerce has no idempotency keys, so it is only resent when it
        cannot have been applied (429, connection never made); pass `idempotent=True` to override.
        """
        method = method.upper()
        if lane is not None and lane not in self._lanes:
            raise ValueError(f"unknown lane {lane!r}; configured lanes: {sorted(self._lanes)}")
        retry = idempotent if idempotent is not None else method in _IDEMPOTENT
        url = f"{self._bases[api]}/{path.lstrip('/')}"
        # Take the lane before a global slot, so that lane waiters don't hold global slots.
        lane_guard: AbstractContextManager[Any] = self._lanes[lane] if lane is not None else nullcontext()
        with lane_guard, self._in_flight:
            return self._send_with_retries(method, path, url, params, json, retry, api)

    def _send_with_retries(
        self, method: str, path: str, url: str, params: Mapping[str, Any] | None, body: Any, retry: bool, api: Api
    ) -> BigCommerceResponse:
        failures = throttles = 0
        said = api_request(method, api, path)  # in every message and log line: `GET /v3/catalog/products`
        while True:
            slot, slept = self._pacer.acquire()
            with self._stats_lock:
                self._stats.requests += 1
                self._stats.by_method[method] = self._stats.by_method.get(method, 0) + 1
                self._stats.pacing_sleep_s += slept
            try:
                response = self._http.request(method, url, params=params, json=body)
            except httpx.TransportError as exc:
                self._pacer.complete(slot, self._monotonic(), None)
                # The host, not the URL: the message names the method and path beside it.
                origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
                reason = self._redact(transport_failure(exc, origin, self._http.timeout))
                if not isinstance(exc, _RETRYABLE_TRANSPORT):  # a bad URL or header: a bug, not weather
                    raise BigCommerceError(f"{said}: {reason}") from None
                failures += 1
                safe = retry or isinstance(exc, _NOT_SENT)
                if not safe or failures >= self._config.max_attempts:
                    raise BigCommerceTransientError(
                        method=method, path=path, api=api, attempts=failures + throttles, last_status=None,
                        last_reason=reason,
                        maybe_applied=method not in _SAFE and not isinstance(exc, _NOT_SENT),
                    ) from exc
                self._back_off(method, said, failures, reason)
                continue
            except BaseException:
                self._pacer.complete(slot, self._monotonic(), None)
                raise
            limits = RateLimitHeaders.parse(response.headers)
            # A bare error response says nothing about the quota; don't let it switch pacing off.
            seen = limits if limits.describes_window or response.is_success else None
            self._pacer.complete(slot, self._monotonic(), seen)
            status = response.status_code
            if status == 429:
                throttles += 1
                self._count(throttled=1)
                if throttles >= self._config.max_throttled:
                    raise BigCommerceTransientError(
                        method=method, path=path, api=api, attempts=failures + throttles, last_status=429,
                        last_reason=self._reason(response),
                    )
                # Headers: wait the longer of X-Retry-After and the reset. No headers: the platform
                # is under load; back off with increasing delays (BigCommerce's API rate limits page).
                wait = limits.throttle_wait()
                if wait is None:
                    wait = self._jitter(throttles, write=False)
                logger.warning("BigCommerce 429 on %s; holding all requests for %.2fs", said, wait)
                self._pacer.hold(self._monotonic() + wait)
                self._count(retries=1)
                continue
            if status in _RETRYABLE_5XX:
                failures += 1
                reason = self._reason(response)
                if not retry or failures >= self._config.max_attempts:
                    raise BigCommerceTransientError(
                        method=method, path=path, api=api, attempts=failures + throttles, last_status=status,
                        last_reason=reason, maybe_applied=method not in _SAFE,
                    )
                self._back_off(method, said, failures, f"{status} {reason}")
                continue
            if status >= 400 or not response.is_success:
                raise self._rejection(method, path, response, api)
            return self._result(method, path, response)

    def _back_off(self, method: str, said: str, failures: int, reason: str) -> None:
        delay = self._jitter(failures, write=method not in _SAFE)
        logger.warning("%s failed (%s); retry %d in %.2fs", said, reason, failures, delay)
        self._sleep(delay)
        self._count(retries=1, backoff_sleep_s=delay)

    def _jitter(self, failures: int, *, write: bool) -> float:
        with self._rng_lock:
            return self._config.backoff.delay(failures, write=write, rng=self._rng)

    def _count(
        self, *, throttled: int = 0, retries: int = 0, partial: int = 0, backoff_sleep_s: float = 0.0
    ) -> None:
        with self._stats_lock:
            self._stats.throttled += throttled
            self._stats.retries += retries
            self._stats.partial += partial
            self._stats.backoff_sleep_s += backoff_sleep_s

    def _redact(self, text: str) -> str:
        return text.replace(self._config.access_token, "***")

    def _reason(self, response: httpx.Response) -> str:
        title, _, _ = parse_error_body(_json_or_none(response), response.reason_phrase)
        return self._redact(title)

    def _rejection(self, method: str, path: str, response: httpx.Response, api: Api) -> BigCommerceRejected:
        title, errors, error_type = parse_error_body(_json_or_none(response), response.reason_phrase)
        logger.info("BigCommerce rejected %s: %s %s", api_request(method, api, path), response.status_code, title)
        rejected: dict[str, Any] = {"method": method, "path": path, "api": api, "status": response.status_code,
                                    "title": self._redact(title), "error_type": error_type,
                                    "errors": {k: self._redact(v) for k, v in errors.items()}}
        if response.status_code in (401, 403):  # the token or its scopes: every call fails the same way
            return BigCommerceCredentialsRefused(token_source=self._config.token_source,
                                                 store_hash=self._config.store_hash, **rejected)
        return BigCommerceRejected(**rejected)

    def _result(self, method: str, path: str, response: httpx.Response) -> BigCommerceResponse:
        body = _json_or_none(response)
        if response.status_code != 207:
            return BigCommerceResponse(method, path, response.status_code, body)
        title, raw_errors, _ = parse_error_body(body, "Multi-Status")
        title, errors = self._redact(title), {k: self._redact(v) for k, v in raw_errors.items()}
        self._count(partial=1)
        logger.warning("BigCommerce partial failure (207) on %s %s: %s %s", method, path, title, errors)
        return BigCommerceResponse(method, path, 207, body, partial=True, title=title, errors=errors)

    def iter_v3(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        limit: int = MAX_PAGE_LIMIT,
        lane: str | None = None,
    ) -> Iterator[Any]:
        """Yield every item of a v3 list endpoint, following `meta.pagination` page by page.

        The server's pagination is checked, not trusted: it must answer the page asked for, and the walk stops
        after `MAX_PAGES` pages whatever `total_pages` says (a misbehaving server once sent one page forever).
        """
        _check_limit(limit)
        page = 1
        while True:
            query = {**(params or {}), "page": page, "limit": limit}
            response = self.request("GET", path, params=query, lane=lane)
            items = response.data if isinstance(response.data, list) else []
            yield from items
            pagination = response.meta.get("pagination") or {}
            current, total = pagination.get("current_page", page), pagination.get("total_pages")
            if not items or not isinstance(total, int) or not isinstance(current, int) or current >= total:
                return
            if current != page:
                raise BigCommerceError(f"{api_request('GET', 'v3', path)}: asked for page {page}, the store "
                                       f"answered current_page {current} of {total}; stopped paging")
            page = _next_page(api_request("GET", "v3", path), page)

    def iter_v2(
        self, path: str, *, params: Mapping[str, Any] | None = None, limit: int = MAX_PAGE_LIMIT
    ) -> Iterator[Any]:
        """Yield every item of a v2 list endpoint, paging until a short page or a 204.

        v2 orders answer 204 No Content, not `[]`, when nothing matches (aligent client PR #177).
        """
        _check_limit(limit)
        page = 1
        while True:
            query = {**(params or {}), "page": page, "limit": limit}
            response = self.request("GET", path, api="v2", params=query)
            items = response.body if response.status != 204 and isinstance(response.body, list) else []
            yield from items
            if len(items) < limit:
                return
            page = _next_page(api_request("GET", "v2", path), page)


def _next_page(said: str, page: int) -> int:
    if page >= MAX_PAGES:
        raise BigCommerceError(f"{said}: more than {MAX_PAGES} pages; stopped paging")
    return page + 1


MAX_PAGES = 2_000  # 500,000 items at the largest page size: far more than a store's catalogue or a day's orders


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise ValueError(f"limit must be 1..{MAX_PAGE_LIMIT}; BigCommerce answers 413 above that")


def _json_or_none(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text
