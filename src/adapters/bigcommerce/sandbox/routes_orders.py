"""`/v2/orders`: bare JSON arrays, RFC-2822 dates, and 204 with an empty body when nothing matches."""

from __future__ import annotations

from starlette.routing import Route

from .endpoints import Call, Handler, Reply, no_content, routes
from .orders import ORDER_STATUSES, OrderFilter, parse_v2_date
from .query import int_param, page_request
from .validation import require_object


def _filter(call: Call) -> OrderFilter:
    q = call.query
    return OrderFilter(
        min_date_modified=parse_v2_date(q["min_date_modified"]) if q.get("min_date_modified") else None,
        max_date_modified=parse_v2_date(q["max_date_modified"]) if q.get("max_date_modified") else None,
        min_date_created=parse_v2_date(q["min_date_created"]) if q.get("min_date_created") else None,
        channel_id=int_param(q, "channel_id"),
        status_id=int_param(q, "status_id"),
        min_id=int_param(q, "min_id"),
        sort=q.get("sort") or "id:asc",  # default sort is by id ascending
    )


def list_orders(call: Call) -> Reply:
    # limit above 250 was answered 413 "max_limit":250 (bigcommerce-api-python#59; v2 max UNCONFIRMED).
    page = page_request(call.query)
    found = call.state.orders.query(_filter(call))
    chunk = found[(page.page - 1) * page.limit : page.page * page.limit]
    if not chunk:
        return no_content()  # v2 answers 204 No Content, not [] (aligent client PR #177)
    return Reply(200, chunk)


def count_orders(call: Call) -> Reply:
    return Reply(200, {"count": len(call.state.orders.query(_filter(call)))})


def get_order(call: Call) -> Reply:
    return Reply(200, call.state.orders.get(call.arg("order_id")))


def update_order(call: Call) -> Reply:
    """PUT /v2/orders/{id} {"status_id": n} changes the status."""
    body = require_object(call.body)
    order = call.state.orders.get(call.arg("order_id"))
    if "status_id" in body:
        order = call.state.orders.set_status(order["id"], int(body["status_id"]))
    return Reply(200, order)


def order_products(call: Call) -> Reply:
    order = call.state.orders.get(call.arg("order_id"))
    page = page_request(call.query)
    lines = call.state.orders.lines[order["id"]]
    chunk = lines[(page.page - 1) * page.limit : page.page * page.limit]
    return Reply(200, chunk) if chunk else no_content()


def order_statuses(call: Call) -> Reply:
    return Reply(
        200,
        [
            {"id": k, "name": v, "system_label": v, "custom_label": v, "system_description": "", "order": k}
            for k, v in ORDER_STATUSES.items()
        ],
    )


def order_routes() -> list[Route]:
    table: list[tuple[str, str, Handler]] = [
        ("GET", "/v2/orders", list_orders),
        ("GET", "/v2/orders/count", count_orders),
        ("GET", "/v2/orders/{order_id:int}", get_order),
        ("PUT", "/v2/orders/{order_id:int}", update_order),
        ("GET", "/v2/orders/{order_id:int}/products", order_products),
        ("GET", "/v2/order_statuses", order_statuses),
    ]
    return routes(table)
