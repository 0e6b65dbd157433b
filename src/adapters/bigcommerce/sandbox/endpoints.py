"""Glue between Starlette routes and the sandbox's synchronous handlers.

A handler takes a `Call` (path params, query, parsed JSON body, injected fault) and returns a
`Reply`; `ApiError` becomes BigCommerce's v3 or v2 error body. Handlers run under the state lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .errors import ApiError
from .faults import Fault
from .query import PageRequest, page_request, paginate
from .state import SandboxState

FAULT_SCOPE_KEY = "bookbridge.sandbox.fault"


@dataclass(frozen=True)
class Call:
    state: SandboxState
    params: dict[str, Any]
    query: dict[str, str]
    body: Any
    fault: Fault | None = None

    def arg(self, name: str) -> int:
        """An integer path parameter (`{product_id:int}`)."""
        return int(self.params[name])

    def page(self, max_limit: int = 250) -> PageRequest:
        return page_request(self.query, max_limit=max_limit)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None  # None means an empty body
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]


def data(payload: Any, status: int = 200, meta: dict[str, Any] | None = None) -> Reply:
    """v3 envelope: {"data": ..., "meta": {...}}."""
    return Reply(status, {"data": payload, "meta": meta or {}})


def listing(
    call: Call, items: Sequence[Any], render: Callable[[Any], Any] = lambda r: r, page_cap: int | None = None
) -> Reply:
    page = call.page()
    if page_cap is not None and page.limit > page_cap:
        page = PageRequest(page.page, page_cap)
    chunk, meta = paginate(items, page, call.query)
    return data([render(item) for item in chunk], meta=meta)


def no_content() -> Reply:
    return Reply(204)


def deleting(action: Callable[[Call], None]) -> Handler:
    """A handler that runs `action` and answers 204 No Content."""

    def handler(call: Call) -> Reply:
        action(call)
        return Reply(204)

    return handler


def _render(reply: Reply) -> Response:
    if reply.body is None:
        return Response(status_code=reply.status, headers=reply.headers)
    return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)


def error_response(error: ApiError, path: str) -> Response:
    body: Any = error.v2_body() if path.startswith("/v2/") else error.v3_body(instance=path)
    return JSONResponse(body, status_code=error.status)


def route(method: str, path: str, handler: Handler) -> Route:
    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            return error_response(ApiError(400, "The request body is not valid JSON."), request.url.path)
        state: SandboxState = request.app.state.sandbox_state
        call = Call(
            state,
            dict(request.path_params),
            dict(request.query_params),
            body,
            request.scope.get(FAULT_SCOPE_KEY),
        )
        try:
            with state.lock:
                reply = handler(call)
        except ApiError as error:
            return error_response(error, request.url.path)
        return _render(reply)

    return Route(path, endpoint, methods=[method])


def routes(table: Sequence[tuple[str, str, Handler]]) -> list[Route]:
    return [route(method, path, handler) for method, path, handler in table]
