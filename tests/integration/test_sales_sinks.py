"""The sales sinks: the CSV day files (layout, atomic replace) and the GraphQL mutation sink against a real
GraphQL endpoint on loopback (graphql-core behind uvicorn, with Bearer auth), built through the plugin registry."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bookbridge.adapters.sales.csv_export import COLUMNS, CsvSalesSink
from bookbridge.domain.ports import SalesFact, SalesSink
from bookbridge.domain.sales import SalesSinkRejected
from bookbridge.entrypoints.plugins import collect_adapters, make_plugin_manager
from bookbridge.plugin import AdapterRegistry
from bookbridge.testing import context
from sales_endpoint import KEY, MUTATION, SalesEndpoint, serving_sales_endpoint

DAY1, DAY2 = date(2026, 11, 27), date(2026, 11, 28)
PB, HB = "9780141036144", "9780306406157"


def fact(isbn: str, day: date, quantity: int, amount: str, *, storefront: str = "uk", fmt: str = "paperback",
         currency: str = "GBP") -> SalesFact:
    return SalesFact(isbn, fmt, storefront, day, quantity, Decimal(amount), currency)


@pytest.fixture(scope="module")
def registry():
    found, failures = collect_adapters(make_plugin_manager(load_entrypoints=True))
    assert failures == []
    return found


def create_sink(registry: AdapterRegistry, kind: str, table: dict[str, Any]) -> SalesSink:
    return registry.create_sales_sink(kind, table, context(str(table.get("name") or kind)))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- csv -----------------------------------------------------------------------------------------------------------


def test_csv_writes_one_file_per_day_in_the_documented_layout(tmp_path, registry):
    sink = create_sink(registry, "csv", {"directory": str(tmp_path / "out")})
    sink.write([fact(PB, DAY1, 3, "23.9700"), fact(HB, DAY1, 1, "20.005", fmt="hardback"),
                fact(PB, DAY2, 2, "19.98", storefront="us", currency="USD"), fact(HB, DAY2, 0, "0")])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["sales-2026-11-27.csv", "sales-2026-11-28.csv"]
    raw = (tmp_path / "out" / "sales-2026-11-27.csv").read_bytes()
    assert raw.startswith(b"isbn,format,storefront,day,quantity,net_amount,currency\r\n")
    assert read_csv(tmp_path / "out" / "sales-2026-11-27.csv") == [
        {"isbn": PB, "format": "paperback", "storefront": "uk", "day": "2026-11-27", "quantity": "3",
         "net_amount": "23.97", "currency": "GBP"},
        {"isbn": HB, "format": "hardback", "storefront": "uk", "day": "2026-11-27", "quantity": "1",
         "net_amount": "20.01", "currency": "GBP"},  # the pound's two decimals, half up
    ]
    # A zero fact (cancelled) is left out of the file.
    assert [r["isbn"] for r in read_csv(tmp_path / "out" / "sales-2026-11-28.csv")] == [PB]
    assert tuple(read_csv(tmp_path / "out" / "sales-2026-11-28.csv")[0]) == COLUMNS


def test_csv_amounts_carry_the_currency_s_minor_units(tmp_path):
    """The yen has no minor unit and the dinar three (ISO 4217, as CLDR records them): never a blanket `.00`."""
    sink = CsvSalesSink(tmp_path)
    sink.write([fact(PB, DAY1, 2, "3000.0000", storefront="jp", currency="JPY"),
                fact(HB, DAY1, 1, "1499.5000", storefront="jp", fmt="hardback", currency="JPY"),
                fact(PB, DAY1, 1, "12.3456", storefront="kw", currency="KWD")])
    assert [(r["storefront"], r["net_amount"], r["currency"]) for r in read_csv(tmp_path / "sales-2026-11-27.csv")] == [
        ("jp", "3000", "JPY"), ("jp", "1500", "JPY"), ("kw", "12.346", "KWD")]


def test_csv_re_export_replaces_the_day_and_a_cancelled_day_becomes_a_header_only_file(tmp_path):
    sink = CsvSalesSink(tmp_path)
    sink.write([fact(PB, DAY1, 3, "30"), fact(HB, DAY1, 1, "20", fmt="hardback")])
    sink.write([fact(PB, DAY1, 1, "10"), fact(HB, DAY1, 0, "0", fmt="hardback")])
    assert [(r["isbn"], r["quantity"]) for r in read_csv(tmp_path / "sales-2026-11-27.csv")] == [(PB, "1")]
    sink.write([fact(PB, DAY1, 0, "0")])
    assert (tmp_path / "sales-2026-11-27.csv").read_bytes() == (",".join(COLUMNS) + "\r\n").encode()
    assert [p.name for p in tmp_path.iterdir()] == ["sales-2026-11-27.csv"]  # no temporary file left


def test_csv_a_failed_write_leaves_the_old_day_whole(tmp_path, monkeypatch):
    sink = CsvSalesSink(tmp_path)
    sink.write([fact(PB, DAY1, 3, "30")])
    before = (tmp_path / "sales-2026-11-27.csv").read_bytes()

    def fail(*args: Any) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="no space"):
        sink.write([fact(PB, DAY1, 5, "50")])
    assert (tmp_path / "sales-2026-11-27.csv").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["sales-2026-11-27.csv"]


@pytest.mark.parametrize(("options", "message"), [
    ({}, "needs 'directory'"),
    ({"directory": "x", "prefix": "../evil"}, "plain file-name prefix"),
])
def test_csv_configuration_errors_name_the_option(registry, options, message):
    with pytest.raises(ValueError, match=message):
        create_sink(registry, "csv", options)


# --- consonance-graphql --------------------------------------------------------------------------------------------

@pytest.fixture
def endpoint() -> Iterator[tuple[SalesEndpoint, str]]:
    with serving_sales_endpoint() as served:
        yield served


@pytest.fixture
def document(tmp_path) -> Path:
    path = tmp_path / "sales.graphql"
    path.write_text(MUTATION, encoding="utf-8")
    return path


def test_graphql_sink_posts_the_mutation_once_per_day_with_bearer_auth(endpoint, document, registry, monkeypatch):
    served, url = endpoint
    monkeypatch.setenv("TENANT_KEY", KEY)
    sink = create_sink(registry, "consonance-graphql",
                           {"base_url": url, "api_key_env": "TENANT_KEY", "document": str(document)})
    assert KEY not in repr(sink.__dict__)
    sink.write([fact(PB, DAY1, 3, "23.97"), fact(HB, DAY1, 1, "20", fmt="hardback"),
                fact(PB, DAY2, 2, "19.98", storefront="us", currency="USD")])
    assert served.authorizations == [f"Bearer {KEY}"] * 2
    assert served.days["2026-11-27"] == [
        {"isbn": PB, "format": "paperback", "storefront": "uk", "day": "2026-11-27", "quantity": 3,
         "netAmount": "23.97", "currency": "GBP"},
        {"isbn": HB, "format": "hardback", "storefront": "uk", "day": "2026-11-27", "quantity": 1,
         "netAmount": "20.00", "currency": "GBP"},
    ]
    sink.write([fact(PB, DAY1, 1, "7.99")])  # a re-send replaces the day on the receiving side
    assert [f["quantity"] for f in served.days["2026-11-27"]] == [1]
    assert [f["quantity"] for f in served.days["2026-11-28"]] == [2]


def test_graphql_amounts_carry_the_currency_s_minor_units(endpoint, document, registry):
    served, url = endpoint
    sink = create_sink(registry, "consonance-graphql", {"base_url": url, "api_key": KEY, "document": str(document)})
    sink.write([fact(PB, DAY1, 2, "3000.0000", storefront="jp", currency="JPY"),
                fact(HB, DAY1, 1, "20.005", fmt="hardback"),
                fact(PB, DAY1, 1, "12.3456", storefront="kw", currency="KWD")])
    assert [(f["storefront"], f["netAmount"], f["currency"]) for f in served.days["2026-11-27"]] == [
        ("jp", "3000", "JPY"), ("uk", "20.01", "GBP"), ("kw", "12.346", "KWD")]


def test_graphql_errors_and_a_wrong_key_are_refusals_for_good(endpoint, document, registry):
    served, url = endpoint
    sink = create_sink(registry, "consonance-graphql",
                           {"base_url": url, "api_key": KEY, "document": str(document)})
    served.reject_next = True
    with pytest.raises(SalesSinkRejected, match=r"2026-11-27 was refused.*closed period"):
        sink.write([fact(PB, DAY1, 1, "5")])
    wrong = create_sink(registry, "consonance-graphql",
                            {"base_url": url, "api_key": "not-the-key", "document": str(document)})
    with pytest.raises(SalesSinkRejected) as refused:
        wrong.write([fact(PB, DAY1, 1, "5")])
    assert "not-the-key" not in str(refused.value)


def test_graphql_sink_configuration_errors_name_the_option(registry, document, tmp_path):
    base = {"base_url": "http://127.0.0.1:9", "api_key": KEY}
    with pytest.raises(ValueError, match="needs 'document'"):
        create_sink(registry, "consonance-graphql", base)
    with pytest.raises(ValueError, match="cannot read document"):
        create_sink(registry, "consonance-graphql", {**base, "document": str(tmp_path / "no")})
    query_only = tmp_path / "query.graphql"
    query_only.write_text("query { days }", encoding="utf-8")
    with pytest.raises(ValueError, match="holds no GraphQL mutation"):
        create_sink(registry, "consonance-graphql", {**base, "document": str(query_only)})
    with pytest.raises(ValueError, match="needs 'api_key'"):
        create_sink(registry, "consonance-graphql",
                        {"base_url": "http://x", "document": str(document)})
