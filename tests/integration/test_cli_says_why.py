"""What a new user reads when something is wrong or when asking for help (issue 16): an error names its reason
and its option, a configuration error is worded one way by every command, and help text reads whole at any
width (no code broken at a hyphen, no summary cut short, no option without words)."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bookbridge.adapters.bigcommerce.sandbox.__main__ import parse_args as sandbox_args
from bookbridge.adapters.consonance.standin.__main__ import parse_args as standin_args
from bookbridge.entrypoints.cli import app
from cli_support import UK_STOREFRONT, every_command, forget_configuration, run, sample_config, write_config

WIDTHS = (60, 80, 100, 120)
US_STOREFRONT = ('[[storefronts]]\nname = "us"\nchannel_id = 2\ncountries = ["US"]\ncurrency = "USD"\n'
                 'timezone = "America/New_York"\ndefault_currency = false\n')


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    forget_configuration(monkeypatch)


COMMANDS = every_command()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "bookbridge")
def test_help_never_breaks_a_code_at_its_hyphen_nor_cuts_a_summary(command):
    for width in WIDTHS:
        # As click on a terminal that wide: its help fills the width, 80 columns at most, less 2.
        result = CliRunner().invoke(app, [*command, "--help"], terminal_width=max(min(width, 80) - 2, 50))
        assert result.exit_code == 0, result.output
        broken = [line for line in result.output.splitlines() if re.search(r"\w-$", line)]
        assert not broken, f"at {width} columns, {' '.join(command)} --help breaks {broken}:\n{result.output}"
        listed = result.output.split("\nCommands:", 1)[1] if "\nCommands:" in result.output else ""
        assert "..." not in listed, f"at {width} columns, a summary is cut:\n{result.output}"


def test_exceptions_help_lists_each_kind_whole_on_its_own_line():
    out = run("exceptions", "resolve", "--help", columns=80).output
    lines = {line.strip() for line in out.splitlines()}
    assert {"transient-exhausted", "rights-conflict", "blocking-readiness"} <= lines, out


@pytest.mark.parametrize("parse_args", [sandbox_args, standin_args], ids=["bigcommerce sandbox", "consonance standin"])
def test_every_option_of_the_stand_ins_says_what_it_does(parse_args, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    out = capsys.readouterr().out.split("options:", 1)[1]
    lines = out.splitlines()
    for i, line in enumerate(lines):
        entry = re.match(r"^  (-[^ ].*?)(?: {2,}(\S.*))?$", line)
        if entry and not entry.group(2):  # the words may start on the next line, further in
            following = lines[i + 1] if i + 1 < len(lines) else ""
            assert re.match(r"^ {10,}\S", following), f"{entry.group(1)} has no help:\n{out}"


def test_check_strict_names_the_check_that_failed_with_its_counts(tmp_path):
    config = write_config(tmp_path, sample_config(8) + US_STOREFRONT)
    relaxed = run("check", "-c", str(config))
    assert relaxed.exit_code == 0 and relaxed.output.rstrip().endswith("all checks passed"), relaxed.output
    held = re.search(r"│ storefront 'us'\s+│\s+\d+ │\s+\d+ │\s+\d+ │\s+(\d+) │", relaxed.output)
    assert held and int(held.group(1)) > 0, relaxed.output  # the sample lacks USD prices for some editions
    strict = run("check", "--strict", "-c", str(config))
    assert strict.exit_code == 1, strict.output
    assert strict.output.rstrip().splitlines()[-1] == (
        f"some checks failed: --strict: a blocking problem would hold editions back: {held.group(1)} on "
        "storefront 'us' (see Problems by code)"), strict.output


@pytest.mark.parametrize(("args", "option", "value"), [
    (("sales", "report", "--from", "2026-12-99"), "--from", "2026-12-99"),
    (("sales", "report", "--to", "2026-13-01"), "--to", "2026-13-01"),
    (("sales", "export", "--from", "yesterday"), "--from", "yesterday"),
    (("orders", "import", "--since", "last tuesday"), "--since", "last tuesday"),
])
def test_a_bad_day_is_an_error_naming_its_option(tmp_path, args, option, value):
    config = write_config(tmp_path, sample_config(2))
    result = run(*args, "-c", str(config))
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}': " in result.output and f"'{value}'" in result.output, result.output


UNSET = ('[source]\nkind = "consonance"\nbase_url = "http://127.0.0.1:9"\napi_key_env = "BB_WALK_UNSET_KEY"\n'
         '[store]\nkind = "bigcommerce"\nname = "shop"\nstore_hash_env = "BB_WALK_UNSET_HASH"\n'
         'access_token = "t0ken"\n')


def test_every_command_words_an_adapter_it_cannot_set_up_the_same_way(tmp_path, monkeypatch):
    for name in ("BB_WALK_UNSET_KEY", "BB_WALK_UNSET_HASH"):
        monkeypatch.delenv(name, raising=False)
    config = write_config(tmp_path, UNSET + UK_STOREFRONT)
    lines = ["[source] api_key_env: environment variable 'BB_WALK_UNSET_KEY' is not set",
             "[store] store_hash_env: environment variable 'BB_WALK_UNSET_HASH' is not "
             "set"]
    for command in ("plan", "sync", "check", "reconcile"):
        result = run(command, "-c", str(config))
        assert result.exit_code == 2, (command, result.output)
        assert result.output.startswith("invalid configuration:\n  " + "\n  ".join(lines) + "\n"), (command,
                                                                                                   result.output)
    missing = write_config(tmp_path, UNSET.replace('base_url = "http://127.0.0.1:9"\napi_key_env = '
                                                   '"BB_WALK_UNSET_KEY"', 'api_key = "k"').replace(
        'store_hash_env = "BB_WALK_UNSET_HASH"', 'store_hash = "abc123"') + UK_STOREFRONT)
    said = {command: run(command, "-c", str(missing)).output for command in ("plan", "check")}
    line = "[source] source adapter 'consonance' needs 'base_url', the tenant's address (without /graphql)"
    assert all(line in out for out in said.values()), said


def test_a_command_that_builds_its_adapters_itself_says_an_unset_variable_as_the_start_up_check(tmp_path,
                                                                                            monkeypatch):
    """`source inspect` and `orders import` build their adapters after the start-up check: an unset variable is
    the same line all the same, naming the table (`check` says the sales sink's so too)."""
    for name in ("BB_WALK_UNSET_KEY", "BB_WALK_UNSET_HASH", "BB_WALK_UNSET_SINK"):
        monkeypatch.delenv(name, raising=False)
    config = write_config(tmp_path, UNSET + UK_STOREFRONT)
    inspected = run("source", "inspect", "-c", str(config))
    assert inspected.exit_code == 2, inspected.output
    assert inspected.output.startswith("invalid configuration: [source] api_key_env: environment variable "
                                       "'BB_WALK_UNSET_KEY' is not set\n"), inspected.output
    imported = run("orders", "import", "-c", str(config))
    assert imported.exit_code == 2, imported.output
    assert imported.output.startswith("invalid configuration: [store] store_hash_env: environment variable "
                                      "'BB_WALK_UNSET_HASH' is not set\n"), imported.output
    document = tmp_path / "sales.graphql"
    document.write_text("mutation { recordSales }", encoding="utf-8")
    sink = write_config(tmp_path, sample_config(2) + '\n[[sales_sinks]]\nkind = "consonance-graphql"\nname = '
                        '"ledger"\nbase_url = "http://127.0.0.1:9"\napi_key_env = "BB_WALK_UNSET_SINK"\n'
                        f'document = "{document}"\n')
    line = "[[sales_sinks]] 'ledger' api_key_env: environment variable 'BB_WALK_UNSET_SINK' is not set"
    for command in (("orders", "import"), ("check",)):
        result = run(*command, "-c", str(sink))
        assert result.exit_code == 2 and line in result.output, (command, result.output)


README = Path(__file__).resolve().parents[2] / "README.md"
# What each exit code of `bookbridge sync` means, as README's table and `sync --help` both say it.
SYNC_EXITS = {
    "0": ("all good",),
    "1": ("an edition the store refused", "a source that could not be read at all"),
    "2": ("the configuration is invalid",),
    "3": ("another instance holds the store's lease",),
}


def test_sync_help_and_the_readme_give_the_same_exit_codes():
    rows = {found.group(1): " ".join(found.group(2).split()) for line in README.read_text(encoding="utf-8").splitlines()
            if (found := re.fullmatch(r"\| (\d) \| (.*) \|", line))}
    help_text = " ".join(CliRunner().invoke(app, ["sync", "--help"], terminal_width=200).output.split())
    for code, phrases in SYNC_EXITS.items():
        said = re.search(rf"\b{code}: (.*?)(; \d:|$)", help_text.split("Exit ", 1)[-1])
        assert said, f"sync --help gives no exit {code}:\n{help_text}"
        assert "held back" not in said.group(1) or code == "0", "held-back editions are no failure of the run"
        for phrase in phrases:
            assert phrase in rows[code], (code, phrase, rows[code])
            assert phrase in said.group(1), (code, phrase, said.group(1))


def test_serve_and_check_say_an_unset_admin_token_variable_as_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.delenv("BB_WALK_UNSET_ADMIN", raising=False)
    config = write_config(tmp_path, sample_config(2) + '\n[http]\nadmin_token_env = "BB_WALK_UNSET_ADMIN"\n')
    line = "[http] admin_token_env: environment variable 'BB_WALK_UNSET_ADMIN' is not set"
    served = run("serve", "-c", str(config))
    assert served.exit_code == 2, served.output
    assert served.output.startswith(f"invalid configuration: {line}\n"), served.output
    assert "Traceback" not in served.output
    checked = run("check", "-c", str(config))
    assert checked.exit_code == 2, checked.output
    assert checked.output.startswith(f"invalid configuration: {line}\n"), checked.output


def test_only_check_and_serve_need_the_http_tables_variables_set(tmp_path, monkeypatch):
    monkeypatch.delenv("BB_WALK_UNSET_ADMIN", raising=False)
    config = write_config(tmp_path, sample_config(2) + '\n[http]\nadmin_token_env = "BB_WALK_UNSET_ADMIN"\n')
    for command in (["plan"], ["runs"]):
        result = run(*command, "-c", str(config))
        assert result.exit_code == 0, (command, result.output)
        assert "admin_token_env" not in result.output, (command, result.output)
    # Every command reads `[http]` with the rest of the configuration: a misspelt key there is refused by all.
    misspelt = write_config(tmp_path, sample_config(2) + '\n[http]\nadmin_tokn_env = "BB_WALK_UNSET_ADMIN"\n')
    refused = run("runs", "-c", str(misspelt))
    assert refused.exit_code == 2 and "[http] admin_tokn_env: unknown key" in refused.output, refused.output
    documented = " ".join((Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text().split())
    assert "`check` and `serve` refuse an `[http]` key whose variable is unset" in documented
    assert "do not read it" not in documented and "Only `check` and `serve` read the `[http]` table" not in documented
    assert "every command refuses an unknown key in `[http]` as in any table" in documented, documented
    template = (Path(__file__).resolve().parents[2] / "src" / "entrypoints" / "cli" / "init_template.toml").read_text()
    assert "(unset: locked)" not in template
    assert "`check` and `serve` refuse it otherwise" in template
    assert "left out, the admin API and dashboard are locked" in template


def test_serve_on_a_taken_port_says_so_and_exits_1(tmp_path):
    config = write_config(tmp_path, sample_config(2))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port), "-c", str(config))
    assert result.exit_code == 1, result.output
    assert (f"cannot listen on 127.0.0.1:{port}: the address is already in use (another bookbridge serve?); "
            "choose another with --port") in " ".join(result.output.split()), result.output
    rows = {found.group(1): found.group(2) for line in README.read_text(encoding="utf-8").splitlines()
            if (found := re.fullmatch(r"\| (\d) \| (.*) \|", line))}
    serve_help = " ".join(run("serve", "--help", columns=200).output.split())
    assert "cannot listen on its address" in rows["1"] and "1: it cannot listen on its address" in serve_help


def test_demo_serve_on_a_taken_port_says_so_before_anything_starts():
    """README: a `demo --serve` that cannot listen exits 1 with nothing started: no demo, no announcement."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("demo", "--serve", "--port", str(port))
    assert result.exit_code == 1, result.output
    assert " ".join(result.output.split()) == (
        f"cannot listen on 127.0.0.1:{port}: the address is already in use (another bookbridge serve?); choose "
        "another with --port"), result.output
