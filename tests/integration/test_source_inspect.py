"""`bookbridge source inspect`: reads a source, shows families, editions and problems, writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bookbridge.entrypoints.cli import app

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "onix-samples"
ROSEANNA = SAMPLES / "editeur-sample-roseanna.onix30.xml"
needs_samples = pytest.mark.skipif(not ROSEANNA.exists(), reason=f"ONIX samples not found at {SAMPLES}")


@pytest.fixture(autouse=True)
def _no_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no bookbridge.toml here: the defaults apply
    monkeypatch.delenv("BOOKBRIDGE_CONFIG", raising=False)


@needs_samples
def test_json_lists_families_with_editions_then_problems():
    result = CliRunner().invoke(app, ["source", "inspect", str(ROSEANNA), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert list(document) == ["families", "delisted", "problems"]
    [edition] = [e for f in document["families"] for e in f["editions"]]
    assert edition["isbn"] == "9780007232833"
    assert edition["format"] == "paperback"
    assert {"amount": "7.99", "currency": "GBP"}.items() <= edition["prices"][0].items()
    assert [r["type"] for r in edition["rights"]["sales_rights"]] == ["01", "06"]
    assert edition["rights"]["row_type"] == "02"


@needs_samples
def test_table_output_for_a_file(tmp_path):
    result = CliRunner().invoke(app, ["source", "inspect", str(ROSEANNA)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "9780007232833" in result.output and "Roseanna" in result.output


def test_bad_records_are_problems_and_the_exit_code_stays_zero(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text("""<ONIXMessage release="3.0"><Header><Sender><SenderName>S</SenderName></Sender>
<SentDateTime>20261128</SentDateTime></Header>
<Product><RecordReference>bad-1</RecordReference><NotificationType>03</NotificationType>
<ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>9780007232834</IDValue></ProductIdentifier></Product>
</ONIXMessage>""", encoding="utf-8")
    result = CliRunner().invoke(app, ["source", "inspect", str(feed), "--json"])
    assert result.exit_code == 0, result.output
    problems = json.loads(result.output)["problems"]
    assert any(p["record"] == "bad-1" and "9780007232834" in p["message"] for p in problems), problems


def test_an_unreadable_source_exits_non_zero_with_the_reason(tmp_path):
    feed = tmp_path / "cut.xml"
    feed.write_text("<ONIXMessage><Product>", encoding="utf-8")
    result = CliRunner().invoke(app, ["source", "inspect", str(feed)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert "could not read the source" in result.output and "cut.xml" in result.output


def test_an_unknown_source_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["source", "inspect", str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert "neither a file" in result.output


AUDIO = SAMPLES / "imonix-audiobook-AJ-A103.onix30-nonstandard-ns.xml"


@pytest.mark.skipif(not AUDIO.exists(), reason=f"ONIX samples not found at {SAMPLES}")
def test_validate_reports_schema_findings_as_warnings_not_failures():
    plain = CliRunner().invoke(app, ["source", "inspect", str(AUDIO), "--json"])
    checked = CliRunner().invoke(app, ["source", "inspect", str(AUDIO), "--json", "--validate"])
    assert plain.exit_code == checked.exit_code == 0, checked.output
    extra = [p for p in json.loads(checked.output)["problems"] if p not in json.loads(plain.output)["problems"]]
    assert extra, "the wrong namespace must be reported by the schema check"
    assert {p["severity"] for p in extra} == {"warning"}
