"""The drop folder is a trust boundary: a sender who can write to it cannot move, read or write anything outside
it, and one poison entry never stops the files beside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from onix_messages import EBOOK, ROSEANNA, message, only_edition, product, write

from bookbridge.adapters.onix.folder import OnixFolderSource
from bookbridge.adapters.onix.reader import OnixFileError
from bookbridge.domain.problems import Severity

JOURNAL = ".onix-journal.json"


def drop(folder: Path, name: str, xml: str, mtime: int = 1_000) -> Path:
    path: Path = write(folder, xml, name)
    os.utime(path, (mtime, mtime))
    return path


def _tree(folder: Path) -> dict[str, bytes | str]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() and not p.is_symlink() else "entry")
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """The issue's repro: a journal whose absolute paths move a secret in and plant a file elsewhere."""
    dd, victim = tmp_path / "dd", tmp_path / "victim"
    dd.mkdir()
    victim.mkdir()
    (victim / "secret.txt").write_text("SECRET\n")
    drop(dd, "x.xml", message(product()))
    (dd / JOURNAL).write_text(json.dumps({"moves": [
        {"from": str(victim / "secret.txt"), "to": str(dd / "processed" / "stolen.xml")},
        {"from": str(dd / "x.xml"), "to": str(victim / "planted"), "reason": "owned"},
    ]}))
    return dd, victim


def test_a_journal_with_paths_is_refused_naming_it_and_nothing_moves(hostile: tuple[Path, Path]) -> None:
    dd, victim = hostile
    before = _tree(dd), _tree(victim)
    for call in (lambda s: s.read(), lambda s: s.acknowledge(json.dumps({"files": []})), lambda s: s.recover()):
        with pytest.raises(OnixFileError) as refused:
            call(OnixFolderSource(dd))
        assert JOURNAL in str(refused.value) and "nothing was moved" in str(refused.value)
    assert (_tree(dd), _tree(victim)) == before
    assert (victim / "secret.txt").read_text() == "SECRET\n"
    assert not (victim / "planted.reason.txt").exists()


@pytest.mark.parametrize("move", [
    {"name": "../victim/secret.txt", "folder": "processed", "as": "stolen.xml", "reason": None},
    {"name": "x.xml", "folder": "../victim", "as": "planted", "reason": "owned"},
    {"name": "x.xml", "folder": "failed", "as": "../../victim/planted", "reason": "owned"},
    {"name": "/etc/passwd", "folder": "processed", "as": "p.xml", "reason": None},
    {"name": "x.xml", "folder": "processed", "as": "..", "reason": None},
    {"name": "x.xml", "folder": "failed", "as": "y.xml", "reason": ["not", "text"]},
    {"name": "x.xml", "folder": "failed", "as": "y.xml", "reason": None, "extra": 1},
])
def test_a_journal_in_the_new_shape_with_anything_but_plain_names_is_refused(
        hostile: tuple[Path, Path], move: dict[str, object]) -> None:
    dd, victim = hostile
    (dd / JOURNAL).write_text(json.dumps({"version": 2, "moves": [move]}))
    before = _tree(dd), _tree(victim)
    with pytest.raises(OnixFileError, match=JOURNAL):
        OnixFolderSource(dd).read()
    assert (_tree(dd), _tree(victim)) == before


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"moves": 3}', b"\xff\xfe", b'{"moves": [1]}'])
def test_a_malformed_journal_names_the_journal(tmp_path: Path, content: bytes) -> None:
    drop(tmp_path, "one.xml", message(product()))
    (tmp_path / JOURNAL).write_bytes(content)
    with pytest.raises(OnixFileError, match=rf"{JOURNAL}: .*(malformed|not a move)"):
        OnixFolderSource(tmp_path).read()
    assert (tmp_path / "one.xml").exists()


def test_a_journal_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"version": 2, "moves": []}))
    dd = tmp_path / "dd"
    dd.mkdir()
    (dd / JOURNAL).symlink_to(elsewhere)
    with pytest.raises(OnixFileError, match="symbolic link"):
        OnixFolderSource(dd).read()
    assert elsewhere.exists()


def test_the_journal_we_write_is_replayed_after_a_crash(tmp_path: Path) -> None:
    drop(tmp_path, "one.xml", message(product()))
    read = OnixFolderSource(tmp_path).read()
    assert read.cursor is not None
    [entry] = json.loads(read.cursor)["files"]
    (tmp_path / JOURNAL).write_text(json.dumps({"version": 2, "moves": [
        {"name": "one.xml", "folder": "processed", "as": "one.xml", "reason": None}]}))
    OnixFolderSource(tmp_path).recover()
    assert (tmp_path / "processed" / "one.xml").exists() and not (tmp_path / JOURNAL).exists()
    assert entry["name"] == "one.xml"


