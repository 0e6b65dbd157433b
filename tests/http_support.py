"""Shared pieces of the HTTP app tests: a container over a temporary SQLite database, fake service hooks,
a fake sales report, signed webhook deliveries, and uvicorn serving the app on a free loopback port."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from dependency_injector import providers
from fastapi import FastAPI

from bookbridge.application.sales_report import SalesReport, sales_report
from bookbridge.domain.ports import SalesFact
from bookbridge.domain.ports.scheduling import UpcomingJob
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.http.app import create_app
from bookbridge.entrypoints.http.signatures import SigningKey
from bookbridge.entrypoints.settings import load_settings

ADMIN_TOKEN = "admin-Tok3n-9f8e7d6c5b4a"
CLIENT_SECRET = "bc-client-secret-1a2b3c4d5e6f"
HEADER_VALUE = "custom-header-value-77aa88bb"


@dataclass
class FakeHooks:
    """ServiceHooks, as a fake that records what the app asked for."""

    running: bool = True
    fail_imports: bool = False
    syncs: list[tuple[str | None, bool]] = field(default_factory=list)
    retries: list[tuple[str | None, str]] = field(default_factory=list)  # (store, isbn): one edition's retry
    retried: list[int] = field(default_factory=list)  # the exceptions whose retry was asked for (its run says so)
    imports: int = 0
    deliveries: list[str] = field(default_factory=list)  # the sales sinks whose pending days were asked for
    jobs: list[UpcomingJob] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def scheduler_running(self) -> bool:
        return self.running

    def trigger_sync(self, *, store: str | None = None, full: bool = False, isbn: str | None = None,
                     retry_of: int | None = None) -> str:
        with self.lock:
            if retry_of is not None:
                self.retried.append(retry_of)
            if isbn is not None:
                self.retries.append((store, isbn))
                return f"sync-now:{store}:{isbn}"
            self.syncs.append((store, full))
            return f"sync-{len(self.syncs)}"

    def trigger_order_import(self) -> str:
        if self.fail_imports:
            raise RuntimeError("scheduler is shutting down")
        with self.lock:
            self.imports += 1
            return f"order-import-{self.imports}"

    def trigger_delivery(self, sink: str) -> str:
        with self.lock:
            self.deliveries.append(sink)
            return f"sales-delivery-now:{sink}"

    def upcoming(self, *, limit: int = 50) -> list[UpcomingJob]:
        return self.jobs[:limit]


class FactsLedger:
    """The one SalesLedger method a report reads (`facts`), over fixed facts: the report itself runs for real."""

    def __init__(self, facts: list[SalesFact]) -> None:
        self._facts = facts

    def facts(self, start: date, end: date) -> list[SalesFact]:
        return [f for f in self._facts if start <= f.day <= end]


def sample_facts(today: date) -> list[SalesFact]:
    return [SalesFact(isbn="9780000000002", format="hardback", storefront="uk", day=today - timedelta(days=3),
                      quantity=12, net_amount=Decimal("239.88"), currency="GBP"),
            SalesFact(isbn="9780000000019", format="ebook", storefront="us", day=today - timedelta(days=2),
                      quantity=30, net_amount=Decimal("299.70"), currency="USD"),
            SalesFact(isbn="9780000000019", format="ebook", storefront="us", day=today - timedelta(days=400),
                      quantity=99, net_amount=Decimal("1.00"), currency="USD")]


def fake_sales(start: date, end: date, group_by: str) -> SalesReport:
    return sales_report(FactsLedger(sample_facts(datetime.now(UTC).date())), start, end, group_by)  # type: ignore[arg-type]


def http_container(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, database_url: str | None = None,
                   **http: Any) -> Container:
    monkeypatch.setenv("BB_TEST_ADMIN", ADMIN_TOKEN)
    monkeypatch.setenv("BB_TEST_WEBHOOK_SECRET", CLIENT_SECRET)
    options: dict[str, Any] = {"admin_token_env": "BB_TEST_ADMIN", "webhook_secret_env": "BB_TEST_WEBHOOK_SECRET",
                               **http}
    settings = load_settings(None, database_url=database_url or f"sqlite:///{tmp_path / 'bookbridge.db'}", http=options,
                             storefronts=[{"name": "uk", "countries": "GB", "currency": "GBP"}])
    container = Container()
    container.settings.override(providers.Object(settings))
    return container


def build_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, hooks: FakeHooks | None = None,
              sales: Any = fake_sales, database_url: str | None = None,
              **http: Any) -> tuple[FastAPI, Container, FakeHooks]:
    hooks = hooks or FakeHooks()
    container = http_container(tmp_path, monkeypatch, database_url=database_url, **http)
    return create_app(container, hooks, sales=sales, worker_poll_seconds=0.2), container, hooks


def payload(scope: str = "store/order/created", resource: int = 101, digest: str | None = None) -> bytes:
    body = {"scope": scope, "store_id": "1025646", "data": {"type": scope.split("/")[1], "id": resource},
            "hash": digest or uuid.uuid4().hex, "created_at": int(time.time()), "producer": "stores/abc123"}
    return json.dumps(body).encode()


def signed_headers(body: bytes, *, secret: str = CLIENT_SECRET, delivery_id: str | None = None,
                   timestamp: int | None = None) -> dict[str, str]:
    delivery_id = delivery_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"content-type": "application/json", "webhook-id": delivery_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": SigningKey.from_secret(secret).sign(delivery_id, timestamp, body)}


def sign_in(app: FastAPI) -> str:
    """A dashboard session's cookie value, opened as `POST /login` opens one."""
    cookie: str = app.state.protection.open_session()
    return cookie


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def seed_exception(container: Container, message: str = "price missing for GBP") -> int:
    from bookbridge.domain.ports import ExceptionKind
    from bookbridge.entrypoints.container import build_unit_of_work

    uow = build_unit_of_work(container.engine(), container.clock(), container.settings())
    with uow:
        item = uow.exceptions.report(ExceptionKind.BLOCKING_READINESS, isbn="9780000000002", storefront="uk",
                                     message=message, field="prices.GBP", at=datetime.now(UTC))
        uow.commit()
    return item.id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """uvicorn on a free loopback port in a thread; yields the base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)
