"""A tenant's GraphQL sales endpoint on loopback (graphql-core behind uvicorn, with Bearer auth as Consonance's):
what the `consonance-graphql` sales sink posts to in tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from graphql import build_schema, graphql_sync
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SCHEMA = build_schema("""
    type Query { days: [String!]! }
    input SalesFactInput {
      isbn: String!, format: String!, storefront: String!, day: String!, quantity: Int!, netAmount: String!,
      currency: String!
    }
    type Mutation { replaceSalesDay(day: String!, facts: [SalesFactInput!]!): Int! }
""")
MUTATION = """
mutation ReplaceSalesDay($day: String!, $facts: [SalesFactInput!]!) {
  replaceSalesDay(day: $day, facts: $facts)
}
"""
KEY = "tenant-key-123"


class SalesEndpoint:
    """A tenant's GraphQL endpoint that replaces a day's sales on each mutation; Bearer auth as Consonance's."""

    def __init__(self) -> None:
        self.days: dict[str, list[dict[str, Any]]] = {}
        self.authorizations: list[str] = []
        self.reject_next = False
        root = {"replaceSalesDay": self._replace, "days": lambda info: sorted(self.days)}
        self._root = root
        self.app = Starlette(routes=[Route("/graphql", self._graphql, methods=["POST"])])

    def _replace(self, info: Any, day: str, facts: list[dict[str, Any]]) -> int:
        if self.reject_next:
            raise ValueError("sales for a closed period cannot change")
        self.days[day] = facts
        return len(facts)

    async def _graphql(self, request: Request) -> JSONResponse:
        auth = request.headers.get("authorization", "")
        self.authorizations.append(auth)
        if auth != f"Bearer {KEY}":
            return JSONResponse({"errors": [{"message": "unauthorized"}]}, status_code=401)
        body = await request.json()
        result = graphql_sync(SCHEMA, body["query"], root_value=self._root, variable_values=body.get("variables"),
                              operation_name=body.get("operationName"))
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [{"message": e.message} for e in result.errors]
        return JSONResponse(payload)


@contextmanager
def serving_sales_endpoint() -> Iterator[tuple[SalesEndpoint, str]]:
    served = SalesEndpoint()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(served.app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the GraphQL endpoint did not start"
        time.sleep(0.01)
    host, port = sock.getsockname()[:2]
    try:
        yield served, f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
