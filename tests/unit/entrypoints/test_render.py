"""Terminal output prints what it is given: square brackets in data (titles, messages that quote TOML tables)
are text, never rich markup that would swallow them."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

from rich.console import Console

from bookbridge.application.field_words import change_texts, field_label, value_text
from bookbridge.application.sync import SyncReport
from bookbridge.domain.listing import Section
from bookbridge.domain.plan import FieldChange
from bookbridge.domain.ports import ExceptionKind, SyncException
from bookbridge.entrypoints.cli.render import print_exceptions, print_report
from bookbridge.entrypoints.documents import exception_document

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)


def _printed(fn, *args) -> str:
    console = Console(width=250, record=True, file=io.StringIO())
    fn(console, *args)
    return console.export_text()


def test_exception_messages_keep_their_brackets():
    item = SyncException(id=7, kind=ExceptionKind.SOURCE_ERROR, isbn=None, storefront="source:[feed]",
                         message="no [[storefronts]] named [bold]us[/bold]", field="[store] kind", count=1,
                         first_seen=NOW, last_seen=NOW)
    out = _printed(partial(print_exceptions, store="shop", zones={}, source="sample"), [item])
    assert "no [[storefronts]] named [bold]us[/bold]" in out and "source '[feed]'" in out and "[store] kind" in out


def test_a_sync_report_keeps_brackets_in_the_store_name_and_the_exceptions_opened():
    report = SyncReport(storefront="shop [test]", started=NOW, source_error="reading source 'x' failed: [red]")
    report.exceptions_opened.append("source-error: the title [Special Edition] has no price")
    out = _printed(print_report, report)
    assert "Sync of store 'shop [test]'" in out and "[Special Edition]" in out and "failed: [red]" in out


def test_a_price_in_a_plan_reads_as_money_with_the_currencys_minor_units():
    assert value_text({"currency": "GBP", "price": "20.0000", "sale_price": "14.0000"}) == "£20.00 (sale £14.00)"
    assert value_text([{"currency": "USD", "price": "26.0000"}, {"currency": "JPY", "price": "1500.0000"}]) == (
        "US$26.00, JP¥1,500")
    assert value_text({"name": "x"}) == "name x"  # never JSON


def test_a_price_the_store_reports_reads_in_the_currency_of_ours():
    """Adopting a product: the store's price (`1.0`, no currency) and ours, both as money."""
    change = FieldChange(Section.PRICING, "price", {"price": 1.0}, {"currency": "GBP", "price": "20"})
    assert change_texts(change) == ("£1.00", "£20.00")


def test_values_are_never_cut():
    text = "A body in Lake Vättern. " * 20
    assert value_text(text) == text


def _on_a_terminal(fn, *args, width: int = 80) -> str:
    """What an 80-column terminal shows: rich fits the table to the width."""
    console = Console(width=width, force_terminal=True, record=True, file=io.StringIO())
    fn(console, *args)
    return console.export_text()


def test_a_narrow_terminal_never_cuts_an_isbn_in_the_sales_report():
    from decimal import Decimal

    from bookbridge.application.sales_report import ReprintRow, SalesReport, SalesReportRow
    from bookbridge.entrypoints.cli.sales import print_report as print_sales

    title = "The Borrowed Ledger Returns: A Novel of the Northern Archipelago"
    report = SalesReport(
        start=NOW.date(), end=NOW.date(), group_by="edition",
        rows=(SalesReportRow("9781800000339", title, "GBP", 3, Decimal("29.97"), "hardback"),),
        formats=(),
        reprint=(ReprintRow("9781800000339", title, "hardback", 4, Decimal("1.00"), 2, Decimal("2.0"), True),))
    out = _on_a_terminal(print_sales, report)
    assert out.count("9781800000339") == 2, out
    assert "97818000…" not in out
    assert "Archipe…" not in out, out  # a title's long word breaks across lines rather than is cut
    row = next(line for line in out.splitlines() if line.startswith("│ 9781800000339") and "yes" in line)
    assert re.search(r"│\s+1\.0 │\s+2 │\s+2\.0 │ yes", row), row  # one decimal, as JSON: 1.0 a week, 2.0 weeks
    tables = [line for line in out.splitlines() if line.startswith(("│", "┃", "┏", "└"))]
    assert all(line.rstrip()[-1] in "│┃┓┘" for line in tables), out  # each table fits: none runs off the edge


