"""The service's log lines speak the glossary: a job's schedule in words (`every 15 minutes`), never APScheduler's
trigger text (`interval[0:15:00]`, `cron[...]`), and its start and end in bookbridge's own lines. The real
scheduler runs the delta sync that a start runs at once, with JSON lines on stderr as when it is not a terminal."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

import pytest

from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.container import Container
from bookbridge.entrypoints.logs import configure_logging
from bookbridge.entrypoints.service import Service
from bookbridge.entrypoints.settings import AdapterSettings, Settings, StoreSettings

UK = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")
FINISHED = "delta sync of store 'shop' finished"
WAIT_S = 120  # how long the first sync may take on a loaded machine before the test gives up


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG], ids=["info", "verbose"])
def test_the_service_logs_each_job_with_its_schedule_in_words(tmp_path: Path, monkeypatch, level: int) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    root = logging.getLogger()
    before = root.level
    handler = configure_logging(level, json_lines=True)
    container = Container()
    container.settings.override(Settings(source=AdapterSettings(kind="sample", families=3),
                                         store=StoreSettings(kind="memory", name="shop"), storefronts=[UK],
                                         database_url=f"sqlite:///{tmp_path / 'state.db'}"))
    service = Service(container, instance="logs")
    try:
        service.start()  # the delta sync runs at once
        deadline = time.monotonic() + WAIT_S
        while FINISHED not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        service.shutdown(wait=True)
        container.shutdown_resources()
        root.removeHandler(handler)
        root.setLevel(before)
    lines = _lines(stream)
    messages = [line["message"] for line in lines]
    assert any(m.startswith(FINISHED) for m in messages), messages
    [synced] = [line for line in lines if line["message"].startswith("sync run 1 of store 'shop' finished")]
    assert "held back 0" in synced["message"] and synced["counts"]["held_back"] == 0, synced
    for text in messages:
        assert "interval[" not in text and "cron[" not in text and "date[" not in text, text
        assert "skipped" not in text, text
    [begun] = [line["message"] for line in lines if line["message"].startswith("scheduler started")]
    for regular in ("delta sync of store 'shop' every 15 minutes", "order import every 5 minutes",
                    "reconcile of store 'shop' daily at 02:00 UTC"):
        assert regular in begun, begun
    # The glossary's word for a launch's or a campaign flip's one-off sync: a job at an instant.
    assert begun.endswith("; 0 jobs at an instant ahead"), begun
    scheduled = [m for m in messages if " scheduled; next at " in m]
    assert scheduled and all(re.fullmatch(r"(1 job|\d+ jobs) at an instant scheduled; next at \S+ \S+ UTC", m)
                             for m in scheduled), scheduled
    assert not [m for m in messages if "precise" in m or "launch or campaign job" in m], messages
    [started] = [line for line in lines if line["message"].startswith("delta sync of store 'shop' started")]
    assert started["message"] == "delta sync of store 'shop' started (every 15 minutes)"
    assert (started["level"], started["schedule"], started["job_id"]) == ("info", "every 15 minutes",
                                                                         "delta-sync:shop")
    scheduler = [line for line in lines if line["logger"].startswith("apscheduler")]
    if level == logging.INFO:  # APScheduler's chatter is DEBUG: only bookbridge's own lines say what ran
        assert [line for line in scheduler if line["level"] == "info"] == []
    else:  # under --verbose its lines are there, the schedule said in words
        running = [line["message"] for line in scheduler if line["message"].startswith("Running job")]
        assert running and all("delta_sync (every 15 minutes, next run at: " in m for m in running), running
