"""Where an ONIX feed comes from: a file, a drop folder, or a URL. Each is a `CatalogSource`.

OnixFileSource(path)
    Reads one file. The cursor is the file's SHA-256: reading again with it returns nothing new.

OnixUrlSource(url, http_client=None)
    Streams the feed to a temporary file (conditional GET with the ETag/Last-Modified from the cursor), then
    parses it like a file. An httpx.Client passed in is used and left open; otherwise one is made per read.

OnixFolderSource(drop_dir)
    A drop folder that a sender (SFTP, rsync...) fills with ONIX files::

        drop_dir/*.xml ...          waiting, read in order of arrival (mtime, then name); dot-files, *.part
                                    and *.tmp are ignored (uploads in progress)
        drop_dir/processed/         files whose content was applied
        drop_dir/failed/            unreadable files, each with <name>.reason.txt
        drop_dir/.onix-journal.json moves of an acknowledgement in progress

    Delivery is at-least-once with idempotent reads, so a crash never loses a file and never applies one
    twice in a way that matters:
    1. `read()` moves nothing. It parses up to `max_files` waiting files (records of later files win) and
       returns a cursor naming each file and its SHA-256. A file that is not readable ONIX becomes one
       blocking problem; its partial content is discarded.
    2. The caller applies the read, then acknowledges it: explicitly with `acknowledge(cursor)`, or
       implicitly by passing the same cursor to the next `read(cursor)` (the sync use case stores the cursor
       only after applying, in the same transaction). Acknowledging moves those files, and only if their
       content is unchanged, to processed/ or failed/.
    3. If the caller crashes before acknowledging, the files are still waiting and the next read returns them
       again, from the start; applying the same records twice yields the same catalogue.
    4. An acknowledgement first writes the journal of moves, then moves, then deletes the journal. A crash
       in between is finished by the next `read`/`acknowledge` (moves are idempotent renames).
    `process(apply)` wraps 1–2: read, `apply(read)`, acknowledge; if `apply` raises nothing is acknowledged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from bookbridge.adapters.onix.assembly import Assembly, PreviousEdition
from bookbridge.adapters.onix.parser import OnixReader, read_onix
from bookbridge.adapters.onix.reader import OnixFileError
from bookbridge.adapters.onix.records import OnixRecord
from bookbridge.adapters.onix.validation import validation_problems
from bookbridge.domain.ports import CatalogSource, SourceRead
from bookbridge.domain.problems import Problem, Severity

_CHUNK = 1 << 20
_JOURNAL = ".onix-journal.json"
_IGNORED_SUFFIXES = (".part", ".tmp", ".reason.txt")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class OnixFileSource(CatalogSource):
    """One ONIX 3.0 file. `complete=True` only if the file is the whole catalogue (absent editions withdrawn)."""

    name: str

    def __init__(self, path: str | Path, *, name: str = "onix-file", previous_edition: PreviousEdition | None = None,
                 validate: bool = False, complete: bool = False) -> None:
        self.path = Path(path)
        self.name = name
        self.previous_edition = previous_edition
        self.validate = validate
        self.complete = complete

    def read(self, cursor: str | None = None) -> SourceRead:
        digest = f"sha256:{sha256_of(self.path)}" if self.path.exists() else None
        if digest is None:
            raise OnixFileError(str(self.path), "no such file")
        if cursor == digest:
            return SourceRead(families=(), cursor=cursor, complete=False)
        read = read_onix(self.path, previous_edition=self.previous_edition, validate=self.validate,
                         complete=self.complete)
        return replace(read, cursor=digest)


class OnixUrlSource(CatalogSource):
    """An ONIX 3.0 feed over HTTP(S), streamed to a temporary file and then parsed."""

    name: str

    def __init__(self, url: str, http_client: httpx.Client | None = None, *, name: str = "onix-url",
                 previous_edition: PreviousEdition | None = None, validate: bool = False, complete: bool = False,
                 timeout: float = 60.0) -> None:
        self.url = url
        self.http_client = http_client
        self.name = name
        self.previous_edition = previous_edition
        self.validate = validate
        self.complete = complete
        self.timeout = timeout

    def read(self, cursor: str | None = None) -> SourceRead:
        seen: dict[str, Any] = json.loads(cursor) if cursor else {}
        headers = {}
        if seen.get("etag"):
            headers["If-None-Match"] = seen["etag"]
        if seen.get("last_modified"):
            headers["If-Modified-Since"] = seen["last_modified"]
        with tempfile.TemporaryDirectory(prefix="bookbridge-onix-") as folder:
            target = Path(folder) / "feed.xml"
            with contextlib.ExitStack() as stack:
                client = self.http_client or stack.enter_context(httpx.Client(timeout=self.timeout,
                                                                              follow_redirects=True))
                try:
                    with client.stream("GET", self.url, headers=headers) as response:
                        if response.status_code == 304:
                            return SourceRead(families=(), cursor=cursor, complete=False)
                        if response.status_code >= 400:
                            status = response.status_code
                            raise OnixFileError(self.url, f"HTTP {status} {response.reason_phrase}",
                                                transient=status in (408, 429) or status >= 500)
                        digest = hashlib.sha256()
                        with target.open("wb") as out:
                            for chunk in response.iter_bytes(_CHUNK):
                                digest.update(chunk)
                                out.write(chunk)
                        state = {"etag": response.headers.get("etag"),
                                 "last_modified": response.headers.get("last-modified"),
                                 "sha256": digest.hexdigest()}
                except httpx.HTTPError as exc:
                    raise OnixFileError(self.url, f"download failed: {type(exc).__name__}: {exc}",
                                        transient=True) from None
            new_cursor = json.dumps(state, sort_keys=True)
            if seen.get("sha256") == state["sha256"]:
                return SourceRead(families=(), cursor=new_cursor, complete=False)
            read = read_onix(target, previous_edition=self.previous_edition, validate=self.validate,
                             complete=self.complete, source=self.url)
            return replace(read, cursor=new_cursor)


class OnixFolderSource(CatalogSource):
    """A drop folder of ONIX 3.0 files, each applied once, in order of arrival (see the module docstring)."""

    name: str

    def __init__(self, drop_dir: str | Path, *, name: str = "onix-folder",
                 previous_edition: PreviousEdition | None = None, validate: bool = False, max_files: int = 50) -> None:
        self.drop_dir = Path(drop_dir)
        self.name = name
        self.previous_edition = previous_edition
        self.validate = validate
        self.max_files = max_files
        self.processed = self.drop_dir / "processed"
        self.failed = self.drop_dir / "failed"

    def waiting(self) -> list[Path]:
        """Files waiting to be read, in order of arrival: modification time, then name."""
        files = [p for p in self.drop_dir.iterdir()
                 if p.is_file() and not p.name.startswith(".") and not p.name.endswith(_IGNORED_SUFFIXES)]
        return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))

    def read(self, cursor: str | None = None) -> SourceRead:
        self.recover()
        if cursor:
            self.acknowledge(cursor)
        batch = self.waiting()[: self.max_files]
        assembly = Assembly(self.previous_edition, source=self.name)
        problems: list[Problem] = []
        entries: list[dict[str, str]] = []
        for path in batch:
            entry = {"name": path.name, "sha256": sha256_of(path), "status": "ok"}
            reader = OnixReader(path)
            try:
                records: list[OnixRecord] = list(reader)
            except OnixFileError as exc:
                entry.update(status="failed", reason=str(exc))
                problems.append(Problem(code="unreadable-file", severity=Severity.BLOCKING, message=str(exc),
                                        source=path.name, line=exc.line))
                entries.append(entry)
                continue
            problems += reader.problems
            if self.validate:
                problems += validation_problems(path, source=path.name)
            for record in records:
                assembly.add(record)
            entries.append(entry)
        return assembly.result(extra_problems=problems, complete=False,
                               cursor=json.dumps({"files": entries}, sort_keys=True))

    def process(self, apply: Callable[[SourceRead], None]) -> SourceRead:
        """Read the next batch, hand it to `apply`, and acknowledge it once `apply` has returned."""
        read = self.read()
        apply(read)
        if read.cursor:
            self.acknowledge(read.cursor)
        return read

    def acknowledge(self, cursor: str) -> None:
        """The files of this cursor were applied: move them to processed/ (or failed/). Idempotent."""
        self.recover()
        files = json.loads(cursor).get("files", [])
        moves = []
        for entry in files:
            source = self.drop_dir / entry["name"]
            if not source.is_file() or sha256_of(source) != entry["sha256"]:
                continue  # already moved, or replaced by a new upload that has not been read yet
            folder = self.failed if entry["status"] == "failed" else self.processed
            moves.append({"from": str(source), "to": str(_free_name(folder, source.name, entry["sha256"])),
                          "reason": entry.get("reason")})
        if not moves:
            return
        journal = self.drop_dir / _JOURNAL
        _write_atomically(journal, json.dumps({"moves": moves}))
        self._replay(moves)
        journal.unlink()

    def recover(self) -> None:
        """Finish an acknowledgement interrupted by a crash."""
        journal = self.drop_dir / _JOURNAL
        if journal.exists():
            self._replay(json.loads(journal.read_text(encoding="utf-8"))["moves"])
            journal.unlink()

    @staticmethod
    def _replay(moves: list[dict[str, Any]]) -> None:
        for move in moves:
            source, target = Path(move["from"]), Path(move["to"])
            target.parent.mkdir(parents=True, exist_ok=True)
            if move.get("reason"):
                _write_atomically(target.with_name(target.name + ".reason.txt"), move["reason"] + "\n")
            if source.exists() and not target.exists():
                os.replace(source, target)


def _free_name(folder: Path, name: str, digest: str) -> Path:
    target = folder / name
    if not target.exists():
        return target
    stem, dot, suffix = name.partition(".")
    return folder / f"{stem}-{digest[:12]}{dot}{suffix}"


def _write_atomically(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


# mypy checks here that each source matches the CatalogSource port.
_file_source: type[CatalogSource] = OnixFileSource
_folder_source: type[CatalogSource] = OnixFolderSource
_url_source: type[CatalogSource] = OnixUrlSource
