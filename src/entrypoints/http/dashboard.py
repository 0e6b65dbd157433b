"""The HTML dashboard: a status header, open exceptions (filter, search, resolve with confirmation, retry of one
edition), upcoming flips per storefront, scheduled jobs, last runs, sales.

Server-rendered from Jinja2 templates (templates/, autoescaped) with one stylesheet (static/), no script. Forms
are parsed by Starlette's form parser (python-multipart) and bounded here. Auth (security.py, protection.py):
`GET /login` shows a form for the admin token; `POST /login` opens a session stored server-side and sets an
HttpOnly, SameSite=Strict session cookie (Secure under HTTPS); `POST /logout` ends the session. Wrong tokens
from one client back off (429 with Retry-After). Every POST form carries a CSRF token derived from the session.
Actions answer 303 back to the dashboard (post/redirect/get) with a message code, never text; resolving with no
note shows its form again (422), saying a note is needed.

Every `/dashboard` address answers in HTML, refusals too (`refusal_page`): a page saying what is wrong, with the way
back, never the API's JSON. The dashboard's own query parameters never refuse it (dashboard_query.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool

from bookbridge.application.exception_retry import retry_of
from bookbridge.application.held_back import FROM_EVERY_STOREFRONT, FROM_SOME_STOREFRONT
from bookbridge.application.reconcile import NOTE_NEEDED, resolution_note
from bookbridge.application.sync import SOURCE_UNREAD
from bookbridge.domain.storefront import storefront_words
from bookbridge.domain.words import plural
from bookbridge.entrypoints.http.admin import ExceptionId, not_open, resolve_exception, retry_exception
from bookbridge.entrypoints.http.dashboard_query import read_query
from bookbridge.entrypoints.http.dashboard_view import ExceptionRow, Filters, exception_row, gather
from bookbridge.entrypoints.http.inputs import FILLED_TEXT_PATTERN, TEXT_PATTERN, refuse_control_characters
from bookbridge.entrypoints.http.problems import ERRORS
from bookbridge.entrypoints.http.protection import Guard, Protection
from bookbridge.entrypoints.http.security import SESSION_COOKIE, SESSION_SECONDS
from bookbridge.entrypoints.http.state import AppState, State
from bookbridge.entrypoints.metrics import record_login_failure
from bookbridge.entrypoints.presentation import COUNT_WORDS, RUN_COUNTS, no_such_exception, where_words

MAX_FORM = 65_536  # bytes: room for every field at its limit, percent-encoded
MAX_FIELD = 2000  # characters
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"
NO_TOKEN = ("No admin token is configured, so nobody can sign in. Set [http] admin_token_env (or admin_token_file) "
            "in the configuration and restart `bookbridge serve`.")
# What a refusal under /dashboard is called on its page (refusal_page).
REFUSED = {400: "The form could not be read", 401: "Not signed in", 403: "The form has expired",
           404: "Not found", 405: "Not a way to ask for this page", 409: "Done already",
           413: "The form is too large", 422: "The request could not be used"}


def page(description: str) -> dict[str, Any]:
    """An OpenAPI response of a /dashboard route: a page saying so, with the way back."""
    return {"description": f"{description}: a page saying so, with the way back",
            "content": {"text/html": {"schema": {"type": "string"}}}}


PAGE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: page("the form cannot be read"), 413: page(f"the form is larger than {MAX_FORM} bytes"),
    422: page("a field breaks a rule, named")}
ACTION_ERRORS: dict[int | str, dict[str, Any]] = {
    **PAGE_ERRORS, 401: page("not signed in"), 403: page("missing or wrong CSRF token"),
    404: page("no exception has this id"), 409: page("the exception is resolved already (when, and how)")}


async def refusal_page(request: Request, status: int, detail: str,
                       headers: Mapping[str, str] | None = None) -> Response:
    """The page of a refused /dashboard request (`problems.answer_as_pages`): what is wrong, in a sentence, and the
    way back, with the status the API would give (an address naming no exception, `/dashboard/exceptions/abc/
    resolve`, is 404)."""
    state: AppState = request.app.state.bookbridge
    guard: Protection = request.app.state.protection
    session = await run_in_threadpool(guard.session, request)
    exception_id = request.path_params.get("exception_id")
    if detail == "Not Found":  # Starlette's words for an address no route takes
        detail = f"nothing is at {request.url.path}"
    elif detail == "Method Not Allowed":
        allowed = (headers or {}).get("Allow", "")
        detail = f"{request.url.path} does not take {request.method}" + (f"; it takes {allowed}" if allowed else "")
    title = (f"No open exception {exception_id}" if status in (404, 409) and exception_id
             else REFUSED.get(status, "Refused"))
    response = render("missing.html", status, title=title, store=state.settings.store.name,
                      csrf=state.secrets.csrf_token(session) if session else None,
                      message=f"{detail[:1].upper()}{detail[1:].rstrip('.')}.")
    response.headers.update(headers or {})
    return response


router = APIRouter(tags=["dashboard"], responses=ERRORS)


@cache
def templates() -> Environment:
    """The dashboard's templates, loaded from the package on first use; every value is escaped."""
    env = Environment(loader=PackageLoader("bookbridge.entrypoints.http", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True), auto_reload=False,
                      undefined=StrictUndefined)
    env.filters["storefront_words"] = storefront_words
    env.filters["times"] = lambda count: plural(count, "time")  # an exception's repeat count, as the CLI says it
    env.globals |= {"FROM_EVERY_STOREFRONT": FROM_EVERY_STOREFRONT, "FROM_SOME_STOREFRONT": FROM_SOME_STOREFRONT,
                    "SOURCE_UNREAD": SOURCE_UNREAD, "RUN_COUNTS": RUN_COUNTS, "COUNT_WORDS": COUNT_WORDS}
    return env


