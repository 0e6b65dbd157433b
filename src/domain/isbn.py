"""ISBN-13 (= GTIN-13 for books) as a validated value object, checked by python-stdnum."""

from __future__ import annotations

from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema
from stdnum import isbn as _isbn
from stdnum.exceptions import ValidationError as _StdnumError


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
        try:
            compact = _isbn.validate(raw)
        except _StdnumError as exc:
            raise InvalidISBN(value, str(exc).rstrip(".").lower()) from None
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
