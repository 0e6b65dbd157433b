"""Title families: which editions are formats of the same work.

1. RelatedWork with WorkRelationCode 01 (List 164, "manifestation of"): editions with the same work
   identifier (WorkIDType + IDTypeName + IDValue) are one family. Consonance writes its work id there.
2. Otherwise RelatedProduct alternative-format links (List 51: 06, 13, 27) between ISBNs in the same file join
   editions into connected components (union-find); a link never joins two different works.
3. Otherwise an edition is a family of its own.
Family id: the work id's value when the family has one, else `isbn:<smallest ISBN>`. Deterministic: the result
does not depend on record order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bookbridge.adapters.onix.records import WorkKey


@dataclass(frozen=True)
class Membership:
    """What one edition says about its family."""

    isbn: str
    work: WorkKey | None = None
    alternatives: tuple[str, ...] = ()
    known_family: str | None = None  # from the stored edition, when a 04 update did not resend RelatedMaterial


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # the smaller ISBN is the root: deterministic


def group(members: Iterable[Membership]) -> tuple[dict[str, str], list[str]]:
    """ISBN -> family id, and messages about conflicting work ids found through links."""
    by_isbn: Mapping[str, Membership] = {m.isbn: m for m in members}
    sets = _UnionFind()
    first_of_work: dict[WorkKey, str] = {}
    for isbn in sorted(by_isbn):
        member = by_isbn[isbn]
        sets.find(isbn)
        if member.work is not None:
            sets.union(isbn, first_of_work.setdefault(member.work, isbn))
    for isbn in sorted(by_isbn):
        member = by_isbn[isbn]
        for other in member.alternatives:
            target = by_isbn.get(other)
            if target is None:
                continue  # links only join editions present in the same read
            if member.work is not None and target.work is not None and member.work != target.work:
                continue  # different works: the format link does not make them one family
            sets.union(isbn, other)
    components: dict[str, list[str]] = {}
    for isbn in sorted(by_isbn):
        components.setdefault(sets.find(isbn), []).append(isbn)
    families: dict[str, str] = {}
    conflicts: list[str] = []
    for root, isbns in components.items():
        works = sorted({w for i in isbns if (w := by_isbn[i].work) is not None},
                       key=lambda w: (w.value, w.id_type, w.type_name or ""))
        known = sorted({k for i in isbns if (k := by_isbn[i].known_family)})
        if works:
            family = works[0].value
            if len(works) > 1:
                conflicts.append(f"editions {', '.join(isbns)} are linked as formats but name works "
                                 f"{', '.join(w.value for w in works)}; grouped under {family}")
        elif known:
            family = known[0]
        else:
            family = f"isbn:{root}"
        for isbn in isbns:
            families[isbn] = family
    return families, conflicts
