"""The HTML dashboard: last runs, open exceptions (Resolve and Retry buttons), upcoming jobs, title performance.

Server-rendered, no script. Auth (security.py, protection.py): `GET /login` shows a form for the admin token;
`POST /login` opens a session stored server-side and sets an HttpOnly, SameSite=Strict session cookie (Secure
under HTTPS); `POST /logout` ends the session, so the cookie no longer works anywhere. Wrong tokens from one
client back off (429 with Retry-After). Every POST form carries a CSRF token derived from the session. Actions
answer 303 back to the dashboard (post/redirect/get) with a message code, never text: the page says only what
it knows.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from datetime import datetime, timedelta
from html import escape
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bookbridge.application.sales_report import SalesReport
from bookbridge.application.upcoming import UpcomingChange, upcoming_changes
from bookbridge.domain.sales import ReprintPolicy
from bookbridge.entrypoints.http.admin import resolve_exception, retry_exception
from bookbridge.entrypoints.http.charts import bar_chart, plural
from bookbridge.entrypoints.http.inputs import TEXT_PATTERN, refuse_control_characters
from bookbridge.entrypoints.http.problems import ERRORS, problem
from bookbridge.entrypoints.http.protection import Guard, Protection
from bookbridge.entrypoints.http.schemas import ExceptionItem, Run, Upcoming
from bookbridge.entrypoints.http.security import SESSION_COOKIE, SESSION_SECONDS
from bookbridge.entrypoints.http.state import AppState, State
from bookbridge.entrypoints.metrics import record_login_failure

router = APIRouter(tags=["dashboard"], responses=ERRORS)
ExceptionId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_FORM = 65_536  # bytes: room for every field at its limit, percent-encoded
MAX_FIELD = 2000  # characters
Done = Literal["resolved", "retried"]  # the messages an action can leave; the page words them itself
FLIPS = ("launch", "campaign")  # the precise jobs: a sync at an instant when listings change
CHANGES_PER_INSTANT = 10  # rows per launch or campaign flip; the rest are counted
TITLE_WEEKS = 12  # units by title
VELOCITY_DAYS = ReprintPolicy().window_days  # the formats' velocity: the reprint signal's own window
NONE = '<span class="empty">—</span>'  # a cell with nothing to say says so
ACTION_ERRORS: dict[int | str, dict[str, Any]] = {
    401: problem("not signed in"), 403: problem("missing or wrong CSRF token"),
    404: problem("no open exception with this id")}


def _form_body(*fields: str) -> dict[str, Any]:
    schema = {"type": "object", "properties": {
        f: {"type": "string", "maxLength": MAX_FIELD, "pattern": TEXT_PATTERN} for f in fields}}
    return {"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}}


async def read_form(request: Request, *fields: str) -> dict[str, str]:
    """The form's `fields` (others are ignored): 413 past MAX_FORM bytes, 400 when not a form, 422 when a
    field is longer than MAX_FIELD characters or holds a control character."""
    body = await request.body()
    if len(body) > MAX_FORM:
        raise HTTPException(413, f"form larger than {MAX_FORM} bytes")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPException(400, f"form body is not URL-encoded UTF-8: {exc}") from None
    form = {key: values[0] for key, values in parsed.items() if key in fields}
    for key, value in form.items():
        if len(value) > MAX_FIELD:
            raise HTTPException(422, f"form field {key}: longer than {MAX_FIELD} characters")
        refuse_control_characters(value, f"form field {key}")
    return form


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{escape(title)} · bookbridge</title><style>
body{{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}}
table{{border-collapse:collapse;margin:.5rem 0 1.5rem}}
th,td{{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left;font-size:.9rem}} th{{background:#f3f3f3}}
form.inline{{display:inline}} .empty{{color:#777}} .failed,.crashed{{color:#b00}} .ok{{color:#070}}
</style></head><body>{body}</body></html>""", status_code=status,
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                            "img-src 'self'; form-action 'self'"})


def _login_form(message: str = "", status: int = 200) -> HTMLResponse:
    note = f'<p class="failed">{escape(message)}</p>' if message else ""
    return _page("Sign in", f"""<h1>bookbridge</h1>{note}
<form method="post" action="/login"><label>Admin token <input type="password" name="token" autocomplete="off"
required></label> <button type="submit">Sign in</button></form>""", status)