def test_a_narrow_terminal_never_cuts_a_count_header_and_the_table_fits():
    from bookbridge.entrypoints.cli.demo import _report_table

    report = SyncReport(storefront="demo store", started=NOW)
    for width, table in ((60, lambda c, r: print_report(c, r)), (80, lambda c, r: c.print(_report_table([r], "x")))):
        out = _on_a_terminal(table, report, width=width)
        assert "…" not in out and "held" in out, out  # headers break, at worst (`uncha` / `nged`)
        lines = [line for line in out.splitlines() if line.startswith(("│", "┃", "┏", "└"))]
        assert all(line.rstrip()[-1] in "│┃┓┘" for line in lines), out  # none runs off the edge


LONG_TITLE = "The Borrowed Ledger Returns: A Novel of the Northern Archipelago"


def _table_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("│", "┃", "┏", "└", "┡"))]


def _words_whole(out: str, text: str) -> bool:
    """Every word of `text` appears whole in `out` (a wrapped title keeps its words), and nothing is elided."""
    return "…" not in out and all(re.search(rf"(?<!\S){re.escape(w)}(?!\S)", out) for w in text.split())


def test_a_narrow_terminal_keeps_formats_and_titles_whole_in_the_reprint_signal():
    from decimal import Decimal

    from bookbridge.application.sales_report import ReprintRow, SalesReport, SalesReportRow
    from bookbridge.entrypoints.cli.sales import print_report as print_sales

    report = SalesReport(
        start=NOW.date(), end=NOW.date(), group_by="edition",
        rows=(SalesReportRow("9781800000339", LONG_TITLE, "GBP", 3, Decimal("29.97"), "ebook-epub"),),
        formats=(),
        reprint=(ReprintRow("9781800000339", LONG_TITLE, "ebook-epub", 4, Decimal("1.00"), 2, Decimal("2.0"), True),
                 ReprintRow("9781800000346", LONG_TITLE, "audio-cd", 4, Decimal("1.00"), 2, Decimal("2.0"), True)))
    out = _on_a_terminal(print_sales, report)
    assert out.count("eBook (EPUB)") == 2 and "Audio CD" in out, out  # a format's name on one line
    assert _words_whole(out, LONG_TITLE), out  # `Archipel` over `ago` no more
    assert all(len(line) <= 80 and line.rstrip()[-1] in "│┃┓┘┩" for line in _table_lines(out)), out


def test_a_narrow_terminal_wraps_a_plans_names_between_words():
    from bookbridge.application.sync import PlannedSync
    from bookbridge.domain.listing import build_edition_listing
    from bookbridge.domain.model import TextContent, TextKind
    from bookbridge.domain.plan import applied_after, plan_changes
    from bookbridge.domain.ports import SourceRead
    from bookbridge.entrypoints.cli.render import print_plan
    from examples import edition, storefront

    before = build_edition_listing(edition(title=LONG_TITLE), storefront(), at=NOW)
    applied = {before.key: applied_after(plan_changes("shop", [before], {}).actions[0], None, product_id=1)}
    text = "<p>A ledger, borrowed from a lighthouse keeper, returns to the Northern Archipelago.</p>"
    listing = build_edition_listing(edition(title=LONG_TITLE, texts=(TextContent(kind=TextKind.DESCRIPTION,
                                                                                 text=text),)), storefront(), at=NOW)
    planned = PlannedSync(read=SourceRead(families=()), listings=(listing,),
                          plan=plan_changes("shop", [listing], applied), applied=applied, catalogue={})
    out = _on_a_terminal(partial(print_plan, storefronts=(storefront(),)), planned)
    assert listing.sku in out and _words_whole(out, listing.name), out
    assert all(len(line) <= 80 and line.rstrip()[-1] in "│┃┓┘┩" for line in _table_lines(out)), out


