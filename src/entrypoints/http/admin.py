"""The admin API under `/api/`, behind the bearer token: runs, sync, plan, exceptions, upcoming jobs, sales.

Handlers stay thin: parse, call the use case or the service hook, shape the answer. Each request uses its own
unit of work (they do not nest, and requests run side by side).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool

from bookbridge.application.exception_retry import RetryBy, retry_of
from bookbridge.application.exception_words import UnknownKind, exception_kind
from bookbridge.application.reconcile import release_drift
from bookbridge.application.sales_report import (
    CSV_COLUMNS,
    DAY_BOUNDS,
    REPORT_DAYS,
    ReversedDays,
    report_csv,
    report_days,
    report_document,
)
from bookbridge.application.sales_report import SalesReport as SalesReportDoc
from bookbridge.domain.ports import MAX_INTEGER, ExceptionKind, SyncException
from bookbridge.domain.sales import latest_sales_day
from bookbridge.entrypoints.documents import NOTHING_PLANNED, NotPlanned
from bookbridge.entrypoints.http.inputs import LINE_PATTERN
from bookbridge.entrypoints.http.problems import ERRORS, declared_parameters_only, problem
from bookbridge.entrypoints.http.schemas import (
    ExceptionItem,
    GroupByParam,
    JobQueued,
    Plan,
    Problem,
    ResolveRequest,
    Run,
    SalesReport,
    Upcoming,
)
from bookbridge.entrypoints.http.state import AppState, State, require_admin
from bookbridge.entrypoints.presentation import (
    exception_id_number,
    names_nothing,
    no_such_exception,
    not_a_day,
    resolved_already,
    where_words,
)
from bookbridge.entrypoints.secrets import configured_redactor

log = logging.getLogger(__name__)
# The token first; then a query parameter the route does not take is refused, never ignored.
router = APIRouter(prefix="/api", tags=["admin"], dependencies=[Depends(require_admin),
                                                               Depends(declared_parameters_only)],
                   responses={**ERRORS, 401: {"model": Problem, "description": "missing or wrong bearer token"},
                              422: problem("a field breaks a rule, or a query parameter is given that the route "
                                           "does not take: the detail names the field and the rule (or the "
                                           "parameters the route takes)")})


def _exception_id(value: object) -> object:
    """An id refused as `bookbridge exceptions` refuses its ID (`exception_id_number`), the number unquoted."""
    try:
        return exception_id_number(value) if isinstance(value, str | int) else value
    except ValueError as exc:
        raise PydanticCustomError("exception_id", _template(str(exc))) from None


def _template(words: str) -> str:
    """`words` as a PydanticCustomError's message template, which would fill in `{...}`."""
    return words.replace("{", "{{").replace("}", "}}")


# Path first: FastAPI states its bounds in the OpenAPI document (after a validator, they would be lost).
ExceptionId = Annotated[int, Path(ge=1, le=MAX_INTEGER, description="the exception's id"),
                        BeforeValidator(_exception_id)]
# What `_open_item` answers, as `bookbridge exceptions resolve|retry` say it (exit 2 and 1).
NOT_OPEN: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "no exception has this id, open or resolved (`no exception with id 7`)"},
    409: {"model": Problem, "description": "the exception is resolved already: when, and how (its note, or what "
                                           "resolved it), and that nothing was changed for it; for a retry, also: "
                                           "it is of a kind no retry can fix, and what to do instead"}}


StoreName = Annotated[str | None, Query(max_length=200, pattern=LINE_PATTERN,
                                        description="only the runs of this store (`[store] name`, or a store "
                                                    "renamed since whose runs are kept); a name that is "
                                                    "neither is refused (422)")]
# A sync run is per store, never per storefront (docs/glossary.md): `storefront` was this filter's first name.
OldStoreName = Annotated[str | None, Query(max_length=200, pattern=LINE_PATTERN, deprecated=True,
                                           description="deprecated: the old name of `store`, "
                                                       "which it means; ignored when `store` is given")]


@router.get("/runs", response_model=list[Run], summary="Recent sync runs, newest first")
def runs(state: State, limit: Annotated[int, Query(ge=1, le=500)] = 20, store: StoreName = None,
         storefront: OldStoreName = None) -> list[Run]:
    name, given_as = (store, "store") if store is not None else (storefront, "storefront")
    uow = state.new_uow()
    with uow:
        recent = uow.runs.recent_runs(name, limit=limit)
    if name is not None and not recent and name != state.settings.store.name:
        raise HTTPException(422, f"query parameter {given_as}: {_no_store(state, name)}")
    return [Run.of(r) for r in recent]


