"""The category mapping file (`[mapping] categories = "categories.toml"`): subject codes to category paths.

    [thema]                                  # a table per scheme: thema, bisac, bic, or a List 27 code ("24")
    "FBA" = "Fiction > Modern & contemporary"  # an exact code
    "FF*" = ["Fiction", "Crime & mystery"]     # a prefix; a path as "A > B" or as a list of names
    "1*" = ""                                  # matched on purpose to no category (no warning)
    "*" = "Subjects > {heading}"               # the feed's SubjectHeadingText names the category

Within a table the rules are tried in the order written; the first that matches wins (domain/categories.py).
Every error names the file, the line and the key.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bookbridge.domain.categories import CategoryMapping, CategoryRule

NAMED_SCHEMES = ("thema", "bisac", "bic")
LIST_27_CODE = re.compile(r"^[0-9A-Z]{2}$")  # List 27 subject scheme identifiers: 01-99, A1-..., B0-...
KEYWORDS = "20"  # List 27: 20 keywords go to search_keywords, never to categories


class CategoryFileError(ValueError):
    """The category mapping file cannot be used; the message names the file, the line and the key."""


def load_category_mapping(path: Path) -> CategoryMapping:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CategoryFileError(f"category mapping {path}: cannot be read ({exc.strerror or type(exc).__name__})"
                                ) from None
    return parse_category_mapping(text, source=str(path))


def parse_category_mapping(text: str, *, source: str = "category mapping") -> CategoryMapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message says "(at line N, column M)"
        raise CategoryFileError(f"{source}: not valid TOML: {exc}") from None
    schemes: list[tuple[str, tuple[CategoryRule, ...]]] = []
    for table, rules in data.items():
        where = f"{source}, line {_line_of(text, table)}, [{table}]"
        scheme = table.lower() if table.lower() in NAMED_SCHEMES else table
        if scheme not in NAMED_SCHEMES and not LIST_27_CODE.match(scheme):
            raise CategoryFileError(f"{where}: not a subject scheme: use thema, bisac, bic or a List 27 code "
                                    "such as \"24\"")
        if scheme == KEYWORDS:
            raise CategoryFileError(f"{where}: keywords (List 27: 20) go to search_keywords, not to categories")
        if not isinstance(rules, dict):
            raise CategoryFileError(f"{where}: must be a table of code = category path")
        schemes.append((scheme, tuple(_rule(text, table, code, value, source) for code, value in rules.items())))
    keys = [key for key, _ in schemes]
    if duplicates := sorted({k for k in keys if keys.count(k) > 1}):
        raise CategoryFileError(f"{source}: scheme {duplicates[0]!r} has two tables")
    return CategoryMapping(schemes=tuple(schemes))


def _rule(text: str, table: str, code: str, value: Any, source: str) -> CategoryRule:
    where = f"{source}, line {_line_of(text, table, code)}, {table}.{code!r}"
    if "*" in code[:-1]:
        raise CategoryFileError(f"{where}: '*' may only end a code (a prefix such as \"FB*\")")
    if isinstance(value, str):
        path = tuple(part.strip() for part in value.split(">")) if value.strip() else ()
    elif isinstance(value, list) and all(isinstance(part, str) for part in value):
        path = tuple(value)
    else:
        raise CategoryFileError(f"{where}: a category path is a string (\"Fiction > Crime\") or a list of names")
    try:
        return CategoryRule(pattern=code, path=path)
    except ValidationError as exc:
        reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise CategoryFileError(f"{where}: {reasons}") from None


def _line_of(text: str, table: str, key: str | None = None) -> int:
    """The line of `[table]` (or of `key` within it), for error messages; 0 when it cannot be found."""
    lines = text.splitlines()
    header = re.compile(rf"^\s*\[\s*\"?{re.escape(table)}\"?\s*\]")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return 0
    if key is None:
        return start + 1
    quoted = rf"(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})"
    entry = re.compile(rf"^\s*{quoted}\s*=")
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if entry.match(lines[i]):
            return i + 1
    subtable = re.compile(rf"^\s*\[\s*\"?{re.escape(table)}\"?\s*\.\s*{quoted}\s*\]")
    return next((i + 1 for i, line in enumerate(lines) if subtable.match(line)), start + 1)
