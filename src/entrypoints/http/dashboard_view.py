"""What the dashboard shows, gathered from the database, the stored catalogue, the scheduler and the sales report,
as plain values for the templates (templates/dashboard.html). Nothing here writes HTML: Jinja2 escapes it all.

Each part fails on its own: a scheduler that does not answer or a sales report that fails leaves a note, and the
rest of the page still shows what the database knows.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bookbridge.application.exception_retry import retry_of
from bookbridge.application.exception_words import (
    KIND_WORDS,
    is_record,
    kind_words,
    place_key,
    subject_words,
)
from bookbridge.application.held_back import HeldBackGroup, held_back
from bookbridge.application.money import money_text
from bookbridge.application.reconcile import isbn_of
from bookbridge.application.sales_report import REPORT_DAYS, SalesReport, period_label
from bookbridge.application.sync import source_unread
from bookbridge.application.upcoming import held_back_note, held_by_exceptions, in_store, upcoming_changes
from bookbridge.domain.categories import field_words
from bookbridge.domain.formats import format_label
from bookbridge.domain.model import Edition
from bookbridge.domain.ports import ExceptionKind, SyncException, SyncRun
from bookbridge.domain.ports.scheduling import UpcomingJob, job_kind_words
from bookbridge.domain.sales import Grouping, latest_sales_day
from bookbridge.entrypoints.container import known_places_of, source_name
from bookbridge.entrypoints.http.charts import Chart, Pages, bar_chart, money_chart, rate_chart
from bookbridge.entrypoints.http.dashboard_query import past_last_page
from bookbridge.entrypoints.http.state import AppState
from bookbridge.entrypoints.presentation import (
    edition_name,
    exception_edition_names,
    local_time,
    none_open,
    not_sent_runs,
    plain_schedule,
    plural,
    run_counts,
    run_what,
    storefront_times,
    time_ago,
    utc_time,
    where_words,
)

FLIPS = ("launch", "campaign")  # the jobs at an instant: a sync at an instant when listings change
FLIPS_PER_PAGE = 10
AT_JOBS_SHOWN = 5  # "Scheduled jobs": every regular job, then the next jobs at an instant; the rest counted
MAX_JOBS = 500  # the scheduler's jobs read per page: every flip a catalogue schedules ahead
SALES_WEEKS = 12  # the weekly charts and their totals
EDITIONS_PER_PAGE = 15  # "Units by edition": the best-selling first, paged
CONTROL_PANEL = {"bigcommerce": "https://store-{hash}.mybigcommerce.com/manage/products/edit/{id}"}


@dataclass(frozen=True)
class Filters:
    kind: str | None = None  # an ExceptionKind value
    storefront: str | None = None  # a place's key (`where`): a storefront's name, the store's, `source:…`, …
    q: str | None = None  # part of an ISBN or a title, any case
    flips_storefront: str | None = None  # the storefront whose upcoming flips are paged
    flips_page: int = 1
    editions_page: int = 1  # the page of "Units by edition"

    def matches(self, row: ExceptionRow) -> bool:
        if self.kind and row.kind != self.kind:
            return False
        if self.storefront and row.storefront != self.storefront:
            return False
        needle = (self.q or "").strip().casefold()
        return not needle or needle in (row.isbn or "").casefold() or needle in row.title.casefold()

    @property
    def active(self) -> bool:
        return bool(self.kind or self.storefront or (self.q or "").strip())


@dataclass(frozen=True)
class ExceptionRow:
    id: int
    kind: str
    kind_words: str
    isbn: str | None
    subject: str  # the ISBN, or a record not read labelled as the source's: "record consonance:work:101/…"
    record: bool  # a record not read: no edition (its retry reads the source again, in a sync of the store)
    title: str  # "Roseanna (Hardback)", or "" when the edition is not in the stored catalogue
    storefront: str | None  # where it is, as stored: the filter's value
    where: str  # in words: "storefront 'uk'", "store 'shop'", "source 'sample'" (`where_words`), "—" for no place
    field: str | None
    message: str
    count: int
    last_seen: dict[str, Any]  # an instant (`_store_instant`): a storefront's in its zone, naming it; else in UTC
    #                            with each storefront's local time beside it; and how long ago ("just now")
    product_url: str | None  # the product in the store's control panel, when its id is known
    retry: tuple[str, str] | None  # its retry button's label and title, by what it retries; None: no retry fixes it


@dataclass(frozen=True)
class FlipRow:
    at: str  # local time, naming the zone
    isbn: str
    title: str
    what: str


@dataclass
class FlipTable:
    storefront: str
    zone: str
    rows: list[FlipRow]
    page: int
    pages: int
    total: int
    held_back: str  # "2 changes of held-back editions not shown", or ""


@dataclass
class Status:
    last_good: dict[str, Any] | None  # a store's instant (`_store_instant`) and how long ago: "5 minutes ago"
    last_run: SyncRun | None
    open_exceptions: int
    held_back: list[HeldBackGroup]
    held_back_editions: int
    not_in_store: int  # of those, held back from every storefront: a plan's and a run's count
    notes: list[str] = field(default_factory=list)


def gather(state: AppState, filters: Filters) -> dict[str, Any]:
    """Everything the dashboard template reads."""
    now = state.clock.now()
    uow = state.new_uow()
    with uow:
        runs = uow.runs.recent_runs(limit=100)
        items = uow.exceptions.open_items()
        applied = uow.state.applied(state.settings.store.name)
    notes: list[str] = []
    try:
        catalogue = state.catalogue()
    except Exception as exc:  # the rest of the page still helps
        catalogue, notes = {}, [f"The stored catalogue could not be read ({type(exc).__name__})."]
    editions = {str(e.isbn): e for f in catalogue.values() for e in f.editions}
    products = {isbn_of(a): a.product_id for a in applied.values() if a.product_id is not None}
    names = exception_edition_names(catalogue.values(), items, applied)
    rows = [_exception_row(state, e, names, products, now) for e in items]
    places = known_places_of(state.settings, (r.storefront for r in rows))  # the configuration's, and the open's
    filters, where_note = _known_where(filters, places)
    if kind_note := _unknown_filter(filters.kind, "Kind", ("kind", "kinds"), KINDS):
        filters = replace(filters, kind=None)
    groups = held_back(catalogue.values(), state.settings.storefronts, now=now, mapping=state.settings.mapping,
                       applied=applied, exceptions=items)  # held for a person as well, as plan and sync count
    good = next((r for r in runs if r.outcome == "ok" and r.finished is not None), None)
    status = Status(last_good=_store_instant(state, good.finished, ago=time_ago(good.finished, now))
                    if good and good.finished else None, last_run=runs[0] if runs else None, open_exceptions=len(items),
                    held_back=groups, held_back_editions=len({i for g in groups for i in g.editions}),
                    not_in_store=len({i for g in groups for i in g.everywhere}), notes=notes)
    jobs, jobs_note = _jobs(state)
    held = held_by_exceptions(items, applied.values())
    flips, flips_note = _flips(state, [j for j in jobs if j.kind in FLIPS], catalogue.values(), held, filters, now)
    sales = _sales(state, editions, filters.editions_page)
    return {"store": state.settings.store.name, "status": status, "runs": [_run(state, r) for r in runs[:10]],
            "runs_not_sent": not_sent_runs(runs[:10]),
        "exceptions": [
        r for r in rows if filters.matches(r)], "exceptions_total": len(rows), "filters": filters,
        "none_matched": none_open(len(rows), kinds=[KIND_WORDS[ExceptionKind(filters.kind)]] if filters.kind else (),
                                  places=[places[filters.storefront]] if filters.storefront else (),
                                  text=(filters.q or "").strip() or None),
        "places": sorted(places.items(), key=lambda place: place[1]), "where_note": where_note,
        "kind_note": kind_note, "kinds": list(KINDS.items()),
        "flips": flips, "flips_note": flips_note, **_scheduled(state, jobs), "jobs_note": jobs_note,
        "sales": sales, "page_notes": _past_last_pages(filters, flips, sales)}


def _past_last_pages(filters: Filters, flips: list[FlipTable], sales: Mapping[str, Any]) -> list[str]:
    """A note for each paged list whose page asked for is past its last, which is shown instead."""
    paged = [("flips_page", filters.flips_page, t.pages) for t in flips if t.storefront == filters.flips_storefront]
    paged += [("editions_page", filters.editions_page, sales["editions_pages"])] if "editions_pages" in sales else []
    return [past_last_page(name, page, pages) for name, page, pages in paged if page > pages]


KINDS = {k.value: KIND_WORDS[k] for k in ExceptionKind}  # the Kind filter's values, each in words


def _known_where(filters: Filters, places: Mapping[str, str]) -> tuple[Filters, str]:
    """A Where filter naming no place (`places`: key -> words, the configuration's and the open exceptions'), said
    as `_unknown_filter` says it."""
    note = _unknown_filter(filters.storefront, "Where", ("place", "places"), places)
    return (replace(filters, storefront=None) if note else filters), note


def _unknown_filter(value: str | None, label: str, what: tuple[str, str], values: Mapping[str, str], *,
                    known: bool | None = None) -> str:
    """What the page says of a filter (the form's `label`) whose `value` names none of `values` (key -> words): it
    matches nothing, and the form cannot show it, so it is not applied, and the page lists them in words (the keys
    are the form's values, chosen from it: never shown; `bookbridge exceptions list`, typed, names both); "" when
    it names one. `known`: whether it names one, when that is more than being among `values`."""
    if not value or (value in values if known is None else known):
        return ""
    listed = ", ".join(sorted(values.values(), key=str.casefold))
    return (f"No exception {what[0]} is named {value!r}, so the {label} filter is not applied; the {what[1]} are "
            f"{listed}.")


def exception_row(state: AppState, exception_id: int) -> ExceptionRow | None:
    """One open exception as the dashboard shows it (the resolve confirmation); None if it is not open."""
    uow = state.new_uow()
    with uow:
        item = next((e for e in uow.exceptions.open_items() if e.id == exception_id), None)
        applied = uow.state.applied(state.settings.store.name) if item is not None and item.isbn else {}
    if item is None:
        return None
    try:
        families = list(state.catalogue().values())
    except Exception:  # the confirmation still shows the exception itself
        families = []
    products = {isbn_of(a): a.product_id for a in applied.values() if a.product_id is not None}
    names = exception_edition_names(families, [item], applied)
    return _exception_row(state, item, names, products, state.clock.now())


def _exception_row(state: AppState, item: SyncException, names: Mapping[str, str],
                   products: Mapping[str, int | None], now: datetime) -> ExceptionRow:
    product = products.get(item.isbn or "")
    template = CONTROL_PANEL.get(state.settings.store.kind)
    store_hash = state.settings.store.options().get("store_hash")
    url = template.format(hash=store_hash, id=product) if template and store_hash and product else None
    zone = next((s.timezone for s in state.settings.storefronts if s.name == item.storefront), None)
    ago = time_ago(item.last_seen, now)
    seen = ({"utc": local_time(item.last_seen, zone), "local": [], "ago": ago} if zone
            else _store_instant(state, item.last_seen, ago=ago))
    place = place_key(item, state.settings.store.name, source_name(state.settings))  # the filter's value
    return ExceptionRow(id=item.id, kind=item.kind.value, kind_words=kind_words(item.kind, item.storefront),
                        isbn=item.isbn, subject=subject_words(item),
                        record=is_record(item.kind, item.isbn, item.storefront),
                        title=names.get(item.isbn or "", ""), storefront=place,
                        where=where_words(place, state.settings.store.name,
                                          [s.name for s in state.settings.storefronts]) or "—",
                        field=field_words(item.field) if item.field else None,
                        message=item.message, count=item.count, last_seen=seen,
                        product_url=url, retry=retry_of(item, state.settings.store.name).button)


def _jobs(state: AppState) -> tuple[list[UpcomingJob], str]:
    try:
        return state.hooks.upcoming(limit=MAX_JOBS), ""
    except Exception as exc:  # the page still shows what the database knows
        return [], f"The scheduler did not answer ({type(exc).__name__})."


def _store_instant(state: AppState, at: datetime, *, ago: str = "") -> dict[str, Any]:
    """A store's instant as the glossary says it: in UTC, with each storefront's local time beside it (a line
    each, so that a phone's narrow card wraps between them rather than inside one), and `ago` ("just now") if
    given. Each local line is (`storefront 'us'`, its time), as `storefront_times` says it, so that the template
    keeps each instant whole on its line."""
    lines = [storefront_times(at, [(s.name, s.timezone)]).split(": ", 1) for s in state.settings.storefronts]
    return {"utc": utc_time(at), "local": [(f"{where}:", time) for where, time in lines], "ago": ago}


def _store_words(state: AppState, store: str | None) -> str:
    """`store 'shop'`, as every page names the store (`where_words`)."""
    name = store or state.settings.store.name
    return where_words(name, name) or name


def _run(state: AppState, run: SyncRun) -> dict[str, Any]:
    """A run as "Last runs" shows it: a run is the store's (`SyncRun.storefront` holds the store's name), its start
    in UTC and in each storefront's time zone, as `bookbridge runs` says it."""
    return {"id": run.id, "store": _store_words(state, run.storefront), "started": _store_instant(state, run.started),
            "outcome": run.outcome, "running": run.finished is None, "counts": run_counts(run),
            "what": run_what(run), "unread": source_unread(run)}


def _scheduled(state: AppState, jobs: list[UpcomingJob]) -> dict[str, Any]:
    """"Scheduled jobs", as `bookbridge jobs` lists them, next first: every regular job and the next
    AT_JOBS_SHOWN jobs at an instant (launches and campaign flips); how many more there are (`at_jobs_more`)."""
    at_jobs = sorted((j for j in jobs if j.kind in FLIPS), key=lambda j: (j.run_at, j.id))
    shown = sorted([*(j for j in jobs if j.kind not in FLIPS), *at_jobs[:AT_JOBS_SHOWN]],
                   key=lambda j: (j.run_at, j.id))
    return {"jobs": [_periodic(state, j) for j in shown], "at_jobs_more": max(0, len(at_jobs) - AT_JOBS_SHOWN)}


def _periodic(state: AppState, job: UpcomingJob) -> dict[str, Any]:
    return {"job": job_kind_words(job.kind), "store": _store_words(state, job.store),
            "next": _store_instant(state, job.run_at),
            "schedule": plain_schedule(job.detail) if job.detail else "—"}


def _flips(state: AppState, jobs: list[UpcomingJob], families: Any, held: Collection[tuple[str, str | None]],
           filters: Filters, now: datetime) -> tuple[list[FlipTable], str]:
    """Per storefront, in its own time zone, the changes of editions that are (or will then be) in the store
    (`in_store`): not those held back there, by their listing or by an open exception on an edition the store does
    not have; those are counted."""
    try:
        changes = upcoming_changes(families, state.settings.storefronts, [j.run_at for j in jobs], now=now,
                                   mapping=state.settings.mapping)
    except Exception as exc:
        return [], f"The stored catalogue could not be read ({type(exc).__name__})."
    every = [c for listed in changes.values() for c in listed]
    tables = []
    for storefront in state.settings.storefronts:
        listed, held_back = in_store((c for c in every if c.storefront == storefront.name), held)
        mine = sorted(listed, key=lambda c: (c.at, c.isbn))
        pages = _pages(len(mine), FLIPS_PER_PAGE)
        page = min(filters.flips_page, pages) if filters.flips_storefront == storefront.name else 1
        shown = mine[(page - 1) * FLIPS_PER_PAGE: page * FLIPS_PER_PAGE]
        rows = [FlipRow(at=local_time(c.at, storefront.timezone), isbn=c.isbn, title=c.title, what=c.what)
                for c in shown]
        tables.append(FlipTable(storefront=storefront.name, zone=storefront.timezone, rows=rows, page=page,
                                pages=pages, total=len(mine), held_back=held_back_note(held_back)))
    return tables, ""


def _sales(state: AppState, editions: Mapping[str, Edition], editions_page: int = 1) -> dict[str, Any]:
    end = latest_sales_day(state.clock.now(), [s.zone for s in state.settings.storefronts])  # as /api/sales
    # The last SALES_WEEKS weeks from Monday, this one included: as many bars as the titles say. Units by edition,
    # the formats and the reprint signal cover the report's own days (REPORT_DAYS), as `bookbridge sales report`
    # and /api/sales do by default: one window for "by edition" wherever it is shown, its dates named.
    start = end - timedelta(days=end.weekday(), weeks=SALES_WEEKS - 1)
    recent_start = end - timedelta(days=REPORT_DAYS - 1)
    try:
        by_week = state.sales(start, end, "week")
        by_edition = state.sales(recent_start, end, "edition")  # its formats and reprint signal: the same days
    except Exception as exc:
        return {"note": f"The sales report failed ({type(exc).__name__}).", "charts": [], "revenue": []}
    span = plural(SALES_WEEKS, "week")
    window = f"last {plural(REPORT_DAYS, 'day')}, {recent_start.isoformat()} to {end.isoformat()}"

    def named(isbn: str, label: str) -> str:
        edition = editions.get(isbn)
        return edition_name(edition) if edition else label

    units: dict[str, int] = {}
    for row in by_edition.rows:
        name = named(row.group, row.label)
        units[name] = units.get(name, 0) + row.units
    weeks: dict[str, int] = {(start + timedelta(weeks=n)).isoformat(): 0 for n in range(SALES_WEEKS)}  # 0 if none
    revenue_by_week: dict[str, dict[str, Any]] = {}
    for row in sorted(by_week.rows, key=lambda r: r.group):
        weeks[row.group] = weeks.get(row.group, 0) + row.units
        per = revenue_by_week.setdefault(row.currency, dict.fromkeys(weeks, Decimal(0)))
        per[row.group] = per.get(row.group, Decimal(0)) + row.revenue

    def week(monday: str) -> str:  # as the report over these days names it: `week of 2026-04-27 (to 2026-05-01)`
        return period_label(monday, Grouping.WEEK, start, end)

    charts: list[Chart] = [
        bar_chart([(week(w), n) for w, n in sorted(weeks.items())],
                  title=f"Units sold per week, from Monday (last {span})", unit=("unit", "units"),
                  chart_id="units-per-week"),
        *(money_chart([(week(w), v) for w, v in sorted(per.items())], currency,
                      title=f"Revenue per week in {currency}, from Monday (last {span})",
                      chart_id=f"revenue-{currency}")
          for currency, per in sorted(revenue_by_week.items())),
        _units_by_edition(units, window, editions_page),
        rate_chart([(f.format_label, f.units_per_week) for f in _formats(by_edition)],
                   title=f"Fastest-moving formats ({window})", unit="units a week", chart_id="formats"),
        rate_chart([(named(r.isbn, r.title), r.weeks_of_cover) for r in by_edition.reprint
                    if r.reprint and r.weeks_of_cover is not None][:10],
                   title=f"Reprint signal: weeks of cover left (sales of the {window})",
                   unit="weeks", chart_id="reprint"),
    ]
    revenue = [money_text(amount, currency) for currency, amount in sorted(by_week.revenue().items())]
    return {"note": "", "charts": charts, "revenue": revenue, "units": by_week.units, "span": span,
            "dates": f"{start.isoformat()} to {end.isoformat()}", "editions_per_page": EDITIONS_PER_PAGE,
            "editions_pages": _pages(len(units), EDITIONS_PER_PAGE)}


def _pages(count: int, per_page: int) -> int:
    """How many pages a list of `count` takes: one at least, an empty list's."""
    return max(1, math.ceil(count / per_page))


def _units_by_edition(units: Mapping[str, int], window: str, page: int) -> Chart:
    """The best-selling editions first, EDITIONS_PER_PAGE to a page; when they are not all on it, the chart says
    which ones of how many it shows, and where every one is."""
    ranked = sorted(units.items(), key=lambda kv: (-kv[1], kv[0]))
    pages = _pages(len(ranked), EDITIONS_PER_PAGE)
    page = min(page, pages)
    first = (page - 1) * EDITIONS_PER_PAGE
    shown = ranked[first:first + EDITIONS_PER_PAGE]
    chart = bar_chart(shown, title=f"Units by edition, all currencies ({window})", unit=("unit", "units"),
                      chart_id="units-by-edition")
    if pages == 1:
        return chart
    sold = plural(len(ranked), "edition")
    note = (f"The {len(shown)} best-selling of {sold} sold." if page == 1 else
            f"Editions {first + 1} to {first + len(shown)} of {len(ranked)} sold, by units.")
    return replace(chart, note=note, pages=Pages(param="editions_page", page=page, pages=pages, total=sold))


@dataclass(frozen=True)
class _Format:
    format_label: str
    units_per_week: Any


def _formats(report: SalesReport) -> list[_Format]:
    return [_Format(format_label=format_label(f.format), units_per_week=f.units_per_week) for f in report.formats[:8]]


def _week(monday: str) -> str:
    """A week by its Monday: "4 May"."""
    return _day(datetime.fromisoformat(monday))


def _day(day: date) -> str:
    """A day as the charts name it: "4 May"."""
    return f"{day.day} {day:%b}"
