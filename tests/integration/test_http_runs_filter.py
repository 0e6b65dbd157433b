"""`GET /api/runs?store=`: a sync run is per store (docs/glossary.md), so the filter names the store; `storefront`,
its first name, still works and is marked deprecated in the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bookbridge.entrypoints.container import build_unit_of_work
from http_support import admin, build_app


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    app, container, _ = build_app(tmp_path, monkeypatch)
    settings = container.settings()
    uow = build_unit_of_work(container.engine(), container.clock(), settings)
    with uow:
        for store in (settings.store.name, "old shop"):  # the state of a store renamed since keeps its runs
            run = uow.runs.start_run(store, at=container.clock().now())
            uow.runs.finish_run(run.id, at=container.clock().now(), counts={"created": 1}, outcome="ok")
        uow.commit()
    return TestClient(app)


def stores(client: TestClient, query: str) -> list[str]:
    answer = client.get(f"/api/runs?{query}", headers=admin())
    assert answer.status_code == 200, answer.text
    return [run["store"] for run in answer.json()]


def test_runs_filter_by_the_stores_name(client: TestClient) -> None:
    assert stores(client, "") == ["old shop", "store"]
    assert stores(client, "store=store") == ["store"]
    assert stores(client, "store=old%20shop") == ["old shop"]



@pytest.mark.parametrize(("query", "said"), [
    ("store=nope", "query parameter store: no store is named 'nope' (configured: store 'store'), and no run of one "
                   "is kept"),
    ("store=Store", "query parameter store: no store is named 'Store' (did you mean 'store'? configured: store "
                    "'store'), and no run of one is kept"),
    # A storefront's name: a run is the store's, never a storefront's.
    ("store=uk", "query parameter store: no store is named 'uk' ('uk' is a storefront, and a run is the store's; "
                 "configured: store 'store'), and no run of one is kept"),
    ("storefront=nope", "query parameter storefront: no store is named 'nope' (configured: store 'store'), and no "
                        "run of one is kept"),
])
def test_a_store_name_that_names_nothing_is_refused_as_the_cli_refuses_a_name(client: TestClient, query: str,
                                                                              said: str) -> None:
    """Neither the configured store nor one whose runs are kept (a store renamed since): 422, said as `bookbridge`
    says of a --storefront that names nothing, never an empty list that reads as "no runs yet"."""
    answer = client.get(f"/api/runs?{query}", headers=admin())
    assert answer.status_code == 422 and answer.json() == {"detail": said}, answer.text


def test_storefront_is_the_deprecated_name_of_store(client: TestClient) -> None:
    assert stores(client, "storefront=store") == ["store"]
    assert stores(client, "store=store&storefront=old%20shop") == ["store"]  # the new name wins


def test_the_openapi_document_shows_store_and_marks_storefront_deprecated(client: TestClient) -> None:
    parameters = {p["name"]: p for p in client.get("/openapi.json").json()["paths"]["/api/runs"]["get"]["parameters"]}
    assert not parameters["store"].get("deprecated") and "store" in parameters["store"]["description"]
    assert parameters["storefront"]["deprecated"] is True


def test_a_runs_counts_say_what_it_did_not_send(client: TestClient) -> None:
    """`not_sent`, as `bookbridge runs` and the dashboard count it: 0 for a run the store did not refuse."""
    answer = client.get("/api/runs?store=store", headers=admin()).json()
    assert answer[0]["counts"] == {"created": 1, "not_sent": 0}
    described = client.get("/openapi.json").json()["components"]["schemas"]["Run"]["properties"]["counts"]
    assert "`not_sent`" in described["description"], described
