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
