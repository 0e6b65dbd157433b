"""Response models: the OpenAPI document describes every answer the app gives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from bookbridge.application.reconcile import resolution_note
from bookbridge.application.sales_report import DEPRECATED_GROUPINGS, GROUPING_RULE, GROUPINGS
from bookbridge.domain.ports import SyncException, SyncRun
from bookbridge.domain.ports.scheduling import UpcomingJob
from bookbridge.entrypoints.container import source_name
from bookbridge.entrypoints.documents import exception_document, json_instant
from bookbridge.entrypoints.http.inputs import FILLED_TEXT_PATTERN
from bookbridge.entrypoints.presentation import run_counts, run_what
from bookbridge.entrypoints.settings import Settings

# Every instant an answer gives, written as the CLI's JSON writes it (`json_instant`): `2026-12-07T15:20:21Z`.
Instant = Annotated[datetime, PlainSerializer(json_instant, return_type=str, when_used="json"),
                    WithJsonSchema({"type": "string", "format": "date-time"})]


class Problem(BaseModel):
    detail: str


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    checks: dict[str, bool]
    reasons: list[str] = Field(default_factory=list)


class WebhookAccepted(BaseModel):
    status: Literal["accepted", "duplicate"]
    event_id: int | None


class Run(BaseModel):
    id: int = Field(description="the run's number: the `run` column of `bookbridge runs` and the dashboard")
    store: str  # the store's name ([store] name): a sync run is per store, never per storefront
    started: Instant
    finished: Instant | None
    outcome: str
    counts: dict[str, int] = Field(description=(
        "what the run did, as `bookbridge runs` and the dashboard count it: `created`, `adopted`, `updated`, "
        "`hidden`, `unchanged`, `held_back` (held back from every storefront), `failed` and `not_sent` (planned and "
        "not sent, the store having refused the credentials; 0 when it did not); none for a run still running or "
        "whose source could not be read"))
    what: str = Field(description="what the run was: `sync` (of the whole store), or a retry: `retry of exception "
                                  "10` (an exception of no edition: a sync of the store), `retry of exception 10: "
                                  "edition 9781999990022 only` (an edition's), `retry of edition 9781999990022 "
                                  "only` (the follow-up sync an edition's retry makes to attach its assets)")

    @classmethod
    def of(cls, run: SyncRun) -> Run:
        return cls(id=run.id, store=run.storefront, started=run.started, finished=run.finished,
                   outcome=run.outcome, counts=run_counts(run), what=run_what(run))


class ExceptionItem(BaseModel):
    """`bookbridge exceptions list --json`, the same rows (entrypoints.documents.exception_document)."""

    id: int
    kind: str
    isbn: str | None
    store: str  # the store's name ([store] name)
    storefront: str | None  # the storefront it is on; null on the store itself, a source, orders or a sales sink
    where: str | None  # as the dashboard says it: "storefront 'uk'", "store 'shop'", "source 'sample'"; null for none
    field: str | None = Field(description="the key the exception is kept under: the ONIX element it is about "
                                          "(`SalesRights`, `Price`), a subject's with its scheme (`Subject/thema`)")
    field_label: str | None = Field(description="the field in words, as `bookbridge exceptions list` and the "
                                                "dashboard show it: `Subject (Thema)`; any other field as it is")
    message: str
    count: int = Field(description="how many times it was seen: the `seen` column of `bookbridge exceptions list` "
                                   "and the dashboard")
    first_seen: Instant
    last_seen: Instant
    resolved_at: Instant | None = None
    resolution: str | None = None

    @classmethod
    def of(cls, item: SyncException, settings: Settings) -> ExceptionItem:
        return cls.model_validate(exception_document(item, settings.store.name,
                                                     {s.name: s.timezone for s in settings.storefronts},
                                                     source=source_name(settings)))


def _note_given(value: Any) -> Any:
    """A note that says nothing is refused in the words the CLI and the dashboard use, not pydantic's; a note is
    kept without the spaces around it."""
    if isinstance(value, str):
        try:
            return resolution_note(value)
        except ValueError as exc:
            raise PydanticCustomError("note_needed", str(exc)) from None
    return value


Note = Annotated[str, StringConstraints(max_length=2000, pattern=FILLED_TEXT_PATTERN), BeforeValidator(_note_given)]


class ResolveRequest(BaseModel):
    note: Note = Field(description="what was done about it: needed, so not empty nor spaces alone (no control "
                                   "characters but tab and newline)")


class JobQueued(BaseModel):
    job_id: str
    detail: str


class Upcoming(BaseModel):
    id: str = Field(description="the job's stable id: `delta-sync:{store}`, `order-import:{store}`, "
                                "`reconcile:{store}`, "
                                "`retry-transient:{store}`, `sync-now:{store}`, or `at:{store}:{instant}` for "
                                "every job at an instant, a launch or a campaign flip alike (a launch tried again "
                                "when its store was busy: `at:{store}:{instant}:retry{n}`)")
    kind: str = Field(description="what the job does: `delta-sync`, `order-import`, `reconcile`, `retry-transient`, "
                                  "`sync`; a job at an instant is `launch` when a listing's sale status changes then "
                                  "and `campaign` when only a price does (a campaign flip)")
    run_at: Instant
    store: str | None = Field(description="the store the job works on (the order import's too)")
    detail: str = Field(description="the schedule in words (`every 15 minutes`, `every Sunday at 03:00 UTC`), or "
                                    "what changes at the instant of a job at an instant")

    @classmethod
    def of(cls, job: UpcomingJob) -> Upcoming:
        return cls(id=job.id, kind=job.kind, run_at=job.run_at, store=job.store, detail=job.detail)


class PlanChange(BaseModel):
    section: str
    field: str
    before: Any = None
    after: Any = None


class PlanPrice(BaseModel):
    currency: str
    storefront: str | None  # the storefront a price-list record is for; null for the product's own price
    price: str  # a decimal string with the currency's minor units, as every amount in JSON
    sale_price: str | None
    retail_price: str | None


class PlanAction(BaseModel):
    action: str
    key: str
    sku: str
    name: str = Field(description=(
        "the product by name: its listing's; a product no listing names any more (a hide of an edition gone from "
        "the source) by the name it was last written with, else `not in the catalogue (ISBN …)`"))
    sections: list[str]
    reason: str | None
    changes: list[PlanChange]
    product_id: int | None = None  # the store's product: adopt, the one it takes over; update, hide, the one applied
    prices: list[PlanPrice] = []  # the listing's, every action with one (a create has no changes to show them by)
    channels: list[int] = []  # the storefronts' channels it is listed on


class HeldBack(BaseModel):
    sku: str
    name: str
    reason: str | None
    # not adopted: the store's product holding the SKU for another title; an ISBN change held: the old ISBN's product
    store_product_id: int | None = None
    store_name: str | None = None


class HeldBackOnAStorefront(BaseModel):
    """An edition held back from one storefront while listed on another (`bookbridge plan` prints these under
    "held back from one storefront or more"): one entry per edition, storefront and cause."""

    isbn: str
    name: str | None
    storefront: str
    reason: str


class SourceProblem(BaseModel):
    record: str | None
    severity: str
    code: str
    field: str | None
    message: str


class CredentialsRefused(BaseModel):
    exception: int = Field(description="the exception's id (`bookbridge exceptions show ID`, /api/exceptions)")
    message: str = Field(description="what the store answered and what to fix, as the exception says it")


class Plan(BaseModel):
    """`bookbridge plan --json`, the same document."""

    store: str
    counts: dict[str, int]
    actions: list[PlanAction]
    held_back: list[HeldBack]
    held_back_on_a_storefront: list[HeldBackOnAStorefront]
    source_problems: list[SourceProblem]
    kept_unread: list[str] = Field(default_factory=list, description=(
        "products gone from the source that are kept as they are, by key (an edition's ISBN), because the source "
        "could not read their record (an ISBN whose check digit fails): fix the record in the source"))
    credentials_refused: CredentialsRefused | None = Field(default=None, description=(
        "the store's open `credentials-refused` exception (the store refused the credentials when a sync, "
        "reconcile or order import last asked it): until they are fixed a sync stops at the first refusal and "
        "sends none of this plan; null when none is open"))


# application.sales_report.GROUPINGS, in its order
GroupBy = Literal["edition", "family", "format", "storefront", "day", "week", "month"]
# What `group_by` takes: the groupings and their deprecated aliases (application.sales_report.DEPRECATED_GROUPINGS);
# an answer names the grouping by its name (GroupBy), never by an alias.
def _grouping(value: object) -> object:
    """A grouping or an alias; else refused in `sales report --by`'s words (problems.JSON_WORDS words it), which
    list the groupings and leave the aliases out."""
    if value not in GROUPINGS and value not in DEPRECATED_GROUPINGS:
        raise PydanticCustomError("grouping", GROUPING_RULE)
    return value


GroupByParam = Annotated[Literal[GroupBy, "title", "work"], BeforeValidator(_grouping)]


class SalesRow(BaseModel):
    group: str  # an ISBN, a title family id ("" for the sold ISBNs not in the catalogue), a format's code, a
    # storefront, or a period's first day
    label: str  # the title for an ISBN or a title family, a format's name ("Hardback"), else the group in words
    format: str | None  # by edition the edition's format code ("ebook-epub"), by format the row's; else null
    format_name: str | None  # the same format as people read it ("eBook (EPUB)"); else null
    currency: str
    units: int
    revenue: str  # a decimal, as text, with the currency's minor units ("2366.28"): application.money


class FormatVelocity(BaseModel):
    format: str  # the format's code ("hardback"), as a row's `format`
    format_name: str  # the format as people read it ("Hardback"); a code bookbridge does not know as it is
    units: int
    units_per_week: str  # one decimal ("28.0"): application.sales_report.rate_text


class ReprintSignal(BaseModel):
    isbn: str
    title: str
    format: str  # the format's code ("paperback")
    format_name: str  # the format as people read it ("Paperback")
    units_in_window: int
    units_per_week: str  # one decimal ("7.5"), as `formats` has it
    stock: int | None
    weeks_of_cover: str | None  # one decimal ("4.0"); null: stock unknown or nothing sold
    reprint: bool


class SalesReport(BaseModel):
    """`bookbridge sales report --json`, the same document (application.sales_report.report_document)."""

    start: date
    end: date
    group_by: GroupBy
    units: int
    revenue: dict[str, str]  # per currency, with its minor units
    rows: list[SalesRow]
    formats: list[FormatVelocity]
    reprint: list[ReprintSignal]
