"""The sales commands in words: the report's last day is the storefronts' own day, said in --help, and the demo
says precisely what its orders counted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from dependency_injector import providers

from bookbridge.adapters.memory.orders import InMemorySalesLedger
from bookbridge.application.sales_report import report_document, sales_report
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.sales import SalesFact
from bookbridge.entrypoints.cli.demo_orders import DemoSales
from bookbridge.entrypoints.cli.sales import _latest_day
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.settings import load_settings
from cli_support import forget_configuration, run


def container_at(now: datetime, *zones: str) -> Container:
    settings = load_settings(None, storefronts=[
        {"name": f"s{i}", "countries": "GB", "currency": "GBP", "timezone": zone, "channel_id": i + 1,
         "default_currency": i == 0}
        for i, zone in enumerate(zones)])
    container = Container()
    container.settings.override(providers.Object(settings))
    container.clock.override(providers.Object(FixedClock(now)))
    return container


def test_the_report_ends_on_the_latest_storefront_s_day_not_utc_s() -> None:
    evening = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)  # 05:00 on the 8th in Tokyo
    assert _latest_day(container_at(evening, "Europe/London", "Asia/Tokyo")) == date(2026, 12, 8)
    assert _latest_day(container_at(evening, "Europe/London")) == date(2026, 12, 7)
    small_hours = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # still the 7th in New York
    assert _latest_day(container_at(small_hours, "America/New_York")) == date(2026, 12, 7)


def test_help_says_what_to_defaults_to(monkeypatch) -> None:
    forget_configuration(monkeypatch)
    for command in ("report", "export"):
        shown = " ".join(run("sales", command, "--help").output.split())
        assert "today, UTC" not in shown
        assert "the latest day among the storefronts' own days" in shown, shown
        assert "a sale's day is its storefront's local day" in shown, shown


def test_the_demo_says_what_its_orders_counted() -> None:
    report = sales_report(InMemorySalesLedger(), date(2026, 11, 10), date(2026, 12, 7), "edition")
    sales = DemoSales(orders=110, cancelled=1, refunded=1, lines=180, units=375, report=report)
    assert sales.summary() == ("110 orders, 1 cancelled (not counted), 1 refunded (its units taken back): "
                               "375 units sold")
    two = DemoSales(orders=2, cancelled=0, refunded=2, lines=2, units=1, report=report)
    assert two.summary() == "2 orders, 0 cancelled (not counted), 2 refunded (their units taken back): 1 unit sold"


class _Facts:
    """A sales ledger of given facts (only what the report reads)."""

    def __init__(self, *facts: SalesFact) -> None:
        self._facts = facts

    def facts(self, start: date, end: date) -> list[SalesFact]:
        return [f for f in self._facts if start <= f.day <= end]


def _sold(day: date, storefront: str = "uk") -> SalesFact:
    return SalesFact("9780007232833", "paperback", storefront, day, 1, Decimal("9.99"), "GBP")


def test_periods_and_storefronts_are_labelled_in_words_and_a_cut_period_says_which_days_it_counts() -> None:
    ledger = _Facts(_sold(date(2026, 11, 10)), _sold(date(2026, 11, 18), "us"), _sold(date(2026, 12, 7)))
    start, end = date(2026, 11, 10), date(2026, 12, 7)  # a Tuesday to a Monday
    weeks = sales_report(ledger, start, end, "week")  # type: ignore[arg-type]
    assert [(r.group, r.label) for r in weeks.rows] == [
        ("2026-11-09", "week of 2026-11-09 (from 2026-11-10)"), ("2026-11-16", "week of 2026-11-16"),
        ("2026-12-07", "week of 2026-12-07 (2026-12-07 only)")]
    months = sales_report(ledger, start, end, "month")  # type: ignore[arg-type]
    assert [(r.group, r.label) for r in months.rows] == [
        ("2026-11-01", "2026-11 (from 2026-11-10)"), ("2026-12-01", "2026-12 (to 2026-12-07)")]
    whole = sales_report(ledger, date(2026, 11, 1), date(2026, 11, 30), "month")  # type: ignore[arg-type]
    assert [r.label for r in whole.rows] == ["2026-11"]
    storefronts = sales_report(ledger, start, end, "storefront")  # type: ignore[arg-type]
    assert sorted((r.group, r.label) for r in storefronts.rows) == [("uk", "storefront 'uk'"),
                                                                   ("us", "storefront 'us'")]
    assert report_document(weeks)["rows"][0]["label"] == "week of 2026-11-09 (from 2026-11-10)"


def test_the_order_imports_cursor_is_said_in_utc_with_each_storefronts_local_time_beside_it() -> None:
    """The import's cursor and where its read began are the store's instants: in UTC, with each storefront's local
    time beside it, as `bookbridge runs` and `jobs` give theirs."""
    import io

    from rich.console import Console

    from bookbridge.application.orders import ImportReport
    from bookbridge.entrypoints.cli.sales import print_import
    from examples import storefront

    cursor = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    report = ImportReport(started=cursor, since=datetime(2026, 11, 28, 11, 50, tzinfo=UTC),
                          overlap=timedelta(minutes=10), previous=cursor, cursor=cursor)
    out = io.StringIO()
    print_import(Console(file=out, width=400), report,
                 [storefront(), storefront(name="us", timezone="America/New_York")])
    said = " ".join(out.getvalue().split())
    both = ("(storefront 'uk': 2026-11-28 {uk} GMT (Europe/London); storefront 'us': 2026-11-28 {us} EST "
            "(America/New_York))")
    assert "cursor now 2026-11-28 12:00 UTC " + both.format(uk="12:00", us="07:00") in said, said
    assert "read from 2026-11-28 11:50 UTC " + both.format(uk="11:50", us="06:50") in said, said
    assert "the cursor (2026-11-28 12:00 UTC " + both.format(uk="12:00", us="07:00") in said, said


def test_an_order_import_that_could_not_read_the_store_prints_the_failure_not_a_table_of_zeros() -> None:
    """A wrong token reads nothing: no counts, no "read from the beginning", no "no order read", as if it had
    worked; the failure, naming the store as the glossary does, and the exception's kind by its place."""
    import io

    from rich.console import Console

    from bookbridge.application.exception_words import kind_words, orders_key, source_key
    from bookbridge.application.orders import ImportReport
    from bookbridge.domain.ports import ExceptionKind
    from bookbridge.entrypoints.cli.sales import print_import
    from examples import storefront

    failure = "reading orders from store 'shop' failed: GET /v2/orders rejected with 401"
    out = io.StringIO()
    print_import(Console(file=out, width=400), ImportReport(started=datetime(2026, 11, 28, tzinfo=UTC),
                                                            source_error=failure), [storefront()])
    assert out.getvalue().splitlines() == [f"nothing was imported: {failure}"], out.getvalue()
    assert kind_words(ExceptionKind.SOURCE_ERROR, orders_key("shop")) == "order import failed"
    assert kind_words(ExceptionKind.SOURCE_ERROR, source_key("consonance")) == "source error"


def test_the_order_imports_stale_column_is_explained_under_its_table() -> None:
    import io

    from rich.console import Console

    from bookbridge.application.orders import ImportReport
    from bookbridge.entrypoints.cli.sales import print_import

    console = Console(width=200, record=True, file=io.StringIO())
    print_import(console, ImportReport(started=datetime(2026, 12, 5, tzinfo=UTC), orders_read=3, orders_stale=1), [])
    out = " ".join(console.export_text().split())
    assert "stale: orders read in an older version than the one the sales ledger already counted" in out, out
