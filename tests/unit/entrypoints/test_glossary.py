"""docs/glossary.md stays true to the words the code shows: every exception kind with its code and the words the
dashboard uses for it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bookbridge.adapters.sales.csv_export import COLUMNS as SINK_CSV_COLUMNS
from bookbridge.application.exception_words import KIND_WORDS, UNREACHABLE
from bookbridge.application.held_back import FROM_EVERY_STOREFRONT, FROM_SOME_STOREFRONT
from bookbridge.application.sales_report import CSV_COLUMNS as REPORT_CSV_COLUMNS
from bookbridge.application.sync import SyncStore, run_words
from bookbridge.domain.lifecycle import Stage
from bookbridge.domain.ports import ExceptionKind
from bookbridge.entrypoints.http.schemas import Run, Upcoming

ROOT = Path(__file__).resolve().parents[3]
GLOSSARY = ROOT / "docs" / "glossary.md"


def test_every_exception_kind_is_in_the_glossary_with_its_dashboard_words() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    for kind in ExceptionKind:
        assert f"`{kind.value}` *{KIND_WORDS[kind]}*" in text, kind
    for words in (*UNREACHABLE.values(), "refused by the sales sink", "store unreachable"):  # by where it is
        assert f"*{words}* on " in text, words


def test_a_record_is_named_in_the_sources_words_and_says_what_its_parts_are() -> None:
    """`check` and `source inspect` name a record by the source's own id (`consonance:work:102/product:1006`): the
    glossary says what a Consonance work and product are in its words, so no reader is left with two words."""
    text = GLOSSARY.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| **record** |"))
    assert "`consonance:work:102/product:1006` is Consonance's work 102 (a title family)" in row
    assert "product 1006 (an edition)" in row


def test_every_lifecycle_stage_held_back_is_said_in_the_glossarys_words() -> None:
    """A held-back reason names the stage as the glossary does ("withdrawn", "not yet announced"), and the
    glossary gives the code JSON carries next to the word."""
    text = GLOSSARY.read_text(encoding="utf-8")
    for stage in (Stage.DELISTED, Stage.EDITORIAL):
        assert f"*{stage.words}* (the code `{stage.value}`)" in text or (
            f"**{stage.words}**" in text and f"`{stage.value}`" in text), stage


def test_a_job_at_an_instant_is_called_so_wherever_a_user_reads_it() -> None:
    """The glossary's *job at an instant*; *precise job* is the architecture notes' word only (the glossary names
    it there), never the README's, another page's or the API's."""
    assert "(the architecture notes' *precise job*)" in GLOSSARY.read_text(encoding="utf-8")
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        if page.name in ("architecture.md", "glossary.md"):
            continue
        text = " ".join(page.read_text(encoding="utf-8").split())
        assert "precise job" not in text and "launch or campaign job" not in text, page.name
    described = json.dumps(Upcoming.model_json_schema())
    assert "precise job" not in described and "job at an instant" in described


def test_the_glossary_says_which_csv_names_a_format_beside_its_code() -> None:
    """The sales report's CSV carries a format's code and its name (`format`, `format_name`); the sales sinks' day
    files carry the code alone, in the layout docs/sales-export.md fixes. The glossary says which is which."""
    (entry,) = [line for line in GLOSSARY.read_text(encoding="utf-8").splitlines() if line.startswith("| **format** |")]
    assert REPORT_CSV_COLUMNS[-2:] == ("format", "format_name")
    assert "the sales report's JSON and CSV (`bookbridge sales report`, `/api/sales`) beside the name: `format`, " \
           "`format_name`" in entry, entry
    assert "format" in SINK_CSV_COLUMNS and "format_name" not in SINK_CSV_COLUMNS
    assert "the sales sinks' day files (CSV, GraphQL) the code alone, `format`" in entry, entry


def test_each_held_back_count_has_its_own_label_defined_in_the_glossary() -> None:
    """Two counts of held-back editions, two labels, each defined once: those from every storefront (not in the
    store: a plan's and a sync run's count) and those from one storefront or more (the dashboard's header)."""
    lines = GLOSSARY.read_text(encoding="utf-8").splitlines()
    (entry,) = [line for line in lines if line.startswith("| **held back** |")]
    assert FROM_EVERY_STOREFRONT == "held back from every storefront"
    assert FROM_SOME_STOREFRONT == "held back from one storefront or more"
    for label in (FROM_EVERY_STOREFRONT, FROM_SOME_STOREFRONT):
        assert f"*{label}*" in entry, (label, entry)


def test_an_editions_dates_are_shown_in_the_glossarys_words_with_their_json_keys() -> None:
    """`source inspect` says `sales embargo`, not the JSON's key `sales_embargo`; the glossary has both."""
    from bookbridge.entrypoints.cli.source import DATE_WORDS

    text = GLOSSARY.read_text(encoding="utf-8")
    for key, words in DATE_WORDS.items():
        assert "_" not in words, words
        if words != key:
            assert f"*{words}*" in text and f"`{key}`" in text, key


RETRY_QUOTE = re.compile(r"`(retry of (?:exception|edition) [^`]*)`")


def _retry_forms(quote: str) -> dict[str, str]:
    """The run labels `run_words` gives for the numbers a quoted label names, by what each retry is."""
    number = re.search(r"exception (\d+)", quote)
    isbn = re.search(r"\d{13}", quote)
    exception, only = int(number.group(1)) if number else 10, frozenset({isbn.group(0) if isbn else "9781999990022"})
    labels = {"of no edition": run_words(SyncStore("shop", (), retry_of=exception)),
              "an edition's": run_words(SyncStore("shop", (), retry_of=exception, only=only)),
              "its follow-up": run_words(SyncStore("shop", (), only=only))}
    return {what: label for what, label in labels.items() if label is not None}


def test_the_docs_quote_a_retry_s_run_as_the_code_labels_it() -> None:
    """A retry's run says what it was (`runs`, the dashboard's Last runs, `/api/runs` `what`): every label a page
    quotes is one the code gives, and the glossary and the operations guide quote each kind of it."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    quoted = {page.name: RETRY_QUOTE.findall(" ".join(page.read_text(encoding="utf-8").split())) for page in pages}
    quoted["/api/runs"] = RETRY_QUOTE.findall(Run.model_json_schema()["properties"]["what"]["description"])
    for where, quotes in quoted.items():
        for quote in quotes:
            assert quote in _retry_forms(quote).values(), (where, quote)
    for where in ("glossary.md", "operations.md", "/api/runs"):
        kinds = {what for quote in quoted[where] for what, label in _retry_forms(quote).items() if label == quote}
        assert kinds == {"of no edition", "an edition's", "its follow-up"}, (where, quoted[where])