def test_a_table_too_wide_for_the_terminal_prints_its_rows_as_plain_lines():
    from bookbridge.entrypoints.cli.tables import WholeTable

    table = WholeTable(title="Editions")
    for column in ("ISBN", "format", "title", "status", "availability", "rights"):
        table.add_column(column, no_wrap=column in ("ISBN", "format"))
    table.add_row("9781800000339", "eBook (EPUB)", LONG_TITLE, "active", "available", "for sale worldwide")
    out = _on_a_terminal(lambda c: c.print(table), width=40)
    assert not _table_lines(out), out  # no table: it cannot fit 40 columns with its values whole
    assert "9781800000339" in out and "eBook (EPUB)" in out and _words_whole(out, LONG_TITLE), out
    assert "ISBN: 9781800000339\nformat: eBook (EPUB)\ntitle: The" in out, out
    assert all(len(line) <= 40 for line in out.splitlines()), out


def test_shared_widths_give_each_column_its_least_and_fill_the_width():
    from rich.measure import Measurement

    from bookbridge.entrypoints.cli.tables import shared_widths

    spans = [Measurement(13, 13), Measurement(11, 64), Measurement(12, 12), Measurement(3, 5)]
    widths = shared_widths(spans, 50)
    assert sum(widths) == 50 and all(s.minimum <= w <= s.maximum for s, w in zip(spans, widths, strict=True))


def test_source_inspect_shows_an_instant_in_utc_saying_so_and_a_date_as_it_is():
    """A price window or an embargo given as an instant (ONIX dates with a time) is shown as the glossary says
    (`2026-12-09 05:00 UTC`), not as an offset alone or an ISO instant cut short (`2026-12-09T05:00`)."""
    from datetime import date

    from bookbridge.domain.categories import CategoryMapping
    from bookbridge.entrypoints.cli.source import _details, _price_words
    from examples import edition, gbp

    window = gbp("14.00", valid_from=datetime(2026, 12, 9, 5, tzinfo=UTC), valid_until=date(2026, 12, 31))
    assert _price_words(window).endswith("2026-12-09 05:00 UTC to 2026-12-31"), _price_words(window)
    embargoed = edition(prices=(window,), sales_embargo=datetime(2026, 12, 9, 5, tzinfo=UTC),
                        preorder_embargo=date(2026, 11, 1), expected_availability=date(2026, 12, 1))
    out = _printed(lambda c: c.print(_details(embargoed, CategoryMapping())))
    assert "sales embargo 2026-12-09 05:00 UTC" in out and "+00:00" not in out and "T05:00" not in out, out
    # Each date in words, as docs/mapping.md says them; the codes (`sales_embargo`) are the JSON's keys.
    assert "pre-order embargo 2026-11-01" in out and "expected supply 2026-12-01" in out, out
    assert "_embargo" not in out and "expected_" not in out, out


def test_a_table_without_headers_that_cannot_fit_prints_one_field_value_line_a_row():
    from bookbridge.entrypoints.cli.tables import WholeTable

    table = WholeTable(title="9781800000339 The Borrowed Ledger", show_header=False)
    table.add_column("field")
    table.add_column("value")
    table.add_row("resources", "front-cover: https://covers.bookbridge.example/9781800000339-front-cover.jpg")
    table.add_row("pages", "403")
    out = _on_a_terminal(lambda c: c.print(table), width=40)
    assert not _table_lines(out) and "field" not in out and "value" not in out, out
    assert "resources: front-cover:" in out and "pages: 403" in out, out