@router.get("/", include_in_schema=True, response_class=RedirectResponse, status_code=307,
            summary="The dashboard's address")
def root() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=307)


@router.get("/login", response_class=HTMLResponse, summary="The dashboard's sign-in form")
def login_form() -> HTMLResponse:
    return _login_form()


def client_of(request: Request) -> str:
    """The client's address, as the server saw it (behind a proxy: run uvicorn with --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


@router.post("/login", response_class=HTMLResponse, openapi_extra=_form_body("token"),
             responses={303: {"description": "signed in"}, 401: {"description": "wrong token (the form again)"},
                        429: {"description": "too many wrong tokens from this client: try after Retry-After "
                                             "seconds (the form again)"}},
             summary="Sign in with the admin token; opens a session and sets its cookie")
async def login(request: Request, state: State, guard: Guard) -> Response:
    form = await read_form(request, "token")
    client, now = client_of(request), time.monotonic()
    wait = guard.login.wait(client, now=now)
    if wait > 0:
        record_login_failure("throttled")
        return _throttled(wait)
    if not state.secrets.admin_matches(form.get("token")):
        record_login_failure("wrong_token")
        delay = guard.login.failed(client, now=now)
        return _throttled(delay) if delay > 0 else _login_form("That is not the admin token.", status=401)
    guard.login.succeeded(client)
    cookie = await run_in_threadpool(guard.open_session)
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


def _throttled(wait: float) -> HTMLResponse:
    seconds = max(1, math.ceil(wait))
    response = _login_form(f"Too many wrong tokens from your address: try again in {seconds} s.", status=429)
    response.headers["Retry-After"] = str(seconds)
    return response


@router.post("/logout", response_class=RedirectResponse, status_code=303,
             summary="Sign out: ends the session (its cookie no longer works) and clears the cookie")
async def logout(request: Request, guard: Guard) -> RedirectResponse:
    await run_in_threadpool(guard.close_session, request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


FLASH: dict[str, str] = {"resolved": "Exception {id} resolved.",
                         "retried": "Sync queued: exception {id} resolves itself if its edition now succeeds."}


@router.get("/dashboard", response_class=HTMLResponse, responses={303: {"description": "sign in first"}},
            summary="The dashboard (HTML)")
def dashboard(request: Request, state: State, guard: Guard,
              done: Annotated[Done | None, Query(description="the message of the action just taken")] = None,
              exception: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="its exception")] = None,
              ) -> Response:
    session = guard.session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    csrf = escape(state.secrets.csrf_token(session))
    uow = state.new_uow()
    with uow:
        runs = [Run.of(r) for r in uow.runs.recent_runs(limit=10)]
        items = [ExceptionItem.of(e) for e in uow.exceptions.open_items()]
    try:
        jobs = [Upcoming.of(j) for j in state.hooks.upcoming(limit=20)]
        jobs_note = ""
    except Exception as exc:  # the page still shows what the database knows
        jobs, jobs_note = [], f"the scheduler did not answer ({type(exc).__name__})"
    flash = escape(FLASH[done].format(id=exception or "")) if done else ""  # fixed words; the id is a number
    body = [f"""<h1>bookbridge · store “{escape(state.settings.store.name)}”</h1>
