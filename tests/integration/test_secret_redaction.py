"""Secret redaction in one place: a Consonance server that echoes every configured secret back in a GraphQL
error leaks none of them into sync's output, the exception row, `exceptions list --json`, the outbox,
/api/exceptions or the dashboard."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from bookbridge.entrypoints.cli import app
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.http.app import create_app
from bookbridge.entrypoints.settings import load_settings
from http_support import FakeHooks, fake_sales

AMQP_PASSWORD = "amqp-pa55word-7e6d5c"
SECRETS = {
    "BB_T_CONSONANCE_KEY": "consonance-key-0a1b2c3d4e5f",
    "BB_T_BIGCOMMERCE_TOKEN": "bc-token-9z8y7x6w5v4u",
    "BB_T_HOOK_URL": "https://hooks.example.test/services/T000/B000/slack-url-secret-42",
    "BB_T_HOOK_SECRET": "hook-hmac-secret-31415926",
    "BB_T_AMQP_URL": f"amqp://bookbridge:{AMQP_PASSWORD}@127.0.0.1:5672/%2F",
    "BB_T_ADMIN": "admin-token-27182818",
    "BB_T_WEBHOOK_SECRET": "bc-client-secret-16180339",
}
PLANTED = [*SECRETS.values(), AMQP_PASSWORD]


class _EchoingConsonance(BaseHTTPRequestHandler):
    """Answers every GraphQL request with an error that quotes the request's key and every other secret."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        echoed = f"Authorization {self.headers.get('Authorization')} refused; known: {' | '.join(PLANTED)}"
        body = json.dumps({"errors": [{"message": echoed, "path": ["works"],
                                       "extensions": {"key": SECRETS["BB_T_CONSONANCE_KEY"]}}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def consonance() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingConsonance)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _leaks(where: str, found: str) -> list[str]:
    return [f"{where} shows {secret!r}" for secret in PLANTED if secret in found]


def test_every_configured_secret_is_masked_on_every_error_path(tmp_path: Path, consonance: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOOKBRIDGE_CONFIG", raising=False)
    database = tmp_path / "bookbridge.db"
    config = tmp_path / "bookbridge.toml"
    config.write_text(f"""
database_url = "sqlite:///{database}"
[source]
kind = "consonance"
base_url = "{consonance}"
api_key_env = "BB_T_CONSONANCE_KEY"
[store]
kind = "bigcommerce"
name = "shop"
store_hash = "abc123"
access_token_env = "BB_T_BIGCOMMERCE_TOKEN"
v3_base_url = "http://127.0.0.1:9/stores/abc123/v3"
v2_base_url = "http://127.0.0.1:9/stores/abc123/v2"
[[storefronts]]
name = "uk"
channel_id = 1
countries = ["GB"]
currency = "GBP"
[http]
admin_token_env = "BB_T_ADMIN"
webhook_secret_env = "BB_T_WEBHOOK_SECRET"
[[exception_queues]]
kind = "webhook"
url_env = "BB_T_HOOK_URL"
secret_env = "BB_T_HOOK_SECRET"
[[exception_queues]]
kind = "amqp"
url_env = "BB_T_AMQP_URL"
""")
    runner = CliRunner()
    leaks: list[str] = []
    synced = runner.invoke(app, ["sync", "--config", str(config)], env={"COLUMNS": "400"})
    assert synced.exit_code != 0 and "GraphQL error" in synced.output, synced.output
    leaks += _leaks("sync's output", synced.output)
    listed = runner.invoke(app, ["exceptions", "list", "--json", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    assert "GraphQL error" in listed.output
    leaks += _leaks("exceptions list --json", listed.output)

    settings = load_settings(config)
    container = Container()
    container.settings.override(providers.Object(settings))
    with container.engine().connect() as connection:
        rows = [str(r) for r in connection.execute(text("SELECT message FROM exceptions"))]
        outbox = [str(r) for r in connection.execute(text("SELECT * FROM outbox"))]
    assert rows and len(outbox) == 2  # one message per notification target
    leaks += _leaks("the exception row", " ".join(rows)) + _leaks("the outbox", " ".join(outbox))

    with TestClient(create_app(container, FakeHooks(), sales=fake_sales)) as client:
        api = client.get("/api/exceptions", headers={"Authorization": f"Bearer {SECRETS['BB_T_ADMIN']}"})
        assert api.status_code == 200 and "GraphQL error" in api.text
        leaks += _leaks("/api/exceptions", api.text)
        signed_in = client.post("/login", data={"token": SECRETS["BB_T_ADMIN"]}, follow_redirects=True)
        page = client.get("/dashboard")
        assert page.status_code == 200 and "GraphQL error" in page.text, (signed_in.status_code, page.text[:300])
        leaks += _leaks("the dashboard", page.text)
    container.shutdown_resources()
    assert leaks == []
