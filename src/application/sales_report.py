"""Title performance from the sales ledger, as typed rows for the HTTP app, the dashboard and the CLI.

    sales_report(ledger, start, end, group_by, *, catalogue=None, reprint=ReprintPolicy()) -> SalesReport

- `ledger`: a `bookbridge.domain.sales.SalesLedger` (the container's `sales_ledger`; `InMemorySalesLedger` in tests).
- `start`, `end`: `datetime.date`s, both included; `end` before `start` is a ValueError.
- `group_by`: "edition" (per ISBN: one format of a title), "family" (per title family: every format of the title
  together), "format", "storefront", "day", "week" (ISO, from Monday) or "month"; "title" and "work" are deprecated
  aliases of "edition" and "family" (the report names the grouping by its name); anything else is a ValueError
  naming the choices.
- `catalogue`: the stored title families (`uow.state.catalogue(source)`), optional: it gives each ISBN its title,
  its title family and the stock figure for the reprint signal. A sold ISBN it does not hold (a title since
  removed, another source's; every one when it is empty) is labelled `not in the catalogue (ISBN …)`, and by family
  all such ISBNs count together in one row, `not in the catalogue`, whose group is empty (no family id);
  `SalesReport.not_catalogued` lists them. Without a catalogue (None), titles are the ISBNs, each ISBN is a
  family of its own and the stock is unknown.

Each row's `label` says its group in words: an edition's or a family's title, a format's name (`Hardback`), a
storefront as `storefront 'uk'`, a month as `2026-11`, a week as `week of 2026-11-09`; a week or month the report
covers only in part says which of its days it counts (`week of 2026-11-09 (from 2026-11-10)`).

`report_document(report)` gives it as JSON types and `report_csv(report)` its rows as CSV.

`SalesReport.rows` hold units and revenue per group and currency (a sale cancelled or refunded whole counts
nowhere, as in the CSV files: no group is shown with zeros); `formats` ranks the fastest-moving formats over
the same dates; `reprint` gives weeks of cover per ISBN over the `reprint.window_days` days up to `end`. Units per
week and weeks of cover read the same everywhere: one decimal (`rate_text`: "28.0", "1.1").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bookbridge.application.money import money_amount
from bookbridge.domain.formats import format_label
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import SalesLedger
from bookbridge.domain.sales import (
    RATE,
    FormatVelocity,
    Grouping,
    ReprintPolicy,
    ReprintSignal,
    SalesFact,
    format_velocity,
    reprint_signals,
    sales_totals,
)
from bookbridge.domain.words import NOT_IN_CATALOGUE, not_in_catalogue, storefront_words

GROUPINGS = tuple(g.value for g in Grouping)
# Old names still read, for scripts written before the rename; the report always names the grouping it used.
# By title's rows were editions all along; a work is Consonance's word for a title family.
DEPRECATED_GROUPINGS = {"title": Grouping.EDITION, "work": Grouping.FAMILY}
# What a grouping must be, in the CLI's (`--by`) and the API's (`group_by`) refusals alike: the groupings, never
# the deprecated aliases, which are still taken.
GROUPING_RULE = f"must be one of {', '.join(GROUPINGS[:-1])} or {GROUPINGS[-1]}"
NO_FAMILY = ""  # the group, by family, of the sold ISBNs the catalogue does not hold: no family id to give them


@dataclass(frozen=True)
class SalesReportRow:
    group: str  # an ISBN, a title family id, a format's code, a storefront, or a period's first day (ISO date)
    label: str  # the group in words: a title, a format's name, `storefront 'uk'`, `2026-11`, `week of 2026-11-09`
    currency: str
    units: int
    revenue: Decimal
    format: str = ""  # by edition the edition's format code (`ebook-epub`), so that a title's formats tell apart;
    # by format the row's own (its group); empty in the other groupings, where a row holds many formats


@dataclass(frozen=True)
class ReprintRow:
    isbn: str
    title: str
    format: str
    units_in_window: int
    units_per_week: Decimal
    stock: int | None
    weeks_of_cover: Decimal | None
    reprint: bool


@dataclass(frozen=True)
class SalesReport:
    start: date
    end: date
    group_by: str
    rows: tuple[SalesReportRow, ...]
    formats: tuple[FormatVelocity, ...]
    reprint: tuple[ReprintRow, ...]
    not_catalogued: tuple[str, ...] = ()  # the ISBNs sold in these days that the catalogue given does not hold

    @property
    def units(self) -> int:
        return sum(r.units for r in self.rows)

    def revenue(self) -> dict[str, Decimal]:
        """Total revenue per currency."""
        totals: dict[str, Decimal] = {}
        for row in self.rows:
            totals[row.currency] = totals.get(row.currency, Decimal(0)) + row.revenue
        return totals


def parse_grouping(group_by: str) -> Grouping:
    key = group_by.strip().lower()
    if key in DEPRECATED_GROUPINGS:
        return DEPRECATED_GROUPINGS[key]
    try:
        return Grouping(key)
    except ValueError:
        raise ValueError(f"group_by {group_by!r} is not one of {', '.join(GROUPINGS)}") from None


def sales_report(
    ledger: SalesLedger,
    start: date,
    end: date,
    group_by: str,
    *,
    catalogue: Mapping[str, TitleFamily] | None = None,
    reprint: ReprintPolicy = ReprintPolicy(),  # frozen, so a shared default is safe
) -> SalesReport:
    if end < start:
        raise ValueError(f"the report ends ({end}) before it starts ({start})")
    grouping = parse_grouping(group_by)
    editions = {str(e.isbn): e for f in (catalogue or {}).values() for e in f.editions}
    titles = {isbn: e.display_title for isbn, e in editions.items()}
    stock = {isbn: e.stock for isbn, e in editions.items()}
    family_of = {str(e.isbn): f.id for f in (catalogue or {}).values() for e in f.editions}
    labels = {**titles, **{f.id: f.title for f in (catalogue or {}).values()}}
    facts = _counted(ledger, start, end)
    # By edition, each row's format: the catalogue's, else the one its sales were counted under (`unknown` at worst).
    formats = {**{f.isbn: f.format for f in facts}, **{isbn: e.format.value for isbn, e in editions.items()}}
    # A sold ISBN the catalogue does not hold says so, not only its number; by family, all such ISBNs are one row
    # under no family id: each its own "family" would be a grouping that is not there.
    unknown = sorted({f.isbn for f in facts if f.isbn not in editions}) if catalogue is not None else []
    titles |= {isbn: not_in_catalogue(isbn) for isbn in unknown}
    family_of |= dict.fromkeys(unknown, NO_FAMILY)
    labels |= {**{isbn: titles[isbn] for isbn in unknown}, NO_FAMILY: NOT_IN_CATALOGUE}
    rows = tuple(
        SalesReportRow(t.group, labels.get(t.group, t.group) if grouping in (Grouping.EDITION, Grouping.FAMILY)
                       else period_label(t.group, grouping, start, end), t.currency, t.units, t.revenue,
                       format=formats.get(t.group, "") if grouping is Grouping.EDITION else "")
        for t in sales_totals(facts, grouping, family_of)
    )
    if grouping is Grouping.FORMAT:  # the format by name, as every table shows it; its code stays the group, and
        rows = tuple(replace(r, label=format_label(r.group), format=r.group) for r in rows)  # is the row's format
    window_start = end - timedelta(days=reprint.window_days - 1)
    recent = facts if window_start >= start else _counted(ledger, window_start, end)
    signals = reprint_signals(recent, stock, end=end, policy=reprint)
    return SalesReport(
        start=start,
        end=end,
        group_by=grouping.value,
        rows=rows,
        formats=tuple(format_velocity(facts, start=start, end=end)),
        reprint=tuple(_reprint_row(s, titles) for s in signals),
        not_catalogued=tuple(unknown),
    )


def _counted(ledger: SalesLedger, start: date, end: date) -> list[SalesFact]:
    """The facts that still count: an edition whose sales were all cancelled or refunded is left out, as the CSV
    files leave it out, not shown with zeros."""
    return [f for f in ledger.facts(start, end) if f.counts]


def period_label(group: str, grouping: Grouping, start: date, end: date) -> str:
    """A storefront, a week or a month in words; a period cut by the report's dates says which days it counts. The
    dashboard's weekly charts name their weeks with it, as the report over their days does."""
    if grouping is Grouping.STOREFRONT:
        return storefront_words(group)
    if grouping not in (Grouping.WEEK, Grouping.MONTH):
        return group
    first = date.fromisoformat(group)
    if grouping is Grouping.WEEK:
        last, words = first + timedelta(days=6), f"week of {first}"
    else:
        last, words = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1), f"{first:%Y-%m}"
    counted_from, counted_to = max(first, start), min(last, end)
    if counted_from == counted_to:
        return f"{words} ({counted_from} only)"
    if counted_from > first and counted_to < last:
        return f"{words} ({counted_from} to {counted_to})"
    if counted_from > first:
        return f"{words} (from {counted_from})"
    return f"{words} (to {counted_to})" if counted_to < last else words


