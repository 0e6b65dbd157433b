"""Every command reads the whole configuration as `check` does: a misspelt key of a sales sink or an exception
queue is refused (exit 2) by each of them alike, whether or not the command uses that table; a key misspelt in
an environment variable is named as that variable. `source inspect` reads no state database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli_support import forget_configuration, run, sample_config, write_config

SINK_TYPO = '\n[[sales_sinks]]\nkind = "csv"\ndirectry = "x"\n'
QUEUE_TYPO = '\n[[exception_queues]]\nkind = "webhook"\nurl = "https://hooks.example/x"\ntimout = 3\n'


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    forget_configuration(monkeypatch)


def said(result) -> str:
    return " ".join(result.output.split())  # rich may wrap a long line


@pytest.mark.parametrize("command", [["check"], ["plan"], ["sync"], ["runs"], ["orders", "import"],
                                     ["exceptions", "list"], ["sales", "report"], ["source", "inspect"]])
@pytest.mark.parametrize(("table", "key"), [(SINK_TYPO, "directry"), (QUEUE_TYPO, "timout")], ids=["sink", "queue"])
def test_every_command_refuses_a_misspelt_sink_or_queue_key(tmp_path, command, table, key):
    config = write_config(tmp_path, sample_config(2) + table)
    result = run(*command, "-c", str(config))
    assert result.exit_code == 2, result.output
    assert f"{key}: unknown key" in said(result), result.output


def test_check_builds_the_sales_sinks(tmp_path):
    config = write_config(tmp_path, sample_config(2) + '\n[[sales_sinks]]\nkind = "csv"\n')  # no directory
    result = run("check", "-c", str(config))
    assert result.exit_code == 2, result.output
    assert "[[sales_sinks]] 'csv'" in said(result) and "'directory'" in said(result), result.output


def test_a_misspelt_key_in_an_environment_variable_is_named_as_that_variable(tmp_path, monkeypatch):
    config = write_config(tmp_path, sample_config(2))
    monkeypatch.setenv("BOOKBRIDGE_SCHEDULES__DELTA_SYNC_MINUTE", "3")
    result = run("plan", "-c", str(config))
    assert result.exit_code == 2, result.output
    out = said(result)
    assert re.search(r"environment variable BOOKBRIDGE_SCHEDULES__DELTA_SYNC_MINUTE\b", out), out
    assert "did you mean BOOKBRIDGE_SCHEDULES__DELTA_SYNC_MINUTES?" in out, out


def test_source_inspect_creates_no_state_database(tmp_path: Path):
    config = write_config(tmp_path, sample_config(2))
    result = run("source", "inspect", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "state.db").exists()