def _no_store(state: AppState, name: str) -> str:
    """Why `name` names nothing: neither the configured store nor one whose runs are kept (a store renamed
    since), said as a command says a name that names nothing (`names_nothing`)."""
    store = state.settings.store.name
    storefront = name in {s.name for s in state.settings.storefronts}
    hint = f"{name!r} is a storefront, and a run is the store's; " if storefront else ""
    said = names_nothing("store", name, [store], f"configured: {where_words(store, store)}", hint=hint)
    return f"{said}, and no run of one is kept"


@router.post("/sync", response_model=JobQueued, status_code=202, summary="Queue a sync of the store now")
def sync(state: State, full: Annotated[bool, Query(description="resend every section")] = False) -> JobQueued:
    store = state.settings.store.name
    job = state.hooks.trigger_sync(store=store, full=full)
    return JobQueued(job_id=job, detail=f"{'full ' if full else ''}sync of store {store!r} queued")


@router.get("/plan", response_model=Plan, responses={409: {"model": Problem}, 502: {"model": Problem}},
            summary="Dry run: what a sync would do now (`bookbridge plan --json`); 502 when nothing was planned "
                    "(the source could not be read, or the store refused the credentials), said as `bookbridge "
                    "plan` says it")
async def plan(state: State) -> Plan:
    if not state.settings.storefronts:
        raise HTTPException(409, "no [[storefronts]] configured: nothing to plan (run `bookbridge init`)")

    def planned() -> Plan:
        with state.plan_lock:  # a plan reads the whole catalogue: one at a time
            try:
                document = state.plan()
            except NotPlanned as exc:  # the source or the store failed: said as `bookbridge plan` says it
                raise HTTPException(502, f"{NOTHING_PLANNED}: {configured_redactor(state.settings).mask(str(exc))}"
                                    ) from None
            except Exception as exc:  # the source or the database failed: say so, details in the (masked) log
                log.exception("GET /api/plan failed")
                raise HTTPException(502, f"planning failed ({type(exc).__name__}); see the service log") from None
            return Plan.model_validate(document)

    return await run_in_threadpool(planned)


# Read as text and checked here, so that a kind that is none is refused in the CLI's words; the schema lists them.
KINDS = [k.value for k in ExceptionKind]
Kinds = Annotated[list[str], Query(default_factory=list, json_schema_extra={"items": {"type": "string", "enum": KINDS}},
                                   description="only these kinds (repeat it for several), as `exceptions list "
                                               "--kind`; one that is no kind is refused (422)")]


@router.get("/exceptions", response_model=list[ExceptionItem], summary="Open exceptions, oldest first")
def exceptions(state: State, kind: Kinds) -> list[ExceptionItem]:
    try:
        chosen = {exception_kind(k) for k in kind}
    except UnknownKind as exc:  # in the CLI's words for `--kind`
        raise HTTPException(422, f"query parameter kind: {exc}") from None
    uow = state.new_uow()
    with uow:
        return [ExceptionItem.of(e, state.settings) for e in uow.exceptions.open_items()
                if not chosen or e.kind in chosen]


def resolve_exception(state: AppState, exception_id: int, note: str) -> ExceptionItem:
    _open_item(state, exception_id)
    item = release_drift(state.new_uow(), exception_id, note=note, clock=state.clock)
    return ExceptionItem.of(item, state.settings)


@router.post("/exceptions/{exception_id}/resolve", response_model=ExceptionItem, responses=NOT_OPEN,
             summary="Resolve an open exception by hand, with a note (a drift exception releases its fields; an "
                     "ISBN change is accepted)")
def resolve(state: State, exception_id: ExceptionId, body: ResolveRequest) -> ExceptionItem:
    return resolve_exception(state, exception_id, body.note)


def retry_exception(state: AppState, exception_id: int) -> JobQueued:
    """Retry the exception by what it is about (`application.exception_retry.retry_of`), as `bookbridge exceptions
    retry` does: its edition only (`application.sync.retry_edition`); for an exception of no edition (the source
    could not be read, a record not read: its id is no edition's) a sync of the store, which reads the source
    again; for the order import's, an order import; for a sales sink's, its pending days sent to it again. A sync's
    run says it is the exception's retry, as the CLI's does."""
    item = _open_item(state, exception_id)
    store = state.settings.store.name
    retry = retry_of(item, store)
    if retry.refused:  # a person's decision, not a retry, fixes it
        raise HTTPException(409, retry.what)
    if retry.by is RetryBy.ORDER_IMPORT:
        job = state.hooks.trigger_order_import()
    elif retry.by is RetryBy.DELIVERY:
        job = state.hooks.trigger_delivery(retry.subject or "")
    else:
        job = state.hooks.trigger_sync(store=store, isbn=retry.subject, retry_of=exception_id)
    return JobQueued(job_id=job, detail=f"retry of exception {exception_id} queued: {retry.what}; it resolves "
                                        "itself if that now succeeds")