def test_exceptions_are_last_seen_in_their_storefronts_zone_and_the_stores_in_utc():
    """A storefront's exception in its own time zone, naming it; one on the store itself (or a source) in UTC,
    saying so, with each storefront's local time beside it; the store is called the store, never a storefront."""
    summer = datetime(2026, 7, 1, 4, 30, tzinfo=UTC)
    items = [SyncException(id=n, kind=ExceptionKind.BLOCKING_READINESS, isbn="9780306406157", storefront=where,
                           message="no price", field=None, count=1, first_seen=summer, last_seen=summer)
             for n, where in enumerate(("us", "shop", "source:sample"), start=1)]
    zones = {"us": "America/New_York", "uk": "Europe/London"}
    out = _printed(partial(print_exceptions, store="shop", zones=zones, source="sample"), items)
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if re.match(r"│ \d ", line)}
    assert "2026-07-01 00:30 EDT (America/New_York)" in rows["1"] and "UTC" not in rows["1"], rows["1"]
    assert "storefront 'us'" in rows["1"], rows["1"]  # a bare "us" reads as a pronoun
    assert "2026-07-01 04:30 UTC" in rows["2"] and "store 'shop'" in rows["2"], rows["2"]
    assert "2026-07-01 04:30 UTC" in rows["3"] and "source 'sample'" in rows["3"], rows["3"]
    # The store's and a source's with each storefront's local time beside it (one line when not on a terminal).
    for row in (rows["2"], rows["3"]):
        assert ("2026-07-01 04:30 UTC (storefront 'us': 2026-07-01 00:30 EDT (America/New_York); storefront 'uk': "
                "2026-07-01 05:30 BST (Europe/London))") in row, row  # the glossary's sentence, as `orders import`


def test_every_json_instant_has_one_format_with_or_without_a_fraction_of_a_second():
    """`exceptions list --json`, `/api/exceptions`, `/api/runs` and `/api/upcoming` write instants alike:
    `2026-12-07T15:20:21Z`, never `…15:20:24.124474Z` beside it."""
    import json

    from bookbridge.domain.ports import SyncRun
    from bookbridge.domain.ports.scheduling import UpcomingJob
    from bookbridge.entrypoints.documents import exception_document
    from bookbridge.entrypoints.http.schemas import ExceptionItem, Run, Upcoming

    whole, fraction = datetime(2026, 12, 7, 15, 20, 21, tzinfo=UTC), datetime(2026, 12, 7, 15, 20, 24, 124474,
                                                                            tzinfo=UTC)
    item = SyncException(id=1, kind=ExceptionKind.BLOCKING_READINESS, isbn="9780007232833", storefront="uk",
                         message="no price", field=None, count=2, first_seen=whole, last_seen=fraction)
    document = exception_document(item, "shop", {"uk": "Europe/London"}, source="sample")
    assert (document["first_seen"], document["last_seen"]) == ("2026-12-07T15:20:21Z", "2026-12-07T15:20:24Z")
    assert json.loads(ExceptionItem.model_validate(document).model_dump_json())["last_seen"] == "2026-12-07T15:20:24Z"
    run = Run.of(SyncRun(id=1, storefront="shop", started=fraction, finished=fraction, outcome="ok", counts={}))
    assert json.loads(run.model_dump_json())["started"] == "2026-12-07T15:20:24Z"
    job = Upcoming.of(UpcomingJob(id="sync-now:shop", kind="sync", run_at=fraction, store="shop", detail="once"))
    assert json.loads(job.model_dump_json())["run_at"] == "2026-12-07T15:20:24Z"


def test_a_record_not_read_and_a_milestones_failure_have_their_places_and_a_record_is_labelled_as_one():
    """A record not read is its source's (even one stored before it was kept there, under no place), and is the
    source's record, not an edition; a milestone action's failure is the store's; `--json` says the same."""
    from bookbridge.entrypoints.documents import exception_document

    record = SyncException(id=10, kind=ExceptionKind.SOURCE_ERROR, isbn="consonance:work:101/product:1001",
                           storefront=None, message="invalid ISBN '9781999990016'", field="isbn", count=1,
                           first_seen=NOW, last_seen=NOW)
    milestone = SyncException(id=11, kind=ExceptionKind.STORE_REJECTION, isbn="9781999990022", storefront=None,
                              message="final-approval: attach-assets failed", field="milestone final-approval",
                              count=1, first_seen=NOW, last_seen=NOW)
    out = _printed(partial(print_exceptions, store="shop", zones={}, source="consonance"), [record, milestone])
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if re.match(r"│ \d+ ", line)}
    assert "source 'consonance'" in rows["10"] and "record consonance:work:101/product:1001" in rows["10"], out
    cells = dict(zip(("id", "kind", "edition", "ISBN"), (c.strip() for c in rows["10"].split("│")[1:5]), strict=True))
    # What the exception is about, in the edition column (a record, not an edition); no ISBN, as it has none.
    assert cells["edition"] == "record consonance:work:101/product:1001" and cells["ISBN"] == "", cells
    assert "store 'shop'" in rows["11"], out
    assert [exception_document(e, "shop", {}, source="consonance")["where"] for e in (record, milestone)] == [
        "source 'consonance'", "store 'shop'"]


