"""Hypothesis strategies for store orders (BigCommerce Orders v2, as domain.sales sees them) and their histories.

An order history is what an importer may see of a few orders: each order's snapshots in the order they were saved
(strictly increasing `date_modified`, as BigCommerce stamps every save), then read in any order, with repeats
(the overlap window) and late arrivals of older snapshots.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from bookbridge.domain.sales import OrderLine, StoreOrder

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# A few ISBNs, so that lines of different orders add up in one fact, and SKUs that are not ISBNs (merchandise,
# a blank custom line, a bad check digit): those lines must never count.
ISBNS = ("9780141036144", "9780306406157", "9791032305560")
NOT_ISBNS = ("TOTE-BAG", "", "9780141036145")
# `GET /v2/order_statuses`: every id, so the not-sold ones (0, 5, 6) and Refunded (4) come up often.
STATUS_IDS = tuple(range(15))


@st.composite
def order_lines(draw: st.DrawFn, *, line_id: int, skus: tuple[str, ...] = ISBNS + NOT_ISBNS) -> OrderLine:
    quantity = draw(st.integers(1, 5))
    net = draw(st.decimals(min_value=0, max_value=200, places=2))
    refunded_quantity = draw(st.integers(0, quantity))
    refunded = draw(st.decimals(min_value=0, max_value=net, places=2)) if refunded_quantity else Decimal(0)
    return OrderLine(line_id, draw(st.sampled_from(skus)), quantity, net, refunded_quantity, refunded)


@st.composite
def store_orders(
    draw: st.DrawFn, *, order_id: int, modified: datetime, created: datetime = T0, channels: tuple[int, ...] = (1, 2)
) -> StoreOrder:
    line_ids = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4, unique=True))
    return StoreOrder(
        order_id=order_id,
        channel_id=draw(st.sampled_from(channels)),
        status_id=draw(st.sampled_from(STATUS_IDS)),
        date_created=created,
        date_modified=modified,
        currency=draw(st.sampled_from(("GBP", "USD"))),
        lines=tuple(draw(order_lines(line_id=i)) for i in sorted(line_ids)),
        archived=draw(st.integers(0, 9)) == 0,  # v2 `is_deleted`: now and then
    )


@st.composite
def order_histories(draw: st.DrawFn, *, max_orders: int = 4, max_versions: int = 4) -> list[StoreOrder]:
    """Snapshots in the order an importer reads them: repeats and stale (older) snapshots included."""
    saved: list[StoreOrder] = []
    for order_id in range(1, draw(st.integers(1, max_orders)) + 1):
        created = T0 + timedelta(hours=draw(st.integers(0, 72)))
        versions = draw(st.integers(1, max_versions))
        for version in range(versions):
            saved.append(draw(store_orders(order_id=order_id, created=created,
                                           modified=created + timedelta(minutes=5 * version))))
    reads = draw(st.lists(st.sampled_from(saved), min_size=len(saved), max_size=3 * len(saved)))
    return draw(st.permutations(saved)) + reads


def latest_snapshots(history: list[StoreOrder]) -> list[StoreOrder]:
    latest: dict[int, StoreOrder] = {}
    for order in history:
        if order.order_id not in latest or order.date_modified >= latest[order.order_id].date_modified:
            latest[order.order_id] = order
    return list(latest.values())