@router.post("/exceptions/{exception_id}/retry", response_model=JobQueued, status_code=202, responses=NOT_OPEN,
             summary="Retry the exception now, by what it is about: its edition only (its product is written to "
                     "the store), a sync of the store for one of no edition, an order import for the order import's, "
                     "a delivery for a sales sink's; the exception resolves itself when it succeeds, and stays "
                     "open under its own id when it does not. 409 for a kind no retry can fix "
                     "(`action-not-possible`, `drift`, `isbn-changed`), saying what to do instead")
def retry(state: State, exception_id: ExceptionId) -> JobQueued:
    return retry_exception(state, exception_id)


def not_open(state: AppState, exception_id: int) -> tuple[int, str] | None:
    """Why an action cannot be taken on this exception, as `bookbridge exceptions resolve|retry` say it: (404, `no
    exception with id 7`), (409, `exception 7 is resolved already (…)`); None when it is open."""
    uow = state.new_uow()
    with uow:
        try:
            item = uow.exceptions.get(exception_id)
        except KeyError:
            return 404, no_such_exception(exception_id)
    if item.resolved_at is None:
        return None
    return 409, resolved_already(item, {s.name: s.timezone for s in state.settings.storefronts})


def _open_item(state: AppState, exception_id: int) -> SyncException:
    """The open exception as stored; 404 when the id names none, 409 when it is resolved already (`not_open`)."""
    if refused := not_open(state, exception_id):
        raise HTTPException(*refused)
    uow = state.new_uow()
    with uow:
        return uow.exceptions.get(exception_id)


@router.get("/upcoming", response_model=list[Upcoming], summary="The scheduler's next jobs, earliest first")
def upcoming(state: State, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[Upcoming]:
    return [Upcoming.of(job) for job in state.hooks.upcoming(limit=limit)]


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_day(value: object) -> object:
    """Only `YYYY-MM-DD` is a day here (pydantic alone would also take a number as a Unix time); anything else is
    refused as the CLI's --from and --to refuse it (`not_a_day`)."""
    if not isinstance(value, str):
        return value
    error = None
    if _DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            error = exc
    raise PydanticCustomError("day", _template(not_a_day(value, error)))


Day = Annotated[date, BeforeValidator(_iso_day)]


def sales_report(state: AppState, start: date | None, end: date | None, group_by: str) -> SalesReportDoc:
    """The report's days as `bookbridge sales report` takes them (`report_days`): an end before the start is 422,
    in the CLI's words."""
    latest = latest_sales_day(state.clock.now(), [s.zone for s in state.settings.storefronts])
    try:
        first, last = report_days(start, end, latest)
    except ReversedDays as exc:
        raise HTTPException(422, f"query parameter end: {exc}") from None
    return state.sales(first, last, group_by)


Start = Annotated[Day | None, Query(description=f"first day, inclusive (default: the {REPORT_DAYS} days ending on "
                                                 f"end); {DAY_BOUNDS}")]
End = Annotated[Day | None, Query(description="last day, inclusive (default: the latest day among the storefronts' "
                                               "own days: a sale's day is its storefront's local day); an end before "
                                               f"the start is refused (422); {DAY_BOUNDS}")]
By = Annotated[GroupByParam, Query(description="group rows by edition (one ISBN: a title in one format), family (a "
                                                "title family, every format together), format, storefront, day, week "
                                                "or month; `title` and `work` are deprecated aliases of `edition` and "
                                                "`family` (the same rows; the answer names the grouping)")]


@router.get("/sales", response_model=SalesReport,
            summary="Title performance: units and revenue by edition, title family, format, storefront or period; "
                    "fastest-moving formats; the reprint signal (`bookbridge sales report --json`)")
def sales(state: State, start: Start = None, end: End = None, group_by: By = "edition") -> SalesReport:
    return SalesReport.model_validate(report_document(sales_report(state, start, end, group_by)))


CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                                              "description": ",".join(CSV_COLUMNS)}}  # the header row


@router.get("/sales.csv", response_class=Response, responses=CSV,
            summary="The sales report's rows as CSV (`bookbridge sales report --csv`)")
def sales_csv(state: State, start: Start = None, end: End = None, group_by: By = "edition") -> Response:
    return Response(report_csv(sales_report(state, start, end, group_by)), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="bookbridge-sales.csv"'})