def test_an_exceptions_json_keeps_its_field_s_key_and_gives_the_words_exceptions_list_prints():
    """`exceptions list --json` and `show --json` (and `/api/exceptions`, the same document): `field` is the key,
    `field_label` the words of the table's field column."""
    subject = SyncException(id=3, kind=ExceptionKind.UNMAPPED_SUBJECT, isbn="9780007232833", storefront="shop",
                            message="thema code PD has no category", field="Subject/thema", count=1,
                            first_seen=NOW, last_seen=NOW)
    document = exception_document(subject, "shop", {}, source="consonance")
    assert (document["field"], document["field_label"]) == ("Subject/thema", "Subject (Thema)"), document
    out = _printed(partial(print_exceptions, store="shop", zones={}, source="consonance"), [subject])
    assert "│ Subject (Thema) │" in out and "Subject/thema" not in out, out
    none = exception_document(replace(subject, field=None), "shop", {}, source="consonance")
    assert (none["field"], none["field_label"]) == (None, None), none


def test_the_legend_names_every_place_an_exception_can_be():
    from bookbridge.application.exception_words import PLACES

    zones = {"uk": "Europe/London", "us": "America/New_York"}
    out = _printed(partial(print_exceptions, store="shop", zones=zones, source="consonance", sinks=["ledger"]), [])
    legend = " ".join(out.split())
    # Storefronts as the glossary names them together: `storefronts 'uk' and 'us'`, never the word twice.
    for place in ("storefronts 'uk' and 'us' (readiness, rights)", "store 'shop' (",
                  "source 'consonance' (", "order import of store 'shop'", "sales sink 'ledger' (",
                  "sync lease of store 'shop'", "subjects without a category"):
        assert place in legend, legend
    assert "<name>" not in legend and "storefront 'uk' and storefront" not in legend, legend
    assert len(PLACES) == 6


def test_the_legend_leaves_out_a_kind_of_place_with_none_configured():
    out = _printed(partial(print_exceptions, store="shop", zones={"uk": "Europe/London"}, source="consonance",
                           orders=False), [])
    legend = " ".join(out.split())
    assert "sales sink" not in legend and "order import" not in legend and "<name>" not in legend, legend
    assert "storefront 'uk' (readiness, rights)" in legend, legend


def test_a_sync_names_what_left_the_source_and_warns_when_records_were_not_read():
    report = SyncReport(storefront="shop", started=NOW, hidden=1, gone=["9781999990039"], records_not_read=1)
    out = " ".join(_printed(print_report, report).split())
    assert "hidden, no longer in the source: 1 product (9781999990039)" in out, out
    assert "this read also had 1 record not read" in out and "fix the record in the source and sync again" in out
    # the exceptions are printed only by the run that opens them: named by the command that lists them, not "below"
    assert "below" not in out and "(`bookbridge exceptions list --kind source-error` lists them)" in out, out
    clean = " ".join(_printed(print_report, SyncReport(storefront="shop", started=NOW, hidden=1,
                                                       gone=["9781999990039"])).split())
    assert "no longer in the source: 1 product" in clean and "not read" not in clean, clean


def test_a_sync_stopped_by_a_refused_token_says_how_many_products_it_did_not_send():
    report = SyncReport(storefront="shop", started=NOW, store_refused="401 Unauthorized", not_sent=2)
    out = " ".join(_printed(print_report, report).split())
    assert ("the sync stopped: store 'shop' refused the credentials, so 2 products were not sent: 401 Unauthorized"
            in out), out
    assert report.counts["not_sent"] == 2


def test_a_field_is_labelled_in_words_one_way_wherever_changes_are_listed():
    """`plan`, the demo and reconcile name a changed field alike: in words, without its section's name."""
    assert field_label("name") == "name"
    assert field_label("related_isbns") == "related ISBNs"
    assert field_label("custom_fields") == "custom fields"
    assert field_label("images") == "images"
    assert field_label("preorder_release_date") == "pre-order release date"
