"""import_orders and sales_report over in-memory fakes: cursor and overlap, idempotency, adjustments, sinks
that fail and recover, and the exception records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bookbridge.adapters.memory import InMemorySalesSink, InMemoryUnitOfWork
from bookbridge.adapters.memory.orders import InMemoryOrderSource, InMemorySalesLedger
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.orders import ImportOrders, import_orders
from bookbridge.application.sales_report import report_csv, report_document, sales_report
from bookbridge.domain.formats import format_label
from bookbridge.domain.ports import ExceptionKind, FixedClock, SalesFact
from bookbridge.domain.sales import OrderLine, OrderSourceError, SalesSinkRejected, StoreOrder
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                        timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD",
                        timezone="America/New_York", default_currency=False)
COMMAND = ImportOrders(storefronts=(UK, US), catalogue_source="sample")


class FlakySink:
    """Fails while `failing`; otherwise keeps what it got, by day, like a real sink."""

    def __init__(self, name: str = "flaky", error: Exception | None = None) -> None:
        self.name = name
        self.error = error or OSError("disk full")
        self.failing = True
        self.writes: list[list[SalesFact]] = []

    def write(self, facts: Sequence[SalesFact]) -> None:
        if self.failing:
            raise self.error
        self.writes.append(list(facts))


@pytest.fixture
def world():
    uow = InMemoryUnitOfWork()
    families = sample_catalogue(NOW.date(), families=4)
    with uow:
        uow.state.save_catalogue("sample", {f.id: f for f in families})
        uow.commit()
    editions = [e for f in families for e in f.editions]
    return uow, editions, InMemoryOrderSource("shop"), InMemorySalesLedger(), FixedClock(NOW)


def placed(order_id: int, lines: tuple[OrderLine, ...], *, at: datetime, status: int = 11, channel: int = 1,
           currency: str = "GBP") -> StoreOrder:
    return StoreOrder(order_id, channel, status, at, at, currency, lines)


def run(world, sinks=()):
    uow, _, source, ledger, clock = world
    return import_orders(COMMAND, source, ledger, list(sinks), uow, clock)


def test_first_import_counts_each_line_and_sends_the_days_to_every_sink(world):
    uow, editions, source, ledger, clock = world
    paperback, hardback = editions[0], editions[1]
    at = NOW - timedelta(hours=3)
    source.put(placed(101, (OrderLine(1, str(paperback.isbn), 2, Decimal("15.98")),
                            OrderLine(2, str(hardback.isbn), 1, Decimal("20.00"))), at=at))
    sink = InMemorySalesSink("memory")
    report = run(world, [sink])
    assert (report.orders_read, report.lines_counted, report.facts_changed, report.ok) == (1, 2, 2, True)
    assert report.cursor == at and report.since is None
    day = at.date()
    assert sorted(sink.facts.values(), key=lambda f: f.isbn) == sorted([
        SalesFact(str(paperback.isbn), paperback.format.value, "uk", day, 2, Decimal("15.98"), "GBP"),
        SalesFact(str(hardback.isbn), hardback.format.value, "uk", day, 1, Decimal("20.00"), "GBP"),
    ], key=lambda f: f.isbn)
    assert report.days_sent == {"memory": 1}
    assert ledger.pending("memory") == set()


def test_the_next_read_starts_at_the_cursor_minus_the_overlap_and_rereading_never_double_counts(world):
    uow, editions, source, ledger, clock = world
    at = NOW - timedelta(minutes=3)
    source.put(placed(101, (OrderLine(1, str(editions[0].isbn), 2, Decimal("10")),), at=at))
    run(world)
    second = run(world)  # the overlap brings order 101 back
    assert source.reads[-1] == at - COMMAND.overlap
    assert (second.orders_read, second.lines_counted, second.facts_changed) == (1, 1, 0)
    assert [(f.quantity, f.net_amount) for f in ledger.facts(at.date(), at.date())] == [(2, Decimal("10"))]
    # The service logs the run, and `bookbridge orders import` prints where it read from, in these words.
    assert (second.previous, second.since, second.overlap) == (at, at - COMMAND.overlap, COMMAND.overlap)
    assert str(second) == (
        "orders read: 1, lines counted: 1, sales facts changed: 0, problems: 0; read from 2026-11-28 11:47 UTC: the "
        "cursor (2026-11-28 11:57 UTC, the last order change read) less the 10-minute overlap, so that an order "
        "saved late is not missed; an order read again counts nothing twice")


def test_an_edit_a_partial_refund_and_a_cancellation_adjust_the_facts_and_resend_the_day(world):
    uow, editions, source, ledger, clock = world
    isbn = str(editions[0].isbn)
    at = NOW - timedelta(hours=1)
    source.put(placed(101, (OrderLine(1, isbn, 3, Decimal("30")),), at=at))
    source.put(placed(102, (OrderLine(1, isbn, 1, Decimal("10")),), at=at))
    sink = InMemorySalesSink("memory")
    run(world, [sink])
    assert [f.quantity for f in sink.facts.values()] == [4]

    refunded = OrderLine(1, isbn, 3, Decimal("30"), refunded_quantity=1, refunded_amount=Decimal("10"))
    source.put(replace(placed(101, (refunded,), at=at, status=14), date_modified=at + timedelta(minutes=30)))
    report = run(world, [sink])
    assert report.facts_changed == 1 and report.days_sent == {"memory": 1}
    assert [(f.quantity, f.net_amount) for f in sink.facts.values()] == [(3, Decimal("30"))]

    source.put(replace(placed(102, (OrderLine(1, isbn, 1, Decimal("10")),), at=at, status=5),
                       date_modified=at + timedelta(minutes=40)))
    run(world, [sink])
    assert [(f.quantity, f.net_amount) for f in sink.facts.values()] == [(2, Decimal("20"))]


def test_a_sku_that_is_not_an_isbn_opens_a_source_error_naming_the_order_and_counts_nothing(world):
    uow, editions, source, ledger, clock = world
    source.put(placed(105, (OrderLine(9, "TOTE-BAG", 1, Decimal("5")),), at=NOW - timedelta(minutes=1)))
    report = run(world)
    assert report.lines_counted == 0 and len(report.problems) == 1
    with uow:
        (item,) = uow.exceptions.open_items()
    assert (item.kind, item.isbn, item.storefront, item.field) == (ExceptionKind.SOURCE_ERROR, "TOTE-BAG", "uk", "sku")
    assert "order 105 line 9" in item.message
    run(world)  # the overlap reads the same snapshot again: reported once, not twice
    with uow:
        assert [e.count for e in uow.exceptions.open_items()] == [1]


def test_an_isbn_outside_the_catalogue_counts_as_format_unknown_and_is_reported(world):
    uow, editions, source, ledger, clock = world
    source.put(placed(106, (OrderLine(1, "9780306406157", 1, Decimal("9")),), at=NOW - timedelta(minutes=1)))
    run(world)
    (f,) = ledger.facts(NOW.date(), NOW.date())
    assert (f.format, f.quantity) == ("unknown", 1)
    with uow:
        (item,) = uow.exceptions.open_items()
    assert item.isbn == "9780306406157" and "order 106 line 1" in item.message and "unknown" in item.message


def test_an_order_on_an_unconfigured_channel_is_counted_under_its_channel_and_reported(world):
    uow, editions, source, ledger, clock = world
    source.put(placed(107, (OrderLine(1, str(editions[0].isbn), 1, Decimal("9")),), at=NOW, channel=9))
    run(world)
    assert [f.storefront for f in ledger.facts(NOW.date(), NOW.date())] == ["channel-9"]
    with uow:
        assert any("order 107" in e.message and e.field == "channel_id" for e in uow.exceptions.open_items())


def test_a_failed_sink_keeps_its_days_pending_and_gets_them_at_the_next_import(world):
    uow, editions, source, ledger, clock = world
    source.put(placed(101, (OrderLine(1, str(editions[0].isbn), 1, Decimal("9")),), at=NOW - timedelta(days=1)))
    flaky, steady = FlakySink(), InMemorySalesSink("memory")
    first = run(world, [flaky, steady])
    assert not first.ok and "flaky" in first.sink_failures and first.days_sent == {"memory": 1}
    assert ledger.pending("flaky") == {(NOW - timedelta(days=1)).date()}
    with uow:
        (item,) = uow.exceptions.open_items()
    assert item.kind is ExceptionKind.TRANSIENT_EXHAUSTED and item.storefront == "sales-sink:flaky"
    assert "disk full" in item.message and "OSError" not in item.message
    flaky.failing = False
    second = run(world, [flaky, steady])  # no order changed, yet the pending day goes out
    assert second.ok and second.days_sent == {"flaky": 1, "memory": 0}
    assert [f.quantity for f in flaky.writes[0]] == [1]
    assert ledger.pending("flaky") == set()


def test_a_sink_that_refuses_opens_a_store_rejection(world):
    uow, editions, source, ledger, clock = world
    source.put(placed(101, (OrderLine(1, str(editions[0].isbn), 1, Decimal("9")),), at=NOW))
    run(world, [FlakySink("gql", SalesSinkRejected("mutation refused: unknown field netAmount"))])
    with uow:
        (item,) = uow.exceptions.open_items()
    assert item.kind is ExceptionKind.STORE_REJECTION and "netAmount" in item.message


@pytest.mark.parametrize(("transient", "kind"), [(True, ExceptionKind.TRANSIENT_EXHAUSTED),
                                                 (False, ExceptionKind.SOURCE_ERROR)])
def test_a_store_that_cannot_be_read_keeps_the_cursor_and_opens_an_exception(world, transient, kind):
    uow, editions, source, ledger, clock = world
    source.put(placed(101, (OrderLine(1, str(editions[0].isbn), 1, Decimal("9")),), at=NOW - timedelta(hours=1)))
    run(world)
    cursor = ledger.cursor("shop")
    source.fail_with = OrderSourceError("GET /v2/orders failed after 5 attempt(s): status 503", transient=transient)
    report = run(world)
    assert not report.ok and ledger.cursor("shop") == cursor and "503" in (report.source_error or "")
    assert (report.source_error or "").startswith("reading orders from store 'shop' failed: ")  # the glossary's
    with uow:
        assert [e.kind for e in uow.exceptions.open_items()] == [kind]


def test_the_report_groups_titles_with_their_names_and_gives_the_reprint_signal(world):
    uow, editions, source, ledger, clock = world
    edition = editions[0]
    for day in range(14):
        at = NOW - timedelta(days=day)
        source.put(placed(200 + day, (OrderLine(1, str(edition.isbn), 3, Decimal("30")),), at=at))
    run(world)
    with uow:
        catalogue = uow.state.catalogue("sample")
    family = next(f for f in catalogue.values() if f.edition(str(edition.isbn)))
    stocked = tuple(e.model_copy(update={"stock": 63}) if e.isbn == edition.isbn else e for e in family.editions)
    catalogue[family.id] = family.model_copy(update={"editions": stocked})
    report = sales_report(ledger, NOW.date() - timedelta(days=27), NOW.date(), "title", catalogue=catalogue)
    (row,) = report.rows
    assert (row.group, row.label, row.units, row.revenue) == (str(edition.isbn), edition.display_title, 42,
                                                              Decimal("420"))
    (signal,) = report.reprint  # 42 units in 28 days: 10.5 a week; 63 in stock: 6 weeks, under the 8-week bar
    assert (signal.units_per_week, signal.stock, signal.weeks_of_cover, signal.reprint) == (
        Decimal("10.5"), 63, Decimal("6.0"), True)
    assert [(v.format, v.units) for v in report.formats] == [(edition.format.value, 42)]
    document = report_document(report)
    assert document["rows"][0]["revenue"] == "420.00" and document["units"] == 42  # GBP: two minor units
    assert (document["rows"][0]["format"], document["rows"][0]["format_name"]) == (edition.format.value,
                                                                                  edition.format.label)
    assert report_csv(report).splitlines()[:2] == [
        "group,label,currency,units,revenue,format,format_name",
        f"{edition.isbn},{edition.display_title},GBP,42,420.00,{edition.format.value},{edition.format.label}"]
    # A format is its code and its name alike in `rows`, `formats` and `reprint`.
    assert {(d["format"], d["format_name"]) for d in (document["formats"][0], document["reprint"][0])} == {
        (edition.format.value, edition.format.label)}
    # One name and one rule for units a week and weeks of cover, in `formats` and `reprint` alike.
    assert document["formats"][0]["units_per_week"] == "10.5"
    assert {k: document["reprint"][0][k] for k in ("units_per_week", "weeks_of_cover")} == {
        "units_per_week": "10.5", "weeks_of_cover": "6.0"}
    assert "weekly_velocity" not in document["reprint"][0]


def test_the_report_by_family_adds_up_the_formats_of_a_title_under_its_family_title(world):
    uow, editions, source, ledger, clock = world
    with uow:
        catalogue = uow.state.catalogue("sample")
    family = next(f for f in catalogue.values() if len(f.editions) >= 2)
    first, second = family.editions[0], family.editions[1]
    source.put(placed(300, (OrderLine(1, str(first.isbn), 2, Decimal("20")),
                            OrderLine(2, str(second.isbn), 1, Decimal("9"))), at=NOW))
    run(world)
    report = sales_report(ledger, NOW.date(), NOW.date(), "family", catalogue=catalogue)
    (row,) = report.rows
    assert (row.group, row.label, row.units, row.revenue) == (family.id, family.title, 3, Decimal("29"))
    # `work`, Consonance's word and the grouping's old name, still reads: the same rows, named `family`.
    by_work = sales_report(ledger, NOW.date(), NOW.date(), "work", catalogue=catalogue)
    assert by_work == report and report.group_by == "family"
    by_edition = sales_report(ledger, NOW.date(), NOW.date(), "edition", catalogue=catalogue)
    assert sorted(r.group for r in by_edition.rows) == sorted([str(first.isbn), str(second.isbn)])
    # `title`, the grouping's old name, still reads: the same edition rows, the grouping named by its new name.
    by_title = sales_report(ledger, NOW.date(), NOW.date(), " Title ", catalogue=catalogue)
    assert by_title == by_edition and by_title.group_by == "edition"


def test_the_report_by_format_is_labelled_with_the_format_s_name_and_keeps_its_code(world):
    uow, editions, source, ledger, clock = world
    with uow:
        catalogue = uow.state.catalogue("sample")
    family = next(f for f in catalogue.values() if len({e.format for e in f.editions}) >= 2)
    first, second = family.editions[0], family.editions[1]
    source.put(placed(400, (OrderLine(1, str(first.isbn), 2, Decimal("20")),
                            OrderLine(2, str(second.isbn), 1, Decimal("9"))), at=NOW))
    run(world)
    report = sales_report(ledger, NOW.date(), NOW.date(), "format", catalogue=catalogue)
    expected = {first.format.value: first.format.label, second.format.value: second.format.label}
    assert {r.group: r.label for r in report.rows} == expected
    assert {r["group"]: r["label"] for r in report_document(report)["rows"]} == expected
    assert [line.split(",")[:2] for line in report_csv(report).splitlines()[1:]] == [
        [r.group, r.label] for r in report.rows]
    assert all(r.label != r.group for r in report.rows)  # "Hardback", never "hardback"


def test_the_report_refuses_an_unknown_grouping_and_a_backwards_window():
    ledger = InMemorySalesLedger()
    with pytest.raises(ValueError, match="group_by 'colour' is not one of edition, family, format"):
        sales_report(ledger, date(2026, 1, 1), date(2026, 1, 2), "colour")
    with pytest.raises(ValueError, match="before it starts"):
        sales_report(ledger, date(2026, 1, 2), date(2026, 1, 1), "day")


def test_since_reads_from_the_given_instant_instead_of_the_cursor_and_keeps_the_cursor(world):
    uow, editions, source, ledger, clock = world
    at = NOW - timedelta(minutes=3)
    source.put(placed(101, (OrderLine(1, str(editions[0].isbn), 1, Decimal("10")),), at=at))
    run(world)
    rebuild = replace(COMMAND, since=datetime(2026, 11, 1, tzinfo=UTC))
    report = import_orders(rebuild, source, ledger, [], uow, clock)
    assert source.reads[-1] == datetime(2026, 11, 1, tzinfo=UTC) and report.since == source.reads[-1]
    assert ledger.cursor("shop") == at and report.facts_changed == 0
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(COMMAND, since=datetime(2026, 11, 1))


def test_a_recount_with_since_gives_lines_first_counted_as_unknown_their_catalogue_format(world):
    uow, editions, source, ledger, clock = world
    at = NOW - timedelta(minutes=3)
    source.put(placed(101, (OrderLine(1, "9780306406157", 2, Decimal("10")),), at=at))
    sink = InMemorySalesSink("memory")
    run(world, [sink])
    assert [f.format for f in sink.facts.values()] == ["unknown"]
    with uow:  # a later sync brings the edition into the catalogue
        families = uow.state.catalogue("sample")
        family = next(iter(families.values()))
        added = family.editions[0].model_copy(update={"isbn": "9780306406157"})
        families[family.id] = family.model_copy(update={"editions": (*family.editions, added)})
        uow.state.save_catalogue("sample", families)
        uow.commit()
    report = import_orders(replace(COMMAND, since=at - timedelta(days=1)), source, ledger, [sink], uow, clock)
    assert report.facts_changed == 2 and report.days_sent == {"memory": 1}
    assert [(f.format, f.quantity) for f in sink.facts.values()] == [(added.format.value, 2)]


def test_a_sold_edition_the_catalogue_does_not_hold_says_so_by_edition_and_by_family(world):
    """An ISBN sold but not in the catalogue (a title since removed, another source's) is labelled as such, not
    by its bare number posing as a title or a title family: by family, all such ISBNs count together in one row
    with no family id, never a family of their own each."""
    uow, editions, source, ledger, clock = world
    with uow:
        catalogue = uow.state.catalogue("sample")
    known = editions[0]
    stranger, other = "9780306406157", "9780141036144"
    source.put(placed(400, (OrderLine(1, str(known.isbn), 1, Decimal("10")),
                            OrderLine(2, stranger, 2, Decimal("5")), OrderLine(3, other, 1, Decimal("4"))), at=NOW))
    run(world)
    by_edition = sales_report(ledger, NOW.date(), NOW.date(), "edition", catalogue=catalogue)
    labels = {row.group: row.label for row in by_edition.rows}
    assert labels[stranger] == f"not in the catalogue (ISBN {stranger})", labels
    assert all(label != group for group, label in labels.items()), labels
    assert by_edition.not_catalogued == (other, stranger)
    by_family = sales_report(ledger, NOW.date(), NOW.date(), "family", catalogue=catalogue)
    assert [(r.group, r.label, r.units) for r in by_family.rows if r.group not in catalogue] == [
        ("", "not in the catalogue", 3)], by_family.rows
    assert {r["label"]: r["group"] for r in report_document(by_family)["rows"]}["not in the catalogue"] == ""
    # The reprint signal names them the same way.
    assert {r.isbn: r.title for r in by_family.reprint}[other] == f"not in the catalogue (ISBN {other})"


def test_with_an_empty_catalogue_every_sold_edition_says_it_is_not_in_the_catalogue(world):
    """Nothing stored yet (no sync has run, or the source was renamed): the sold ISBNs are still labelled, not
    shown bare; only a report given no catalogue at all (None) knows no better than the ISBNs."""
    uow, editions, source, ledger, clock = world
    isbn = str(editions[0].isbn)
    source.put(placed(401, (OrderLine(1, isbn, 1, Decimal("10")),), at=NOW))
    run(world)
    for grouping in ("edition", "family"):
        report = sales_report(ledger, NOW.date(), NOW.date(), grouping, catalogue={})
        assert [r.label for r in report.rows] == [
            f"not in the catalogue (ISBN {isbn})" if grouping == "edition" else "not in the catalogue"], report.rows
        assert report.not_catalogued == (isbn,)
    assert sales_report(ledger, NOW.date(), NOW.date(), "edition").not_catalogued == ()


def test_by_format_each_row_carries_its_format_code_and_name_as_by_edition(world):
    """The glossary: the report's JSON and CSV carry `format` and `format_name`; by format they are the row's own
    format (its code is the group), by edition the edition's; in the other groupings null (JSON) and empty (CSV)."""
    uow, editions, source, ledger, clock = world
    with uow:
        catalogue = uow.state.catalogue("sample")
    edition = editions[0]
    source.put(placed(402, (OrderLine(1, str(edition.isbn), 2, Decimal("10")),), at=NOW))
    run(world)
    code = edition.format.value
    for grouping in ("format", "edition"):
        report = sales_report(ledger, NOW.date(), NOW.date(), grouping, catalogue=catalogue)
        [row] = report_document(report)["rows"]
        assert (row["format"], row["format_name"]) == (code, format_label(code)), row
        [line] = report_csv(report).splitlines()[1:]
        assert line.endswith(f",{code},{format_label(code)}"), line
    for grouping in ("family", "storefront", "day", "week", "month"):
        report = sales_report(ledger, NOW.date(), NOW.date(), grouping, catalogue=catalogue)
        [row] = report_document(report)["rows"]
        assert (row["format"], row["format_name"]) == (None, None), (grouping, row)
        assert report_csv(report).splitlines()[1].endswith(",,"), grouping


def test_an_edition_whose_sales_were_all_refunded_or_cancelled_is_left_out_of_the_report(world):
    """The ledger keeps a refunded sale's key with zeros (so that the sinks see it disappear); the report leaves it
    out, as the CSV files do (docs/sales-export.md): no zero row, no zero format, no zero reprint signal."""
    uow, editions, source, ledger, clock = world
    with uow:
        catalogue = uow.state.catalogue("sample")
    kept, refunded, cancelled = editions[0], editions[1], editions[2]
    assert len({kept.format, refunded.format, cancelled.format}) == 3
    at = NOW - timedelta(hours=2)
    source.put(placed(500, (OrderLine(1, str(kept.isbn), 2, Decimal("20")),), at=at))
    source.put(placed(501, (OrderLine(1, str(refunded.isbn), 1, Decimal("9")),), at=at))
    source.put(placed(502, (OrderLine(1, str(cancelled.isbn), 1, Decimal("7")),), at=at))
    run(world)
    source.put(replace(placed(501, (OrderLine(1, str(refunded.isbn), 1, Decimal("9")),), at=at, status=4),
                       date_modified=at + timedelta(minutes=30)))
    source.put(replace(placed(502, (OrderLine(1, str(cancelled.isbn), 1, Decimal("7")),), at=at, status=5),
                       date_modified=at + timedelta(minutes=30)))
    run(world)
    assert len(ledger.facts(at.date(), at.date())) == 3  # the ledger keeps the zeros, for the sinks
    for grouping in ("edition", "family", "format", "storefront", "day"):
        report = sales_report(ledger, NOW.date() - timedelta(days=27), NOW.date(), grouping, catalogue=catalogue)
        assert all(row.units or row.revenue for row in report.rows), (grouping, report.rows)
        assert report.units == 2
    report = sales_report(ledger, NOW.date() - timedelta(days=27), NOW.date(), "edition", catalogue=catalogue)
    assert [row.group for row in report.rows] == [str(kept.isbn)]
    assert [v.format for v in report.formats] == [kept.format.value]
    assert [s.isbn for s in report.reprint] == [str(kept.isbn)]
    document = report_document(report)
    assert [r["group"] for r in document["rows"]] == [str(kept.isbn)]
    assert [r["isbn"] for r in document["reprint"]] == [str(kept.isbn)]
    assert len(report_csv(report).splitlines()) == 2


@pytest.mark.parametrize("transient", [True, False])
def test_a_later_read_of_the_orders_resolves_the_import_s_exception(world, transient):
    """The glossary's exception is open until a later success: a read of the store's orders that goes through
    resolves the order import's own failure (a 401 fixed, the store back), and only that."""
    uow, editions, source, ledger, clock = world
    source.put(placed(101, (OrderLine(1, "not-an-isbn", 1, Decimal("9")),), at=NOW - timedelta(hours=1)))
    source.fail_with = OrderSourceError("GET /v2/orders: status 401", transient=transient)
    run(world)
    with uow:
        (failed,) = uow.exceptions.open_items()
    assert failed.storefront == "orders:shop" and failed.isbn is None
    source.fail_with = None
    report = run(world)
    assert report.source_error is None
    with uow:
        still = uow.exceptions.open_items()
        resolved = uow.exceptions.get(failed.id)
    assert failed.id not in {e.id for e in still} and resolved.resolution is not None
    assert "later read of the orders" in resolved.resolution
    assert [e.field for e in still] == ["sku"]  # an order's own problem is no failure of the read: it stays


def test_a_later_delivery_to_a_sales_sink_resolves_that_sink_s_exception_only(world):
    uow, editions, source, ledger, clock = world
    source.put(placed(101, (OrderLine(1, str(editions[0].isbn), 1, Decimal("9")),), at=NOW - timedelta(days=1)))
    flaky, other = FlakySink(), FlakySink("other")
    run(world, [flaky, other])
    with uow:
        assert sorted(e.storefront or "" for e in uow.exceptions.open_items()) == ["sales-sink:flaky",
                                                                                 "sales-sink:other"]
    flaky.failing = False
    run(world, [flaky, other])
    with uow:
        assert [e.storefront for e in uow.exceptions.open_items()] == ["sales-sink:other"]


def test_a_refused_token_counts_on_the_store_s_credentials_exception_which_only_a_write_resolves(world):
    """The glossary: a refused token is one `credentials-refused` exception on the store, as a sync or reconcile
    opens it; the order import counts its 401 there too, not as a failure of its own. A read of the orders that
    goes through proves no write, so it leaves that exception open (the next sync whose write is accepted
    resolves it), while the import's own failure resolves as before."""
    uow, editions, source, ledger, clock = world
    source.fail_with = OrderSourceError("GET /v2/orders: status 503", transient=True)
    run(world)
    refusal = "401 Unauthorized: BigCommerce does not accept the access token (GET /v2/orders)"
    source.fail_with = OrderSourceError(refusal, transient=False, refused=True)
    report = run(world)
    assert not report.ok and refusal in (report.source_error or "")
    with uow:
        by_kind = {e.kind: e for e in uow.exceptions.open_items()}
    refused = by_kind[ExceptionKind.CREDENTIALS_REFUSED]
    assert (refused.storefront, refused.isbn, refused.message) == ("shop", None, refusal)
    assert ExceptionKind.SOURCE_ERROR not in by_kind  # the refusal opened nothing of the import's own
    source.fail_with = None
    assert run(world).source_error is None
    with uow:
        assert [e.id for e in uow.exceptions.open_items()] == [refused.id]
