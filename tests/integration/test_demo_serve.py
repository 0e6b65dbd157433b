"""`bookbridge demo --serve`: after the demo, the service and its dashboard run on the demo's state, the printed
URL and token sign in, the dashboard shows the demo's runs, sales and scheduled launches, and SIGTERM stops it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "bookbridge"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_line(process: subprocess.Popen[str], pattern: str, seen: list[str], deadline: float) -> re.Match[str]:
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"the demo ended before printing {pattern!r}:\n" + "".join(seen[-60:]))
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError(f"no line matched {pattern!r} in time:\n" + "".join(seen[-60:]))


def _jobs_at_instants(client: httpx.Client, admin: dict[str, str], deadline: float, expected: int) -> list[str]:
    """The service's jobs at an instant once its first sync has scheduled them (it adds them one by one): read
    until `expected` of them are there twice a second apart, or the deadline passes (then the last read)."""
    seen: list[str] = []
    while time.monotonic() < deadline:
        ids = sorted(job["id"] for job in client.get("/api/upcoming?limit=500", headers=admin).json()
                     if job["id"].startswith("at:demo store:"))
        if len(ids) == expected and ids == seen:
            return ids
        seen = ids
        time.sleep(1)
    return seen


def test_demo_serve_keeps_the_dashboard_running_until_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKBRIDGE_")} | {"COLUMNS": "250"}
    process = subprocess.Popen([str(BIN), "demo", "--serve", "--port", str(port)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 240
        found = _wait_for_line(process, r"Dashboard: http://127\.0\.0\.1:(\d+)/ .*admin token: (\S+)\)", seen,
                               deadline)
        assert int(found.group(1)) == port
        token = found.group(2)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            while time.monotonic() < deadline:
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            else:
                raise AssertionError("the service never became ready")
            assert client.get("/api/runs").status_code == 401, "the admin API needs the token"
            admin = {"Authorization": f"Bearer {token}"}
            runs = client.get("/api/runs", headers=admin)
            assert runs.status_code == 200 and len(runs.json()) >= 4, runs.text  # the demo's syncs are on record
            assert {r["store"] for r in runs.json()} == {"demo store"}, "a run is the store's, not a storefront's"
            plan = client.get("/api/plan", headers=admin).json()
            assert set(plan["counts"]) == {"create", "adopt", "update", "hide", "unchanged", "held_back"}, plan
            # Jobs in plain words, as the dashboard and `bookbridge jobs` show them; prices as money.
            upcoming = client.get("/api/upcoming", headers=admin).json()
            details = " ".join(job["detail"] for job in upcoming)
            assert "every 15 minutes" in details and "daily at 02:00 UTC" in details, details
            assert not re.search(r"(cron|interval|date)\[", details), details
            assert re.search(r"back to (£|US\$)\d+\.\d\d", details) and not re.search(r"(GBP|USD) \d", details)
            # A job at an instant is named for when it runs, not as a launch: a campaign flip's id too.
            at_instants = {job["kind"]: job["id"] for job in upcoming if job["kind"] in ("launch", "campaign")}
            assert at_instants["campaign"].startswith("at:demo store:"), upcoming
            assert not any(job["id"].startswith("launch:") for job in upcoming), upcoming
            # The demo's count of what is ahead is the service's: one job at each instant a listing changes.
            ahead = re.search(r"Ahead of now, for the service: (\d+) jobs? at an instant", "".join(seen))
            assert ahead, "".join(seen[-60:])
            expected = int(ahead.group(1))
            assert len(_jobs_at_instants(client, admin, deadline, expected)) == expected > 0, ahead.group(0)
            signed_in = client.post("/login", data={"token": token}, follow_redirects=False)
            assert signed_in.status_code == 303, signed_in.text
            page = client.get("/dashboard")
            assert page.status_code == 200
            assert "<h2>Sales" in page.text and "The Northern Library" in page.text, page.text[:2000]
            assert 'id="runs"' in page.text and 'id="exceptions"' in page.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