def _reprint_row(signal: ReprintSignal, titles: Mapping[str, str]) -> ReprintRow:
    return ReprintRow(signal.isbn, titles.get(signal.isbn, signal.isbn), signal.format, signal.units_in_window,
                      signal.units_per_week, signal.stock, signal.weeks_of_cover, signal.reprint)


def rate_text(value: Decimal) -> str:
    """Units a week or weeks of cover, in JSON, CSV and tables alike: one decimal, half up ("28.0", "27.8", "1.1")."""
    return f"{value.quantize(RATE, ROUND_HALF_UP):f}"


def report_document(report: SalesReport) -> dict[str, Any]:
    """The report as plain JSON types (amounts as decimal strings in the currency's minor units), for `--json` and
    the HTTP API."""
    return {
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "group_by": report.group_by,
        "units": report.units,
        "revenue": {currency: money_amount(amount, currency) for currency, amount in sorted(report.revenue().items())},
        "rows": [{"group": r.group, "label": r.label, "format": r.format or None,
                  "format_name": format_label(r.format) if r.format else None, "currency": r.currency,
                  "units": r.units, "revenue": money_amount(r.revenue, r.currency)} for r in report.rows],
        "formats": [{"format": v.format, "format_name": format_label(v.format), "units": v.units,
                     "units_per_week": rate_text(v.units_per_week)} for v in report.formats],
        "reprint": [{"isbn": r.isbn, "title": r.title, "format": r.format, "format_name": format_label(r.format),
                     "units_in_window": r.units_in_window,
                     "units_per_week": rate_text(r.units_per_week), "stock": r.stock,
                     "weeks_of_cover": None if r.weeks_of_cover is None else rate_text(r.weeks_of_cover),
                     "reprint": r.reprint} for r in report.reprint],
    }


