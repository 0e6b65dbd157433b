"""The catalogue bookbridge knows: the last complete read, with every later delta merged in."""

from __future__ import annotations

from collections.abc import Mapping

from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import SourceRead


def merge_catalogue(stored: Mapping[str, TitleFamily], read: SourceRead) -> dict[str, TitleFamily]:
    """Apply one source read to the stored catalogue.

    A complete read replaces everything. A delta replaces the families it names; an edition that moved to
    another family leaves its old one. Delete notifications mark editions delisted (hidden, never destroyed).
    """
    merged: dict[str, TitleFamily] = {} if read.complete else dict(stored)
    moved = {e.isbn for f in read.families for e in f.editions}
    if not read.complete:
        for family_id, family in list(merged.items()):
            if family_id in {f.id for f in read.families}:
                continue
            kept = tuple(e for e in family.editions if e.isbn not in moved)
            if len(kept) != len(family.editions):
                if kept:
                    merged[family_id] = family.model_copy(update={"editions": kept})
                else:
                    del merged[family_id]
    for family in read.families:
        merged[family.id] = family
    gone = set(read.delisted)
    if gone:
        for family_id, family in list(merged.items()):
            if any(e.isbn in gone for e in family.editions):
                editions = tuple(e.model_copy(update={"delisted": True}) if e.isbn in gone else e
                                 for e in family.editions)
                merged[family_id] = family.model_copy(update={"editions": editions})
    return merged
