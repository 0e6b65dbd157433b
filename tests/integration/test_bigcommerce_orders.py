"""Orders from the BigCommerce sandbox over real HTTP on loopback: place orders, import, edit, cancel and refund,
import again, and check every fact field by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bookbridge.adapters.bigcommerce.client import BigCommerceClient, BigCommerceConfig
from bookbridge.adapters.bigcommerce.orders import BigCommerceOrderSource, order_line
from bookbridge.adapters.bigcommerce.sandbox import ChannelSeed, RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.memory import InMemorySalesSink, InMemoryUnitOfWork
from bookbridge.adapters.memory.orders import InMemorySalesLedger
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.orders import ImportOrders, import_orders
from bookbridge.domain.ports import ExceptionKind, FixedClock, SalesFact
from bookbridge.domain.storefront import StorefrontSettings

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                        timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD",
                        timezone="America/New_York", default_currency=False)
COMMAND = ImportOrders(storefronts=(UK, US), catalogue_source="sample", overlap=timedelta(minutes=10))


@pytest.fixture
def clock():
    return FixedClock(T0)


@pytest.fixture
def sandbox(clock):
    config = SandboxConfig(extra_channels=(ChannelSeed(id=2, name="US storefront"),),
                           rate_limit=RateLimitConfig(time_scale=0.001), now=clock.now)
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def source(sandbox):
    client = BigCommerceClient(BigCommerceConfig(store_hash=sandbox.config.store_hash,
                                                 access_token=sandbox.config.token,
                                                 v3_base_url=sandbox.base_url_v3, v2_base_url=sandbox.base_url_v2))
    yield BigCommerceOrderSource(client, name="shop", page_size=2)  # 2 a page: the paging runs too
    client.close()


@pytest.fixture
def world(clock):
    uow = InMemoryUnitOfWork()
    families = sample_catalogue(T0.date(), families=3)
    with uow:
        uow.state.save_catalogue("sample", {f.id: f for f in families})
        uow.commit()
    paperback = next(e for f in families for e in f.editions if e.format.value == "paperback")
    hardback = next(e for f in families for e in f.editions if e.format.value == "hardback")
    return uow, paperback, hardback


def test_orders_placed_edited_cancelled_and_refunded_end_as_the_right_facts(sandbox, source, world, clock):
    uow, paperback, hardback = world
    pb, hb = str(paperback.isbn), str(hardback.isbn)
    orders = sandbox.state.orders
    first = orders.add([{"sku": pb, "quantity": 2, "price": "12.50"}, {"sku": hb, "quantity": 1, "price": "20"}])
    clock.advance_to(T0 + timedelta(minutes=1))
    second = orders.add([{"sku": pb, "quantity": 3, "price": "9.99"}], channel_id=2, currency_code="USD",
                        default_currency_code="USD")
    clock.advance_to(T0 + timedelta(minutes=2))
    third = orders.add([{"sku": "TOTE-BAG", "quantity": 1, "price": "5"}, {"sku": hb, "quantity": 1, "price": "20"}])
    ledger, sink = InMemorySalesLedger(), InMemorySalesSink("memory")

    clock.advance_to(T0 + timedelta(minutes=5))
    report = import_orders(COMMAND, source, ledger, [sink], uow, clock)
    assert (report.orders_read, report.lines_counted, report.ok) == (3, 4, True)
    assert report.cursor == T0 + timedelta(minutes=2)
    day = T0.date()
    assert ledger.facts(day, day) == [
        SalesFact(hb, "hardback", "uk", day, 2, Decimal("40.0000"), "GBP"),
        SalesFact(pb, "paperback", "uk", day, 2, Decimal("25.0000"), "GBP"),
        SalesFact(pb, "paperback", "us", day, 3, Decimal("29.9700"), "USD"),
    ]
    with uow:
        (problem,) = uow.exceptions.open_items()
    assert (problem.kind, problem.isbn, problem.field) == (ExceptionKind.SOURCE_ERROR, "TOTE-BAG", "sku")
    assert f"order {third['id']} line" in problem.message

    # An hour later: the first order is cancelled, one copy of the second is refunded.
    clock.advance_to(T0 + timedelta(hours=1))
    orders.set_status(first["id"], 5)
    refunded_line = orders.lines[second["id"]][0]
    refunded_line.update(quantity_refunded=1, refund_amount="9.9900")
    orders.set_status(second["id"], 14)
    clock.advance_to(T0 + timedelta(hours=1, minutes=5))
    again = import_orders(COMMAND, source, ledger, [sink], uow, clock)
    assert again.since == T0 + timedelta(minutes=2) - COMMAND.overlap
    assert (again.orders_read, again.ok) == (3, True)  # the overlap re-reads the third: no double count
    assert again.cursor == T0 + timedelta(hours=1)
    assert ledger.facts(day, day) == [
        SalesFact(hb, "hardback", "uk", day, 1, Decimal("20.0000"), "GBP"),
        SalesFact(pb, "paperback", "uk", day, 0, Decimal("0.0000"), "GBP"),
        SalesFact(pb, "paperback", "us", day, 2, Decimal("19.9800"), "USD"),
    ]
    assert sorted(sink.facts.values(), key=lambda f: (f.storefront, f.isbn)) == sorted(
        ledger.facts(day, day), key=lambda f: (f.storefront, f.isbn))
    with uow:
        assert [e.count for e in uow.exceptions.open_items()] == [1]  # the same snapshot is not reported twice

    listing = [r for r in sandbox.requests if r.api_path == "/v2/orders"]
    assert listing and all(r.query["sort"] == "date_modified:asc" for r in listing)
    assert "min_date_modified" not in listing[0].query
    assert listing[-1].query["min_date_modified"] == "Fri, 27 Nov 2026 09:52:00 +0000"


def test_an_empty_store_answers_204_and_the_import_reads_nothing(sandbox, source, world, clock):
    uow, _, _ = world
    report = import_orders(COMMAND, source, InMemorySalesLedger(), [], uow, clock)
    assert (report.orders_read, report.cursor, report.ok) == (0, None, True)
    assert len([r for r in sandbox.requests if r.api_path == "/v2/orders"]) == 1  # the 204 ends the paging


def test_an_order_with_a_malformed_line_reports_the_line_and_counts_the_others(sandbox, source, world, clock):
    uow, paperback, _ = world
    placed = sandbox.state.orders.add([{"sku": str(paperback.isbn), "quantity": 1, "price": "8"},
                                       {"sku": str(paperback.isbn), "quantity": 1, "price": "8"}])
    sandbox.state.orders.lines[placed["id"]][1]["total_ex_tax"] = "eight"
    ledger = InMemorySalesLedger()
    report = import_orders(COMMAND, source, ledger, [], uow, clock)
    assert report.lines_counted == 1
    assert any("line" in p and "total_ex_tax" in p for p in report.problems)
    with uow:
        (item,) = uow.exceptions.open_items()
    assert item.field == "total_ex_tax" and f"order {placed['id']} line" in item.message


def test_line_money_takes_discounts_out_ex_tax_and_scales_refunds_the_same_way():
    # The v2 spec's example line: 55.99 ex tax, 65.23 with tax, a 1.59 discount: 63.64 discounted with tax.
    line = order_line({"id": 5, "sku": "9780141036144", "quantity": 1, "total_ex_tax": "55.9900",
                       "total_inc_tax": "65.2300", "discounted_total_inc_tax": "63.6400", "quantity_refunded": 1,
                       "refund_amount": "31.8200"})
    assert line.net_amount == Decimal("54.6252")  # 55.99 x 63.64 / 65.23 = 54.62522...
    assert line.refunded_amount == Decimal("27.3126")  # half the discounted total back, ex tax
    assert (line.line_id, line.quantity, line.refunded_quantity) == (5, 1, 1)


def test_a_refused_token_counts_on_the_store_s_credentials_refused_exception(sandbox, world, clock):
    """The store's 401 to GET /v2/orders is the store's refusal of the credentials, as a sync meets it: one
    `credentials-refused` exception on `store 'shop'`, not an order import failure of its own."""
    uow, _, _ = world
    client = BigCommerceClient(BigCommerceConfig(store_hash=sandbox.config.store_hash, access_token="not-the-token",
                                                 v3_base_url=sandbox.base_url_v3, v2_base_url=sandbox.base_url_v2))
    try:
        report = import_orders(COMMAND, BigCommerceOrderSource(client, name="shop"), InMemorySalesLedger(), [], uow,
                               clock)
    finally:
        client.close()
    assert not report.ok and "401" in (report.source_error or "")
    with uow:
        (item,) = uow.exceptions.open_items()
    assert (item.kind, item.storefront, item.isbn) == (ExceptionKind.CREDENTIALS_REFUSED, "shop", None)
    assert item.message.startswith("401 Unauthorized"), item.message
