"""The sandbox ASGI app: store-hash and token checks, rate limit, faults and recording around the routes.

Order per request, as on BigCommerce: unknown store hash → 404; wrong `X-Auth-Token` → 401;
quota spent → 429; then an injected fault, if any; then the route. Every request is recorded.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from .categories import category_routes
from .config import RateLimitConfig, SandboxConfig, WallClock
from .endpoints import FAULT_SCOPE_KEY, error_response, routes
from .errors import ERROR_TYPE, ApiError
from .faults import Fault, FaultInjector
from .ratelimit import RateLimiter
from .recording import CLIENT_GONE, SECRET_HEADERS, RecordedRequest, RequestLog
from .routes_catalog import catalog_routes
from .routes_orders import order_routes
from .routes_store import store_routes
from .state import SandboxState

STORE_PATH = re.compile(r"^/stores/(?P<hash>[^/]+)(?P<api>/.*)?$")
# A wrong or missing `X-Auth-Token`: the one 401 body the specs document (webhooks.v3.yml, `401_Unauthorized`; the
# catalog specs give its schema as a bare string).
UNAUTHORIZED = {"status": 401, "title": "Unauthorized - the v3 Auth client ID or token in the request are not a valid "
                "combination for this store.", "type": "/api-docs/getting-started/api-status-codes"}


class Sandbox:
    """A fake BigCommerce store, and the ASGI app that serves it.

    `state`, `requests`, `faults` and `rate_limiter` are the test-facing handles.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        self.requests = RequestLog()
        self.faults = FaultInjector(self.config.faults)
        self.rate_limiter = RateLimiter(self.config.rate_limit, self.config.monotonic)
        self._routes = Starlette(
            routes=[*catalog_routes(), *routes(category_routes()), *store_routes(), *order_routes()],
            exception_handlers={HTTPException: _http_exception},
        )
        self._routes.state.sandbox_state = self.state

    def set_rate_limit(self, config: RateLimitConfig) -> None:
        """The store's plan from now on, starting with a full window (a benchmark fills the store unlimited,
        then measures under the Standard plan's quota)."""
        self.rate_limiter = RateLimiter(config, self.config.monotonic)

    def reset(self) -> None:
        """Forget everything: an empty store (seed channels only), no requests, no faults, full quota."""
        self.state = SandboxState(self.config)
        self._routes.state.sandbox_state = self.state
        self.requests.clear()
        self.faults.clear()
        self.faults.configure(self.config.faults)
        self.rate_limiter.reset()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._routes(scope, receive, send)
            return
        body, whole = await _read_body(receive)
        outcome = _Outcome(self.requests, scope, body, self.config.now)
        if not whole:  # the client left before its body arrived (it timed out): nothing to act on or answer
            outcome.fault = CLIENT_GONE
            outcome.finish()
            return
        try:
            await self._handle(scope, body, receive, _capturing(send, outcome), outcome)
        finally:
            outcome.finish()

    async def _handle(self, scope: Scope, body: bytes, receive: Receive, send: Send, outcome: _Outcome) -> None:
        match = STORE_PATH.match(scope["path"])
        if match is None or match["hash"] != self.config.store_hash:
            # An unknown store hash answers 404, as on BigCommerce.
            await _send_json(send, 404, {"status": 404, "title": "Store not found", "type": ERROR_TYPE})
            return
        api_path = outcome.api_path
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("x-auth-token") != self.config.token:
            await _send_json(send, 401, UNAUTHORIZED, self.rate_limiter.current_headers())
            return
        admission = self.rate_limiter.admit()
        if not admission.allowed:
            await _send_json(
                send,
                429,
                {"status": 429, "title": "Too many requests", "type": ERROR_TYPE},
                admission.headers,
            )
            return
        fault = self.faults.pick(scope["method"], api_path)
        outcome.fault = fault.kind if fault else None
        if fault is not None and fault.kind == "drop":
            outcome.finish()  # the client sees the error at once: record first
            await _drop_connection(receive, send)
            return
        if fault is not None and await self._apply_fault(fault, api_path, send, admission.headers):
            return
        inner = dict(scope, path=api_path, raw_path=api_path.encode(), root_path="")
        inner[FAULT_SCOPE_KEY] = fault
        await self._routes(inner, _replay(body, receive), _with_headers(send, admission.headers))

    async def _apply_fault(self, fault: Fault, api_path: str, send: Send, rate_headers: dict[str, str]) -> bool:
        """Carry out `fault`; True when the request has been answered."""
        if fault.kind == "error":
            error = ApiError(fault.status, HTTPStatus(fault.status).phrase)
            await _send_response(send, error_response(error, api_path), rate_headers)
            return True
        if fault.kind == "bare_429":
            # 429 without rate-limit headers: "the platform experiences high load" (BigCommerce's API rate limits page).
            await _send_json(send, 429, {"status": 429, "title": "Too many requests", "type": ERROR_TYPE})
            return True
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay_seconds)
        return False


