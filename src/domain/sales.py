"""Store orders as the domain sees them, the rule that turns them into sales, and the sales reports.

An order line contributes units and net revenue (ex-tax, after line discounts, less refunds) to one sales fact:
(ISBN, format, storefront, day, currency). The ledger keeps, per order line, the contribution last counted and
replaces it when the order is seen again, so an order read twice or edited later never counts twice.

Pure: no I/O. Time comes in as arguments; the day of a sale is the order's creation instant in the storefront's
time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bookbridge.domain.instants import require_aware
from bookbridge.domain.isbn import ISBN13, InvalidISBN
from bookbridge.domain.problems import Problem, warning

ZERO = Decimal(0)
UNKNOWN_FORMAT = "unknown"
# BigCommerce's order statuses (`GET /v2/order_statuses`): 0 Incomplete, 5 Cancelled, 6 Declined never count.
NOT_SOLD_STATUSES = frozenset({0, 5, 6})
REFUNDED_STATUS = 4  # Refunded: the whole order is refunded, whatever its lines say


# --- orders -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesFact:
    """Units and net revenue for one ISBN, format, storefront and day."""

    isbn: str
    format: str
    storefront: str
    day: date
    quantity: int
    net_amount: Decimal
    currency: str

    @property
    def counts(self) -> bool:
        """Something is still sold under this key. A key whose sales were all cancelled or refunded keeps its zeros
        in the ledger, so that its day reaches the sinks again, but is left out of the CSV files and the report."""
        return bool(self.quantity or self.net_amount)


@dataclass(frozen=True)
class OrderLine:
    """One line of a store order. `net_amount` is ex-tax after line discounts, before refunds; the refunded
    figures are what v2 reports per line (`quantity_refunded`, `refund_amount` turned ex-tax by the adapter)."""

    line_id: int
    sku: str
    quantity: int
    net_amount: Decimal
    refunded_quantity: int = 0
    refunded_amount: Decimal = ZERO


@dataclass(frozen=True)
class StoreOrder:
    """An order as read from the store. `problems` are lines the adapter could not read (named by order, line
    and field); they are reported, never silently dropped."""

    order_id: int
    channel_id: int
    status_id: int
    date_created: datetime
    date_modified: datetime
    currency: str
    lines: tuple[OrderLine, ...] = ()
    archived: bool = False  # v2 `is_deleted`: the merchant archived the order; it no longer counts
    problems: tuple[Problem, ...] = ()

    @property
    def counts(self) -> bool:
        return not self.archived and self.status_id not in NOT_SOLD_STATUSES and self.status_id != REFUNDED_STATUS


@dataclass(frozen=True)
class FactKey:
    isbn: str
    format: str
    storefront: str
    day: date
    currency: str


@dataclass(frozen=True)
class LineContribution:
    """What one order line adds to one sales fact. A line that no longer counts keeps its key with zeros, so
    that the day is sent again and the sinks see the sale disappear."""

    order_id: int
    line_id: int
    key: FactKey
    quantity: int
    net_amount: Decimal

    def zeroed(self) -> LineContribution:
        return LineContribution(self.order_id, self.line_id, self.key, 0, ZERO)


@dataclass(frozen=True)
class RejectedLine:
    """An order line that counts nowhere, and why (its SKU is not an ISBN)."""

    line_id: int
    sku: str
    problem: Problem


@dataclass(frozen=True)
class OrderContributions:
    order_id: int
    date_modified: datetime
    lines: tuple[LineContribution, ...]
    rejected: tuple[RejectedLine, ...] = ()
    problems: tuple[Problem, ...] = ()  # what the adapter could not read


def order_contributions(
    order: StoreOrder, *, storefront: str, zone: tzinfo, format_of: Callable[[str], str]
) -> OrderContributions:
    """The contribution of each line of `order`: units and net revenue after refunds, zero when the order does
    not count (cancelled, declined, incomplete, refunded or archived). A line whose SKU is not a valid ISBN
    becomes a Problem naming the order, the line and the field. `format_of(isbn)` names the edition's format."""
    day = order.date_created.astimezone(zone).date()
    counted = order.counts
    lines: list[LineContribution] = []
    rejected: list[RejectedLine] = []
    for line in order.lines:
        record = f"order {order.order_id} line {line.line_id}"
        try:
            isbn = ISBN13(line.sku)
        except InvalidISBN as exc:
            problem = warning("sales.sku-not-isbn", f"{record}: SKU {line.sku!r} is not a valid ISBN ({exc.reason}); "
                              "the line is not counted", record=record, field="sku")
            rejected.append(RejectedLine(line.line_id, line.sku, problem))
            continue
        key = FactKey(str(isbn), format_of(str(isbn)), storefront, day, order.currency)
        if counted:
            quantity = max(line.quantity - line.refunded_quantity, 0)
            amount = max(line.net_amount - line.refunded_amount, ZERO)
        else:
            quantity, amount = 0, ZERO
        lines.append(LineContribution(order.order_id, line.line_id, key, quantity, amount))
    return OrderContributions(order.order_id, order.date_modified, tuple(lines), tuple(rejected), order.problems)


