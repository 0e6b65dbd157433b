"""Credits from ONIX List 17: who a byline names, in which words, and whose biographies a page shows.

A byline credits the primary roles, each group in sequence order: "by A and B, edited by C, illustrated by D,
translated by E, read by F". Contributors of secondary roles (List 17 A32 "contributions by", forewords,
introductions, cover design, ...) are named in the contributors field with their role, never as authors. A
byline that does not fit a store's limit is cut at a whole name ("illustrated by D, E and 4 others").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bookbridge.domain.codelists import CONTRIBUTOR_ROLES
from bookbridge.domain.model import Contributor

# List 17 roles credited in a byline, group by group in this order, with the words that introduce them.
_AUTHORS = frozenset({"A01", "A06", "A07", "A08", "A09", "A38", "A45", "A99"})
_EDITORS = frozenset({"B01", "B09", "B10", "B11", "B12", "B13", "B21"})
BYLINE_GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("by", _AUTHORS),
    ("with", frozenset({"A02"})),
    ("edited by", _EDITORS),
    ("illustrated by", frozenset({"A12", "A35"})),
    ("photographs by", frozenset({"A13"})),
    ("translated by", frozenset({"B06", "B08"})),
    ("adapted by", frozenset({"B03", "B05"})),
    ("read by", frozenset({"E07"})),
)
# Primary contributors: their biographies are shown. Illustrators are primary only when nobody else creates
# the book (a wordless picture book): otherwise an anthology's six illustrators would crowd out its editor.
PRIMARY_ROLES = _AUTHORS | _EDITORS | frozenset({"A02"})
_FALLBACK_PRIMARY = frozenset({"A12", "A35", "A13"})


@dataclass(frozen=True, slots=True)
class Credit:
    words: str  # "by", "edited by", ...
    names: tuple[str, ...]


_GROUP_OF = {role: i for i, (_, roles) in enumerate(BYLINE_GROUPS) for role in roles}


def credits(contributors: Sequence[Contributor]) -> tuple[Credit, ...]:
    """The byline's groups: each primary role group in sequence order, a name credited once per group."""
    groups: dict[int, list[str]] = {}
    for c in sorted(contributors, key=lambda c: c.sequence):
        group = _GROUP_OF.get(c.role)
        if group is not None and c.name.strip():
            names = groups.setdefault(group, [])
            if c.name not in names:
                names.append(c.name)
    return tuple(Credit(BYLINE_GROUPS[i][0], tuple(groups[i])) for i in sorted(groups))


def primary_contributors(contributors: Sequence[Contributor]) -> tuple[Contributor, ...]:
    """The credited primary contributors in sequence order: authors and editors (illustrators only when there
    are neither)."""
    ordered = sorted(contributors, key=lambda c: c.sequence)
    primary = tuple(c for c in ordered if c.role in PRIMARY_ROLES)
    return primary or tuple(c for c in ordered if c.role in _FALLBACK_PRIMARY)


def names_phrase(names: Sequence[str], shown: int | None = None) -> str:
    """"A", "A and B", "A, B and C"; with `shown` below the count, "A, B and 14 others"."""
    shown = len(names) if shown is None else max(1, min(shown, len(names)))
    if shown < len(names):
        rest = len(names) - shown
        return ", ".join(names[:shown]) + f" and {rest} other" + ("s" if rest > 1 else "")
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _render(groups: Sequence[Credit], shown: Sequence[int]) -> str:
    return ", ".join(f"{g.words} {names_phrase(g.names, n)}" for g, n in zip(groups, shown, strict=True))


def byline(groups: Sequence[Credit], limit: int) -> str:
    """The groups as one byline of at most `limit` characters, cut at whole names: later groups lose names
    first ("and N others"), then whole groups go. "" when not even the first name fits."""
    groups = list(groups)
    while groups:
        shown = [len(g.names) for g in groups]
        while True:
            text = _render(groups, shown)
            if len(text) <= limit:
                return text
            cut = next((i for i in range(len(groups) - 1, -1, -1) if shown[i] > 1), None)
            if cut is None:
                break
            shown[cut] -= 1
        groups.pop()
    return ""


def titled_byline(title: str, groups: Sequence[Credit], limit: int) -> str:
    """"Title by A and B, edited by C" in at most `limit` characters; the title alone (clipped by the caller)
    when no name fits beside it."""
    room = limit - len(title) - 1
    line = byline(groups, room) if room > 0 else ""
    return f"{title} {line}" if line else title


def role_label(role: str) -> str:
    return CONTRIBUTOR_ROLES.get(role, "Contributor")


def contributors_field(contributors: Iterable[Contributor], limit: int) -> str:
    """"Editor: C; Contributor: A; Illustrator: D" in sequence order, each person with their role, in at most
    `limit` characters: cut at a whole person ("; and 14 others")."""
    entries = [f"{role_label(c.role)}: {c.name}" for c in sorted(contributors, key=lambda c: c.sequence)]
    for shown in range(len(entries), 0, -1):
        rest = len(entries) - shown
        text = "; ".join(entries[:shown]) + (f"; and {rest} other" + ("s" if rest > 1 else "") if rest else "")
        if len(text) <= limit:
            return text
    return entries[0][:limit] if entries else ""
