"""Hostile input, bounded before it reaches a parser's recursion or the database.

JSON bodies: nesting at most `MAX_JSON_DEPTH` deep and numbers at most `MAX_NUMBER_CHARS` characters long,
checked while parsing (a 100,000-deep array would otherwise exhaust the parser's recursion, a 5,000-digit
integer Python's int conversion); both are answered 400. Text: no control characters but tab, newline and
carriage return, and no lone surrogates (PostgreSQL refuses a NUL byte in text; a surrogate cannot be encoded),
answered 422 naming the field. The OpenAPI document states the same rules as `pattern`s, so that generated
clients (and schemathesis) know them.
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any

from fastapi import HTTPException
from pydantic import StringConstraints

MAX_JSON_DEPTH = 32
MAX_NUMBER_CHARS = 100
# Tab, newline and carriage return are text; the other C0 controls and DEL are not.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"  # one line: no newline either
# Text with something in it: one character at least that is neither a space nor a control (a note).
FILLED_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
SCOPE_PATTERN = r"^store(/[A-Za-z0-9_.*{}-]+)+$"  # a webhook scope: store/order/created, store/channel/1/...
_TEXT = re.compile(TEXT_PATTERN)
_LINE = re.compile(LINE_PATTERN)
PATTERN_MEANING = {TEXT_PATTERN: "control characters (such as NUL) are not allowed",
                   # a note of spaces alone is refused before the pattern, in words of its own (schemas.Note)
                   FILLED_TEXT_PATTERN: "control characters (such as NUL) are not allowed",
                   LINE_PATTERN: "control characters (such as NUL or a newline) are not allowed",
                   SCOPE_PATTERN: "expected a scope such as store/order/created"}

Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
Line = Annotated[str, StringConstraints(pattern=LINE_PATTERN)]

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class InputRefused(HTTPException):
    """Input outside the bounds: 400 for a body that cannot be read, 422 for a field that breaks a rule."""


def json_depth(body: bytes) -> int:
    """How deeply `body`'s arrays and objects nest (brackets inside strings do not count). Linear in the body."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return 0  # cannot nest deeper than the limit: skip the scan
    level = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub(b'""', body)):
        level += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, level)
    return deepest


class _Refused(Exception):
    """A JSON limit broken while parsing; load_json names the body."""


def _number(text: str) -> float | int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _Refused(f"a number is longer than {MAX_NUMBER_CHARS} characters")
    value = float(text) if any(c in text for c in ".eE") else int(text)
    if not math.isfinite(value):
        raise _Refused(f"number {text[:20]} is out of range")
    return value


def _constant(name: str) -> Any:  # NaN and Infinity are not JSON (and PostgreSQL's json type refuses them)
    raise _Refused(f"{name} is not a JSON number")


# Built once: json.loads with hooks builds a decoder (and its scanner) per call.
_DECODER = json.JSONDecoder(parse_int=_number, parse_float=_number, parse_constant=_constant)


def load_json(body: bytes, what: str) -> Any:
    """`body` parsed as JSON, within the limits; InputRefused 400 names `what` ("webhook body") and the problem."""
    if json_depth(body) > MAX_JSON_DEPTH:
        raise InputRefused(400, f"{what}: JSON nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))  # as json.loads reads bytes
        if not body.isascii() or b"\\" in body:  # a surrogate needs an escape (a backslash) or a non-ASCII byte
            json.dumps(value, ensure_ascii=False).encode("utf-8")  # a lone surrogate (\ud800) is not text
    except _Refused as exc:
        raise InputRefused(400, f"{what}: {exc}") from None
    except UnicodeEncodeError:
        raise InputRefused(400, f"{what}: a string holds a lone surrogate escape (not Unicode text)") from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise InputRefused(400, f"{what} is not JSON: {exc}") from None
    return value


def refuse_control_characters(value: str, where: str, *, multiline: bool = True) -> str:
    """`value`, or InputRefused 422 naming `where` when it holds a control character."""
    pattern = _TEXT if multiline else _LINE
    if not pattern.match(value):
        raise InputRefused(422, f"{where}: {PATTERN_MEANING[pattern.pattern]}")
    return value
