"""BigCommerce orders as a `bookbridge.domain.sales.OrderSource`, over BigCommerce's Orders v2 API.

`GET /v2/orders?sort=date_modified:asc&min_date_modified=<RFC-2822>` page by page (204 = nothing more), then
`GET /v2/orders/{id}/products` for each order's lines. Money on a line:

- net (ex-tax, after line discounts) = `total_ex_tax` x `discounted_total_inc_tax` / `total_inc_tax`: BigCommerce
  gives the discounted total only with tax (`applied_discounts` amounts are on that basis, spec example), so the
  line's own tax ratio takes the discount out of the ex-tax total;
- refunded (ex-tax) = `refund_amount` scaled by the same ratio (`refund_amount` is on the inc-tax basis).

Currency: `default_currency_code`, the transactional currency the shopper paid in (the amounts' currency), else
`currency_code`. A line that cannot be read becomes a Problem naming the order, the line and the field; an order
whose dates cannot be read stops the import with an error naming it (the cursor does not move past it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from bookbridge.adapters.bigcommerce.client import MAX_PAGE_LIMIT, BigCommerceClient
from bookbridge.adapters.bigcommerce.errors import (
    BigCommerceCredentialsRefused,
    BigCommerceError,
    BigCommerceTransientError,
)
from bookbridge.domain.ports import OrderSource
from bookbridge.domain.problems import Problem, warning
from bookbridge.domain.sales import OrderLine, OrderSourceError, StoreOrder

logger = logging.getLogger(__name__)
CENTS = Decimal("0.0001")  # v2 money has four decimals


def rfc2822(moment: datetime) -> str:
    """`Thu, 20 Apr 2017 15:32:00 +0000`, the form the v2 date filters document first."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


def parse_v2_date(raw: Any, *, record: str, field: str) -> datetime:
    for parse in (parsedate_to_datetime, lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))):
        try:
            moment = parse(raw) if isinstance(raw, str) and raw.strip() else None
        except (TypeError, ValueError):
            continue
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise OrderSourceError(f"{record}, field {field}: {raw!r} is not an RFC-2822 or ISO-8601 date", transient=False)


class _BadLine(ValueError):
    def __init__(self, field: str, value: Any) -> None:
        super().__init__(f"{field} {value!r} is not a number")
        self.field = field


def _money(line: Mapping[str, Any], field: str, default: str | None = None) -> Decimal:
    value = line.get(field, default)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _BadLine(field, value) from None


def _count(line: Mapping[str, Any], field: str, default: int | None = None) -> int:
    value = line.get(field, default)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _BadLine(field, value)
    try:
        return int(value)
    except ValueError:
        raise _BadLine(field, value) from None


def order_line(line: Mapping[str, Any]) -> OrderLine:
    """One `/v2/orders/{id}/products` item as a domain line; raises `_BadLine` naming the field."""
    total_ex = _money(line, "total_ex_tax")
    total_inc = _money(line, "total_inc_tax")
    discounted_inc = _money(line, "discounted_total_inc_tax", str(total_inc))
    net = (total_ex * discounted_inc / total_inc).quantize(CENTS) if total_inc else Decimal(0).quantize(CENTS)
    refund = _money(line, "refund_amount", "0")
    refunded = (refund * net / discounted_inc).quantize(CENTS) if discounted_inc else Decimal(0).quantize(CENTS)
    return OrderLine(
        line_id=_count(line, "id"),
        sku=str(line.get("sku") or ""),
        quantity=_count(line, "quantity"),
        net_amount=net,
        refunded_quantity=_count(line, "quantity_refunded", 0),
        refunded_amount=refunded,
    )


class BigCommerceOrderSource(OrderSource):
    """`name` keys the import cursor: one per store."""

    def __init__(self, client: BigCommerceClient, *, name: str = "bigcommerce", page_size: int = MAX_PAGE_LIMIT):
        if not 1 <= page_size <= MAX_PAGE_LIMIT:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_LIMIT}")
        self.name = name
        self._client = client
        self._page_size = page_size

    def orders_modified_since(self, since: datetime | None) -> Iterator[StoreOrder]:
        params: dict[str, Any] = {"sort": "date_modified:asc"}
        if since is not None:
            params["min_date_modified"] = rfc2822(since)
        floor = since.replace(microsecond=0) if since is not None else None
        try:
            for raw in self._client.iter_v2("/orders", params=params, limit=self._page_size):
                order = self._order(raw)
                if floor is not None and order.date_modified < floor:
                    # Old clients saw the date filter ignored: never trust it blindly.
                    logger.warning("order %s modified %s, before the filter's %s: left out", order.order_id,
                                   order.date_modified.isoformat(), floor.isoformat())
                    continue
                yield order
        except BigCommerceError as exc:
            raise OrderSourceError(str(exc), transient=isinstance(exc, BigCommerceTransientError),
                                   refused=isinstance(exc, BigCommerceCredentialsRefused)) from exc

    def close(self) -> None:
        self._client.close()

    def _order(self, raw: Mapping[str, Any]) -> StoreOrder:
        order_id = raw.get("id")
        if not isinstance(order_id, int):
            raise OrderSourceError(f"an order in GET /v2/orders has no integer id ({order_id!r})", transient=False)
        record = f"order {order_id}"
        lines: list[OrderLine] = []
        problems: list[Problem] = []
        for item in self._client.iter_v2(f"/orders/{order_id}/products", limit=MAX_PAGE_LIMIT):
            line_ref = f"{record} line {item.get('id', '?')}" if isinstance(item, Mapping) else record
            try:
                if not isinstance(item, Mapping):
                    raise _BadLine("line", item)
                lines.append(order_line(item))
            except _BadLine as bad:
                problems.append(warning("sales.unreadable-line", f"{line_ref}: {bad}; the line is not counted",
                                        record=line_ref, field=bad.field))
        status = raw.get("status_id")
        currency = raw.get("default_currency_code") or raw.get("currency_code")
        if not isinstance(status, int) or not isinstance(currency, str) or not currency:
            field = "status_id" if not isinstance(status, int) else "default_currency_code"
            raise OrderSourceError(f"{record}, field {field}: missing or malformed", transient=False)
        channel = raw.get("channel_id")
        return StoreOrder(
            order_id=order_id,
            channel_id=channel if isinstance(channel, int) else 1,  # v2: channel_id defaults to 1
            status_id=status,
            date_created=parse_v2_date(raw.get("date_created"), record=record, field="date_created"),
            date_modified=parse_v2_date(raw.get("date_modified"), record=record, field="date_modified"),
            currency=currency.upper(),
            lines=tuple(lines),
            archived=bool(raw.get("is_deleted")),
            problems=tuple(problems),
        )
