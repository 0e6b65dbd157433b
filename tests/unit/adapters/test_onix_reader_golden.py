"""The ONIX reader reads exactly what it read when `onix_reader.golden.json` was recorded: every OnixRecord field
(with value types), every problem (code, severity, message, record, field, line), the file-level problems, the
SourceRead (families, editions, delistings) and what each edition leaves unmapped, for the sample files and for
generated files (`onix_varied.py`) that take every branch of the mapping; short tags read as reference tags.

The golden file was recorded with the reader at `main` 87b3d4f, before its child look-ups and ISBN check were made
faster (#17), and recorded again only where the words of its problems changed ("record skipped" became "record not
read", then "; not read" as the Consonance source says it, the glossary's word; python-stdnum's reasons for refusing
an ISBN became the project's words, "its check digit is wrong"); it changes only with a change that is meant to
change what the reader reads. Record it with

    .venv/bin/python tests/unit/adapters/test_onix_reader_golden.py

(with another version of the reader first on PYTHONPATH as `bookbridge` to record what that version reads).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).parent))  # as pytest puts it, so that this file also runs as a script

from onix_varied import write_varied

from bookbridge.adapters.onix.parser import OnixReader, read_onix
from bookbridge.domain.listing.unmapped import unmapped

GOLDEN = Path(__file__).with_name("onix_reader.golden.json")
SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "onix-samples"
GENERATED: dict[str, dict[str, Any]] = {
    "varied.xml": {}, "varied-no-header.xml": {"header": False, "count": 60},
    "varied-entities.xml": {"entities": True, "count": 40},
}


def plain(value: Any) -> Any:
    """JSON for a value; a scalar that JSON would blur (Decimal, date, ISBN13, an enum) as its repr."""
    if value is None or type(value) in (bool, int, str):
        return value
    if isinstance(value, enum.Enum | str | Decimal | date):
        return repr(value)
    if isinstance(value, BaseModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset | set):
        return sorted(plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    raise TypeError(f"no JSON form for {type(value).__name__}")


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(plain(value), sort_keys=True).encode()).hexdigest()


def read_all(path: Path) -> dict[str, Any]:
    """Every record in full; the SourceRead built from them and what its editions leave unmapped as digests
    (they follow from the records: a difference there with equal records is in the assembly, not the reader)."""
    reader = OnixReader(path)
    records = [plain(record) for record in reader]
    read = read_onix(path)
    editions = [e for family in read.families for e in family.editions]
    return {
        "records": records,
        "reader_problems": plain(reader.problems),
        "read": digest(read),
        "unmapped": digest({str(e.isbn): unmapped(e) for e in editions}),
    }


def inputs(folder: Path) -> dict[str, Path]:
    found = {name: write_varied(folder / name, **options) for name, options in GENERATED.items()}
    found |= {p.name: p for p in sorted(SAMPLES.glob("*.xml"))}
    return found


def current(folder: Path) -> dict[str, Any]:
    return {name: read_all(path) for name, path in inputs(folder).items()}


@functools.cache
def golden() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("name", sorted(golden()))
def test_the_reader_reads_what_it_read_when_recorded(name: str, tmp_path: Path) -> None:
    if name in GENERATED:
        path = write_varied(tmp_path / name, **GENERATED[name])
    else:
        path = SAMPLES / name
        if not path.is_file():
            pytest.skip(f"ONIX sample not found at {path}")
    recorded = golden()[name]
    got = json.loads(json.dumps(read_all(path)))
    assert len(got["records"]) == len(recorded["records"])
    for index, (mine, theirs) in enumerate(zip(got["records"], recorded["records"], strict=True)):
        assert mine == theirs, index
    for part in ("reader_problems", "read", "unmapped"):
        assert got[part] == recorded[part], part


def test_every_input_is_recorded() -> None:
    names = set(GENERATED) | ({p.name for p in SAMPLES.glob("*.xml")} if SAMPLES.is_dir() else set())
    assert names <= set(golden()), "record the golden file again (see the module docstring)"


def test_short_tags_read_as_the_reference_tags(tmp_path: Path) -> None:
    reference = [plain(r) for r in OnixReader(write_varied(tmp_path / "reference.xml"), source="feed")]
    short = [plain(r) for r in OnixReader(write_varied(tmp_path / "short.xml", short=True), source="feed")]
    assert short == reference


def test_the_generated_files_take_the_mapping_s_branches(tmp_path: Path) -> None:
    """The generated files hold the defects the golden file is meant to pin (a file of clean records would pin
    only the happy path), and records of every notification type."""
    codes: set[str] = set()
    kinds: set[str | None] = set()
    for name, options in GENERATED.items():
        for record in OnixReader(write_varied(tmp_path / name, **options)):
            codes |= {p.code for p in record.problems}
            kinds.add(record.notification_type)
    assert codes >= {
        "invalid-isbn", "missing-isbn", "missing-notification-type", "unknown-code", "missing-title",
        "incomplete-contributor", "malformed-measure", "malformed-extent", "missing-text", "missing-resource-link",
        "malformed-date", "incomplete-sales-rights", "deprecated-code", "incomplete-sales-restriction",
        "missing-price-amount", "malformed-price", "invalid-price", "missing-currency", "missing-price-type",
        "unknown-product-form",
    }
    assert kinds >= {None, "01", "02", "03", "04", "05", "88", "77"}


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        GOLDEN.write_text(json.dumps(current(Path(scratch)), indent=0, sort_keys=True, ensure_ascii=False) + "\n",
                          encoding="utf-8")
    print(f"recorded {GOLDEN}")
