"""ISBN-13 (= GTIN-13 for books) as a validated value object, checked by python-stdnum."""

from __future__ import annotations

from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema
from stdnum import isbn as _isbn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as _StdnumError

_BOOKLAND = ("978", "979")  # the GS1 prefixes of ISBN-13


def _plain_isbn13(raw: str) -> bool:
    """13 ASCII digits with a Bookland prefix and a right EAN-13 check digit: an ISBN-13 that python-stdnum
    would accept and return unchanged. Checked here because that is most identifiers in a feed, and stdnum's
    normalisation (Unicode dashes and digits, hyphens, ISBN-10) costs ten times more; every other string goes
    to stdnum, which accepts or rejects it with its reason."""
    if len(raw) != 13 or not raw.isascii() or not raw.isdigit() or raw[:3] not in _BOOKLAND:
        return False
    codes = raw.encode("ascii")  # digit d is byte 48 + d, and 48 x (7 + 3 x 6) = 1200 leaves the sum mod 10 as is
    return (sum(codes[0:13:2]) + 3 * sum(codes[1:12:2])) % 10 == 0


def refusal(raw: str, exc: _StdnumError) -> str:
    """Why python-stdnum refused `raw`, in the project's words: one wording per reason it gives, never its own
    ("one of the parts of the number are invalid or unknown"). `validate` checks the characters, then the
    length, then the check digit, then the Bookland prefix."""
    if isinstance(exc, InvalidChecksum):
        return "its check digit is wrong"
    if isinstance(exc, InvalidLength):
        return f"an ISBN has 10 or 13 digits; this has {len(_isbn.compact(raw))}"
    if isinstance(exc, InvalidFormat):
        return "an ISBN is made of digits (an ISBN-10 may end in X); this has other characters"
    if isinstance(exc, InvalidComponent):  # 13 digits and a right check digit: an EAN, not a book's
        return "it does not start with 978 or 979 (a barcode of something other than a book)"
    return str(exc).rstrip(".").lower()  # a reason a later python-stdnum adds: its own words until it has ours


class InvalidISBN(ValueError):
    """An identifier that is not a valid ISBN; the message names the value and the reason."""

    def __init__(self, value: object, reason: str) -> None:
        super().__init__(f"invalid ISBN {value!r}: {reason}")
        self.value = value
        self.reason = reason


class ISBN13(str):
    """A 13-digit ISBN. Accepts hyphens and spaces, converts ISBN-10, rejects bad checksums.

    The same 13 digits are the product's GTIN-13 (ONIX List 5: 03 GTIN-13 and 15 ISBN-13).
    """

    __slots__ = ()

    def __new__(cls, value: object) -> ISBN13:
        if isinstance(value, ISBN13):
            return value
        if not isinstance(value, str):
            raise InvalidISBN(value, "expected a string")
        raw = value.strip()
        if not raw:
            raise InvalidISBN(value, "empty")
        if _plain_isbn13(raw):
            return super().__new__(cls, raw)
        try:
            compact = _isbn.validate(raw)
        except _StdnumError as exc:
            raise InvalidISBN(value, refusal(raw, exc)) from None
        if len(compact) == 10:
            compact = _isbn.to_isbn13(compact)
        return super().__new__(cls, compact)

    @property
    def gtin(self) -> str:
        return str(self)

    @property
    def hyphenated(self) -> str:
        return str(_isbn.format(str(self)))

    def __repr__(self) -> str:
        return f"ISBN13({str(self)!r})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )


def parse_isbn(value: object) -> ISBN13:
    return ISBN13(value)
