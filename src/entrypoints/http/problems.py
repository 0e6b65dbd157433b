"""One error body for every refusal: `{"detail": "<what>, field <name>: <why>"}` (schemas.Problem).

FastAPI answers invalid input with a list of pydantic errors; this app answers it with one sentence naming the
field, the same shape as its other 4xx answers, and the OpenAPI document says so (`ERRORS`, declared on each
router). A 405 lists every method the path has in `Allow`, not only the first route's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from bookbridge.application.sales_report import GROUPING_RULE
from bookbridge.domain.words import value_error_words
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


TYPE_MISMATCH = {"int_type", "int_parsing", "string_type", "float_type", "bool_type", "none_required",
                 "model_type", "dict_type"}


def validation_detail(errors: Sequence[Any], *, page: bool = False) -> str:
    """One sentence naming each field at fault (up to five) and what it takes:
    `query parameter limit: must be a whole number; it is 'abc'`. On a `page` (the dashboard's), a part of the
    address is named in words, for its reader sees no parameter: `exception id: must be a whole number; it is 'abc'`.

    A field of several types (`int | str`) fails once per type; the plain type mismatches are dropped when
    another type says something more useful, and pydantic's type tags are left out of the field's name."""
    by_field: dict[tuple[str, str], list[Any]] = {}
    for error in errors:
        raw = list(error.get("loc", ()))  # (where, the parameter's own name, then nested keys and type tags)
        loc = [str(p) for p in raw[:2]] + [str(p) for p in raw[2:] if not _is_type_tag(p)]
        where = WHERE.get(loc[0], loc[0]) if loc else "request"
        by_field.setdefault((where, ".".join(loc[1:])), []).append(error)
    parts = []
    for (where, name), found in list(by_field.items())[:5]:
        useful = [e for e in found if e.get("type") not in TYPE_MISMATCH] or found
        said = " or ".join(dict.fromkeys(why(e) for e in useful))
        if page and where == WHERE["path"]:
            parts.append(f"{name.replace('_', ' ')}: {said}")
        else:
            parts.append(f"{where} {name}: {said}" if name else f"{where}: {said}")
    return "; ".join(parts) or "invalid request"


def _is_type_tag(part: object) -> bool:
    """pydantic names each member of a union in `loc`: `int`, `constrained-str`, `function-before[...]`."""
    return isinstance(part, str) and ("[" in part or "-" in part or part in {"int", "str", "float", "bool"})


# What a JSON body or a query string takes, where the configuration file's words (a "table") do not fit.
JSON_WORDS = {"dict_type": "must be a JSON object", "model_type": "must be a JSON object",
              "model_attributes_type": "must be a JSON object", "list_type": "must be a JSON array ([...])",
              "string_type": "must be text", "json_invalid": "must be JSON",
              "grouping": GROUPING_RULE,
              "int_parsing_size": "must be a whole number of at most 4300 digits",
              "extra_forbidden": "is not a field of this body"}


def why(error: Any) -> str:
    """What the field takes, and what it was given, in the project's words (`value_error_words`), never
    pydantic's ("Input should be a valid integer, unable to parse string as an integer")."""
    context = error.get("ctx") or {}
    if pattern := context.get("pattern"):
        return PATTERN_MEANING.get(pattern, f"must match {pattern}")
    said = value_error_words(str(error.get("type")), str(error.get("msg", "invalid")), context, error.get("input"),
                             words=JSON_WORDS)
    if error.get("type") == "missing" and tuple(error.get("loc", ())) == ("body",):
        return f"{said} (a JSON object)"
    return said


# A refusal answered as a page of its own: (request, status, the detail in a sentence, headers) -> the page.
PageAnswer = Callable[[Request, int, str, Mapping[str, str] | None], Awaitable[Response]]


def answer_as_pages(app: FastAPI, prefix: str, answer: PageAnswer) -> None:
    """Refusals of the paths under `prefix` (`/dashboard`: its routes, an address naming none, a method it does
    not take) are answered by `answer`, a page, never by the API's JSON body."""
    app.state.refusal_pages = {**getattr(app.state, "refusal_pages", {}), prefix: answer}


def _page_answer(request: Request) -> PageAnswer | None:
    path = request.url.path
    pages: dict[str, PageAnswer] = getattr(request.app.state, "refusal_pages", {})
    return next((a for prefix, a in pages.items() if path == prefix or path.startswith(prefix + "/")), None)


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if answer := _page_answer(request):  # an address whose id is not one names nothing: 404
        path_only = all(tuple(e.get("loc", ()))[:1] == ("path",) for e in exc.errors())
        return await answer(request, 404 if path_only else 422, validation_detail(exc.errors(), page=True), None)
    return JSONResponse({"detail": validation_detail(exc.errors())}, status_code=422)


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI document lists for `path` (what a 405's Allow must say)."""
    methods: set[str] = set()
    for template, item in app.openapi().get("paths", {}).items():
        if compile_path(template)[0].match(path):
            methods |= {m.upper() for m in item if m in HTTP_METHODS}
    return sorted(methods)


def query_parameters(app: FastAPI, path: str, method: str) -> list[str]:
    """The query parameters the OpenAPI document lists for `method` on the route `path` (its template)."""
    operation = app.openapi().get("paths", {}).get(path, {}).get(method.lower(), {})
    return [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]


async def declared_parameters_only(request: Request) -> None:
    """Refuse (422) a query parameter the route does not take, naming it and those it takes: ignored, it would be
    answered as if it were not given (`by`, the CLI's option, for `group_by`: the default grouping)."""
    path = getattr(request.scope.get("route"), "path_format", request.url.path)  # the route's template
    taken = query_parameters(request.app, path, request.method)
    unknown = [name for name in dict.fromkeys(request.query_params.keys()) if name not in taken]
    if unknown:
        takes = (", ".join(taken[:-1]) + " and " + taken[-1]) if len(taken) > 1 else (taken or ["none"])[0]
        many = "s" if len(unknown) > 1 else ""
        raise HTTPException(422, f"query parameter{many} {', '.join(unknown)}: {request.method} {path} takes no such "
                                 f"parameter{many} (it takes {takes})")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = allowed_methods(request.app, request.url.path)
        if allowed:
            exc = HTTPException(405, exc.detail, headers={**(exc.headers or {}), "Allow": ", ".join(allowed)})
    if answer := _page_answer(request):
        return await answer(request, exc.status_code, str(exc.detail), exc.headers)
    return await http_exception_handler(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http_error)
