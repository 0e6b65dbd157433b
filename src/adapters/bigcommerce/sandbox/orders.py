"""Orders v2: the order book behind `GET /v2/orders`, plus helpers to place and update orders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Protocol

from .errors import ApiError, not_found
from .records import Record

# BigCommerce's order statuses: `GET /v2/order_statuses` ids and names.
ORDER_STATUSES = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    8: "Awaiting Pickup",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    12: "Manual Verification Required",
    13: "Disputed",
    14: "Partially Refunded",
}
# `sort=` fields accepted by GET /v2/orders (BigCommerce's Orders v2 spec, orders.v2.oas2.yml).
SORT_FIELDS = ("id", "customer_id", "date_created", "date_modified", "status_id", "channel_id", "external_id")


def rfc2822(moment: datetime) -> str:
    # v2 dates are RFC-2822, e.g. "Tue, 20 Nov 2012 00:00:00 +0000".
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


def money(value: Decimal) -> str:
    # v2 money fields are strings with 4 decimals.
    return f"{value.quantize(Decimal('0.0001'))}"


def parse_v2_date(raw: str) -> datetime:
    """RFC-2822 or ISO-8601 (BigCommerce's Orders v2 spec, min_date_modified); anything else is a 400."""
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, f"The date '{raw}' is not a valid RFC-2822 or ISO-8601 date.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class OrderFilter:
    min_date_modified: datetime | None = None
    max_date_modified: datetime | None = None
    min_date_created: datetime | None = None
    channel_id: int | None = None
    status_id: int | None = None
    min_id: int | None = None
    sort: str = "id:asc"


class Catalogue(Protocol):
    """What the order book reads of the store (`SandboxState`): products and variants by SKU, ids, and time."""

    @property
    def products(self) -> Mapping[int, Record]: ...

    def now(self) -> datetime: ...

    def next_id(self, kind: str, start: int = 1) -> int: ...

    def find_by_sku(self, sku: str) -> Record | None: ...

    def find_variant_by_sku(self, sku: str) -> Record | None: ...


class OrderBook:
    def __init__(self, state: Catalogue) -> None:
        self._state = state
        self.orders: dict[int, Record] = {}
        self.lines: dict[int, list[Record]] = {}
        self._modified: dict[int, datetime] = {}
        self._created: dict[int, datetime] = {}

    def add(
        self,
        lines: list[dict[str, Any]],
        *,
        status_id: int = 11,
        channel_id: int = 1,
        customer_id: int = 0,
        currency_code: str = "GBP",
        created_at: datetime | None = None,
        external_id: str | None = None,
        **extra: Any,
    ) -> Record:
        """Place an order. Each line is `{"sku", "quantity", "price"?, "name"?}`; the SKU is
        resolved against the catalogue (unknown SKUs give product_id/variant_id 0)."""
        state = self._state
        moment = created_at or state.now()
        order_id = state.next_id("order", start=100)
        products = [self._line(order_id, line) for line in lines]
        subtotal = sum((Decimal(p["total_inc_tax"]) for p in products), Decimal(0))
        order: Record = {
            "id": order_id,
            "customer_id": customer_id,
            "channel_id": channel_id,
            "date_created": rfc2822(moment),
            "date_modified": rfc2822(moment),
            "date_shipped": "",
            "status_id": status_id,
            "status": ORDER_STATUSES[status_id],
            "payment_status": "captured",
            "subtotal_ex_tax": money(subtotal),
            "subtotal_inc_tax": money(subtotal),
            "subtotal_tax": money(Decimal(0)),
            "total_tax": money(Decimal(0)),
            "total_ex_tax": money(subtotal),
            "total_inc_tax": money(subtotal),
            "items_total": sum(int(p["quantity"]) for p in products),
            "items_shipped": 0,
            "refunded_amount": money(Decimal(0)),
            "is_tax_inclusive_pricing": True,
            "currency_code": currency_code,
            "default_currency_code": currency_code,
            "store_default_currency_code": currency_code,
            "store_default_to_transactional_exchange_rate": "1",
            "external_source": None,
            "external_id": external_id,
            "external_order_id": "",
            "order_source": "www",
            "is_deleted": False,
            "customer_message": "",
            "staff_notes": "",
            "billing_address": {
                "first_name": "Sandbox",
                "last_name": "Shopper",
                "country_iso2": "GB",
                "email": "shopper@example.com",
            },
            "products": {
                "url": f"/v2/orders/{order_id}/products",
                "resource": f"/orders/{order_id}/products",
            },
        }
        order.update(extra)
        self.orders[order_id] = order
        self.lines[order_id] = products
        self._created[order_id] = moment
        self._modified[order_id] = moment
        return order

    def _line(self, order_id: int, line: dict[str, Any]) -> Record:
        state = self._state
        sku = str(line["sku"])
        quantity = int(line.get("quantity", 1))
        variant = state.find_variant_by_sku(sku)
        product = state.products.get(variant["product_id"]) if variant else state.find_by_sku(sku)
        default_price = (variant or {}).get("calculated_price") or (product or {}).get("price") or 0
        unit = Decimal(str(line.get("price", default_price)))
        total = unit * quantity
        return {
            "id": state.next_id("order_product"),
            "order_id": order_id,
            "product_id": product["id"] if product else 0,
            "variant_id": variant["id"] if variant else 0,
            "sku": sku,
            "upc": (product or {}).get("upc", ""),
            "name": line.get("name") or (product or {}).get("name", sku),
            "type": (product or {}).get("type", "physical"),
            "quantity": quantity,
            "base_price": money(unit),
            "price_ex_tax": money(unit),
            "price_inc_tax": money(unit),
            "price_tax": money(Decimal(0)),
            "total_ex_tax": money(total),
            "total_inc_tax": money(total),
            "total_tax": money(Decimal(0)),
            "discounted_total_inc_tax": money(total),
            "applied_discounts": [],
            "product_options": [],
            "quantity_shipped": 0,
            "quantity_refunded": 0,
            "is_refunded": False,
            "refund_amount": money(Decimal(0)),
        }

    def get(self, order_id: int) -> Record:
        order = self.orders.get(order_id)
        if order is None:
            raise not_found("order")
        return order

    def set_status(self, order_id: int, status_id: int) -> Record:
        if status_id not in ORDER_STATUSES:
            raise ApiError(400, f"The status_id {status_id} is not a valid order status.")
        order = self.get(order_id)
        moment = self._state.now()
        order.update(status_id=status_id, status=ORDER_STATUSES[status_id], date_modified=rfc2822(moment))
        self._modified[order_id] = moment
        if status_id == 4:  # Refunded: every line refunded in full
            order.update(payment_status="refunded", refunded_amount=order["total_inc_tax"])
            for line in self.lines[order_id]:
                line.update(quantity_refunded=line["quantity"], is_refunded=True, refund_amount=line["total_inc_tax"])
        return order

    def query(self, flt: OrderFilter) -> list[Record]:
        def keep(oid: int) -> bool:
            order = self.orders[oid]
            modified = self._modified[oid]
            return (
                (flt.min_date_modified is None or modified >= flt.min_date_modified)
                and (flt.max_date_modified is None or modified <= flt.max_date_modified)
                and (flt.min_date_created is None or self._created[oid] >= flt.min_date_created)
                and (flt.channel_id is None or order["channel_id"] == flt.channel_id)
                and (flt.status_id is None or order["status_id"] == flt.status_id)
                and (flt.min_id is None or oid >= flt.min_id)
            )

        field, _, direction = flt.sort.partition(":")
        if field not in SORT_FIELDS or direction not in ("", "asc", "desc"):
            raise ApiError(400, f"The sort '{flt.sort}' is not supported.")

        def key(oid: int) -> tuple[Any, int]:
            if field == "date_modified":
                return self._modified[oid], oid
            if field == "date_created":
                return self._created[oid], oid
            if field == "external_id":
                return str(self.orders[oid].get(field) or ""), oid
            return (self.orders[oid].get(field) or 0), oid

        ids = sorted((oid for oid in self.orders if keep(oid)), key=key, reverse=direction == "desc")
        return [self.orders[oid] for oid in ids]