def replace_order(
    previous: Sequence[LineContribution], latest: Sequence[LineContribution]
) -> tuple[list[LineContribution], set[FactKey]]:
    """What the ledger keeps for an order seen again: the latest lines, plus a zeroed copy of each line the order
    no longer has; and the fact keys whose totals changed."""
    by_line = {c.line_id: c for c in latest}
    kept = list(latest) + [c.zeroed() for c in previous if c.line_id not in by_line]
    before = {c.line_id: c for c in previous}
    changed: set[FactKey] = set()
    for line in kept:
        old = before.get(line.line_id)
        if old is None:
            changed.add(line.key)  # even a zero line: the fact it names must reach the sinks
        elif (old.key, old.quantity, old.net_amount) != (line.key, line.quantity, line.net_amount):
            changed.update({old.key, line.key})
    return kept, changed


def sales_facts(contributions: Iterable[LineContribution]) -> list[SalesFact]:
    """Sum line contributions into facts, one per (ISBN, format, storefront, day, currency), sorted."""
    units: dict[FactKey, int] = defaultdict(int)
    amounts: dict[FactKey, Decimal] = defaultdict(Decimal)
    for c in contributions:
        units[c.key] += c.quantity
        amounts[c.key] += c.net_amount
    return [
        SalesFact(k.isbn, k.format, k.storefront, k.day, units[k], amounts[k], k.currency)
        for k in sorted(units, key=lambda k: (k.day, k.storefront, k.isbn, k.format, k.currency))
    ]


# --- ports -------------------------------------------------------------------------------------------------------


