"""One error body for every refusal: `{"detail": "<what>, field <name>: <why>"}` (schemas.Problem).

FastAPI answers invalid input with a list of pydantic errors; this app answers it with one sentence naming the
field, the same shape as its other 4xx answers, and the OpenAPI document says so (`ERRORS`, declared on each
router). A 405 lists every method the path has in `Allow`, not only the first route's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from bookbridge.entrypoints.http.inputs import PATTERN_MEANING

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
WHERE = {"query": "query parameter", "path": "path parameter", "header": "header", "cookie": "cookie",
         "body": "body"}


def problem(description: str) -> dict[str, Any]:
    """An OpenAPI response whose body is a Problem, as JSON whatever the route's own media type (HTML pages)."""
    return {"description": description, "content": {"application/json": {"schema": PROBLEM_REF}}}


# Every route that reads input can answer these; routers declare them (so FastAPI does not add its own 422).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: problem("the body cannot be read: not JSON or not a form, too deeply nested, a number too long"),
    413: problem("the body is larger than http.max_body_bytes (or a form larger than its limit)"),
    422: problem("a field breaks a rule: the detail names the field and the rule"),
}


def validation_detail(errors: Sequence[Any]) -> str:
    """One sentence naming each field at fault (up to five): `query parameter start: Input should be ...`."""
    parts = []
    for error in list(errors)[:5]:
        loc = [str(p) for p in error.get("loc", ())]
        where = WHERE.get(loc[0], loc[0]) if loc else "request"
        name = ".".join(loc[1:])
        pattern = (error.get("ctx") or {}).get("pattern")
        why = PATTERN_MEANING.get(pattern, error.get("msg", "invalid")) if pattern else error.get("msg", "invalid")
        parts.append(f"{where} {name}: {why}" if name else f"{where}: {why}")
    return "; ".join(parts) or "invalid request"


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": validation_detail(exc.errors())}, status_code=422)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI document lists for `path` (what a 405's Allow must say)."""
    methods: set[str] = set()
    for template, item in app.openapi().get("paths", {}).items():
        if compile_path(template)[0].match(path):
            methods |= {m.upper() for m in item if m in HTTP_METHODS}
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = allowed_methods(request.app, request.url.path)
        if allowed:
            exc = HTTPException(405, exc.detail, headers={**(exc.headers or {}), "Allow": ", ".join(allowed)})
    return await http_exception_handler(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http_error)
