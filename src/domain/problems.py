"""Typed problems: what is wrong with a record, how bad it is, and what a person should do."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    BLOCKING = "blocking"  # keeps the edition out of the store (or hides it)
    WARNING = "warning"  # listed and logged; the edition is still sold


class Problem(BaseModel):
    """One problem with one record. `record` is the ISBN or the source's record reference."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    message: str
    record: str | None = None
    field: str | None = None
    line: int | None = None
    source: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCKING

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"record {self.record}" if self.record else "",
                f"field {self.field}" if self.field else "",
                f"line {self.line}" if self.line else "",
            )
            if part
        )
        return f"[{self.severity}] {self.code}: {self.message}" + (f" ({where})" if where else "")


def blocking(code: str, message: str, *, record: str | None = None, field: str | None = None) -> Problem:
    return Problem(code=code, severity=Severity.BLOCKING, message=message, record=record, field=field)


def warning(code: str, message: str, *, record: str | None = None, field: str | None = None) -> Problem:
    return Problem(code=code, severity=Severity.WARNING, message=message, record=record, field=field)
