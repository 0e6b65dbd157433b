"""The Consonance stand-in over real HTTP on loopback: GraphQL, auth, paging, changedSince, faults."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from bookbridge.adapters.consonance.standin import (
    SAMPLE_CATALOGUE,
    ConsonanceData,
    ConsonanceStandinServer,
    Fault,
    FaultPlan,
    create_app,
    synthetic_catalogue,
)
from bookbridge.adapters.consonance.standin.records import Price

KEY = "k3y0000000000000000000000000test"  # 32 letters and digits, like a Consonance key


@pytest.fixture
def server() -> Iterator[ConsonanceStandinServer]:
    with ConsonanceStandinServer(ConsonanceData.load_json(SAMPLE_CATALOGUE), KEY) as running:
        yield running


def post(
    server: ConsonanceStandinServer, query: str, variables: dict[str, Any] | None = None, **kw: Any
) -> httpx.Response:
    headers = kw.pop("headers", {"Authorization": f"Bearer {KEY}"})
    body = {"query": query, "variables": variables or {}}
    return httpx.post(f"{server.url}/graphql", json=body, headers=headers, timeout=5, **kw)


def data_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return result


# -- GraphQL execution ----------------------------------------------------------------------------------


def test_fragments_on_concrete_product_types_resolve_per_type(server: ConsonanceStandinServer) -> None:
    query = """
      query Family($id: Int!) {
        work(workSearch: {idEq: $id}) { id products { ...Fields } }
      }
      fragment Fields on Product {
        id __typename onix21ProductFormCode isbn { isbn13 isbnWithDashes }
        ... on PhysicalBookProduct { productHeight heightCm: productHeight(unit: CM) approximatePageCount }
        ... on ElectronicBookProduct { onix21EpubTypeCode }
        ... on ElectronicAudioProduct { durationMinutes }
      }
    """
    work = data_of(post(server, query, {"id": 101}))["work"]

    by_id = {p["id"]: p for p in work["products"]}
    assert by_id[1001]["__typename"] == "PhysicalBookProduct"
    assert (by_id[1001]["productHeight"], by_id[1001]["heightCm"]) == (234.0, 23.4)
    assert by_id[1001]["isbn"] == {"isbn13": "9781999990015", "isbnWithDashes": "978-1-9999900-1-5"}
    assert by_id[1003] == {
        "id": 1003,
        "__typename": "ElectronicBookProduct",
        "onix21ProductFormCode": "DG",
        "isbn": {"isbn13": "9781999990039", "isbnWithDashes": "978-1-9999900-3-9"},
        "onix21EpubTypeCode": "029",
    }
    assert by_id[1004]["durationMinutes"] == 612
    assert "productHeight" not in by_id[1004]


def test_an_invalid_field_gives_graphql_errors_in_a_200(server: ConsonanceStandinServer) -> None:
    response = post(server, "{ works { id noSuchField } }")

    assert response.status_code == 200
    body = response.json()
    assert body.get("data") is None
    assert "noSuchField" in body["errors"][0]["message"]


def test_price_search_takes_underscore_prefixed_onix_codes(server: ConsonanceStandinServer) -> None:
    query = """{ product(productSearch: {idEq: 1003}) {
        usd: prices(priceSearch: {onixPriceTypeCodeIn: [_01]}) { currencyCode amount }
        gbp: prices(priceSearch: {currencyCodeIn: [GBP], onixPriceTypeQualifierCodeIn: [_05]}) {
          amountWithCurrencyCode
        }
    } }"""
    product = data_of(post(server, query))["product"]

    assert product["usd"] == [{"currencyCode": "USD", "amount": 9.99}]
    assert product["gbp"] == [{"amountWithCurrencyCode": "GBP 7.99"}]


def test_contributors_texts_and_subjects_resolve_through_interfaces(server: ConsonanceStandinServer) -> None:
    query = """{ work(workSearch: {idEq: 102}) {
        contributions { contributor { __typename name ... on Organisation { organisationName } } }
        marketingTexts(variantIn: [MAIN_DESCRIPTION]) { plain: externalText(stripHtml: true) }
        subjectCodes(mainOnly: true) { __typename code }
    } }"""
    work = data_of(post(server, query))["work"]

    assert work["contributions"] == [
        {
            "contributor": {
                "__typename": "Organisation",
                "name": "The Field Studies Collective",
                "organisationName": "The Field Studies Collective",
            }
        }
    ]
    assert work["marketingTexts"] == [{"plain": "Forty walks, forty kinds of rain."}]
    assert work["subjectCodes"] == [{"__typename": "Bic", "code": "RBP"}]


def test_a_malformed_date_is_a_graphql_error(server: ConsonanceStandinServer) -> None:
    body = post(server, "query($d: ISO8601Date) { works(workSearch: {changedSince: $d}) { id } }", {"d": "last week"})
    assert "ISO8601Date" in body.json()["errors"][0]["message"]


# -- HTTP edge --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer " + "x" * 32},
        {"Authorization": f"Token token={KEY}"},
        {"Authorization": KEY},
    ],
    ids=["missing", "wrong-key", "rest-scheme", "no-scheme"],
)
def test_requests_without_the_bearer_key_get_401_json(server: ConsonanceStandinServer, headers: dict[str, str]) -> None:
    response = post(server, "{ works { id } }", headers=headers)

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "Invalid or missing API key"
    assert [(r.authorised, r.status) for r in server.requests] == [(False, 401)]


def test_get_is_not_allowed(server: ConsonanceStandinServer) -> None:
    response = httpx.get(f"{server.url}/graphql", headers={"Authorization": f"Bearer {KEY}"}, timeout=5)
    assert response.status_code == 405


def test_a_body_without_a_query_is_a_400(server: ConsonanceStandinServer) -> None:
    response = httpx.post(
        f"{server.url}/graphql", content=b"not json", headers={"Authorization": f"Bearer {KEY}"}, timeout=5
    )
    assert response.status_code == 400


def test_requests_are_recorded_without_the_key(server: ConsonanceStandinServer) -> None:
    post(server, "query Q($a: Int) { works(workSearch: {after: $a}) { id } }", {"a": 101})

    (recorded,) = server.requests
    assert (recorded.authorised, recorded.status, recorded.variables) == (True, 200, {"a": 101})
    assert KEY not in repr(recorded)


def test_create_app_refuses_a_key_that_is_not_32_letters_and_digits() -> None:
    with pytest.raises(ValueError, match="32 letters and digits"):
        create_app(ConsonanceData(), "short")


def test_importing_the_packages_starts_nothing() -> None:
    probe = ("import threading, bookbridge.adapters.consonance, bookbridge.adapters.consonance.standin;"
             "print(threading.active_count())")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=30)
    assert result.stdout.strip() == "1"


def test_the_server_stops_cleanly() -> None:
    with ConsonanceStandinServer(ConsonanceData(), KEY) as running:
        url = running.url
        assert post(running, "{ works { id } }").json() == {"data": {"works": []}}
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{url}/graphql", json={"query": "{ works { id } }"}, timeout=1)


# -- paging and changedSince ----------------------------------------------------------------------------


def test_after_is_keyset_and_root_lists_are_capped_at_the_page_size() -> None:
    with ConsonanceStandinServer(synthetic_catalogue(8, changed_at=date(2026, 1, 1)), KEY, page_size=3) as running:
        query = "query($a: Int) { works(workSearch: {after: $a}) { id } }"
        pages = [[w["id"] for w in data_of(post(running, query, {"a": a}))["works"]] for a in (None, 3, 6, 8)]
        products = data_of(post(running, "{ products(productSearch: {after: 1020}) { id } }"))["products"]

    assert pages == [[1, 2, 3], [4, 5, 6], [7, 8], []]
    assert [p["id"] for p in products] == [1021, 1030, 1031]


def test_changed_since_is_date_granular_and_rolls_up_to_the_work() -> None:
    data = synthetic_catalogue(4, changed_at=date(2026, 1, 1))
    data.touch_work(2, on=date(2026, 3, 10))
    data.set_prices(
        1041, [Price(id=9, amount=5.0, currency_code="GBP", onix_price_type_code="02")], on=date(2026, 3, 11)
    )
    query = """query($d: ISO8601Date) {
        works(workSearch: {changedSince: $d}) { id }
        products(productSearch: {changedSince: $d}) { id }
    }"""

    with ConsonanceStandinServer(data, KEY) as running:

        def changed(day: str) -> tuple[list[int], list[int]]:
            result = data_of(post(running, query, {"d": day}))
            return [w["id"] for w in result["works"]], [p["id"] for p in result["products"]]

        assert changed("2026-03-10") == ([2, 4], [1041])  # changed on D matches changedSince = D
        assert changed("2026-03-11") == ([4], [1041])  # a price change on product 1041 marks work 4
        assert changed("2026-03-12") == ([], [])


def test_edits_are_served_on_the_next_request(server: ConsonanceStandinServer) -> None:
    server.data.edit_product(1002, on=date(2026, 11, 27), onix_publishing_status_code="04", metadata_status="APPROVED")

    product = data_of(
        post(server, "{ product(productSearch: {idEq: 1002}) { onixPublishingStatusCode metadataStatus } }")
    )
    assert product["product"] == {"onixPublishingStatusCode": "04", "metadataStatus": "APPROVED"}
    assert server.data.product_changed_on(server.data.product(1002)) == date(2026, 11, 27)


# -- faults -----------------------------------------------------------------------------------------------


def test_scheduled_faults_answer_in_order_then_recover(server: ConsonanceStandinServer) -> None:
    server.faults.queue(
        Fault.rate_limited(retry_after=7), Fault.server_error(502), Fault.graphql_error("resolver exploded")
    )

    limited, broken, errored, healthy = (post(server, "{ works { id } }") for _ in range(4))

    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert broken.status_code == 502
    assert errored.status_code == 200 and errored.json()["errors"][0]["message"] == "resolver exploded"
    assert [w["id"] for w in data_of(healthy)["works"]] == [101, 102, 103]


def test_a_slow_fault_delays_the_answer(server: ConsonanceStandinServer) -> None:
    server.faults.queue(Fault.slow(0.3))
    started = time.monotonic()
    assert data_of(post(server, "{ works { id } }"))["works"]
    assert time.monotonic() - started >= 0.3


def test_seeded_faults_are_reproducible() -> None:
    def draw(seed: int) -> list[Fault | None]:
        plan = FaultPlan(seed=seed, rate=0.5)
        return [plan.next_fault() for _ in range(40)]

    first = draw(11)
    assert first == draw(11)
    assert any(f is None for f in first) and any(f is not None for f in first)
    assert first != draw(12)


def test_a_fault_rate_without_a_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="seed"):
        FaultPlan(rate=0.2)


# -- loader -----------------------------------------------------------------------------------------------


def test_the_loader_names_an_unknown_field(tmp_path: Path) -> None:
    raw = json.loads(SAMPLE_CATALOGUE.read_text(encoding="utf-8"))
    raw["works"][1]["products"][0]["prices"][0]["amonut"] = 1
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(raw), encoding="utf-8")

    with pytest.raises(ValueError, match=r"works\[1\]\.products\[0\]\.prices\[0\]: unknown fields \['amonut'\]"):
        ConsonanceData.load_json(path)


def test_the_loader_rejects_an_unknown_product_type() -> None:
    raw = {
        "works": [
            {
                "id": 1,
                "changed_at": "2026-01-01",
                "title": "T",
                "products": [
                    {
                        "id": 2,
                        "changed_at": "2026-01-01",
                        "typename": "BookProduct",
                        "onix21_product_form_code": "BB",
                        "full_title": "T",
                    }
                ],
            }
        ]
    }
    with pytest.raises(ValueError, match="unknown typename 'BookProduct'"):
        ConsonanceData.from_dict(raw)