<form method="post" action="/logout" class="inline"><button type="submit">Sign out</button></form>
{f'<p class="ok" id="flash">{flash}</p>' if flash else ''}""",
            _runs_table(runs), _exceptions_table(items, csrf), _upcoming_table(state, jobs, jobs_note),
            _performance(state)]
    return _page("Dashboard", "".join(body))


def _runs_table(runs: list[Run]) -> str:
    rows = "".join(
        f"<tr><td>{r.id}</td><td>{escape(r.storefront)}</td><td>{r.started:%Y-%m-%d %H:%M}</td>"
        f'<td class="{escape(r.outcome)}">{escape(r.outcome)}</td>'
        + "".join(f"<td>{r.counts.get(k, NONE)}</td>" for k in ("created", "updated", "hidden", "failed"))
        + "</tr>" for r in runs)
    return ("<h2>Last runs</h2>" + (f"<table id=\"runs\"><tr><th>id</th><th>storefront</th><th>started (UTC)</th>"
            f"<th>outcome</th><th>created</th><th>updated</th><th>hidden</th><th>failed</th></tr>{rows}</table>"
            if runs else '<p class="empty">No sync has run yet.</p>'))


def _exceptions_table(items: list[ExceptionItem], csrf: str) -> str:
    if not items:
        return '<h2>Open exceptions</h2><p class="empty" id="no-exceptions">No open exceptions.</p>'
    rows = []
    for e in items:
        rows.append(
            f'<tr id="exception-{e.id}"><td>{e.id}</td><td>{escape(e.kind)}</td><td>{_cell(e.isbn)}</td>'
            f"<td>{_cell(e.storefront)}</td><td>{_cell(e.field)}</td><td>{escape(e.message)}</td>"
            f"<td>{e.count}</td><td>"
            f'<form method="post" action="/dashboard/exceptions/{e.id}/resolve" class="inline">'
            f'<input type="hidden" name="csrf" value="{csrf}">'
            f'<input name="note" value="resolved from the dashboard" aria-label="note" maxlength="2000">'
            f'<button type="submit" name="resolve">Resolve</button></form> '
            f'<form method="post" action="/dashboard/exceptions/{e.id}/retry" class="inline">'
            f'<input type="hidden" name="csrf" value="{csrf}"><button type="submit" name="retry">Retry</button>'
            f"</form></td></tr>")
    return ("<h2>Open exceptions</h2><table id=\"exceptions\"><tr><th>id</th><th>kind</th><th>ISBN</th>"
            "<th>storefront</th><th>field</th><th>message</th><th>seen</th><th></th></tr>" + "".join(rows)
            + "</table>")


def _cell(text: str | None) -> str:
    return escape(text) if text else NONE


def _upcoming_table(state: AppState, jobs: list[Upcoming], note: str) -> str:
    if not jobs:
        return f'<h2>Upcoming</h2><p class="empty">{escape(note or "Nothing scheduled.")}</p>'
    flips = [j for j in jobs if j.kind in FLIPS]
    periodic = [j for j in jobs if j.kind not in FLIPS]
    return _flips_table(state, flips) + _jobs_table(state, periodic)


def _flips_table(state: AppState, flips: list[Upcoming]) -> str:
    """One row per edition and storefront that changes at each launch or campaign flip, read from the stored
    catalogue (the scheduler's job names only its instant); prices in the storefront's own currency."""
    title = "<h2>Upcoming launches and campaign flips</h2>"
    if not flips:
        return title + '<p class="empty">No launch or campaign flip scheduled.</p>'
    note = ""
    try:
        changes: dict[datetime, list[UpcomingChange]] | None = upcoming_changes(
            state.catalogue().values(), state.settings.storefronts, [j.run_at for j in flips],
            now=state.clock.now(), mapping=state.settings.mapping)
    except Exception as exc:  # the scheduler's own summary still says something
        changes, note = None, (f'<p class="failed">The stored catalogue could not be read ({type(exc).__name__}); '
                               "the scheduler's summary is shown instead.</p>")
    rows = []
    for job in flips:
        at = f"{job.run_at:%Y-%m-%d %H:%M:%S}"
        found = [] if changes is None else changes.get(job.run_at, [])
        if not found:
            what = (job.detail or job.kind) if changes is None else (
                "a sync runs; nothing in the stored catalogue changes at this instant")
            rows.append(f"<tr><td>{at}</td><td>{NONE}</td><td>{NONE}</td><td>{NONE}</td><td>{escape(what)}</td></tr>")
            continue
        rows += [f"<tr><td>{at}</td><td>{escape(c.storefront)}</td><td>{escape(c.isbn)}</td><td>{escape(c.title)}"
                 f"</td><td>{escape(c.what)}</td></tr>" for c in found[:CHANGES_PER_INSTANT]]
        if len(found) > CHANGES_PER_INSTANT:
            more = plural(len(found) - CHANGES_PER_INSTANT, "more change")
            rows.append(f'<tr><td>{at}</td><td colspan="4" class="empty">… and {more} at this instant</td></tr>')
    return (title + note + '<table id="upcoming"><tr><th>at (UTC)</th><th>storefront</th><th>ISBN</th>'
            f"<th>title</th><th>what happens</th></tr>{''.join(rows)}</table>")


def _jobs_table(state: AppState, jobs: list[Upcoming]) -> str:
    if not jobs:
        return ""
    store = state.settings.store.name  # a job of no store named (the order import) works for this one
    rows = "".join(f"<tr><td>{j.run_at:%Y-%m-%d %H:%M:%S}</td><td>{escape(j.kind)}</td>"
                   f"<td>{escape(j.store or store)}</td><td>{_cell(j.detail)}</td></tr>" for j in jobs)
    return ('<h2>Upcoming jobs</h2><table id="jobs"><tr><th>next run (UTC)</th><th>job</th><th>store</th>'
            f"<th>schedule</th></tr>{rows}</table>")


def _performance(state: AppState) -> str:
    end = state.clock.now().date()
    try:
        titles = state.sales(end - timedelta(weeks=TITLE_WEEKS) + timedelta(days=1), end, "work")
        recent = state.sales(end - timedelta(days=VELOCITY_DAYS - 1), end, "format")
    except Exception as exc:  # the rest of the page still helps
        return f'<h2>Title performance</h2><p class="failed">The sales report failed ({type(exc).__name__}).</p>'
    return "<h2>Title performance</h2>" + performance_charts(titles, recent)


def performance_charts(titles: SalesReport, recent: SalesReport) -> str:
    """Units by title over `titles`' dates; the formats' velocity and the reprint signal both over `recent`'s,
    which are the reprint signal's window (VELOCITY_DAYS), so that the two compare."""
    units: dict[str, float] = defaultdict(float)
    for row in titles.rows:
        units[f"{row.label} ({row.group})" if row.label != row.group else row.group] += row.units
    top = sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    formats = [(f.format, round(float(f.units_per_week), 2)) for f in recent.formats[:8]]
    reprint = [(f"{r.title} ({r.format})", round(float(r.weeks_of_cover), 1)) for r in recent.reprint
               if r.reprint and r.weeks_of_cover is not None][:10]
    return (bar_chart(top, title=f"Units by title (last {_span(titles)})", unit=("unit", "units"))
            + bar_chart(formats, title=f"Fastest-moving formats (last {_span(recent)})", unit="units/week")
            + bar_chart(reprint, title=f"Reprint signal: weeks of cover left (sales of the last {_span(recent)})",
                        unit=("week", "weeks")))


def _span(report: SalesReport) -> str:
    days = (report.end - report.start).days + 1
    return plural(days // 7, "week") if days % 7 == 0 and days > 28 else plural(days, "day")


async def _checked(request: Request, state: AppState, guard: Protection, *fields: str) -> dict[str, str]:
    session = await run_in_threadpool(guard.session, request)
    form = await read_form(request, "csrf", *fields)
    if session is None:
        raise HTTPException(401, "sign in at /login first")
    if not state.secrets.csrf_valid(session, form.get("csrf")):
        raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the dashboard")
    return form


@router.post("/dashboard/exceptions/{exception_id}/resolve", response_class=RedirectResponse, status_code=303,
             openapi_extra=_form_body("csrf", "note"), responses=ACTION_ERRORS,
             summary="Dashboard form: resolve an exception")
async def dashboard_resolve(request: Request, state: State, guard: Guard,
                            exception_id: ExceptionId) -> RedirectResponse:
    form = await _checked(request, state, guard, "note")
    note = (form.get("note") or "").strip()[:MAX_FIELD] or "resolved from the dashboard"
    await run_in_threadpool(resolve_exception, state, exception_id, note)
    return RedirectResponse(f"/dashboard?done=resolved&exception={exception_id}", status_code=303)


@router.post("/dashboard/exceptions/{exception_id}/retry", response_class=RedirectResponse, status_code=303,
             openapi_extra=_form_body("csrf"), responses=ACTION_ERRORS,
             summary="Dashboard form: sync again for an exception")
async def dashboard_retry(request: Request, state: State, guard: Guard,
                          exception_id: ExceptionId) -> RedirectResponse:
    await _checked(request, state, guard)
    await run_in_threadpool(retry_exception, state, exception_id)
    return RedirectResponse(f"/dashboard?done=retried&exception={exception_id}", status_code=303)
