"""A drop folder that a sender (SFTP, rsync...) fills with ONIX files. It is a trust boundary::

    drop_dir/*.xml ...          waiting, read in order of arrival (mtime, then name); dot-files, *.part
                                and *.tmp are ignored (uploads in progress)
    drop_dir/processed/         files whose content was applied
    drop_dir/failed/            unreadable files, each with <name>.reason.txt
    drop_dir/.onix-journal.json moves of an acknowledgement in progress

Delivery is at-least-once with idempotent reads, so a crash never loses a file and never applies one twice in a
way that matters:
1. `read()` moves nothing. It parses up to `max_files` waiting files (records of later files win) and returns a
   cursor naming each file and its SHA-256. A file that is not readable ONIX becomes one blocking problem; its
   partial content is discarded.
2. The caller applies the read, then acknowledges it: explicitly with `acknowledge(cursor)`, or implicitly by
   passing the same cursor to the next `read(cursor)` (the sync use case stores the cursor only after applying,
   in the same transaction). Acknowledging moves those files, and only if their content is unchanged, to
   processed/ or failed/.
3. If the caller crashes before acknowledging, the files are still waiting and the next read returns them
   again, from the start; applying the same records twice yields the same catalogue.
4. An acknowledgement first writes the journal of moves, then moves, then deletes the journal. A crash in
   between is finished by the next `read`/`acknowledge` (moves are idempotent renames).
`process(apply)` wraps 1–2: read, `apply(read)`, acknowledge; if `apply` raises nothing is acknowledged.

Whoever can write to the folder is not trusted beyond it:
- The journal holds only plain file names (no separator, no `..`) and the folder each goes to (`processed` or
  `failed`). A journal with anything else, or that is not a regular file, or not JSON, is refused with an
  OnixFileError naming it, before anything is moved; the operator checks it and removes it.
- Entries that are not regular files (symlinks, devices, FIFOs, sockets) are never opened or followed: each is a
  blocking problem naming it, and it stays where it is. A `processed` or `failed` that is not a real folder is
  a problem too, and is renamed aside (`.processed.not-a-folder-<ns>`) when the next acknowledgement needs it.
- A file name that is not valid UTF-8 is reported with its bytes escaped (`bad\\xff.xml`) and quarantined to
  failed/ under that escaped name, unread.
- One poison file never stops the others: each problem is confined to its entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bookbridge.adapters.onix.assembly import Assembly, PreviousEdition
from bookbridge.adapters.onix.parser import OnixReader
from bookbridge.adapters.onix.reader import OnixFileError
from bookbridge.adapters.onix.records import OnixRecord
from bookbridge.adapters.onix.validation import validation_problems
from bookbridge.domain.ports import CatalogSource, SourceRead
from bookbridge.domain.problems import Problem, Severity

_CHUNK = 1 << 20
_JOURNAL = ".onix-journal.json"
_JOURNAL_LIMIT = 4 << 20  # a journal names at most max_files moves; anything this large was not written by us
_IGNORED_SUFFIXES = (".part", ".tmp", ".reason.txt")
_FOLDERS = ("processed", "failed")
_BAD_NAME = "the file name is not valid UTF-8"


def shown(name: str) -> str:
    """A file name as text that is always valid UTF-8: undecodable bytes are escaped (`bad\\xff.xml`)."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _plain_name(value: Any) -> bool:
    """A name of an entry directly inside a folder: no separator, no `.`/`..`, no NUL."""
    return (isinstance(value, str) and value not in ("", ".", "..") and "/" not in value and "\0" not in value
            and len(value) <= 1024)


