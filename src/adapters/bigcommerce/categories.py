"""Categories in BigCommerce's category trees (one tree per channel), made idempotently.

A listing names its categories by path (`StoreListing.categories`); a product is filed under each path in the
tree of every channel it is listed on. Ids come from the sync state first (`use`); a path it lacks is looked up
in the channel's tree, read once per process (`GET /catalog/trees/categories`, one request at a time: the
endpoint's limit), and made where the tree lacks it, level by level, in batches (`POST
/catalog/trees/categories`). Names are matched case-insensitively, as siblings' names are unique in a tree. A
channel without a tree gets one (`PUT /catalog/trees`). Made and found ids are handed back to the state
(`made`). An id the state keeps for a category deleted by hand is refused by BigCommerce on the product write;
`forget` drops the channel's ids so that the next write reads the tree again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bookbridge.adapters.bigcommerce.client import BigCommerceClient
from bookbridge.adapters.bigcommerce.errors import BigCommerceRejected
from bookbridge.domain.ports import CategoryKey

# POST /catalog/trees/categories: the spec states no batch limit; 50 is the limit it states for trees.
CATEGORY_BATCH_MAX = 50
TREES_LANE = "category-tree-reads"  # tree reads: 1 concurrent request (spec)


class CategoryTrees:
    def __init__(self, client: BigCommerceClient) -> None:
        self.client = client
        self._ids: dict[CategoryKey, int] = {}
        self._given: dict[CategoryKey, int] = {}
        self._found: dict[tuple[int, tuple[str, ...]], int] = {}  # (channel, casefolded path) -> id, as read
        self._trees: dict[int, int] = {}  # channel -> tree id
        self._read: set[int] = set()  # channels whose tree this process has read

    def use(self, known: Mapping[CategoryKey, int]) -> None:
        """Ids the state keeps (or has just recorded): used, and not handed back by `made`."""
        self._given.update(known)
        self._ids.update(known)

    def made(self) -> dict[CategoryKey, int]:
        return {key: cid for key, cid in self._ids.items() if self._given.get(key) != cid}

    def forget(self, channels: Iterable[int]) -> None:
        drop = set(channels)
        self._ids = {k: v for k, v in self._ids.items() if k[0] not in drop}
        self._given = {k: v for k, v in self._given.items() if k[0] not in drop}
        self._found = {k: v for k, v in self._found.items() if k[0] not in drop}
        self._read -= drop

    def ids(self, channels: Iterable[int], paths: Iterable[tuple[str, ...]]) -> list[int]:
        """The ids of `paths` in each channel's tree, as far as `prepare` resolved them, each once."""
        found: dict[int, None] = {}
        for channel in channels:
            for path in paths:
                cid = self._ids.get((channel, path))
                if cid is not None:
                    found.setdefault(cid)
        return list(found)

    def prepare(self, wanted: Iterable[CategoryKey]) -> None:
        """Resolve every (channel, path) in `wanted`, and its parents: from what is known, else from the channel's
        tree, else by making it. Raises `BigCommerceError` when BigCommerce refuses a read or a create."""
        missing = {key for key in wanted if key not in self._ids}
        if not missing:
            return
        levels: set[CategoryKey] = {(c, path[:depth]) for c, path in missing for depth in range(1, len(path) + 1)}
        for channel in sorted({c for c, _ in levels} - self._read):
            self._read_tree(channel)
        for key in levels:
            if key not in self._ids and (cid := self._found.get((key[0], _fold(key[1])))) is not None:
                self._ids[key] = cid
        for depth in range(1, max(len(p) for _, p in levels) + 1):
            todo = sorted(k for k in levels if len(k[1]) == depth and k not in self._ids)
            # Siblings' names are unique without regard to case: paths that differ only in case are one category,
            # made once (sending both would have BigCommerce refuse the second).
            once: dict[tuple[int, tuple[str, ...]], CategoryKey] = {}
            for key in todo:
                once.setdefault((key[0], _fold(key[1])), key)
            unique = list(once.values())
            for start in range(0, len(unique), CATEGORY_BATCH_MAX):
                self._create(unique[start:start + CATEGORY_BATCH_MAX])
            for key in todo:
                if key not in self._ids and (cid := self._found.get((key[0], _fold(key[1])))) is not None:
                    self._ids[key] = cid

    def _tree(self, channel: int) -> int:
        tree = self._trees.get(channel)
        if tree is None:
            trees = list(self.client.iter_v3("catalog/trees", params={"channel_id:in": channel}))
            if trees:
                tree = int(trees[0]["id"])
            else:  # a channel's tree is made with the channel in BigCommerce; one made by API may lack it
                made = self.client.request("PUT", "catalog/trees",
                                           json=[{"name": f"Channel {channel}", "channels": [channel]}]).data
                tree = int(made[0]["id"])
            self._trees[channel] = tree
        return tree

    def _read_tree(self, channel: int) -> None:
        tree = self._tree(channel)
        nodes = {int(c["category_id"]): (int(c.get("parent_id") or 0), str(c.get("name") or ""))
                 for c in self.client.iter_v3("catalog/trees/categories", params={"tree_id:in": tree},
                                              lane=TREES_LANE)}

        def path(cid: int, seen: frozenset[int] = frozenset()) -> tuple[str, ...]:
            parent, name = nodes[cid]
            if parent in nodes and parent not in seen:
                return (*path(parent, seen | {cid}), name)
            return (name,)

        self._found.update({(channel, _fold(path(cid))): cid for cid in nodes})
        self._read.add(channel)

    def _create(self, keys: list[CategoryKey]) -> None:
        body: list[dict[str, Any]] = []
        for channel, path in keys:
            # The spec's schema requires both (`anyOf: required [tree_id, parent_id]`); 0 is the tree's root.
            parent = self._ids[(channel, path[:-1])] if len(path) > 1 else 0
            body.append({"name": path[-1], "tree_id": self._tree(channel), "parent_id": parent})
        # A 207 answers with the categories it made only: each is matched to its key by parent and name.
        by_place = {(item["tree_id"], item["parent_id"], str(item["name"]).casefold()): key
                    for item, key in zip(body, keys, strict=True)}
        response = self.client.request("POST", "catalog/trees/categories", json=body)
        for made in response.data or []:
            key = by_place.get((int(made.get("tree_id") or 0), int(made.get("parent_id") or 0),
                                str(made.get("name") or "").casefold()))
            if key is not None:
                self._ids[key] = int(made["category_id"])
                self._found[(key[0], _fold(key[1]))] = self._ids[key]
        if response.partial:
            raise BigCommerceRejected(method="POST", path="catalog/trees/categories", status=207,
                                      title=f"making categories partly failed ({response.title})",
                                      errors=dict(response.errors))


def _fold(path: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name.casefold() for name in path)
