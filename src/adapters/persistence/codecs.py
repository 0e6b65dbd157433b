"""Binary codecs for the applied state: section payloads and hashes kept packed in memory.

A store of 100,000 products reads half a million section rows at every plan. Kept as dicts of decoded JSON and
hex strings they take about 5 KB per product; packed, about 1 KB. They read as the mappings the domain's
`AppliedListing` holds, decoded when a section is read.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Mapping
from typing import Any

from bookbridge.domain.applied import SECTIONS
from bookbridge.domain.listing import Section

_SECTION_SET = frozenset(SECTIONS)
_SECTION_BIT = {section: 1 << i for i, section in enumerate(SECTIONS)}


class PackedPayloads(Mapping[Section, Mapping[str, Any]]):
    """Section payloads kept as their JSON text in one bytes object; a section is decoded (a new dict) when read.

    The first byte has a bit per section present (in `SECTIONS` order) and `_COMPRESSED`; the rest, zlib-compressed
    when that bit is set, is a 4-byte length per present section followed by the sections' UTF-8 JSON texts.
    About 0.8 KB per product compressed (1.9 KB not) where the payloads as dicts take about 4 KB.
    """

    __slots__ = ("_blob",)
    _COMPRESSED = 0x80

    def __init__(self, blob: bytes) -> None:
        self._blob = blob

    @classmethod
    def of(cls, payloads: Mapping[Section, Mapping[str, Any]], *, compress: bool = True) -> PackedPayloads:
        """Pack JSON-ready payloads (a TypeError or ValueError when one is not JSON)."""
        return cls.from_json({section: json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
                              for section, payload in payloads.items()}, compress=compress)

    @classmethod
    def from_json(cls, texts: Mapping[Section, str | bytes], *, compress: bool = True) -> PackedPayloads:
        """Pack each section's JSON text as it is (not decoded: checking it is the writer's business)."""
        mask = 0
        parts: list[bytes] = []
        lengths = bytearray()
        for section in SECTIONS:
            text = texts.get(section)
            if text is None:
                continue
            data = text.encode() if isinstance(text, str) else text
            mask |= _SECTION_BIT[section]
            lengths += len(data).to_bytes(4, "little")
            parts.append(data)
        if len(texts) != bin(mask).count("1"):
            raise KeyError(f"unknown sections: {sorted(set(texts) - _SECTION_SET)}")
        body = bytes(lengths) + b"".join(parts)
        if compress:
            return cls(bytes((mask | cls._COMPRESSED,)) + zlib.compress(body, 1))
        return cls(bytes((mask,)) + body)

    def _mask(self) -> int:
        return self._blob[0] & ~self._COMPRESSED if self._blob else 0

    def __getitem__(self, section: Section) -> Mapping[str, Any]:
        mask = self._mask()
        bit = _SECTION_BIT.get(section, 0)
        if not mask & bit:
            raise KeyError(section)
        blob = self._blob
        body = zlib.decompress(memoryview(blob)[1:]) if blob[0] & self._COMPRESSED else memoryview(blob)[1:]
        count = bin(mask).count("1")
        start = 4 * count
        index = bin(mask & (bit - 1)).count("1")
        for i in range(index):
            start += int.from_bytes(body[4 * i:4 * i + 4], "little")
        length = int.from_bytes(body[4 * index:4 * index + 4], "little")
        value: Mapping[str, Any] = json.loads(bytes(body[start:start + length]))
        return value

    def __iter__(self) -> Iterator[Section]:
        mask = self._mask()
        return (section for section in SECTIONS if mask & _SECTION_BIT[section])

    def __len__(self) -> int:
        return bin(self._mask()).count("1")

    def __contains__(self, section: object) -> bool:
        return bool(self._mask() & _SECTION_BIT.get(section, 0))  # type: ignore[call-overload]

    def __repr__(self) -> str:
        return f"PackedPayloads({dict(self)!r})"

    def __copy__(self) -> PackedPayloads:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> PackedPayloads:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (PackedPayloads, (self._blob,))


class PackedHashes(Mapping[Section, str]):
    """Section hashes (SHA-256, 64 lowercase hex digits) kept as 32 bytes each, after a byte with a bit per section
    present (in `SECTIONS` order): about 0.25 KB per product where a dict of hex strings takes 0.8 KB.

    `of` packs only hashes it can give back exactly, and returns any other mapping as it is.
    """

    __slots__ = ("_blob",)

    def __init__(self, blob: bytes) -> None:
        self._blob = blob

    @classmethod
    def of(cls, hashes: Mapping[Section, str]) -> Mapping[Section, str]:
        packed = _pack_hashes(hashes)
        return cls(packed) if packed is not None else hashes

    def __eq__(self, other: object) -> bool:
        """One comparison of bytes (the plan's quick check of a product's hashes), not one per section."""
        if isinstance(other, PackedHashes):
            return self._blob == other._blob
        if isinstance(other, Mapping):
            packed = _pack_hashes(other)
            return packed == self._blob if packed is not None else dict(self) == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a mapping

    def __getitem__(self, section: Section) -> str:
        mask = self._blob[0]
        bit = _SECTION_BIT.get(section, 0)
        if not mask & bit:
            raise KeyError(section)
        start = 1 + 32 * bin(mask & (bit - 1)).count("1")
        return self._blob[start:start + 32].hex()

    def __iter__(self) -> Iterator[Section]:
        mask = self._blob[0]
        return (section for section in SECTIONS if mask & _SECTION_BIT[section])

    def __len__(self) -> int:
        return bin(self._blob[0]).count("1")

    def __contains__(self, section: object) -> bool:
        return bool(self._blob[0] & _SECTION_BIT.get(section, 0))  # type: ignore[call-overload]

    def __repr__(self) -> str:
        return f"PackedHashes({dict(self)!r})"

    def __copy__(self) -> PackedHashes:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> PackedHashes:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (PackedHashes, (self._blob,))


_HEX = frozenset("0123456789abcdef")


def _pack_hashes(hashes: Mapping[Section, str]) -> bytes | None:
    """The bytes of `PackedHashes`, or None when a hash is not 64 lowercase hex digits (or a key not a section)."""
    mask = 0
    digests = []
    for section in SECTIONS:
        value = hashes.get(section)
        if value is None:
            continue
        if len(value) != 64 or not _HEX.issuperset(value):
            return None
        mask |= _SECTION_BIT[section]
        digests.append(bytes.fromhex(value))
    if len(digests) != len(hashes):
        return None
    return bytes((mask,)) + b"".join(digests)
