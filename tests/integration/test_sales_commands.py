"""`bookbridge orders import`, `sales report` and `sales export` end to end: a BigCommerce sandbox over loopback,
the SQLite state database and a CSV sink, built by the container from a configuration file."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bookbridge.adapters.bigcommerce.sandbox import RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.domain.formats import format_label
from cli_support import UK_STOREFRONT, forget_configuration, run, write_config

PB, HB = "9780141036144", "9780306406157"
TOML = """
[source]
kind = "sample"
families = 3

[store]
kind = "bigcommerce"
name = "shop"
store_hash = "sandbox"
access_token_env = "SANDBOX_TOKEN"
v3_base_url = "{v3}"
v2_base_url = "{v2}"

[orders]
overlap_minutes = 5
page_size = 2

{storefront}
[[sales_sinks]]
kind = "csv"
directory = "{out}"
"""


@pytest.fixture
def sandbox():
    with SandboxServer(SandboxConfig(rate_limit=RateLimitConfig(time_scale=0.001))) as server:
        yield server


@pytest.fixture
def config(tmp_path: Path, monkeypatch, sandbox) -> Path:
    forget_configuration(monkeypatch)
    monkeypatch.setenv("SANDBOX_TOKEN", sandbox.config.token)
    return write_config(tmp_path, TOML.format(v3=sandbox.base_url_v3, v2=sandbox.base_url_v2, out=tmp_path / "out",
                                              storefront=UK_STOREFRONT))


def test_import_then_report_then_export(config, sandbox, tmp_path):
    today = datetime.now(UTC)
    orders = sandbox.state.orders
    orders.add([{"sku": PB, "quantity": 2, "price": "10"}, {"sku": HB, "quantity": 1, "price": "25"}])
    orders.add([{"sku": PB, "quantity": 1, "price": "10"}])
    cancelled = orders.add([{"sku": HB, "quantity": 4, "price": "25"}])
    orders.set_status(cancelled["id"], 5)

    imported = run("orders", "import", "-c", str(config))
    assert imported.exit_code == 0, imported.output
    assert "Order import" in imported.output and "sales sink 'csv': 1 day sent" in imported.output
    day = today.astimezone(ZoneInfo("Europe/London")).date()  # the storefront's day
    rows = list(csv.DictReader((tmp_path / "out" / f"sales-{day}.csv").open(encoding="utf-8", newline="")))
    assert sorted((r["isbn"], r["quantity"], r["net_amount"]) for r in rows) == [(PB, "3", "30.00"),
                                                                                 (HB, "1", "25.00")]

    again = run("orders", "import", "-c", str(config))  # the overlap reads them again: counted once, nothing re-sent
    assert again.exit_code == 0 and "sales sink 'csv': 0 days sent" in again.output
    said = " ".join(again.output.split())
    assert "less the 5-minute overlap, so that an order saved late is not missed; an order read again counts " \
           "nothing twice" in said, said
    assert "cursor now " in said and "(storefront 'uk': " in said and ": the last order change read; the next " \
           "import reads from it less the overlap" in said

    report = run("sales", "report", "-c", str(config), "--by", "edition", "--json")
    assert report.exit_code == 0, report.output
    document = json.loads(report.stdout)
    assert document["group_by"] == "edition"
    assert [(r["group"], r["units"], r["revenue"]) for r in document["rows"]] == [(PB, 3, "30.00"),
                                                                                   (HB, 1, "25.00")]
    # By edition, each row names its format: the code in JSON, and by name in JSON, CSV and the table.
    formats = {r["group"]: (r["format"], r["format_name"]) for r in document["rows"]}
    assert formats[PB][0] in {"paperback", "hardback", "ebook-epub", "unknown"} and formats[PB][1], formats
    by_edition = list(csv.DictReader(io.StringIO(run("sales", "report", "-c", str(config), "--csv").stdout)))
    assert {r["group"]: (r["format"], r["format_name"]) for r in by_edition} == formats  # as JSON names them
    # `--by title`, the grouping's old name, still gives the same edition rows, says it is deprecated on stderr
    # (so that the JSON on stdout stays whole) and the report names the grouping `edition`.
    old = run("sales", "report", "-c", str(config), "--by", "title", "--json")
    assert old.exit_code == 0, old.output
    assert json.loads(old.stdout) == document
    assert " ".join(old.stderr.split()).startswith("--by title is deprecated: use --by edition (the same rows)")
    # No sync has stored a catalogue: both ISBNs sold are not in it, and stderr says so, not only the labels.
    assert " ".join(report.stderr.split()).startswith("note: 2 sold editions are not in the catalogue"), report.stderr
    for by in ("title", "edition"):
        heading = run("sales", "report", "-c", str(config), "--by", by).stdout
        assert "by edition (the storefronts' local days)" in heading and "by title" not in heading, heading
    # By title family: a row per family, under its title, its id labelled; `--by work` is its deprecated old name.
    for by in ("work", "family"):
        shown = run("sales", "report", "-c", str(config), "--by", by)
        assert "by title family (the storefronts' local days)" in shown.stdout, shown.stdout
        assert re.search(r"┃ title family\s+┃ family id\s+┃", shown.stdout) and "┃ work" not in shown.stdout
    assert "deprecated" not in shown.stderr and "use --by family" in " ".join(
        run("sales", "report", "-c", str(config), "--by", "work").stderr.split())
    by_storefront = run("sales", "report", "-c", str(config), "--by", "storefront").stdout
    assert re.search(r"│ storefront 'uk'\s+│", by_storefront), by_storefront
    as_csv = run("sales", "report", "-c", str(config), "--by", "day", "--csv")
    assert as_csv.stdout.splitlines() == ["group,label,currency,units,revenue,format,format_name",
                                          f"{day},{day},GBP,4,55.00,,"]
    table = run("sales", "report", "-c", str(config), "--by", "format")
    assert table.exit_code == 0 and "Fastest-moving formats" in table.output and "Reprint signal" in table.output
    assert "by format (the storefronts' local days)" in table.output  # whose days: the heading says
    # By format, the label is the format's name, as the table shows it; the code stays the group.
    by_format = json.loads(run("sales", "report", "-c", str(config), "--by", "format", "--json").stdout)
    names = {r["group"]: r["label"] for r in by_format["rows"]}
    assert names and names == {code: format_label(code) for code in names}, names  # the ISBNs are not catalogued
    labels = {r["label"] for r in csv.DictReader(io.StringIO(run("sales", "report", "-c", str(config), "--by",
                                                                 "format", "--csv").stdout))}
    assert labels == set(names.values())
    # Units a week and weeks of cover: one key, and one decimal in JSON and in the table alike.
    assert [v["units_per_week"] for v in by_format["formats"]] == ["1.0"]  # 4 units in 4 weeks: "1.0", never "1"
    assert sorted(r["units_per_week"] for r in by_format["reprint"]) == ["0.3", "0.8"]  # 1 and 3 units: half up
    assert all("weekly_velocity" not in r for r in by_format["reprint"])
    fastest = table.output[table.output.index("Fastest-moving formats"):table.output.index("Reprint signal")]
    assert re.findall(r"│\s+\d+ │\s+(\S+) │", fastest) == ["1.0"], fastest

    rebuilt = run("orders", "import", "-c", str(config), "--since", "2026-01-01")
    assert rebuilt.exit_code == 0 and "read from 2026-01-01 00:00 UTC" in rebuilt.output
    assert run("orders", "import", "-c", str(config), "--since", "last tuesday").exit_code == 2

    (tmp_path / "out" / f"sales-{day}.csv").unlink()
    start = (day - timedelta(days=1)).isoformat()
    exported = run("sales", "export", "-c", str(config), "--from", start)
    assert exported.exit_code == 0, exported.output
    assert "sales sink 'csv': 1 day, 2 facts sent" in exported.output
    assert (tmp_path / "out" / f"sales-{day}.csv").exists()


def test_sold_editions_the_catalogue_lacks_are_labelled_so_grouped_together_by_family_and_counted(config, sandbox):
    """A sold ISBN the stored catalogue does not hold (a title since removed, another source's) is `not in the
    catalogue (ISBN …)` by edition, and by family one row `not in the catalogue` with no family id, never a
    "family" per ISBN; a note on stderr says how many there are."""
    sandbox.state.orders.add([{"sku": PB, "quantity": 2, "price": "10"}, {"sku": HB, "quantity": 1, "price": "25"}])
    assert run("orders", "import", "-c", str(config)).exit_code == 0
    assert run("sync", "-c", str(config)).exit_code == 0  # a catalogue of the sample's titles, not these two
    by_edition = run("sales", "report", "-c", str(config), "--json")
    assert {r["group"]: r["label"] for r in json.loads(by_edition.stdout)["rows"]} == {
        isbn: f"not in the catalogue (ISBN {isbn})" for isbn in (PB, HB)}
    note = "note: 2 sold editions are not in the catalogue (a title since removed from the source, or another " \
           "source's), each named `not in the catalogue (ISBN …)`"
    assert " ".join(by_edition.stderr.split()) == note, by_edition.stderr
    by_family = run("sales", "report", "-c", str(config), "--by", "family")
    assert re.search(r"│ not in the catalogue\s+│\s+│ GBP\s+│\s+3 │", by_family.stdout), by_family.stdout
    assert PB not in by_family.stdout.split("Fastest-moving")[0], by_family.stdout
    assert " ".join(by_family.stderr.split()) == note + " and by title family counted together in one row"
    as_csv = run("sales", "report", "-c", str(config), "--by", "family", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert [(r["group"], r["label"], r["units"]) for r in rows] == [("", "not in the catalogue", "3")]


def test_by_format_the_json_and_csv_rows_carry_the_format_code_and_name(config, sandbox):
    """docs/glossary.md: the report's JSON and CSV carry `format` and `format_name`; by format, the row's own."""
    sandbox.state.orders.add([{"sku": PB, "quantity": 2, "price": "10"}])
    assert run("orders", "import", "-c", str(config)).exit_code == 0
    [row] = json.loads(run("sales", "report", "-c", str(config), "--by", "format", "--json").stdout)["rows"]
    assert (row["group"], row["format"], row["format_name"]) == ("unknown", "unknown", "unknown"), row
    as_csv = run("sales", "report", "-c", str(config), "--by", "format", "--csv").stdout.splitlines()
    assert as_csv[1] == "unknown,unknown,GBP,2,20.00,unknown,unknown", as_csv


def test_an_import_before_any_order_says_there_is_no_cursor_yet(config):
    first = run("orders", "import", "-c", str(config))
    assert first.exit_code == 0, first.output
    assert "no cursor yet: no order read" in first.output and "cursor now none" not in first.output


def test_report_refuses_a_bad_grouping_and_bad_dates(config):
    assert run("sales", "report", "-c", str(config), "--by", "colour").exit_code == 2
    assert run("sales", "report", "-c", str(config), "--from", "2026-13-01").exit_code == 2
    assert run("sales", "report", "-c", str(config), "--from", "2026-11-02", "--to", "2026-11-01").exit_code == 2


def test_import_refuses_when_disabled(config):
    result = run("orders", "import", "-c", str(config), env={"BOOKBRIDGE_ORDERS__ENABLED": "false"})
    # The key as every configuration message names one: its table, then the key (`[schedules] reconcile_cron: …`).
    assert result.exit_code == 2 and "order import is disabled ([orders] enabled = false)" in result.output
    said = " ".join(run("orders", "import", "--help").output.split())
    assert "([orders] enabled = false)" in said and "orders.enabled" not in said, said


def test_a_sink_the_configuration_breaks_exits_2_naming_it(config):
    broken = config.read_text(encoding="utf-8").replace('kind = "csv"\ndirectory', 'kind = "csv"\nfolder')
    config.write_text(broken, encoding="utf-8")
    for command in (["orders", "import"], ["sales", "export"]):
        result = run(*command, "-c", str(config))
        assert result.exit_code == 2, result.output
        # `folder` is not a key of the csv sink: refused before the factory runs, naming the entry (as `check`
        # does) and the real ones
        assert ("[[sales_sinks]] 'csv' folder: unknown key of kind 'csv' (known: directory, "
                "name, prefix)" in " ".join(result.output.split()))


def test_report_help_names_edition_and_calls_title_deprecated():
    shown = run("sales", "report", "--help")
    assert shown.exit_code == 0, shown.output
    said = " ".join(shown.output.split())
    assert ("group by edition|family|format|storefront|day|week|month (title: deprecated, the same as edition; "
            "work: deprecated, the same as family)") in said
    assert "[default: edition]" in said and "Rows are by edition (one ISBN: a title in one format)" in said


def test_a_refused_token_is_the_store_s_one_credentials_exception_in_checks_words(config, sandbox, monkeypatch):
    """The order import reads the store in one go: a wrong token is one exception (not one per order), the store's
    `credentials-refused`, as a sync or reconcile counts it, said as `bookbridge check` says it, with the key
    that gave the token; the import still says it failed, and exits 1."""
    monkeypatch.setenv("SANDBOX_TOKEN", "not-the-token")
    for count in (1, 2):
        imported = run("orders", "import", "-c", str(config))
        assert imported.exit_code == 1, imported.output
        listed = json.loads(run("exceptions", "list", "-c", str(config), "--json").stdout)
        assert "reading orders from store 'shop' failed: 401 Unauthorized" in " ".join(imported.output.split())
        assert [(e["kind"], e["where"], e["count"], e["message"]) for e in listed] == [(
            "credentials-refused", "store 'shop'", count, "401 Unauthorized: "
            "BigCommerce does not accept the access token (GET /v2/orders); check [store] access_token_env (the "
            "variable 'SANDBOX_TOKEN'): it must hold the access token of a store-level API account of the store "
            "with hash 'sandbox'")], listed
