"""Drift: where the store no longer holds what bookbridge last applied (a merchandiser's edit by hand).

`find_drift(applied, stored)` is pure. It compares the section payloads bookbridge last sent with the fields the
store reports back in listing terms, and only the fields the store reports: a store that cannot read a field
back never shows drift in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from bookbridge.domain.listing import Section
from bookbridge.domain.plan import AppliedListing, FieldChange

StoredFields = Mapping[str, Any]

# `variants` appears in several sections' payloads (core, pricing, media split one variant list), so a flat
# read-back cannot say which section a variant difference belongs to; variants are left to the next full sync.
_AMBIGUOUS = frozenset({"variants"})
# Lists whose order the store does not keep: custom fields come back by id, channels by number.
_ORDERLESS = frozenset({"custom_fields", "channels"})


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


def _same(ours: Any, theirs: Any) -> bool:
    """Equal as listing data. The store may hand decimals back as floats (BigCommerce `price: 16.99`) where the
    payload holds text ("16.99"), so numbers compare by value, inside nested dicts and lists too."""
    if isinstance(ours, Mapping) and isinstance(theirs, Mapping):
        # Only the keys the store reports: a price read back has no currency or tax flag, and needs none.
        return all(_same(ours[k], theirs[k]) for k in ours.keys() & theirs.keys())
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(_same(a, b) for a, b in zip(ours, theirs, strict=True))
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours is theirs
    a, b = _number(ours), _number(theirs)
    if a is not None and b is not None:
        return a == b
    return bool(ours == theirs)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None
