"""`bookbridge serve` as a real process: SIGTERM in the middle of a sync finishes the batch in flight, records the
run as stopped with what it did, releases the lease and exits 0. And the HTTP side: the app factory's app is
served until the signal."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from dependency_injector import providers
from sqlalchemy import func, select
from typer.testing import CliRunner

from bookbridge.adapters.bigcommerce.sandbox import RateLimitConfig, SandboxConfig, SandboxServer
from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront
from bookbridge.adapters.persistence import make_engine
from bookbridge.adapters.persistence.milestones import SqlAlchemyMilestoneLog
from bookbridge.adapters.persistence.tables import EditionOutcomeRow, LeaseRow, SyncRunRow
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.milestones import MilestoneEvent, MilestoneRecord, Transition
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.cli.app import app
from bookbridge.entrypoints.cli.serve import run_service
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.service import Service
from bookbridge.entrypoints.settings import AdapterSettings, Settings, StoreSettings

BOOKBRIDGE = Path(sys.executable).parent / "bookbridge"
CONFIG = """\
database_url = "sqlite:///{db}"

[source]
kind = "sample"
families = 150

[store]
kind = "bigcommerce"
name = "shop"
store_hash = "{store_hash}"
access_token_env = "SANDBOX_TOKEN"
v3_base_url = "{v3}"
v2_base_url = "{v2}"

[[storefronts]]
name = "uk"
channel_id = 1
countries = ["GB"]
currency = "GBP"
tax_inclusive = true
timezone = "Europe/London"

