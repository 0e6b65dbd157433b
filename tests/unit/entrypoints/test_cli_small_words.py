"""Small words the commands print: a column with a header to name it when a narrow table falls back to
`header: value` lines, a header in whole words, and a resolution said once."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from bookbridge.domain.ports import ExceptionKind, ProbeFinding, ProbeStatus, SyncException
from bookbridge.entrypoints.cli.check import print_findings
from bookbridge.entrypoints.presentation import resolved_already, resolved_words
from cli_support import forget_configuration, run, sample_config, write_config

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _narrow() -> Console:
    return Console(width=80, force_terminal=True, color_system=None, record=True)


def test_checks_connections_name_each_records_status_when_the_table_falls_back_to_lines():
    console = _narrow()
    fix = "set BIGCOMMERCE_ACCESS_TOKEN to a token with the Products scope, then run bookbridge check again " * 3
    print_findings(console, [
        ProbeFinding("BigCommerce store hash abc123", "GET /v3/catalog/products?limit=1", ProbeStatus.OK, "200 OK"),
        ProbeFinding("Consonance https://api.consonance.app", "GET /api/v2/works?per_page=1",
                     ProbeStatus.BAD_CREDENTIALS, "401 Unauthorized: the API key was refused", fix),
    ])
    lines = [line.strip() for line in console.export_text().splitlines()]
    assert "ok" not in lines, lines  # a bare value, no header to say what it is
    assert any(line.startswith("status") for line in lines), lines


def test_source_inspect_names_the_publication_date_in_whole_words(tmp_path, monkeypatch):
    forget_configuration(monkeypatch)
    shown = run("source", "inspect", "-c", str(write_config(tmp_path, sample_config(families=2))))
    assert shown.exit_code == 0, shown.output
    assert "publication date" in shown.output and "pub. date" not in shown.output, shown.output


def test_a_resolution_that_says_resolved_is_not_said_twice():
    item = SyncException(7, ExceptionKind.SOURCE_ERROR, None, None, "the orders could not be read", None, 1,
                         AT, AT, resolved_at=AT, resolution="resolved: a later read of the orders succeeded")
    words = resolved_words(item, {})
    assert words.count("resolved") == 1 and words.endswith(": a later read of the orders succeeded"), words
    assert "(resolved 2026-12-07 09:30 UTC: a later read of the orders succeeded)" in resolved_already(item, {})
