"""What the commands take as arguments, and what they refuse: an id or a limit past what the state database holds,
a limit that shows nothing or everything, days before the sales ledger begins, a note that says nothing, a name
or a path that names nothing. Each refusal is typer's (`Usage: …`, `Error: Invalid value for '--limit': …`,
exit 2), never a traceback; README's exit codes say the same."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bookbridge.domain.ports import MAX_INTEGER
from cli_support import forget_configuration, run, sample_config, write_config

README = Path(__file__).resolve().parents[2] / "README.md"
DOCS = README.parent / "docs"
TOO_BIG = "99999999999999999999"  # past SQLite's INTEGER as well as PostgreSQL's


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    forget_configuration(monkeypatch)
    return write_config(tmp_path, sample_config(families=3))


def said(output: str) -> str:
    """What a command said, on one line (rich wraps an error's box)."""
    return " ".join(output.split())


def _refused(result, option: str) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    words = said(result.output)
    assert "Traceback" not in words and "Error" in words, words
    assert result.output.startswith("Usage: "), result.output  # typer's framing: the usage, then the error
    assert f"Invalid value for '{option}'" in words, words
    return words


@pytest.mark.parametrize("command", [("exceptions", "show"), ("exceptions", "retry"),
                                     ("exceptions", "resolve", "--note", "x")], ids=" ".join)
@pytest.mark.parametrize("value", [TOO_BIG, str(MAX_INTEGER + 1), "0"])
def test_an_exception_id_past_the_ids_the_database_holds_is_refused_as_not_one(config, command, value):
    words = _refused(run(*command, value, "-c", str(config)), "ID")
    # As the API's path parameter exception_id says it (test_http_hardening): the number unquoted.
    assert f"Invalid value for 'ID': must be an exception id, a whole number from 1 to {MAX_INTEGER}; it is " \
           f"{value}" in words, words


def test_an_exception_id_that_is_no_number_is_refused_as_the_api_refuses_it(config):
    words = _refused(run("exceptions", "show", "abc", "-c", str(config)), "ID")
    assert f"Invalid value for 'ID': must be an exception id, a whole number from 1 to {MAX_INTEGER}; it is " \
           "'abc'" in words, words


@pytest.mark.parametrize("command", [("runs",), ("jobs",), ("milestones",)], ids=" ".join)
@pytest.mark.parametrize(("value", "why"), [(TOO_BIG, f"must be at most {MAX_INTEGER}; it is {TOO_BIG}"),
                                            (str(MAX_INTEGER + 1), f"must be at most {MAX_INTEGER}; it is "
                                                                   f"{MAX_INTEGER + 1}"),
                                            ("0", "must be at least 1; it is 0"),
                                            ("-1", "must be at least 1; it is -1"),
                                            ("two", "must be a whole number; it is 'two'")])
def test_a_limit_that_is_no_count_to_show_is_refused_in_the_words_the_api_uses(config, command, value, why):
    words = _refused(run(*command, "--limit", value, "-c", str(config)), "--limit")
    assert f"Invalid value for '--limit': {why}" in words, words
    assert "Input should" not in words, words  # pydantic's words, never the project's
    help_text = said(run(*command, "--help").output)
    assert f"(from 1 to {MAX_INTEGER})" in help_text, help_text  # the range, as an exception id's is given


@pytest.mark.parametrize("command", [("runs",), ("jobs",), ("milestones",)], ids=" ".join)
def test_the_largest_limit_is_taken(config, command):
    result = run(*command, "--limit", str(MAX_INTEGER), "-c", str(config))
    assert result.exit_code == 0, result.output


def test_milestones_limit_says_it_counts_milestones():
    words = said(run("milestones", "--help").output)
    assert "how many milestones to show" in words and "events" not in words, words


def test_sales_days_before_the_ledger_begins_count_as_its_first_day_as_the_api_counts_them(config):
    """The API brings a day before 1970-01-01 (or after 9999-01-01) to that bound; so does the CLI."""
    early = run("sales", "report", "--from", "0001-01-01", "--to", "0001-01-02", "--json", "-c", str(config))
    assert early.exit_code == 0, early.output
    assert (json.loads(early.output)["start"], json.loads(early.output)["end"]) == ("1970-01-01", "1970-01-01")
    late = run("sales", "report", "--from", "9999-12-01", "--to", "9999-12-31", "--json", "-c", str(config))
    assert late.exit_code == 0, late.output
    assert (json.loads(late.output)["start"], json.loads(late.output)["end"]) == ("9999-01-01", "9999-01-01")
    wide = run("sales", "report", "--from", "0001-01-01", "--to", "9999-12-31", "--json", "-c", str(config))
    assert wide.exit_code == 0, wide.output
    assert (json.loads(wide.output)["start"], json.loads(wide.output)["end"]) == ("1970-01-01", "9999-01-01")


def test_a_report_whose_last_day_is_before_its_first_is_refused_naming_both(config):
    words = _refused(run("sales", "report", "--from", "2026-12-07", "--to", "2026-12-01", "-c", str(config)), "--to")
    assert "2026-12-01 is before --from 2026-12-07" in words, words


def test_an_order_import_since_before_1970_reads_from_1970(config):
    result = run("orders", "import", "--since", "0001-01-01", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert "read from 1970-01-01 00:00 UTC" in said(result.output), result.output


@pytest.mark.parametrize(("value", "why"), [("yesterday", ""), ("2026-13-01", " (month must be in 1..12)")])
def test_since_that_is_no_day_or_instant_is_refused_as_the_other_days_are(config, value, why):
    words = _refused(run("orders", "import", "--since", value, "-c", str(config)), "--since")
    assert f"'{value}' is not a day or an instant{why}: give one as 2026-12-07 or 2026-12-07T09:00Z" in words, words
    assert "isoformat" not in words, words


def test_a_day_that_is_not_one_is_refused_in_the_words_the_api_uses(config):
    """As /api/sales says it of start and end (test_http_hardening), with the reason when there is more to say."""
    words = _refused(run("sales", "report", "--from", "yesterday", "-c", str(config)), "--from")
    assert "Invalid value for '--from': must be a day as YYYY-MM-DD; it is 'yesterday'" in words, words
    assert "isoformat" not in words, words
    words = _refused(run("sales", "report", "--to", "2026-12-99", "-c", str(config)), "--to")
    assert "must be a day as YYYY-MM-DD; it is '2026-12-99' (day is out of range for month)" in words, words
    words = _refused(run("sales", "export", "--from", "2026-13-01", "-c", str(config)), "--from")
    assert "must be a day as YYYY-MM-DD; it is '2026-13-01' (month must be in 1..12)" in words, words


def _open_ids(config: Path) -> list[int]:
    listed = run("exceptions", "list", "--json", "-c", str(config))
    assert listed.exit_code == 0, listed.output
    return [e["id"] for e in json.loads(listed.output)]


@pytest.mark.parametrize("note", ["", "   "])
def test_resolving_needs_a_note(tmp_path, monkeypatch, note):
    forget_configuration(monkeypatch)
    config = write_config(tmp_path, sample_config(families=25))  # enough to have titles with no cover
    assert run("sync", "-c", str(config)).exit_code == 0
    before = _open_ids(config)
    assert before
    words = _refused(run("exceptions", "resolve", str(before[0]), "--note", note, "-c", str(config)), "--note")
    assert "a note is needed: say what was done about it" in words, words
    assert _open_ids(config) == before  # nothing was resolved


def test_a_lease_that_is_not_held_is_an_unknown_name_exit_2(config):
    words = _refused(run("lease", "release", "nosuch", "-c", str(config)), "NAME")
    assert "no lease named 'nosuch' is held (`bookbridge lease list` shows the held ones)" in words, words


def test_init_into_a_folder_that_does_not_exist_is_a_path_refused_exit_2(tmp_path):
    missing = tmp_path / "nonexistent" / "x.toml"
    words = _refused(run("init", str(missing)), "FILE")
    assert f"folder {missing.parent} does not exist; nothing was written" in words, words
    assert not missing.parent.exists()


def test_init_over_a_file_that_exists_is_refused_naming_the_file(tmp_path):
    there = tmp_path / "bookbridge.toml"
    there.write_text("# mine\n", encoding="utf-8")
    words = _refused(run("init", str(there)), "FILE")
    assert f"{there} already exists; nothing was written (use --force to overwrite it)" in words, words
    assert there.read_text(encoding="utf-8") == "# mine\n"


@pytest.mark.parametrize(("arguments", "argument", "why"), [
    (("exceptions", "show", "999"), "ID",
     "no exception with id 999 (`bookbridge exceptions list` shows the open ones)"),
    (("exceptions", "resolve", "999", "--note", "x"), "ID", "no exception with id 999 "),
    (("exceptions", "retry", "999"), "ID", "no exception with id 999 "),
    (("sales", "export", "--sink", "nope"), "--sink",
     "no sales sink named 'nope' (see [[sales_sinks]] in docs/configuration.md)"),
    (("sales", "report", "--by", "nonsense"), "--by",  # as /api/sales says it of group_by
     "must be one of edition, family, format, storefront, day, week or month; it is 'nonsense'"),
    (("source", "inspect", "/nonexistent.xml"), "SOURCE",
     "'/nonexistent.xml' is neither a file, a folder, an http(s) URL nor the configured source's name ('sample')"),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) else None)
def test_a_value_that_names_nothing_is_refused_naming_the_argument(config, arguments, argument, why):
    """A value judged after parsing (it names nothing that is there) is framed as a parser's refusal is."""
    words = _refused(run(*arguments, "-c", str(config)), argument)
    assert f"Invalid value for '{argument}': {why}" in words, words


def test_sales_export_with_no_sink_configured_names_no_option_it_was_not_given(config):
    """No --sink was given, so none is named: the command as a whole is refused (`Usage: …`, `Error: …`, exit 2)."""
    result = run("sales", "export", "-c", str(config))
    assert result.exit_code == 2 and result.output.startswith("Usage: "), result.output
    words = said(result.output)
    assert "Error: no sales sink is configured (see [[sales_sinks]] in docs/configuration.md)" in words, words
    assert "--sink" not in words.split("Error:")[1] and "Traceback" not in words, words


def test_retry_help_gives_every_reason_it_exits_1():
    words = said(run("exceptions", "retry", "--help").output)
    assert re.search(r"Exit 1 if the exception stays open .*or if it was resolved already", words), words


def _exit_table(text: str) -> dict[str, str]:
    return {found.group(1): " ".join(found.group(2).split()) for line in text.splitlines()
            if (found := re.fullmatch(r"\| `?(\d)`? \| (.*) \|", line))}


def test_one_exit_code_table_true_to_the_commands_and_the_other_documents_link_to_it():
    table = _exit_table(README.read_text(encoding="utf-8"))
    assert set(table) == {"0", "1", "2", "3"}, table
    for phrase in ("`orders import`", "`sales export`", "`exceptions deliver`", "`plugins`", "`source inspect`"):
        assert phrase in table["1"], (phrase, table["1"])
    for phrase in ("the configuration is invalid", "an id that names no exception", "`lease release`",
                   "`init`", "--limit", "--note"):
        assert phrase in table["2"], (phrase, table["2"])
    assert "`orders import`" in table["3"], table["3"]
    for document in ("configuration.md", "operations.md"):
        text = (DOCS / document).read_text(encoding="utf-8")
        assert not _exit_table(text), f"docs/{document} has an exit-code table of its own"
        assert "(../README.md#exit-codes)" in text, f"docs/{document} does not link to README's exit codes"