def create_app(config: SandboxConfig | None = None) -> Sandbox:
    """Build a fresh sandbox; the returned object is the ASGI app and holds the state."""
    return Sandbox(config)


class _Outcome:
    """One request's entry in the log: recorded on arrival, completed before the client can see
    the end of the response (so a test that just got its answer also sees the record)."""

    def __init__(self, log: RequestLog, scope: Scope, body: bytes, now: WallClock) -> None:
        self.log = log
        self.now = now
        self.received = now()
        self.answered: datetime | None = None
        self.scope = scope
        self.body = body
        match = STORE_PATH.match(scope["path"])
        self.api_path = (match["api"] or "/") if match else ""
        self.status: int | None = None
        self.fault: str | None = None
        self._done = False
        self._slot = log.append(self.record())

    def record(self) -> RecordedRequest:
        scope = self.scope
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query_string = scope.get("query_string", b"").decode("latin-1")
        try:
            parsed: Any = json.loads(self.body) if self.body.strip() else None
        except ValueError:
            parsed = None
        return RecordedRequest(
            method=scope["method"],
            path=scope["path"],
            api_path=self.api_path,
            query=dict(parse_qsl(query_string, keep_blank_values=True)),
            query_string=query_string,
            headers={k: v for k, v in headers.items() if k not in SECRET_HEADERS},
            json=parsed,
            status=self.status,
            fault=self.fault,
            received=self.received,
            answered=self.answered,
        )

    def finish(self) -> None:
        if not self._done:
            self._done = True
            self.answered = self.now() if self.status is not None else None
            self.log.replace(self._slot, self.record())


async def _http_exception(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    title = "The requested resource was not found." if status == 404 else str(getattr(exc, "detail", exc))
    return error_response(ApiError(status, title), request.url.path)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request's body, and whether all of it arrived (False: the client disconnected first)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _capturing(send: Send, outcome: _Outcome) -> Send:
    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            outcome.status = message["status"]
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            outcome.finish()
        await send(message)

    return capture


def _with_headers(send: Send, extra: dict[str, str]) -> Send:
    async def add(message: Message) -> None:
        if message["type"] == "http.response.start":
            raw = list(message.get("headers", []))
            raw += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
            message = {**message, "headers": raw}
        await send(message)

    return add


async def _send_response(send: Send, response: Response, headers: dict[str, str] | None = None) -> None:
    response.headers.update(headers or {})
    await response({"type": "http"}, _no_receive, send)


async def _send_json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    await _send_response(send, JSONResponse(body, status_code=status), headers)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


async def _drop_connection(receive: Receive, send: Send) -> None:
    """Close the TCP connection without a response, so the client sees a connection error.

    ASGI has no "abort" message, so reach the server's transport through uvicorn's
    request cycle (the owner of `receive`). Elsewhere, fall back to a truncated response.
    """
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        transport.abort()
        for _ in range(10):  # let the server notice, so it does not try to send a 500
            if getattr(cycle, "disconnected", True):
                break
            await asyncio.sleep(0.001)
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": False})