[service]
instance = "sigterm-drill"
"""


def test_sigterm_mid_sync_finishes_the_batch_records_a_stopped_run_and_exits_0(tmp_path):
    db = tmp_path / "state.db"
    # A throttled store (the Standard plan's 150 requests per window, the window 20 times shorter) keeps
    # the sync going for a while: SIGTERM lands between two of its batches' requests.
    with SandboxServer(SandboxConfig(rate_limit=RateLimitConfig(time_scale=0.05))) as sandbox:
        config = tmp_path / "bookbridge.toml"
        config.write_text(CONFIG.format(db=db, store_hash=sandbox.config.store_hash, v3=sandbox.base_url_v3,
                                        v2=sandbox.base_url_v2))
        env = {**os.environ, "SANDBOX_TOKEN": sandbox.config.token}
        child = subprocess.Popen([str(BOOKBRIDGE), "serve", "--no-http", "-c", str(config)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        try:
            deadline = time.monotonic() + 60
            while len(sandbox.requests) < 40 and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.01)
            assert child.poll() is None, child.communicate()[1].decode()
            signalled = time.monotonic()
            child.send_signal(signal.SIGTERM)
            _, err = child.communicate(timeout=60)
            stopped_in = time.monotonic() - signalled
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        calls_at_exit = len(sandbox.requests)
        time.sleep(0.3)
        assert len(sandbox.requests) == calls_at_exit  # nothing kept calling the store after the exit
    assert child.returncode == 0, err.decode()
    lines = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    messages = [line["message"] for line in lines]
    assert "SIGTERM received: shutting down" in messages and "bookbridge serve stopped" in messages
    assert all(line["level"] != "error" for line in lines), [m for m in lines if m["level"] == "error"]

    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            [run] = connection.execute(select(SyncRunRow)).all()
            outcomes = connection.scalar(select(func.count()).select_from(EditionOutcomeRow)
                                         .where(EditionOutcomeRow.run_id == run.id))
            leases = connection.execute(select(LeaseRow)).all()
    finally:
        engine.dispose()
    assert run.outcome == "stopped" and run.finished is not None
    editions = sum(len(f.editions) for f in sample_catalogue(run.started.date(), families=150))
    # Whole batches of 10 only: the one in flight was finished and recorded, the rest left for the next run.
    assert 0 < outcomes < editions / 2 and outcomes % 10 == 0, outcomes
    assert run.counts["created"] + run.counts["updated"] + run.counts["failed"] + run.counts["hidden"] == outcomes
    assert leases == []  # the store's sync lease was released
    print(f"\nSIGTERM to exit: {stopped_in:.2f} s; {outcomes} outcomes recorded of {editions} editions")


def test_serve_runs_the_http_app_from_its_factory_until_sigint(tmp_path, caplog):
    """In this process: the app factory gets the container and the service (its hooks); SIGINT stops both. The
    server runs uvicorn's fast stack, httptools on uvloop (asyncio where uvloop does not build), and says so."""
    container = Container()
    container.settings.override(Settings(
        source=AdapterSettings(kind="sample"), store=StoreSettings(kind="memory", name="shop"),
        storefronts=[StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP",
                                        tax_inclusive=True, timezone="Europe/London")],
        database_url=f"sqlite:///{tmp_path / 'state.db'}"))
    families = sample_catalogue(datetime.now(UTC).date(), families=2)
    container.source.override(providers.Object(InMemoryCatalogSource(families)))
    container.storefront.override(providers.Object(InMemoryStorefront("shop")))
    seen: dict[str, object] = {}

    def factory():  # what create_app(container, hooks) would be
        def create_app(got_container, hooks):
            seen["container"], seen["hooks"] = got_container, hooks

            async def app(scope, receive, send):
                if scope["type"] != "http":
                    return
                body = json.dumps({"running": hooks.scheduler_running(), "jobs": [j.kind for j in hooks.upcoming()],
                                   "loop": type(asyncio.get_running_loop()).__module__}).encode()
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": body})

            return app

        return create_app

    port = _free_port()
    answers: list[dict[str, object]] = []

    def client() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                answers.append(httpx.get(f"http://127.0.0.1:{port}/", timeout=2).json())
                break
            except httpx.TransportError:
                time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=client)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="bookbridge.entrypoints.cli.serve"):
            code = run_service(container, http=True, host="127.0.0.1", port=port, app_factory=factory,
                               sync_at_start=False)
    finally:
        thread.join()
        container.shutdown_resources()
    assert code == 0
    assert seen["container"] is container and seen["hooks"] is not None
    assert answers and answers[0]["running"] is True
    uvloop_builds = sys.platform not in ("win32", "cygwin") and platform.python_implementation() == "CPython"
    loop = "uvloop" if uvloop_builds else "asyncio"
    assert answers[0]["loop"].split(".")[0] == loop  # type: ignore[union-attr]
    assert f"HTTP app listening on http://127.0.0.1:{port} (httptools on {loop})" in caplog.messages
    assert {"delta-sync", "order-import", "reconcile", "retry-transient"} <= set(answers[0]["jobs"])  # type: ignore[arg-type]
    assert not seen["hooks"].scheduler_running()  # type: ignore[attr-defined]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the previous handler is back


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_jobs_and_milestones_commands_read_the_database(tmp_path):
    db = tmp_path / "state.db"
    config = tmp_path / "bookbridge.toml"
    config.write_text(f'database_url = "sqlite:///{db}"\n[store]\nkind = "memory"\nname = "shop"\n')
    container = Container()
    container.config_path.override(config)
    service = Service(container, instance="cli-test", order_import=lambda c: None)
    service.start(sync_at_start=False)
    instant = datetime.now(UTC) + timedelta(days=1)
    service.schedule_wakeups([("9781800000018", instant)], {})
    service.shutdown(wait=True)
    SqlAlchemyMilestoneLog(container.engine()).record(MilestoneRecord(
        at=datetime.now(UTC), store="shop", action="schedule-launch", ok=False, detail="no publication date",
        exception_id=3, event=MilestoneEvent("9781800000018", Transition.DATE_CONFIRMED, "no", None)))
    container.shutdown_resources()

    runner = CliRunner()
    jobs = runner.invoke(app, ["jobs", "-c", str(config)], env={"COLUMNS": "250"})
    assert jobs.exit_code == 0, jobs.output
    assert f"at:shop:{instant.isoformat()}" in jobs.output and "delta-sync:shop" in jobs.output
    events = runner.invoke(app, ["milestones", "-c", str(config)], env={"COLUMNS": "250"})
    assert events.exit_code == 0, events.output
    assert "publication date confirmed" in events.output and "exception 3" in events.output  # in words


def test_serve_with_the_http_app_is_ready_then_exits_0_on_sigterm(tmp_path):
    port = _free_port()
    config = tmp_path / "bookbridge.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path / "state.db"}"\n[source]\nkind = "sample"\nfamilies = 3\n'
                      '[store]\nkind = "memory"\nname = "shop"\n[[storefronts]]\nname = "uk"\ncountries = ["GB"]\n'
                      f'currency = "GBP"\n[service]\nport = {port}\n')
    child = subprocess.Popen([str(BOOKBRIDGE), "serve", "-c", str(config)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        ready = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and child.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert ready is not None, child.communicate()[1].decode()[-2000:]
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert ready.status_code == 200 and ready.json()["checks"]["scheduler"] is True, ready.text
    assert child.returncode == 0, err.decode()[-2000:]