def sha256_of(path: Path, *, follow_symlinks: bool = True) -> str:
    """The digest of a regular file (opened without following a symlink if `follow_symlinks` is false)."""
    digest = hashlib.sha256()
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_symlinks else os.O_NOFOLLOW)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise OnixFileError(shown(path.name), "not a regular file")
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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
        """Regular files waiting to be read, in order of arrival: modification time, then name."""
        return self._scan()[0]

    def _scan(self) -> tuple[list[Path], list[Problem]]:
        files: list[tuple[int, str, Path]] = []
        problems: list[Problem] = []
        with os.scandir(self.drop_dir) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name.endswith(_IGNORED_SUFFIXES):
                    continue
                info = entry.stat(follow_symlinks=False)
                if name in _FOLDERS:
                    if not stat.S_ISDIR(info.st_mode):
                        problems.append(self._skipped(name, f"{_kind(info.st_mode)} where the {name}/ folder "
                                                            "belongs; it is renamed aside at the next acknowledgement"))
                    continue
                if stat.S_ISREG(info.st_mode):
                    files.append((info.st_mtime_ns, name, Path(entry.path)))
                elif not stat.S_ISDIR(info.st_mode):
                    problems.append(self._skipped(name, f"{_kind(info.st_mode)}, not a regular file: not read, "
                                                        "never followed; remove it"))
        return [path for _, _, path in sorted(files)], problems

    def _skipped(self, name: str, reason: str) -> Problem:
        return Problem(code="skipped-entry", severity=Severity.BLOCKING, source=shown(name),
                       message=f"{shown(name)} in the drop folder {self.drop_dir}: {reason}")

    def read(self, cursor: str | None = None) -> SourceRead:
        self.recover()
        if cursor:
            self.acknowledge(cursor)
        waiting, problems = self._scan()
        assembly = Assembly(self.previous_edition, source=self.name)
        entries: list[dict[str, str]] = []
        for path in waiting[: self.max_files]:
            entry, records, found = self._read_one(path)
            problems += found
            for record in records:
                assembly.add(record)
            if entry is not None:
                entries.append(entry)
        return assembly.result(extra_problems=problems, complete=False,
                               cursor=json.dumps({"files": entries}, sort_keys=True))

    def _read_one(self, path: Path) -> tuple[dict[str, str] | None, list[OnixRecord], list[Problem]]:
        """One waiting file: its cursor entry, its records and its problems. Never raises for the file's sake."""
        label = shown(path.name)
        try:
            entry = {"name": path.name, "sha256": sha256_of(path, follow_symlinks=False), "status": "ok"}
        except (OSError, OnixFileError) as exc:  # replaced by a link, a FIFO, or removed since the scan
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return None, [], [self._skipped(path.name, f"cannot be read safely ({reason}): skipped")]
        if not _is_text(path.name):
            entry.update(status="failed", reason=_BAD_NAME)
            return entry, [], [Problem(code="unreadable-file", severity=Severity.BLOCKING, source=label,
                                       message=f"{label}: {_BAD_NAME}; it goes to failed/ unread")]
        reader = OnixReader(path, follow_symlinks=False)
        try:
            records: list[OnixRecord] = list(reader)
        except OnixFileError as exc:
            entry.update(status="failed", reason=str(exc))
            return entry, [], [Problem(code="unreadable-file", severity=Severity.BLOCKING, message=str(exc),
                                       source=label, line=exc.line)]
        problems = list(reader.problems)
        if self.validate:
            problems += validation_problems(path, source=label)
        return entry, records, problems

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
            name = entry.get("name")
            if not _plain_name(name):
                continue  # cursors are ours; a name with a path in it is not one we wrote
            source = self.drop_dir / name
            try:
                unchanged = (stat.S_ISREG(source.lstat().st_mode)
                             and sha256_of(source, follow_symlinks=False) == entry.get("sha256"))
            except (OSError, OnixFileError):
                unchanged = False
            if not unchanged:
                continue  # already moved, or replaced by a new upload that has not been read yet
            folder = "failed" if entry.get("status") == "failed" else "processed"
            target = name if _is_text(name) else shown(name).replace("\\", "%")
            moves.append({"name": name, "folder": folder,
                          "as": _free_name(self.drop_dir / folder, target, entry["sha256"]),
                          "reason": entry.get("reason")})
        if not moves:
            return
        journal = self.drop_dir / _JOURNAL
        _write_atomically(journal, json.dumps({"version": 2, "moves": moves}))
        self._replay(moves)
        journal.unlink()

    def recover(self) -> None:
        """Finish an acknowledgement interrupted by a crash; refuse a journal we did not write."""
        journal = self.drop_dir / _JOURNAL
        if os.path.lexists(journal):
            self._replay(self._journal_moves(journal))
            journal.unlink()

    def _journal_moves(self, journal: Path) -> list[dict[str, Any]]:
        def refuse(reason: str) -> OnixFileError:
            return OnixFileError(str(journal), f"{reason}; nothing was moved. The journal holds only names of files "
                                               "in this folder: check it, then remove it")

        info = journal.lstat()
        if not stat.S_ISREG(info.st_mode):
            raise refuse(f"the journal is a {_kind(info.st_mode)}, not a regular file")
        if info.st_size > _JOURNAL_LIMIT:
            raise refuse(f"the journal is {info.st_size} bytes, more than {_JOURNAL_LIMIT}")
        try:
            document = json.loads(journal.read_bytes())
        except (ValueError, OSError) as exc:
            raise refuse(f"malformed journal ({exc})") from None
        moves = document.get("moves") if isinstance(document, dict) else None
        if not isinstance(moves, list):
            raise refuse("malformed journal (no list of moves)")
        for number, move in enumerate(moves, 1):
            if not isinstance(move, dict) or set(move) != {"name", "folder", "as", "reason"}:
                raise refuse(f"move {number} is not a move written by bookbridge (name, folder, as, reason)")
            if not (_plain_name(move["name"]) and _plain_name(move["as"]) and move["folder"] in _FOLDERS):
                raise refuse(f"move {number} names a path outside the folder: {shown(str(move['name']))!r} -> "
                             f"{shown(str(move['folder']))!r}/{shown(str(move['as']))!r}")
            if move["reason"] is not None and not isinstance(move["reason"], str):
                raise refuse(f"move {number} has a reason that is not text")
        return moves

    def _replay(self, moves: list[dict[str, Any]]) -> None:
        for move in moves:
            folder = self._folder(move["folder"])
            source, target = self.drop_dir / move["name"], folder / move["as"]
            if move.get("reason"):
                _write_atomically(folder / (move["as"] + ".reason.txt"), move["reason"] + "\n")
            if os.path.lexists(source) and not os.path.lexists(target):
                os.replace(source, target)

    def _folder(self, name: str) -> Path:
        """processed/ or failed/, made if missing; anything else under that name is renamed aside first."""
        folder = self.drop_dir / name
        try:
            mode = folder.lstat().st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISDIR(mode):
            os.replace(folder, self.drop_dir / f".{name}.not-a-folder-{time.time_ns()}")
            mode = None
        if mode is None:
            folder.mkdir(exist_ok=True)
        return folder


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"),
             (stat.S_ISREG, "a regular file"))
    return next((label for test, label in kinds if test(mode)), "an unknown entry")


def _free_name(folder: Path, name: str, digest: str) -> str:
    if not os.path.lexists(folder / name):
        return name
    stem, dot, suffix = name.partition(".")
    return f"{stem}-{digest[:12]}{dot}{suffix}"


def _write_atomically(path: Path, content: str) -> None:
    """Write through a fresh temporary file: a name planted there (a symlink, say) is replaced, never followed."""
    temporary = path.with_name(path.name + ".tmp")
    if os.path.lexists(temporary):
        os.unlink(temporary)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