class OrderSourceError(Exception):
    """The store could not be read. `transient`: worth retrying at the next import (429s, 5xx, timeouts);
    `refused`: the store refused the credentials (401, 403), the store's own failure, as a sync meets it."""

    def __init__(self, message: str, *, transient: bool, refused: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        self.refused = refused


class SalesSinkRejected(Exception):
    """A sales sink refused the facts for good (bad configuration, a rejected mutation): retried next import,
    but a person must look."""


@dataclass(frozen=True)
class RecordOutcome:
    changed: frozenset[FactKey] = frozenset()  # facts whose totals this snapshot changed
    seen_before: bool = False  # this very snapshot (same date_modified) was already recorded
    stale: bool = False  # an older snapshot than the one recorded: ignored


# --- reports -----------------------------------------------------------------------------------------------------


class Grouping(StrEnum):
    EDITION = "edition"  # by ISBN: one edition (a title in one format)
    FAMILY = "family"  # by title family: every format of a title together (Consonance's work)
    FORMAT = "format"
    STOREFRONT = "storefront"
    DAY = "day"
    WEEK = "week"  # ISO weeks, starting on Monday
    MONTH = "month"


def latest_sales_day(now: datetime, zones: Iterable[tzinfo]) -> date:
    """The latest day a sale can carry at `now`: a sale's day is its storefront's local day, so a storefront ahead
    of UTC is already on tomorrow. The latest of the storefronts' local days; UTC's day when there is none."""
    at = require_aware(now)
    return max((at.astimezone(zone).date() for zone in zones), default=at.astimezone(UTC).date())


def period_start(day: date, grouping: Grouping) -> date:
    if grouping is Grouping.WEEK:
        return day - timedelta(days=day.weekday())
    if grouping is Grouping.MONTH:
        return day.replace(day=1)
    return day


@dataclass(frozen=True)
class SalesTotal:
    group: str
    currency: str
    units: int
    revenue: Decimal


def group_of(fact: SalesFact, grouping: Grouping, family_of: Mapping[str, str] | None = None) -> str:
    """The group a fact counts in. FAMILY needs `family_of` (ISBN -> title family id); an ISBN the catalogue does
    not know counts as a family of its own, under its ISBN."""
    if grouping is Grouping.EDITION:
        return fact.isbn
    if grouping is Grouping.FAMILY:
        return (family_of or {}).get(fact.isbn, fact.isbn)
    if grouping is Grouping.FORMAT:
        return fact.format
    if grouping is Grouping.STOREFRONT:
        return fact.storefront
    return period_start(fact.day, grouping).isoformat()


def sales_totals(facts: Iterable[SalesFact], grouping: Grouping,
                 family_of: Mapping[str, str] | None = None) -> list[SalesTotal]:
    """Units and revenue per group and currency (revenue in different currencies is never added up). Periods
    come in date order, other groups by units, most first. `family_of` maps ISBNs to title families
    (Grouping.FAMILY)."""
    units: dict[tuple[str, str], int] = defaultdict(int)
    revenue: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for fact in facts:
        key = (group_of(fact, grouping, family_of), fact.currency)
        units[key] += fact.quantity
        revenue[key] += fact.net_amount
    rows = [SalesTotal(g, c, units[(g, c)], revenue[(g, c)]) for g, c in units]
    if grouping in (Grouping.DAY, Grouping.WEEK, Grouping.MONTH):
        return sorted(rows, key=lambda r: (r.group, r.currency))
    return sorted(rows, key=lambda r: (-r.units, r.group, r.currency))


RATE = Decimal("0.1")  # units a week and weeks of cover: one decimal, everywhere they are shown


@dataclass(frozen=True)
class FormatVelocity:
    format: str
    units: int
    units_per_week: Decimal  # one decimal (RATE)


def _weeks(start: date, end: date) -> Decimal:
    return Decimal((end - start).days + 1) / 7


def format_velocity(facts: Iterable[SalesFact], *, start: date, end: date) -> list[FormatVelocity]:
    """The fastest-moving formats over `start`..`end` (both included): units per week, fastest first."""
    if end < start:
        raise ValueError(f"the window ends ({end}) before it starts ({start})")
    units: dict[str, int] = defaultdict(int)
    for fact in facts:
        if start <= fact.day <= end:
            units[fact.format] += fact.quantity
    weeks = _weeks(start, end)
    rows = [FormatVelocity(f, n, (Decimal(n) / weeks).quantize(RATE, ROUND_HALF_UP)) for f, n in units.items()]
    return sorted(rows, key=lambda r: (-r.units, r.format))


@dataclass(frozen=True)
class ReprintSignal:
    """Weeks of cover for one ISBN: stock / units per week over the recent window. None when the stock is unknown
    or nothing sold (no sales rate, no horizon); `reprint` when the cover is below the threshold. Both figures
    carry one decimal (RATE), rounded half up from the exact rate."""

    isbn: str
    format: str
    units_in_window: int
    units_per_week: Decimal
    stock: int | None
    weeks_of_cover: Decimal | None
    reprint: bool


@dataclass(frozen=True)
class ReprintPolicy:
    window_days: int = 28
    threshold_weeks: Decimal = Decimal(8)
    formats: frozenset[str] | None = field(default=None)  # e.g. the printed formats; None: every format

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise ValueError("the reprint window must be at least one day")


def reprint_signals(
    facts: Iterable[SalesFact], stock: Mapping[str, int | None], *, end: date, policy: ReprintPolicy = ReprintPolicy()
) -> list[ReprintSignal]:
    """One signal per ISBN sold in the `policy.window_days` days up to `end`; lowest cover first."""
    start = end - timedelta(days=policy.window_days - 1)
    units: dict[tuple[str, str], int] = defaultdict(int)
    for fact in facts:
        if start <= fact.day <= end and (policy.formats is None or fact.format in policy.formats):
            units[(fact.isbn, fact.format)] += fact.quantity
    weeks = _weeks(start, end)
    signals = []
    for (isbn, fmt), sold in units.items():
        per_week = Decimal(sold) / weeks  # exact: each figure is rounded once, from it
        on_hand = stock.get(isbn)
        known = on_hand is not None and per_week > 0
        cover = (Decimal(on_hand or 0) / per_week).quantize(RATE, ROUND_HALF_UP) if known else None
        signals.append(ReprintSignal(isbn, fmt, sold, per_week.quantize(RATE, ROUND_HALF_UP), on_hand, cover,
                                     cover is not None and cover < policy.threshold_weeks))
    return sorted(signals, key=lambda s: (s.weeks_of_cover is None, s.weeks_of_cover or ZERO, s.isbn))
