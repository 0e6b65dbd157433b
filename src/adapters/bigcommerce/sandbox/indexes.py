"""Indexes over the sandbox's tables, so that a lookup costs the same at 100,000 products as at 1,000.

Tables stay dicts keyed by id whose records are API-shaped dicts, mutated in place. An index may therefore
hold stale entries (a SKU since renamed, a row since deleted); every lookup re-checks what it returns against
the record itself, so a stale entry costs a comparison and never a wrong answer. What an index must not miss
is a current value: `Table` groups rows by fields that never change once a row is stored (a child's
`product_id`, a price record's list and variant), and a `Lookup` over a field that does change (a SKU, a
name, a custom URL) is told of every write (`Table.note`, called on insert and from `catalog.touch`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any, overload

from .records import Record

KeyOf = Callable[[Record], Hashable]


class Lookup:
    """key -> ids of the rows whose `key_of(row)` was that key when last noted; re-checked on every read."""

    def __init__(self, table: dict[Any, Record], key_of: KeyOf) -> None:
        self._table = table
        self._key_of = key_of
        self._ids: dict[Hashable, dict[Any, None]] = {}

    def note(self, row_id: Any, record: Record) -> None:
        self._ids.setdefault(self._key_of(record), {})[row_id] = None

    def find(self, key: Hashable) -> list[Record]:
        """The rows whose key is `key` now, in id order."""
        ids = self._ids.get(key)
        if not ids:
            return []
        live = [(i, r) for i in ids if (r := self._table.get(i)) is not None and self._key_of(r) == key]
        if len(live) < len(ids):  # drop stale entries as they are found
            self._ids[key] = {i: None for i, _ in live}
        return [r for _, r in sorted(live, key=lambda pair: pair[0])]


class Table(dict[Any, Record]):
    """A table of records that also groups its row ids by fields fixed at insert, and keeps `Lookup`s current.

    `grouped` names fields a row keeps for life (`product_id`); `lookups` maps a name to the key of a field
    that may change in place, re-noted by `note()`. Writes go through `table[key] = record`, `del`, `pop`.
    """

    def __init__(self, grouped: Iterable[str] = (), lookups: dict[str, KeyOf] | None = None) -> None:
        super().__init__()
        self._groups: dict[str, dict[Any, dict[Any, None]]] = {name: {} for name in grouped}
        self.lookups: dict[str, Lookup] = {name: Lookup(self, key) for name, key in (lookups or {}).items()}
        self._order: list[Any] | None = []  # the keys in insertion order; None after a delete, until next asked

    def __setitem__(self, key: Any, record: Record) -> None:
        if self._order is not None and key not in self:
            self._order.append(key)
        super().__setitem__(key, record)
        for name, groups in self._groups.items():
            groups.setdefault(record.get(name), {})[key] = None
        self.note(key, record)

    def __delitem__(self, key: Any) -> None:
        record = self[key]
        super().__delitem__(key)
        self._order = None
        for name, groups in self._groups.items():
            groups.get(record.get(name), {}).pop(key, None)

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            record = self[key]
            del self[key]
            return record
        if default:
            return default[0]
        raise KeyError(key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, record in dict(*args, **kwargs).items():
            self[key] = record

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def rows(self) -> Rows:
        """The records in insertion order, as a sequence that slices without copying the whole table."""
        if self._order is None:
            self._order = list(self)
        return Rows(self, self._order)

    def note(self, key: Any, record: Record) -> None:
        """Index the current values of `record`'s changeable fields (after an in-place write)."""
        for lookup in self.lookups.values():
            lookup.note(key, record)

    def keys_where(self, name: str, value: Any) -> list[Any]:
        """Keys of the rows whose grouped field `name` is `value`, in insertion order."""
        return [k for k in self._groups[name].get(value, ()) if k in self]

    def where(self, name: str, value: Any) -> list[Record]:
        return [self[k] for k in self.keys_where(name, value)]

    def find(self, lookup: str, key: Hashable) -> list[Record]:
        return self.lookups[lookup].find(key)


class Rows(Sequence[Record]):
    """A table's records by position (`Table.rows`): a page costs its own length, not the table's."""

    def __init__(self, table: dict[Any, Record], keys: list[Any]) -> None:
        self._table = table
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> Record: ...

    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...

    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        if isinstance(index, slice):
            return [self._table[k] for k in self._keys[index]]
        return self._table[self._keys[index]]


class ChannelAssignments:
    """The (product_id, channel_id) pairs that list products on channels, indexed both ways."""

    def __init__(self) -> None:
        self._by_product: dict[int, set[int]] = {}
        self._by_channel: dict[int, set[int]] = {}

    def add(self, pair: tuple[int, int]) -> None:
        product_id, channel_id = pair
        self._by_product.setdefault(product_id, set()).add(channel_id)
        self._by_channel.setdefault(channel_id, set()).add(product_id)

    def discard(self, pair: tuple[int, int]) -> None:
        product_id, channel_id = pair
        self._by_product.get(product_id, set()).discard(channel_id)
        self._by_channel.get(channel_id, set()).discard(product_id)

    def __contains__(self, pair: object) -> bool:
        return isinstance(pair, tuple) and len(pair) == 2 and pair[1] in self._by_product.get(pair[0], ())

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return ((p, c) for p, channels in self._by_product.items() for c in channels)

    def __len__(self) -> int:
        return sum(len(channels) for channels in self._by_product.values())

    def channels_of(self, product_id: int) -> list[int]:
        return sorted(self._by_product.get(product_id, ()))

    def products_on(self, channel_id: int) -> set[int]:
        return set(self._by_channel.get(channel_id, ()))

    def drop_product(self, product_id: int) -> None:
        for channel_id in self._by_product.pop(product_id, set()):
            self._by_channel[channel_id].discard(product_id)

    def select(self, products: list[int] | None, channels: list[int] | None) -> list[tuple[int, int]]:
        """The pairs whose product is in `products` and channel in `channels` (None: any), sorted."""
        if products is not None:
            pairs: Iterable[tuple[int, int]] = ((p, c) for p in set(products) for c in self._by_product.get(p, ()))
        elif channels is not None:
            pairs = ((p, c) for c in set(channels) for p in self._by_channel.get(c, ()))
        else:
            pairs = iter(self)
        wanted = None if channels is None else set(channels)
        return sorted(pair for pair in pairs if wanted is None or pair[1] in wanted)
