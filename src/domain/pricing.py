"""Pricing: which price rows apply to a storefront at an instant, and when that next changes.

- Rows must be in the store's currency, of a consumer price type (List 58), with a Territory (if any)
  that covers every country the storefront serves.
- Tax: a tax-inclusive store (GB/EU display) takes tax-inclusive types; a tax-exclusive store (US/CA)
  takes exclusive ones. They are never mixed: a store with only the other kind has no price, and a
  problem says why.
- Windows: From/Until (List 173: 14/15) are inclusive whole days in the store's time zone; timestamps
  are honoured to the instant.
- Regular price: qualifier 05 (consumer), 00 or none; campaign price: qualifier 08 (promotional) or 17
  (introductory), or a special-sale / pre-publication type. Among several matches the latest-starting
  window wins (the "three price" method), then the lowest amount. A campaign row alone in force (the
  middle row of the "three price" method) is the price itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from bookbridge.domain.instants import end_of, require_aware, start_of
from bookbridge.domain.model import PriceRow
from bookbridge.domain.problems import Problem, blocking
from bookbridge.domain.words import storefront_words

TAX_INCLUSIVE_TYPES = frozenset({"02", "04", "07", "09", "12", "14", "17", "22", "24", "27", "34", "42"})
REGULAR_TYPES = frozenset({"01", "02", "03", "04", "41", "42"})  # RRP, fixed retail price, agency retail price
CAMPAIGN_TYPES = frozenset({"11", "12", "13", "14", "21", "22", "23", "24"})  # special-sale, pre-publication
CONSUMER_TYPES = REGULAR_TYPES | CAMPAIGN_TYPES
REGULAR_QUALIFIERS = frozenset({None, "00", "05"})
CAMPAIGN_QUALIFIERS = frozenset({"08", "17"})


class PriceContext(BaseModel):
    """The storefront facts pricing needs."""

    model_config = ConfigDict(frozen=True)

    currency: str
    countries: frozenset[str]
    tax_inclusive: bool
    tz: str = "UTC"
    storefront: str | None = None  # its name, for messages: "storefront 'us'"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)


class PriceAt(BaseModel):
    """The prices in force at an instant. `price` is the regular (retail) price; `effective` what a buyer pays."""

    model_config = ConfigDict(frozen=True)

    currency: str
    price: Decimal
    sale_price: Decimal | None = None
    retail_price: Decimal | None = None
    tax_inclusive: bool
    # The campaign window of `sale_price` ([start, end) in the storefront's zone); None when open-ended.
    sale_starts: datetime | None = None
    sale_ends: datetime | None = None

    @property
    def effective(self) -> Decimal:
        return self.sale_price if self.sale_price is not None else self.price


class Pricing(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: PriceAt | None
    next_change: datetime | None


def is_tax_inclusive(row: PriceRow) -> bool:
    return row.price_type in TAX_INCLUSIVE_TYPES


def is_campaign(row: PriceRow) -> bool:
    return row.qualifier in CAMPAIGN_QUALIFIERS or row.price_type in CAMPAIGN_TYPES


def window(row: PriceRow, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the row's validity; None is open."""
    start = start_of(row.valid_from, tz) if row.valid_from is not None else None
    end = end_of(row.valid_until, tz) if row.valid_until is not None else None
    return start, end


def in_window(row: PriceRow, at: datetime, tz: ZoneInfo) -> bool:
    start, end = window(row, tz)
    return (start is None or start <= at) and (end is None or at < end)


def candidate_rows(rows: Sequence[PriceRow], ctx: PriceContext) -> list[PriceRow]:
    """Rows that could ever apply to this storefront (currency, consumer type, territory, tax display)."""
    return [
        r
        for r in rows
        if r.currency.upper() == ctx.currency.upper()
        and r.price_type in CONSUMER_TYPES
        and is_tax_inclusive(r) == ctx.tax_inclusive
        and (r.qualifier in REGULAR_QUALIFIERS or is_campaign(r))
        and (r.territory is None or r.territory.covers_all(ctx.countries))
    ]


_Windowed = tuple[PriceRow, datetime | None, datetime | None]  # a row and its [start, end) window
# What a buyer sees at an instant: (price, sale_price, retail_price, sale_starts, sale_ends); None if unpriced.
_Prices = tuple[Decimal, Decimal | None, Decimal | None, datetime | None, datetime | None] | None


def _pick(rows: list[_Windowed], epoch: datetime) -> _Windowed | None:
    if not rows:
        return None
    # Latest start wins; then qualifier 05 over 00/none; then the lowest amount.
    return max(rows, key=lambda w: (w[1] or epoch, 1 if w[0].qualifier == "05" else 0, -w[0].amount))


def _windowed(rows: Sequence[PriceRow], ctx: PriceContext) -> list[_Windowed]:
    tz = ctx.zone
    return [(r, *window(r, tz)) for r in candidate_rows(rows, ctx)]


