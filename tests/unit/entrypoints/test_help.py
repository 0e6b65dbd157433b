"""Every command's --help names what each option and argument takes in words a reader knows (FILE, ISBN, N,
DAY), never a Python type (`<str>`, `<int>`, `<path>`, `<list[int]>`), and a flag takes no value (`<bool>`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import typer
from typer.core import TyperGroup

from bookbridge.entrypoints.cli import app
from cli_support import run


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_the_walk_finds_every_command():
    assert ("exceptions", "resolve") in COMMANDS and ("lease", "release") in COMMANDS and len(COMMANDS) > 25


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "bookbridge")
def test_help_names_what_each_option_takes_without_a_type_placeholder(command):
    result = run(*command, "--help", columns=100)
    assert result.exit_code == 0, result.output
    placeholders = re.findall(r"<[\w\[\], |.]+>", result.output)
    assert not placeholders, f"{' '.join(command)} --help shows {placeholders}:\n{result.output}"
