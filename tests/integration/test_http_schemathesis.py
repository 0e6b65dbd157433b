"""schemathesis with every check (`st run --checks all`) against the app served by uvicorn on loopback, over
SQLite and over PostgreSQL: every operation, with the admin token, a dashboard session and the webhook header,
on generated valid and invalid input, in all four phases (examples, coverage, fuzzing, stateful). No answer may
be a 5xx, and every answer must match the OpenAPI document: status codes, content types, headers (`Allow` on
405), bodies (the 400, 413 and 422 Problem bodies included); valid input is accepted, invalid input refused.

The schemathesis CLI runs in a subprocess (its pytest plugin does not run under pytest 9). Under CI=true the
seed is fixed, so a failure reproduces.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import schemathesis

from bookbridge.entrypoints.http.security import SESSION_COOKIE
from http_support import ADMIN_TOKEN, HEADER_VALUE, build_app, seed_exception, serving, sign_in
from pg_support import fresh_postgres_database

OPERATIONS = ["GET /healthz", "GET /readyz", "GET /metrics", "POST /webhooks/bigcommerce", "GET /api/runs",
              "POST /api/sync", "GET /api/plan", "GET /api/exceptions", "POST /api/exceptions/{exception_id}/resolve",
              "POST /api/exceptions/{exception_id}/retry", "GET /api/upcoming", "GET /api/sales",
              "GET /api/sales.csv", "GET /", "GET /login", "POST /login", "POST /logout", "GET /dashboard",
              "GET /dashboard/exceptions/{exception_id}/resolve", "POST /dashboard/exceptions/{exception_id}/resolve",
              "POST /dashboard/exceptions/{exception_id}/retry", "POST /dashboard/sync"]
ST = Path(sys.executable).with_name("st")
MAX_EXAMPLES = 25
IN_CI = os.environ.get("CI", "").lower() == "true"


def _app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None = None):  # type: ignore[no-untyped-def]
    return _app_and_container(tmp_path, monkeypatch, database_url)[0]


def _app_and_container(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None = None):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BB_TEST_HOOK_HEADER", HEADER_VALUE)
    app, container, _ = build_app(tmp_path, monkeypatch, database_url=database_url, webhook_secret_env=None,
                                  webhook_custom_header="X-Bookbridge-Hook",
                                  webhook_custom_header_env="BB_TEST_HOOK_HEADER")
    seed_exception(container)
    return app, container


def test_the_document_lists_every_route(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", _app(tmp_path, monkeypatch))
    assert sorted(op.ok().label for op in schema.get_all_operations()) == sorted(OPERATIONS)
    document = schema.raw_schema
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    problem = {"$ref": "#/components/schemas/Problem"}
    for label in ("POST /webhooks/bigcommerce", "POST /api/exceptions/{exception_id}/resolve", "POST /login",
                  "GET /api/runs", "GET /api/sales"):
        method, path = label.split(" ")
        responses = document["paths"][path][method.lower()]["responses"]
        for status in ("400", "413", "422"):  # every input-reading route documents the one error body
            assert responses[status]["content"]["application/json"]["schema"] == problem, (label, status)


# Rules no schema states, which generated valid input may break: /api/sales and /api/sales.csv refuse an end
# before the start (422, as `bookbridge sales report` refuses --to before --from), a rule of two query parameters;
# /api/runs refuses a store name that names no store, configured or with runs kept (422), which the configuration
# and the state decide.
SALES_DAYS = """
[[operations]]
include-path-regex = "^/api/(sales|runs)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
"""


def run_schemathesis(app, tmp_path: Path) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    session = sign_in(app)
    settings = tmp_path / "schemathesis.toml"
    settings.write_text(SALES_DAYS, encoding="utf-8")
    with serving(app) as base:
        command = [str(ST), "--config-file", str(settings), "run", f"{base}/openapi.json", "--checks", "all",
                   "--max-examples", str(MAX_EXAMPLES),
                   "--workers", "1", "--no-color", "--report-dir", str(tmp_path / "report"),
                   "-H", f"Authorization: Bearer {ADMIN_TOKEN}", "-H", f"X-Bookbridge-Hook: {HEADER_VALUE}",
                   "-H", f"Cookie: {SESSION_COOKIE}={session}", "--exclude-path", "/logout"]
        if IN_CI:
            command += ["--seed", "20261207"]
        started = time.monotonic()
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False)
    summary = "\n".join(line[:300] for line in result.stdout.splitlines() if not line.lstrip().startswith("curl"))
    print(f"schemathesis took {time.monotonic() - started:.1f} s\n{summary[-6000:]}")
    return result


@pytest.mark.slow
def test_schemathesis_all_checks_pass_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_schemathesis(_app(tmp_path, monkeypatch), tmp_path)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.postgres
def test_schemathesis_all_checks_pass_on_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fresh_postgres_database() as url:
        app, container = _app_and_container(tmp_path, monkeypatch, database_url=url)
        try:
            result = run_schemathesis(app, tmp_path)
        finally:
            container.shutdown_resources()
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