# The report's days when none are given: `bookbridge sales report`, /api/sales and the dashboard's "by edition" alike,
# the reprint signal's window too, so that they compare. The days are the storefronts' local days.
REPORT_DAYS = ReprintPolicy().window_days
# No sale lies outside these days (orders are from 1970 on), and each has room around it for the reprint window:
# a day given outside them counts as the nearer one, `bookbridge sales report`, `sales export` and /api/sales alike.
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(9999, 1, 1)
DAY_BOUNDS = f"a day before {EARLIEST_DAY} or after {LATEST_DAY} counts as that day"


class ReversedDays(ValueError):
    """A report's last day before its first: "2026-12-01 is before --from 2026-12-07", said of the last day, under
    the name the caller gives it (`--to`, `end`)."""


def report_days(start: date | None, end: date | None, latest: date, *,
                start_name: str = "start") -> tuple[date, date]:
    """The first and last day of a report (both included), `bookbridge sales report` and /api/sales alike: the last
    is `end`, else `latest` (the latest of the storefronts' local days); the first is `start`, else the REPORT_DAYS
    days ending on the last. A last day before the first is refused (ReversedDays, naming the first day by
    `start_name`: `--from`, `start`). A day before EARLIEST_DAY or after LATEST_DAY counts as that day."""
    last = end or latest
    if start is not None and last < start:
        given = "" if end else " (its default: the latest day among the storefronts' own days)"
        raise ReversedDays(f"{last}{given} is before {start_name} {start}")
    last = min(max(last, EARLIEST_DAY), LATEST_DAY)
    first = min(max(start, EARLIEST_DAY), LATEST_DAY) if start else last - timedelta(days=REPORT_DAYS - 1)
    return max(first, EARLIEST_DAY), last


# The format last (the older columns stay put), as JSON names it: `format` the code, `format_name` the name.
CSV_COLUMNS = ("group", "label", "currency", "units", "revenue", "format", "format_name")


def report_csv(report: SalesReport) -> str:
    """The report's rows as CSV (header `group,label,currency,units,revenue,format,format_name`), for `--csv` and
    the HTTP API; by edition, `format` is the edition's format code (`ebook-epub`) and `format_name` its name
    (`eBook (EPUB)`), as in JSON, by format the row's own; both empty in the other groupings."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.rows:
        writer.writerow((r.group, r.label, r.currency, r.units, money_amount(r.revenue, r.currency),
                         r.format, format_label(r.format) if r.format else ""))
    return out.getvalue()

