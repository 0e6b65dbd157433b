"""Bar charts for the dashboard, as plain values: templates/_chart.html draws each bar as a one-rectangle SVG
beside its label, so labels wrap on a phone instead of being cut, and no script or inline style is needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bookbridge.application.money import money_text
from bookbridge.application.sales_report import rate_text
from bookbridge.entrypoints.presentation import plural


@dataclass(frozen=True)
class Bar:
    label: str  # whole: a title, a format, a week
    shown: str  # the value in words: "3 units", "£2,366.28"
    percent: float  # of the longest bar, 0–100


@dataclass(frozen=True)
class Pages:
    """Where a chart too long for one view is: `page` of `pages`, each `/dashboard?{param}=N`."""

    param: str
    page: int
    pages: int
    total: str  # what is paged, counted: "37 editions"


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    bars: tuple[Bar, ...]  # empty: the template says "no data yet"
    note: str = ""  # which bars of how many, when they are not all: "The 15 best-selling of 56 editions sold."
    pages: Pages | None = None


def _bars(values: Sequence[tuple[str, float]], words: Sequence[str]) -> tuple[Bar, ...]:
    peak = max((v for _, v in values), default=0.0) or 1.0
    return tuple(Bar(label=label, shown=shown, percent=round(max(0.5, 100 * value / peak) if value > 0 else 0.0, 1))
                 for (label, value), shown in zip(values, words, strict=True))


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, unit: str | tuple[str, str] = "",
              chart_id: str) -> Chart:
    """Bars in the order given. `unit` is one word for every value ("units a week"), or its singular and plural
    (("unit", "units"))."""
    words = [plural(value, *unit) if isinstance(unit, tuple) else f"{value:g}{(' ' + unit) if unit else ''}"
             for _, value in bars]
    return Chart(id=chart_id, title=title, bars=_bars(bars, words))


def rate_chart(bars: Sequence[tuple[str, Decimal]], *, title: str, unit: str, chart_id: str) -> Chart:
    """Units a week or weeks of cover, written as the CLI, JSON and CSV write them (`rate_text`: one decimal
    always, "2.0 units a week" beside "0.3 units a week")."""
    return Chart(id=chart_id, title=title, bars=_bars([(label, float(value)) for label, value in bars],
                                                      [f"{rate_text(value)} {unit}" for _, value in bars]))


def money_chart(bars: Sequence[tuple[str, Decimal]], currency: str, *, title: str, chart_id: str) -> Chart:
    """Amounts in one currency, each written as that currency writes it."""
    return Chart(id=chart_id, title=title, bars=_bars([(label, float(amount)) for label, amount in bars],
                                                      [money_text(amount, currency) for _, amount in bars]))
