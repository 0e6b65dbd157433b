"""Every command reads the whole configuration as `check` does: a misspelt key of a sales sink or an exception
queue is refused (exit 2) by each of them alike, whether or not the command uses that table; a key misspelt in
an environment variable is named as that variable. `source inspect` reads no state database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from click import Command

from bookbridge.entrypoints.cli import app
from cli_support import every_command, forget_configuration, run, sample_config, write_config

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


@pytest.mark.parametrize(("variable", "key", "meant"), [
    ("BOOKBRIDGE_DATABSE_URL", "databse_url", "BOOKBRIDGE_DATABASE_URL"),
    ("BOOKBRIDGE_SCHEDULE__DELTA_SYNC_MINUTES", "schedule", "BOOKBRIDGE_SCHEDULES__DELTA_SYNC_MINUTES")])
def test_a_misspelt_top_level_environment_variable_is_named_as_that_variable(tmp_path, monkeypatch, variable, key,
                                                                            meant):
    config = write_config(tmp_path, sample_config(2))
    monkeypatch.setenv(variable, "3")
    result = run("runs", "-c", str(config))
    assert result.exit_code == 2, result.output
    out = said(result)
    assert f"{key}: unknown top-level key (from the environment variable {variable}; did you mean {meant}?" in out, out


def test_variables_read_outside_the_settings_or_named_by_an_env_key_are_not_refused(tmp_path, monkeypatch):
    config = write_config(tmp_path, sample_config(2) + '\n[http]\nadmin_token_env = "BOOKBRIDGE_ADMIN_TOKEN"\n')
    for variable in ("BOOKBRIDGE_DISABLED_PLUGINS", "BOOKBRIDGE_TEST_PG_URL", "BOOKBRIDGE_STATEFUL_EXAMPLES",
                     "BOOKBRIDGE_SCREENSHOTS", "BOOKBRIDGE_ADMIN_TOKEN", "BOOKBRIDGE_SLACK_URL"):
        monkeypatch.setenv(variable, "x" if variable != "BOOKBRIDGE_DISABLED_PLUGINS" else "")
    # A key's variable named by another variable counts too.
    monkeypatch.setenv("BOOKBRIDGE_HTTP__WEBHOOK_CUSTOM_HEADER", "x-hook")
    monkeypatch.setenv("BOOKBRIDGE_HTTP__WEBHOOK_CUSTOM_HEADER_ENV", "BOOKBRIDGE_SLACK_URL")
    result = run("runs", "-c", str(config))
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("BOOKBRIDGE_ADMIN_TOKENS", "x")
    assert run("runs", "-c", str(config)).exit_code == 2


def test_source_inspect_creates_no_state_database(tmp_path: Path):
    config = write_config(tmp_path, sample_config(2))
    result = run("source", "inspect", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "state.db").exists()


def _takes_a_configuration(words: tuple[str, ...]) -> bool:
    command: Command = typer.main.get_command(app)
    for word in words:
        command = command.commands[word]  # type: ignore[attr-defined]
    return any("--config" in getattr(param, "opts", ()) for param in command.params)


CONFIGURED = [c for c in every_command() if c and _takes_a_configuration(c)]
# What a command needs besides the configuration to get as far as reading it.
ARGUMENTS = {("exceptions", "show"): ("1",), ("exceptions", "retry"): ("1",),
             ("exceptions", "resolve"): ("1", "--note", "done"), ("lease", "release"): ("sync:shop",)}


def test_the_walk_finds_the_commands_that_read_a_configuration():
    assert {("check",), ("plan",), ("reconcile",), ("source", "inspect"), ("lease", "release")} <= set(CONFIGURED)
    assert ("init",) not in CONFIGURED and ("demo",) not in CONFIGURED


@pytest.mark.parametrize("command", CONFIGURED, ids=" ".join)
def test_every_command_that_reads_the_configuration_exits_2_on_a_bad_one_and_its_help_says_so(tmp_path, command):
    """README: each command's --help says which exit codes it gives; every command given --config refuses an
    invalid configuration (here a key misspelt in `[http]`, a table most commands do not use) with exit 2."""
    config = write_config(tmp_path, sample_config(2) + '\n[http]\nadmin_tokn_env = "X"\n')
    result = run(*command, *ARGUMENTS.get(command, ()), "-c", str(config))
    assert result.exit_code == 2, result.output
    assert "[http] admin_tokn_env: unknown key" in said(result), result.output
    helped = said(run(*command, "--help"))
    exits = helped[helped.find("xit "):]
    assert re.search(r"\b2\b[^.]*? the configuration( or [^.]*?)? is invalid", exits), \
        f"{' '.join(command)} --help does not say it exits 2 on an invalid configuration: {helped}"
