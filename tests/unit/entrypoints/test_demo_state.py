"""Reading the demo's state after it: the kept configuration file, and the pointers with and without --keep."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from bookbridge.entrypoints.cli.demo import demo_configuration
from bookbridge.entrypoints.cli.demo_state import Afterwards, toml_text, write_kept_config
from bookbridge.entrypoints.settings import embedded_settings, load_settings


def sandbox() -> SimpleNamespace:
    """What the demo's configuration reads of its sandbox: the store's address and credentials."""
    return SimpleNamespace(config=SimpleNamespace(store_hash="sandbox", token="t0ken"),
                           base_url_v3="http://127.0.0.1:1/v3/", base_url_v2="http://127.0.0.1:1/v2/")


def test_the_kept_configuration_file_reads_as_the_settings_the_demo_ran_on(tmp_path: Path, monkeypatch):
    for name in ("BOOKBRIDGE_CONFIG", "BOOKBRIDGE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    configuration = demo_configuration(tmp_path, sandbox(), today=date(2026, 12, 4))  # type: ignore[arg-type]
    path = write_kept_config(tmp_path, configuration)
    assert tomllib.loads(path.read_text(encoding="utf-8")) == configuration
    assert load_settings(path) == embedded_settings(**configuration)


def test_toml_text_writes_keys_then_tables_then_lists_of_tables():
    text = toml_text({"tables": [{"a": True}], "table": {"path": "C:\\x \"y\""}, "key": 1})
    assert text.index("key = 1") < text.index("[table]") < text.index("[[tables]]")
    assert tomllib.loads(text) == {"key": 1, "table": {"path": "C:\\x \"y\""}, "tables": [{"a": True}]}


def test_without_keep_a_pointer_says_to_run_the_demo_again_with_keep_or_serve():
    said = Afterwards().lists("milestones", "the milestones")
    assert said.startswith("`bookbridge milestones` lists the milestones")
    assert "`bookbridge demo --keep`" in said and "--serve" in said
    kept = Afterwards(Path("/tmp/demo/bookbridge.toml")).lists("milestones", "the milestones")
    assert kept == "`bookbridge milestones -c /tmp/demo/bookbridge.toml` lists the milestones"



def test_under_serve_a_pointer_names_the_dashboard_it_serves_not_a_rerun():
    said = Afterwards(serving=True).lists("exceptions list", "them all")
    assert "dashboard this demo serves" in said and "--keep" not in said and "goes when the demo ends" not in said


def test_kept_the_jobs_at_an_instant_are_scheduled_by_serve_on_the_kept_configuration():
    kept = Afterwards(Path("/tmp/demo/bookbridge.toml")).jobs()
    assert "`bookbridge serve -c /tmp/demo/bookbridge.toml` schedules them" in kept, kept


def test_unkept_the_jobs_at_an_instant_are_said_as_a_service_would_schedule_them_not_as_listed_now():
    # The demo's state holds no job scheduled: `bookbridge jobs` lists them only once a service has run on it.
    said = Afterwards().jobs()
    assert "`bookbridge serve` schedules them, and then `bookbridge jobs` lists them" in said, said
    assert "`bookbridge demo --keep`" in said and "goes when the demo ends" in said, said
    served = Afterwards(serving=True).jobs()
    assert "the service this demo runs" in served and "\"Scheduled jobs\"" in served and "--keep" not in served
