"""Drift: where the store no longer holds what bookbridge last applied (a merchandiser's edit by hand).

`find_drift(applied, stored)` is pure. It compares the section payloads bookbridge last sent with the fields the
store reports back in listing terms, and only the fields the store reports: a store that cannot read a field
back never shows drift in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from bookbridge.domain.adoption import AMBIGUOUS as _AMBIGUOUS
from bookbridge.domain.adoption import ORDERLESS as _ORDERLESS
from bookbridge.domain.adoption import same_value as _same
from bookbridge.domain.applied import AppliedListing
from bookbridge.domain.listing import Section
from bookbridge.domain.plan import FieldChange

StoredFields = Mapping[str, Any]


class DriftPolicy(StrEnum):
    OVERWRITE = "overwrite"  # the next sync puts bookbridge's value back (the default)
    REPORT = "report"  # open a DRIFT exception and leave the store's value alone until someone decides


def find_drift(applied: AppliedListing, stored: StoredFields) -> list[FieldChange]:
    """Fields whose stored value differs from the applied one: `before` is ours, `after` is the store's."""
    out: list[FieldChange] = []
    for section in Section:
        for name, ours in applied.payloads.get(section, {}).items():
            if name in _AMBIGUOUS or name not in stored:
                continue
            theirs = stored[name]
            a, b = ours, theirs
            if name in _ORDERLESS and isinstance(a, list) and isinstance(b, list):
                a, b = sorted(a, key=repr), sorted(b, key=repr)
            if not _same(a, b):
                out.append(FieldChange(section, name, ours, theirs))
    return out
