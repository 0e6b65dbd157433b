"""Every command's --help names what each option and argument takes in words a reader knows (FILE, ISBN, N,
DAY), never a Python type (`<str>`, `<int>`, `<path>`, `<list[int]>`), and a flag takes no value (`<bool>`)."""

from __future__ import annotations

import re

import pytest

from cli_support import every_command, run

COMMANDS = every_command()


def test_the_walk_finds_every_command():
    assert ("exceptions", "resolve") in COMMANDS and ("lease", "release") in COMMANDS and len(COMMANDS) > 25


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "bookbridge")
def test_help_names_what_each_option_takes_without_a_type_placeholder(command):
    result = run(*command, "--help", columns=100)
    assert result.exit_code == 0, result.output
    placeholders = re.findall(r"<[\w\[\], |.]+>", result.output)
    assert not placeholders, f"{' '.join(command)} --help shows {placeholders}:\n{result.output}"


def test_the_sales_reports_default_window_is_said_as_it_is():
    """The default is the 28 days ending on --to (--to among them), not 28 days before it."""
    text = " ".join(run("sales", "report", "--help").output.split())
    assert "the 28 days ending on --to" in text and "days before --to" not in text, text


@pytest.mark.parametrize("command", [c for c in COMMANDS if not any(o[:len(c)] == c != o for o in COMMANDS)],
                         ids=lambda c: " ".join(c))
def test_every_commands_help_says_how_it_exits(command):
    """README's exit codes are the one table; each command's --help says which of them it gives."""
    text = " ".join(run(*command, "--help").output.split())
    assert re.search(r"\bExits? \d", text), f"{' '.join(command)} --help says no exit code:\n{text}"


def test_orders_import_help_gives_every_exit_code_readme_gives_it():
    text = " ".join(run("orders", "import", "--help").output.split())
    assert all(re.search(rf"\b[Ee]xits? {code}\b|, {code}\b| or {code}\b", text) for code in (1, 2, 3)), text


@pytest.mark.parametrize("command", [c for c in COMMANDS if not any(o[:len(c)] == c != o for o in COMMANDS)],
                         ids=lambda c: " ".join(c))
def test_every_usage_line_writes_its_arguments_one_way(command):
    """One way for every command: a required argument bare (`ID`), an optional one in brackets as [OPTIONS] is
    (`[FILE]`), several followed by `...` (`[ID]...`); never typer's braces (`{ID}`)."""
    usage = next(line for line in run(*command, "--help", columns=200).output.splitlines() if line.startswith("Usage:"))
    arguments = usage.split("[OPTIONS]", 1)[1].split()
    assert all(re.fullmatch(r"[A-Z_]+(\.\.\.)?|\[[A-Z_]+\](\.\.\.)?", a) for a in arguments), usage


@pytest.mark.parametrize(("command", "arguments"), [(("exceptions", "show"), "ID"), (("exceptions", "retry"), "ID"),
                                                    (("lease", "release"), "NAME"), (("init",), "[FILE]"),
                                                    (("exceptions", "resolve"), "[ID]...")])
def test_a_required_argument_is_written_bare_and_an_optional_one_in_brackets(command, arguments):
    usage = run(*command, "--help", columns=200).output.splitlines()[0]
    assert usage == f"Usage: root {' '.join(command)} [OPTIONS] {arguments}"