def test_symlinks_are_never_followed_and_the_files_beside_them_are_applied(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    outside_feed = drop(outside, "other.xml", message(product(EBOOK)))
    dd = tmp_path / "dd"
    dd.mkdir()
    drop(dd, "good.xml", message(product()))
    (dd / "passwd.xml").symlink_to("/etc/passwd")
    (dd / "environ.xml").symlink_to("/proc/self/environ")
    (dd / "edition.xml").symlink_to(outside_feed)
    source = OnixFolderSource(dd)
    read = source.read()
    assert only_edition(read).isbn == ROSEANNA  # the outside edition is not ingested
    skipped = {p.source: p for p in read.problems if p.code == "skipped-entry"}
    assert set(skipped) == {"passwd.xml", "environ.xml", "edition.xml"}
    assert all(p.severity is Severity.BLOCKING and "symbolic link" in p.message for p in skipped.values())
    assert read.cursor is not None
    source.acknowledge(read.cursor)
    assert (dd / "processed" / "good.xml").exists()
    assert (dd / "edition.xml").is_symlink() and outside_feed.exists()  # left alone, never moved or followed


def test_a_fifo_is_skipped_without_blocking_the_read(tmp_path: Path) -> None:
    drop(tmp_path, "good.xml", message(product()))
    os.mkfifo(tmp_path / "pipe.xml")
    read = OnixFolderSource(tmp_path).read()
    assert only_edition(read).isbn == ROSEANNA
    assert [(p.source, "FIFO" in p.message) for p in read.problems] == [("pipe.xml", True)]


@pytest.mark.parametrize("reserved", ["processed", "failed"])
def test_a_file_named_like_a_folder_is_a_problem_and_is_renamed_aside(tmp_path: Path, reserved: str) -> None:
    drop(tmp_path, reserved, "not a folder")
    drop(tmp_path, "good.xml", message(product()))
    drop(tmp_path, "bad.xml", "<oops", mtime=2_000)
    source = OnixFolderSource(tmp_path)
    read = source.read()
    assert only_edition(read).isbn == ROSEANNA
    assert any(p.code == "skipped-entry" and p.source == reserved for p in read.problems)
    assert read.cursor is not None
    source.acknowledge(read.cursor)
    assert (tmp_path / "processed" / "good.xml").exists() and (tmp_path / "failed" / "bad.xml").exists()
    [aside] = tmp_path.glob(f".{reserved}.not-a-folder-*")
    assert aside.read_text() == "not a folder"
    assert source.read().problems == ()


def test_a_folder_symlinked_elsewhere_is_not_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dd = tmp_path / "dd"
    dd.mkdir()
    (dd / "failed").symlink_to(elsewhere)
    drop(dd, "bad.xml", "<oops")
    source = OnixFolderSource(dd)
    read = source.read()
    assert read.cursor is not None
    source.acknowledge(read.cursor)
    assert list(elsewhere.iterdir()) == []
    assert (dd / "failed" / "bad.xml").exists() and (dd / "failed" / "bad.xml.reason.txt").exists()


def test_a_planted_temporary_journal_link_is_replaced_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_text("keep me")
    dd = tmp_path / "dd"
    dd.mkdir()
    (dd / f"{JOURNAL}.tmp").symlink_to(target)
    drop(dd, "one.xml", message(product()))
    source = OnixFolderSource(dd)
    read = source.read()
    assert read.cursor is not None
    source.acknowledge(read.cursor)
    assert target.read_text() == "keep me"
    assert (dd / "processed" / "one.xml").exists()


def test_a_name_that_is_not_utf8_is_reported_escaped_and_quarantined(tmp_path: Path) -> None:
    bad = os.fsdecode(b"bad\xff.xml")
    drop(tmp_path, bad, message(product(EBOOK)))
    drop(tmp_path, "good.xml", message(product()), mtime=2_000)
    source = OnixFolderSource(tmp_path)
    read = source.read()
    assert only_edition(read).isbn == ROSEANNA  # the file beside it is applied; the bad one is not read
    [problem] = read.problems
    assert problem.source == "bad\\xff.xml" and problem.blocking
    problem.message.encode("utf-8")  # reportable as it is
    assert read.cursor is not None
    read.cursor.encode("ascii")
    source.acknowledge(read.cursor)
    assert sorted(p.name for p in (tmp_path / "failed").iterdir()) == ["bad%xff.xml", "bad%xff.xml.reason.txt"]
    assert (tmp_path / "processed" / "good.xml").exists()


def test_source_inspect_json_of_a_hostile_folder_is_utf8_and_touches_nothing(hostile: tuple[Path, Path]) -> None:
    dd, victim = hostile
    inspect = [sys.executable, "-c", "from bookbridge.entrypoints.cli import main; main()",
               "source", "inspect", str(dd), "--json"]
    env = {**os.environ, "COLUMNS": "1000"}
    refused = subprocess.run(inspect, capture_output=True, timeout=60, cwd=dd.parent, env=env)
    assert refused.returncode != 0 and JOURNAL.encode() in refused.stderr
    assert b"Traceback" not in refused.stderr
    assert (victim / "secret.txt").exists() and not (victim / "planted.reason.txt").exists()
    (dd / JOURNAL).unlink()
    drop(dd, os.fsdecode(b"bad\xff.xml"), message(product(EBOOK)))
    listed = subprocess.run(inspect, capture_output=True, timeout=60, cwd=dd.parent, env=env)
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout.decode("utf-8"))  # strict: invalid UTF-8 would raise here
    assert [p["message"] for p in document["problems"]] == [
        "bad\\xff.xml: the file name is not valid UTF-8; it goes to failed/ unread"]
