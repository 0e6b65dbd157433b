"""Logging: JSON or text, the run and the ISBN on every line of a sync, and secrets never shown."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from bookbridge.adapters.memory import InMemoryCatalogSource, InMemoryStorefront, InMemoryUnitOfWork
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.logcontext import log_context
from bookbridge.application.sync import SyncStore, sync_store
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.cli import app
from bookbridge.entrypoints.logs import (
    MASK,
    ContextFilter,
    JsonFormatter,
    SecretFilter,
    SecretMasker,
    TextFormatter,
    add_secret_names,
    configure_logging,
    secret_env_names,
)

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")


class Capture(logging.Handler):
    """Records as bookbridge's handler would format them, for assertions on state rather than on calls."""

    def __init__(self, masker: SecretMasker | None = None, *, json_lines: bool = True) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.addFilter(ContextFilter())
        self.addFilter(SecretFilter(masker or SecretMasker()))
        self.setFormatter(JsonFormatter() if json_lines else TextFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def documents(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def capture() -> Iterator[Capture]:
    handler = Capture(SecretMasker(["s3cr3t-token-value"]))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_every_line_of_a_sync_names_the_run_and_every_line_about_an_edition_its_isbn(capture):
    families = sample_catalogue(NOW.date(), families=6)
    store = InMemoryStorefront("uk")
    listed = [str(e.isbn) for f in families for e in f.editions]
    store.rejected_skus = {isbn: "the name clashes" for isbn in listed[:2]}
    report = sync_store(SyncStore.single(UK), InMemoryCatalogSource(families), store, InMemoryUnitOfWork(),
                        FixedClock(NOW))
    lines = [d for d in capture.documents if d["logger"] == "bookbridge.application.sync"]
    assert lines and all(d["run_id"] == 1 and d["store"] == "uk" for d in lines)
    about_editions = [d for d in lines if str(d["message"]).startswith(("create", "update", "hide"))]
    assert len(about_editions) == len(report.outcomes)
    assert all(d["isbn"] and str(d["isbn"]) in str(d["message"]) for d in about_editions)
    assert report.failed and [d["level"] for d in about_editions].count("warning") == report.failed
    assert "finished" in str(lines[-1]["message"]) and "isbn" not in lines[-1]


def test_context_fields_do_not_leak_past_their_block(capture):
    log = logging.getLogger("bookbridge.test")
    with log_context(run_id=3), log_context(isbn="9781999990015"):
        log.info("inside")
    log.info("outside")
    inside, outside = capture.documents
    assert (inside["run_id"], inside["isbn"]) == (3, "9781999990015")
    assert "run_id" not in outside and "isbn" not in outside


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("token is %s", ("s3cr3t-token-value",)),
        ("sending access_token=%s now", ("abcdef123456",)),
        ('body {"api_key": "%s"}', ("abcdef123456",)),
        ("headers: X-Auth-Token: %s", ("abcdef123456",)),
        ("Authorization: Bearer %s", ("abcdef123456",)),
        ("client_secret = '%s'", ("abcdef123456",)),
    ],
)
def test_secrets_are_masked_in_messages(capture, message, args):
    logging.getLogger("bookbridge.test").warning(message, *args)
    (line,) = capture.lines
    assert args[0] not in line and MASK in line


def test_secrets_are_masked_in_tracebacks_and_extra_fields(capture):
    log = logging.getLogger("bookbridge.test")
    try:
        raise RuntimeError("failed with s3cr3t-token-value")
    except RuntimeError:
        log.exception("boom", extra={"access_token": "abcdef123456", "note": "has s3cr3t-token-value"})
    (document,) = capture.documents
    text = json.dumps(document)
    assert "s3cr3t-token-value" not in text and "abcdef123456" not in text
    assert document["access_token"] == MASK and "RuntimeError" in str(document["exception"])


def test_ordinary_words_are_left_alone(capture):
    logging.getLogger("bookbridge.test").info("create 9781999990015: key=9781999990015, 3 tokens left")
    assert capture.documents[0]["message"] == "create 9781999990015: key=9781999990015, 3 tokens left"


def test_the_masker_takes_secret_looking_environment_variables_and_named_ones():
    environ = {"BIGCOMMERCE_ACCESS_TOKEN": "tok-123456", "CONSONANCE_API_KEY": "key-123456",
               "MY_WEBHOOK": "https://hooks.example/T0/B0/xyz", "HOME": "/home/bookbridge", "PASSWORD": "p4ssw0rd!"}
    masker = SecretMasker.from_environment(environ, named=["MY_WEBHOOK"])
    text = masker.mask("tok-123456 key-123456 https://hooks.example/T0/B0/xyz /home/bookbridge p4ssw0rd!")
    assert text == f"{MASK} {MASK} {MASK} /home/bookbridge {MASK}"


def test_secret_env_names_are_the_values_of_env_options():
    options = {"kind": "webhook", "url_env": "SLACK_URL", "secret_env": "HOOK_SECRET", "timeout": 5}
    assert sorted(secret_env_names(options)) == ["HOOK_SECRET", "SLACK_URL"]


def test_configure_logging_installs_one_handler_and_masks_configured_variables(monkeypatch):
    monkeypatch.setenv("SHOP_WEBHOOK_URL", "https://hooks.example/very-secret-path")
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    root = logging.getLogger()
    level = root.level
    try:
        configure_logging(logging.INFO)
        handler = configure_logging(logging.INFO)  # again: replaces, never duplicates
        assert sum(1 for h in root.handlers if h is handler or getattr(h, "_bookbridge_handler", False)) == 1
        add_secret_names(["SHOP_WEBHOOK_URL"])
        logging.getLogger("bookbridge.test").info("posting to %s", "https://hooks.example/very-secret-path")
        logging.getLogger("bookbridge.test").debug("not shown at info")
        (line,) = stream.getvalue().splitlines()
        assert json.loads(line)["message"] == f"posting to {MASK}"  # not a terminal: JSON
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_text_lines_on_a_terminal_carry_the_context():
    handler = Capture(json_lines=False)
    record = logging.LogRecord("bookbridge.application.sync", logging.WARNING, __file__, 1, "create %s failed",
                               ("978",), None)
    with log_context(run_id=5, isbn="978"):
        assert handler.filter(record)
    line = handler.format(record)
    assert "WARNING" in line and "create 978 failed" in line and "run_id=5 isbn=978" in line


@pytest.mark.parametrize(("options", "shown", "hidden"), [([], "info", "debug"), (["-v"], "debug", None),
                                                          (["-q"], None, "info")])
def test_verbose_and_quiet_set_the_level(options, shown, hidden, tmp_path):
    root = logging.getLogger()
    level = root.level
    try:
        result = CliRunner().invoke(app, [*options, "init", str(tmp_path / "b.toml")])
        assert result.exit_code == 0, result.output
        handler = next(h for h in root.handlers if getattr(h, "_bookbridge_handler", False))
        if shown:
            assert handler.level <= logging.getLevelName(shown.upper())
        if hidden:
            assert handler.level > logging.getLevelName(hidden.upper())
        root.removeHandler(handler)
    finally:
        root.setLevel(level)


def test_verbose_and_quiet_together_are_refused(tmp_path):
    result = CliRunner().invoke(app, ["-v", "-q", "init", str(tmp_path / "b.toml")])
    assert result.exit_code == 2 and not (tmp_path / "b.toml").exists()
