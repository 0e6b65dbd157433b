"""schemathesis against the app's own OpenAPI document, in-process (ASGI): every operation, with the admin token,
the dashboard session and the webhook header, on generated (positive) and invalid (negative) input. No answer may
be a 5xx, and every answer must match the documented status codes and schemas.

Driven through hypothesis directly: schemathesis's pytest plugin does not run under pytest 9.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.generation import GenerationMode

from bookbridge.entrypoints.http.security import SESSION_COOKIE
from http_support import ADMIN_TOKEN, HEADER_VALUE, build_app, seed_exception

OPERATIONS = ["GET /healthz", "GET /readyz", "GET /metrics", "POST /webhooks/bigcommerce", "GET /api/runs",
              "POST /api/sync", "GET /api/plan", "GET /api/exceptions", "POST /api/exceptions/{exception_id}/resolve",
              "POST /api/exceptions/{exception_id}/retry", "GET /api/upcoming", "GET /api/sales",
              "GET /api/sales.csv", "GET /", "GET /login", "POST /login", "POST /logout", "GET /dashboard",
              "POST /dashboard/exceptions/{exception_id}/resolve", "POST /dashboard/exceptions/{exception_id}/retry"]
EXAMPLES = {"GET /api/plan": 5}  # a plan reads the whole sample catalogue
NO_INPUT = {"GET /healthz", "GET /readyz", "GET /metrics", "GET /", "GET /login", "POST /logout", "GET /dashboard"}
CASES = [(label, GenerationMode.POSITIVE) for label in OPERATIONS] + [
    (label, GenerationMode.NEGATIVE) for label in OPERATIONS if label not in NO_INPUT]  # nothing to make invalid


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("BB_TEST_HOOK_HEADER", HEADER_VALUE)
    app, container, _ = build_app(tmp_path_factory.mktemp("schemathesis"), monkeypatch, webhook_secret_env=None,
                                  webhook_custom_header="X-Bookbridge-Hook",
                                  webhook_custom_header_env="BB_TEST_HOOK_HEADER")
    seed_exception(container)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield schema, app.state.bookbridge.secrets.new_session()
    monkeypatch.undo()


def test_the_document_lists_every_route(api) -> None:  # type: ignore[no-untyped-def]
    schema, _ = api
    assert sorted(op.ok().label for op in schema.get_all_operations()) == sorted(OPERATIONS)
    assert schema.raw_schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


@pytest.mark.parametrize(("label", "mode"), CASES)
def test_no_operation_answers_5xx_or_off_schema(api, label: str, mode: GenerationMode) -> None:  # type: ignore[no-untyped-def]
    schema, session = api
    operation = next(op.ok() for op in schema.get_all_operations() if op.ok().label == label)
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}", "X-Bookbridge-Hook": HEADER_VALUE}
    checks = [not_a_server_error] if mode is GenerationMode.NEGATIVE else [
        not_a_server_error, status_code_conformance, response_schema_conformance]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES.get(label, 25), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers={**(case.headers or {}), **auth}, cookies={SESSION_COOKIE: session})
        case.validate_response(response, checks=checks)

    check()


