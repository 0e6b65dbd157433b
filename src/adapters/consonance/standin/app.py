"""`create_app`: the stand-in's HTTP edge, Consonance's `POST /graphql`.

- `Authorization: Bearer <key>` is required ("a string of thirty-two letters and numbers"); a missing
  or wrong key gets 401 with a JSON body. GET and other methods get 405.
- The body is `{"query", "variables", "operationName"}`; the answer is the GraphQL result as JSON with
  status 200, including validation and resolver errors (as graphql-ruby, which Consonance runs on,
  does — ASSUMPTION).
- Every request is recorded (without the key) for tests to inspect; faults come from a `FaultPlan`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bookbridge.adapters.consonance.standin.dataset import ConsonanceData
from bookbridge.adapters.consonance.standin.faults import Fault, FaultPlan
from bookbridge.adapters.consonance.standin.schema import StandinContext, build_standin_schema, execute

_KEY_SHAPE = re.compile(r"[A-Za-z0-9]{32}")
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the stand-in saw it. The API key is reduced to whether it was accepted."""

    method: str
    path: str
    authorised: bool
    status: int
    query: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    operation_name: str | None = None
    fault: Fault | None = None


def create_app(
    data: ConsonanceData,
    api_key: str,
    faults: FaultPlan | None = None,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    requests: list[RecordedRequest] | None = None,
    schema: GraphQLSchema | None = None,
) -> Starlette:
    """Build the stand-in ASGI app. Nothing is started; `requests` receives the request log."""
    if not _KEY_SHAPE.fullmatch(api_key):
        raise ValueError("the stand-in API key must be 32 letters and digits, like a Consonance key")
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    plan = faults if faults is not None else FaultPlan()
    log = requests if requests is not None else []
    context = StandinContext(data=data, page_size=page_size)
    executable = schema if schema is not None else build_standin_schema()
    expected = f"Bearer {api_key}".encode()

    async def graphql_endpoint(request: Request) -> Response:
        presented = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(presented, expected):
            log.append(RecordedRequest("POST", request.url.path, authorised=False, status=401))
            return JSONResponse({"errors": [{"message": "Invalid or missing API key"}]}, status_code=401)
        try:
            body = json.loads(await request.body())
            query, variables, operation = _unpack(body)
        except ValueError as exc:
            log.append(RecordedRequest("POST", request.url.path, authorised=True, status=400))
            return JSONResponse({"errors": [{"message": str(exc)}]}, status_code=400)

        fault = plan.next_fault()
        response = await _answer(fault, executable, context, query, variables, operation)
        log.append(
            RecordedRequest(
                "POST", request.url.path, True, response.status_code, query, variables or {}, operation, fault
            )
        )
        return response

    return Starlette(routes=[Route("/graphql", graphql_endpoint, methods=["POST"])])


async def _answer(
    fault: Fault | None,
    schema: GraphQLSchema,
    context: StandinContext,
    query: str,
    variables: dict[str, Any] | None,
    operation: str | None,
) -> Response:
    if fault is not None and fault.delay:
        await asyncio.sleep(fault.delay)
    if fault is not None and fault.status != 200:
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        body = {"errors": [{"message": fault.message}]}
        return JSONResponse(body, status_code=fault.status, headers=headers)
    if fault is not None and fault.kind == "graphql_error":
        return JSONResponse({"data": None, "errors": [{"message": fault.message, "path": ["works"]}]})
    result = await run_in_threadpool(execute, schema, context, query, variables, operation)
    return JSONResponse(result.formatted)


def _unpack(body: Any) -> tuple[str, dict[str, Any] | None, str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise ValueError("The request body must be a JSON object with a string 'query'")
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise ValueError("'variables' must be a JSON object")
    operation = body.get("operationName")
    if operation is not None and not isinstance(operation, str):
        raise ValueError("'operationName' must be a string")
    return body["query"], variables, operation
