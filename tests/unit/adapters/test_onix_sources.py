"""The ONIX sources: a file (content-digest cursor), a drop folder (arrival order, acknowledgement, crash
recovery) and a URL (streamed, conditional GET)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest
from onix_messages import EBOOK, ROSEANNA, message, only_edition, product, write

from bookbridge.adapters.onix import plugin
from bookbridge.adapters.onix.reader import OnixFileError
from bookbridge.adapters.onix.sources import OnixFileSource, OnixFolderSource, OnixUrlSource
from bookbridge.domain.config_values import EnvironmentText
from bookbridge.domain.ports import SourceRead
from bookbridge.domain.problems import Severity
from bookbridge.testing import context, registry_of


def test_file_source_cursor_is_the_content_digest(tmp_path: Path) -> None:
    source = OnixFileSource(write(tmp_path, message(product())))
    first = source.read()
    assert first.cursor is not None and first.cursor.startswith("sha256:")
    assert len(first.families) == 1
    again = source.read(first.cursor)
    assert (again.families, again.cursor) == ((), first.cursor)


def drop(folder: Path, name: str, xml: str, mtime: int) -> Path:
    path: Path = write(folder, xml, name)
    os.utime(path, (mtime, mtime))
    return path


def test_folder_source_reads_in_arrival_order_and_moves_after_acknowledgement(tmp_path: Path) -> None:
    drop(tmp_path, "b-second.xml", message(product(title="Second")), 2_000)
    drop(tmp_path, "a-third.xml", message(product(EBOOK)), 3_000)
    drop(tmp_path, "z-first.xml", message(product(title="First")), 1_000)
    drop(tmp_path, "broken.xml", "<ONIXMessage><Product>", 1_500)
    source = OnixFolderSource(tmp_path)
    read = source.read()
    titles = {e.isbn: e.title for f in read.families for e in f.editions}
    assert titles == {ROSEANNA: "Second", EBOOK: "Roseanna"}  # the later file wins
    [broken] = [p for p in read.problems if p.code == "unreadable-file"]
    assert (broken.source, broken.severity) == ("broken.xml", Severity.BLOCKING)
    assert read.cursor is not None
    assert [f["name"] for f in json.loads(read.cursor)["files"]] == [
        "z-first.xml", "broken.xml", "b-second.xml", "a-third.xml"]
    assert len(source.waiting()) == 4  # read moves nothing
    source.acknowledge(read.cursor)
    assert source.waiting() == []
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == ["a-third.xml", "b-second.xml", "z-first.xml"]
    assert sorted(p.name for p in (tmp_path / "failed").iterdir()) == ["broken.xml", "broken.xml.reason.txt"]
    assert "not well-formed" in (tmp_path / "failed" / "broken.xml.reason.txt").read_text()
    assert source.read().families == ()


def test_folder_source_crash_in_the_callback_loses_nothing(tmp_path: Path) -> None:
    drop(tmp_path, "one.xml", message(product()), 1_000)
    applied: list[str] = []

    def crash(read: SourceRead) -> None:
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        OnixFolderSource(tmp_path).process(crash)
    assert [p.name for p in OnixFolderSource(tmp_path).waiting()] == ["one.xml"]
    # A new process (restart) reads the same file again from the start, then acknowledges it.
    read = OnixFolderSource(tmp_path).process(lambda r: applied.extend(e.isbn for f in r.families for e in f.editions))
    assert applied == [ROSEANNA]
    assert (tmp_path / "processed" / "one.xml").exists()
    assert OnixFolderSource(tmp_path).process(lambda r: applied.extend(["again"])).families == ()
    assert applied == [ROSEANNA, "again"] and read.cursor is not None


def test_folder_source_finishes_an_interrupted_acknowledgement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    drop(tmp_path, "one.xml", message(product()), 1_000)
    drop(tmp_path, "two.xml", message(product(EBOOK)), 2_000)
    read = OnixFolderSource(tmp_path).read()
    assert read.cursor is not None
    real_replace = os.replace
    moved: list[str] = []

    def replace_then_crash(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(src).suffix == ".xml" and moved:
            raise OSError("power cut")
        real_replace(src, dst)
        moved.append(str(dst))

    monkeypatch.setattr(os, "replace", replace_then_crash)
    with pytest.raises(OSError, match="power cut"):
        OnixFolderSource(tmp_path).acknowledge(read.cursor)
    monkeypatch.setattr(os, "replace", real_replace)
    assert (tmp_path / ".onix-journal.json").exists()
    # The next read (with the stored cursor, as the sync use case passes it) finishes the moves first.
    after = OnixFolderSource(tmp_path).read(read.cursor)
    assert after.families == ()
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == ["one.xml", "two.xml"]
    assert not (tmp_path / ".onix-journal.json").exists()


def test_folder_source_does_not_move_a_file_replaced_after_reading(tmp_path: Path) -> None:
    path = drop(tmp_path, "feed.xml", message(product()), 1_000)
    source = OnixFolderSource(tmp_path)
    read = source.read()
    path.write_text(message(product(title="Newer upload")), encoding="utf-8")
    assert read.cursor is not None
    source.acknowledge(read.cursor)
    assert [p.name for p in source.waiting()] == ["feed.xml"]
    assert only_edition(source.read()).title == "Newer upload"


def test_url_source_streams_and_honours_not_modified(tmp_path: Path) -> None:
    body = message(product()).encode()
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("if-none-match"))
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=body, headers={"ETag": '"v1"'})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        source = OnixUrlSource("https://feeds.example.com/onix.xml", http_client=client)
        first = source.read()
        assert only_edition(first).isbn == ROSEANNA
        second = source.read(first.cursor)
    assert second.families == () and second.cursor == first.cursor
    assert seen == [None, '"v1"']


def test_url_source_http_error_is_a_file_error() -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(503)))
    with client, pytest.raises(OnixFileError, match="HTTP 503"):
        OnixUrlSource("https://feeds.example.com/onix.xml", http_client=client).read()



def test_url_source_unreachable_says_so_in_words_as_consonance_does() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    client = httpx.Client(transport=httpx.MockTransport(refused))
    with client, pytest.raises(OnixFileError) as failed:
        OnixUrlSource("http://127.0.0.1:18799/x.xml", http_client=client).read()
    assert str(failed.value) == "could not connect to http://127.0.0.1:18799/x.xml: connection refused"
    assert failed.value.transient

def test_plugin_registers_the_three_sources(tmp_path: Path) -> None:
    registry = registry_of(plugin)
    folder = registry.create_source("onix-folder", {"drop_dir": str(tmp_path), "max_files": 3}, context("drop"))
    assert isinstance(folder, OnixFolderSource) and (folder.max_files, folder.name) == (3, "drop")
    file_source = registry.create_source("onix-file", {"path": "x.xml", "complete": True}, context("onix-file"))
    assert isinstance(file_source, OnixFileSource) and file_source.complete is True
    with pytest.raises(ValueError, match=r"^source adapter 'onix-url' needs 'url'$"):
        registry.create_source("onix-url", {}, context("onix-url"))


def test_validation_is_asked_for_by_the_table_or_by_the_command_line(tmp_path: Path) -> None:
    registry = registry_of(plugin)
    configured = registry.create_source("onix-file", {"path": "x.xml", "validate": True}, context("onix-file"))
    asked = registry.create_source("onix-file", {"path": "x.xml"}, context("onix-file", validate=True))
    plain = registry.create_source("onix-file", {"path": "x.xml"}, context("onix-file"))
    assert [s.validate for s in (configured, asked, plain)] == [True, True, False]  # type: ignore[attr-defined]
    # The file's flag is TOML's true or false; an environment variable's is text (BOOKBRIDGE_SOURCE__VALIDATE=yes).
    with pytest.raises(ValueError, match=r"validate: must be true or false, not text; it is 'yes'$"):
        registry.create_source("onix-file", {"path": "x.xml", "validate": "yes"}, context("onix-file"))
    from_environment = registry.create_source("onix-file", {"path": "x.xml", "validate": EnvironmentText("yes")},
                                              context("onix-file"))
    assert from_environment.validate is True  # type: ignore[attr-defined]