def _prices_at(rows: list[_Windowed], at: datetime, epoch: datetime) -> _Prices:
    live = [w for w in rows if (w[1] is None or w[1] <= at) and (w[2] is None or at < w[2])]
    campaign = _pick([w for w in live if is_campaign(w[0])], epoch)
    regular = _pick([w for w in live if not is_campaign(w[0])], epoch)
    if regular is None:
        if campaign is None:
            return None
        # "Three price" method: the regular rows end and restart around the campaign row, which alone
        # is in force in its window, so it is the price (there is no regular price to show it against).
        return campaign[0].amount, None, campaign[0].amount, None, None
    if campaign is not None and campaign[0].amount < regular[0].amount:
        return regular[0].amount, campaign[0].amount, regular[0].amount, campaign[1], campaign[2]
    return regular[0].amount, None, regular[0].amount, None, None


def _price_of(found: _Prices, ctx: PriceContext) -> PriceAt | None:
    if found is None:
        return None
    price, sale, retail, starts, ends = found
    return PriceAt(currency=ctx.currency.upper(), price=price, sale_price=sale, retail_price=retail,
                   tax_inclusive=ctx.tax_inclusive, sale_starts=starts, sale_ends=ends)


def price_at(rows: Sequence[PriceRow], ctx: PriceContext, at: datetime) -> PriceAt | None:
    at = require_aware(at)
    return _price_of(_prices_at(_windowed(rows, ctx), at, datetime.min.replace(tzinfo=ctx.zone)), ctx)


def boundaries(rows: Sequence[PriceRow], ctx: PriceContext) -> list[datetime]:
    tz = ctx.zone
    points = {p for r in candidate_rows(rows, ctx) for p in window(r, tz) if p is not None}
    return sorted(points)


def pricing(rows: Sequence[PriceRow], ctx: PriceContext, at: datetime) -> Pricing:
    """Prices at `at` and the first later instant at which any of them differs."""
    current, next_change = prices_and_next_change(rows, ctx, require_aware(at), ctx.zone)
    return Pricing(at=_price_of(current, ctx), next_change=next_change)


def prices_and_next_change(rows: Sequence[PriceRow], ctx: PriceContext, at: datetime, tz: ZoneInfo
                           ) -> tuple[_Prices, datetime | None]:
    """`pricing` as plain values, for building listings: (price, sale_price, retail_price, sale_starts,
    sale_ends) or None if unpriced, and the next change. `at` must be aware and `tz` be `ctx.zone`."""
    candidates = candidate_rows(rows, ctx) if rows else ()
    if not candidates:
        return None, None
    if len(candidates) == 1:  # most editions: one price per currency, in force from some day or always
        return _one_row(candidates[0], at, tz)
    windowed = [(r, *window(r, tz)) for r in candidates]
    epoch = datetime.min.replace(tzinfo=tz)
    current = _prices_at(windowed, at, epoch)
    edges = {p for w in windowed for p in w[1:] if p is not None and p > at}
    for instant in sorted(edges):
        if _prices_at(windowed, instant, epoch) != current:
            return current, instant
    return current, None


def _one_row(row: PriceRow, at: datetime, tz: ZoneInfo) -> tuple[_Prices, datetime | None]:
    """`prices_and_next_change` of a single candidate row: its amount, regular or campaign alike (a campaign row
    alone in force is the price itself), while in its window."""
    start, end = window(row, tz)
    amount = row.amount
    if start is not None and at < start:
        return None, start if end is None or start < end else None  # an empty window never comes into force
    if end is None or at < end:
        return (amount, None, amount, None, None), end
    return None, None


def pricing_problems(
    rows: Sequence[PriceRow], ctx: PriceContext, at: datetime, *, record: str | None = None
) -> list[Problem]:
    if price_at(rows, ctx, at) is not None:
        return []
    same_currency = [r for r in rows if r.currency.upper() == ctx.currency.upper() and r.price_type in CONSUMER_TYPES]
    where = " ".join(sorted(ctx.countries))
    if not same_currency:
        serves = f"{storefront_words(ctx.storefront)}, countries" if ctx.storefront else "storefront countries"
        return [blocking("no-price", f"no consumer price in {ctx.currency} ({serves} {where})",
                         record=record, field="Price")]
    if all(is_tax_inclusive(r) != ctx.tax_inclusive for r in same_currency):
        have = "tax-inclusive" if ctx.tax_inclusive is False else "tax-exclusive"
        want = "tax-inclusive" if ctx.tax_inclusive else "tax-exclusive"
        return [blocking("price-tax-mismatch", f"only {have} {ctx.currency} prices, but the storefront shows "
                         f"{want} prices; bookbridge never converts between them", record=record,
                         field="Price/PriceType")]
    return [blocking("no-current-price", f"no {ctx.currency} consumer price covering {where} is in force now "
                     "(check PriceDate windows and Territory)", record=record, field="Price")]