def render(template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    html = templates().get_template(template).render(**context)
    return HTMLResponse(html, status_code=http_status, headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                                           "Content-Security-Policy": CSP})


def _form_body(*fields: str, filled: tuple[str, ...] = ()) -> dict[str, Any]:
    """The form's fields, as `read_form` bounds them; a `filled` field is required and must say something."""
    schema: dict[str, Any] = {"type": "object", "properties": {
        f: {"type": "string", "maxLength": MAX_FIELD, "pattern": FILLED_TEXT_PATTERN if f in filled else TEXT_PATTERN}
        for f in fields}}
    if filled:
        schema["required"] = list(filled)
    return {"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}}


async def read_form(request: Request, *fields: str) -> dict[str, str]:
    """The form's `fields` (others are ignored), parsed by Starlette: 413 past MAX_FORM bytes, 400 when not a
    form or when it carries a file, 422 when a field is longer than MAX_FIELD characters or holds a control
    character."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM:
        raise HTTPException(413, f"form larger than {MAX_FORM} bytes")
    body = await request.body()
    if len(body) > MAX_FORM:
        raise HTTPException(413, f"form larger than {MAX_FORM} bytes")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if body and media not in FORMS:
        raise HTTPException(400, "expected a form (application/x-www-form-urlencoded)")
    try:
        body.decode("utf-8")
        parsed = await request.form(max_files=0, max_fields=20)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(400, f"form body is not URL-encoded UTF-8: {exc}") from None
    except HTTPException as exc:  # Starlette's own refusal (a file, too many fields)
        raise HTTPException(400, f"form refused: {exc.detail}") from None
    form: dict[str, str] = {}
    for key in fields:
        value = parsed.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise HTTPException(400, f"form field {key}: a file is not expected")
        if len(value) > MAX_FIELD:
            raise HTTPException(422, f"form field {key}: longer than {MAX_FIELD} characters")
        refuse_control_characters(value, f"form field {key}")
        form[key] = value
    return form


def _login_form(state: AppState, message: str = "", status: int = 200) -> HTMLResponse:
    can_sign_in = state.secrets.admin_token is not None
    if not can_sign_in:
        message, status = NO_TOKEN, (503 if status != 200 else 200)
    return render("login.html", status, title="Sign in", store=state.settings.store.name, csrf=None,
                  message=message, failed=status >= 400, can_sign_in=can_sign_in)


@router.get("/", include_in_schema=True, response_class=RedirectResponse, status_code=307,
            summary="The dashboard's address")
def root() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=307)


@router.get("/login", response_class=HTMLResponse, summary="The dashboard's sign-in form")
def login_form(state: State) -> HTMLResponse:
    return _login_form(state)


def client_of(request: Request) -> str:
    """The client's address, as the server saw it (behind a proxy: run uvicorn with --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


@router.post("/login", response_class=HTMLResponse, openapi_extra=_form_body("token"),
             responses={303: {"description": "signed in"}, 401: {"description": "wrong token (the form again)"},
                        429: {"description": "too many wrong tokens from this client: try after Retry-After "
                                             "seconds (the form again)"},
                        503: {"description": "no admin token is configured: nobody can sign in (said plainly)"}},
             summary="Sign in with the admin token; opens a session and sets its cookie")
async def login(request: Request, state: State, guard: Guard) -> Response:
    form = await read_form(request, "token")
    if state.secrets.admin_token is None:
        record_login_failure("no_token_configured")
        return _login_form(state, status=503)
    client, now = client_of(request), time.monotonic()
    wait = guard.login.wait(client, now=now)
    if wait > 0:
        record_login_failure("throttled")
        return _throttled(state, wait)
    if not state.secrets.admin_matches(form.get("token")):
        record_login_failure("wrong_token")
        delay = guard.login.failed(client, now=now)
        return _throttled(state, delay) if delay > 0 else _login_form(state, "That is not the admin token.", 401)
    guard.login.succeeded(client)
    cookie = await run_in_threadpool(guard.open_session)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


def _throttled(state: AppState, wait: float) -> HTMLResponse:
    seconds = max(1, math.ceil(wait))
    response = _login_form(state, f"Too many wrong tokens from your address: try again in {seconds} s.", 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@router.post("/logout", response_class=RedirectResponse, status_code=303,
             summary="Sign out: ends the session (its cookie no longer works) and clears the cookie")
async def logout(request: Request, guard: Guard) -> RedirectResponse:
    await run_in_threadpool(guard.close_session, request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


FLASH: dict[str, str] = {
    "resolved": "Exception {id} resolved.",
    # What the retry does, by what the exception is about (`application.exception_retry`): its edition only, a
    # sync of the store, an order import, a delivery to a sales sink. `retried-sync`: an earlier page's link.
    "retried": "Retry queued for exception {id}: {retry}; it resolves itself if that now succeeds.",
    "retried-sync": "Retry queued for exception {id}: {retry}; it resolves itself if that now succeeds.",
    "synced": "Sync of {store} queued."}


def _param(description: str) -> Any:
    """A query parameter of the page, read as text (dashboard_query.py reads it; nothing given is refused)."""
    return Query(description=description)


@router.get("/dashboard", response_class=HTMLResponse, responses={**PAGE_ERRORS, 303: {"description": "sign in first"}},
            summary="The dashboard (HTML); a parameter it cannot use is left out, and the page says so")
def dashboard(request: Request, state: State, guard: Guard,
              done: Annotated[str | None, _param("the message of the action just taken: `resolved`, `retried`, "
                                                 "`retried-sync` or `synced`")] = None,
              exception: Annotated[str | None, _param("its exception, by id")] = None,
              kind: Annotated[str | None, _param("exceptions of this kind only, by its code (the Kind filter's "
                                                 "values: `drift`, `store-rejection`, ...); one that names no "
                                                 "kind is not applied, and the page says so")] = None,
              where: Annotated[str | None, _param("exceptions in this place only, by its key: a storefront's "
                                                  "name, the store's, `source:consonance`, `orders:shop` (the "
                                                  "order import's: `orders:` and the store's name), "
                                                  "`sales-sink:ledger`, `lease:sync:shop` (the Where filter's "
                                                  "values)")] = None,
              storefront: Annotated[str | None, _param("the old name of `where`, still read")] = None,
              q: Annotated[str | None, _param("exceptions whose ISBN or title contains this (up to 100 "
                                              "characters)")] = None,
              flips_storefront: Annotated[str | None, _param("the storefront whose flips are paged")] = None,
              flips_page: Annotated[str | None, _param("its page of flips, from 1 (past the last, the last is "
                                                       "shown, and the page says so)")] = None,
              editions_page: Annotated[str | None, _param("the page of units by edition (the best-selling first), "
                                                          "from 1 (past the last, the last is shown, and the page "
                                                          "says so)")] = None,
              ) -> Response:
    session = guard.session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    query = read_query(done=done, exception=exception, kind=kind, where=where, storefront=storefront, q=q,
                       flips_storefront=flips_storefront, flips_page=flips_page, editions_page=editions_page,
                       storefronts=[s.name for s in state.settings.storefronts])
    filters = Filters(kind=query.kind, storefront=query.where or query.storefront, q=query.q,
                      flips_storefront=query.flips_storefront, flips_page=query.flips_page,
                      editions_page=query.editions_page)
    store = state.settings.store.name  # fixed words; the id is a number, the store named as the glossary says
    message = FLASH[query.done] if query.done else ""
    named = query.exception or "{id}" not in message  # a message of an exception names it, or is not shown
    flash = message.format(id=query.exception, store=where_words(store, store),
                           retry=retry_words(state, query.exception)) if named else ""
    view = gather(state, filters)
    return render("dashboard.html", title="Dashboard", csrf=state.secrets.csrf_token(session), flash=flash,
                  query_notes=[*query.notes, *view.pop("page_notes")], **view)


def retry_words(state: AppState, exception_id: int | None) -> str:
    """What the retry of an exception does, in words (`Retry.what`): read from the exception, resolved by now or
    not; "a retry" when the id names none."""
    uow = state.new_uow()
    with uow:
        try:
            item = uow.exceptions.get(exception_id) if exception_id else None
        except KeyError:
            item = None
    return retry_of(item, state.settings.store.name).what if item else "a retry"


async def _checked(request: Request, state: AppState, guard: Protection, *fields: str) -> tuple[str, dict[str, str]]:
    session = await run_in_threadpool(guard.session, request)
    form = await read_form(request, "csrf", *fields)
    if session is None:
        raise HTTPException(401, "sign in at /login first")
    if not state.secrets.csrf_valid(session, form.get("csrf")):
        raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the dashboard")
    return session, form


@router.get("/dashboard/exceptions/{exception_id}/resolve", response_class=HTMLResponse,
            responses={**PAGE_ERRORS, 303: {"description": "sign in first"}, 404: page("no exception has this id"),
                       409: page("the exception is resolved already: when, and how")},
            summary="Dashboard: confirm resolving an exception, with a note")
def dashboard_confirm_resolve(request: Request, state: State, guard: Guard, exception_id: ExceptionId) -> Response:
    session = guard.session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    item = exception_row(state, exception_id)
    if item is None:  # resolved meanwhile, or a wrong address: said in a page as the API says it, with the way back
        status, message = not_open(state, exception_id) or (404, no_such_exception(exception_id))
        return render("missing.html", status, title=f"No open exception {exception_id}",
                      store=state.settings.store.name, csrf=state.secrets.csrf_token(session),
                      message=f"{message[:1].upper()}{message[1:]}.")  # a sentence of the page
    return _confirm_page(state, session, item)


def _confirm_page(state: AppState, session: str, item: ExceptionRow, *, note_needed: bool = False) -> Response:
    """The page that asks for a note before resolving; 422, the form again saying a note is needed, when the note
    given says nothing."""
    return render("confirm.html", 422 if note_needed else 200, title=f"Resolve exception {item.id}",
                  store=state.settings.store.name, csrf=state.secrets.csrf_token(session), item=item,
                  note_needed=NOTE_NEEDED if note_needed else "")


@router.post("/dashboard/exceptions/{exception_id}/resolve", response_class=RedirectResponse, status_code=303,
             openapi_extra=_form_body("csrf", "note", filled=("note",)),
             responses={**ACTION_ERRORS, 422: {
                 "description": "no note: the form again, saying a note is needed; or a field breaks a rule: a page "
                                "naming it, with the way back",
                 "content": {"text/html": {"schema": {"type": "string"}}}}},
             summary="Dashboard form: resolve an exception, with a note (after its confirmation page)")
async def dashboard_resolve(request: Request, state: State, guard: Guard, exception_id: ExceptionId) -> Response:
    session, form = await _checked(request, state, guard, "note")
    try:
        note = resolution_note(form.get("note") or "")
    except ValueError:  # asked again, as `bookbridge exceptions resolve` and the API refuse a note that says nothing
        item = await run_in_threadpool(exception_row, state, exception_id)
        if item is None:  # resolved meanwhile, or none: as resolving would answer
            refused = await run_in_threadpool(not_open, state, exception_id)
            raise HTTPException(*(refused or (404, no_such_exception(exception_id)))) from None
        return _confirm_page(state, session, item, note_needed=True)
    await run_in_threadpool(resolve_exception, state, exception_id, note)
    return RedirectResponse(f"/dashboard?done=resolved&exception={exception_id}#exceptions", status_code=303)


@router.post("/dashboard/exceptions/{exception_id}/retry", response_class=RedirectResponse, status_code=303,
             openapi_extra=_form_body("csrf"), responses=ACTION_ERRORS,
             summary="Dashboard form: retry the exception by what it is about: its edition (only its product is "
                     "sent), a sync of the store for one of no edition, an order import for the order import's, a "
                     "delivery for a sales sink's")
async def dashboard_retry(request: Request, state: State, guard: Guard,
                          exception_id: ExceptionId) -> RedirectResponse:
    await _checked(request, state, guard)
    await run_in_threadpool(retry_exception, state, exception_id)
    return RedirectResponse(f"/dashboard?done=retried&exception={exception_id}#exceptions", status_code=303)


@router.post("/dashboard/sync", response_class=RedirectResponse, status_code=303, openapi_extra=_form_body("csrf"),
             responses={**PAGE_ERRORS, 401: page("not signed in"), 403: page("missing or wrong CSRF token")},
             summary="Dashboard form: queue a sync of the store now")
async def dashboard_sync(request: Request, state: State, guard: Guard) -> RedirectResponse:
    await _checked(request, state, guard)
    await run_in_threadpool(state.hooks.trigger_sync, store=state.settings.store.name)
    return RedirectResponse("/dashboard?done=synced", status_code=303)


STATIC = {"dashboard.css": "text/css; charset=utf-8"}


@router.get("/dashboard/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    """The dashboard's own assets, from the package (no CDN): only the names listed in STATIC."""
    if name not in STATIC:
        raise HTTPException(404, f"no static file {name!r}")
    body = files("bookbridge.entrypoints.http").joinpath("static", name).read_bytes()
    return Response(body, media_type=STATIC[name], headers={"Cache-Control": "public, max-age=3600"})
