"""Streaming ONIX 3.0 reader: yields the Header and each Product with tag names normalised, in flat memory.

Reference and short tags are both accepted (short tags are mapped to reference names), and names are matched
without their namespace, because real feeds use the wrong namespace or none. A bare `<Product>` is a message of
one product. The parser never resolves entities and never touches the network (no XXE), and `huge_tree`
lifts libxml2's size limits for very large catalogues. Each element is cleared, with its preceding siblings,
once the consumer has finished with it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from bookbridge.adapters.onix.codes import REFERENCE_NAMESPACE, SHORT_NAMESPACE
from bookbridge.adapters.onix.short_tags import SHORT_TO_REFERENCE
from bookbridge.domain.ports import SourceUnreadable

_WATCHED = ("Product", "product", "Header", "header", "{*}Product", "{*}product", "{*}Header", "{*}header")
# A default-namespace declaration. Removing it from the byte stream makes every ONIX element a bare name, so
# records need no renaming (the fast path), whatever namespace, right or wrong, the sender used.
_DEFAULT_NAMESPACE = re.compile(rb"\sxmlns\s*=\s*(\"[^\"]*\"|'[^']*')")
_CHUNK = 1 << 16
_MAX_CARRY = 1 << 20  # longest unfinished tag held back; real tags are a few hundred bytes
_ROOTS = frozenset({"ONIXMessage", "Product"})


class OnixFileError(SourceUnreadable):
    """The file as a whole cannot be read (not XML, truncated, not ONIX 3.0). Names the file, line and reason."""

    def __init__(self, path: str, reason: str, line: int | None = None, *, transient: bool = False,
                 names_path: bool = False) -> None:
        where = f"{path}, line {line}" if line else path
        super().__init__(reason if names_path else f"{where}: {reason}")  # names_path: the reason names it already
        self.path = path
        self.reason = reason
        self.line = line
        self.transient = transient  # a download that failed may succeed later; a file that is not ONIX will not


@dataclass
class MessageInfo:
    """What the reader learnt about the message as a whole."""

    root: str | None = None
    namespace: str | None = None
    release: str | None = None


def first(element: etree._Element, tag: str) -> etree._Element | None:
    """The first child named `tag` (a C-level match, several times faster than `find`)."""
    for child in element.iterchildren(tag):
        return child
    return None


def local_name(tag: str) -> str:
    """`{ns}Name` or `Name` or a short tag -> the reference name."""
    if tag[:1] == "{":
        tag = tag[tag.index("}") + 1 :]
    return SHORT_TO_REFERENCE.get(tag, tag)


def normalise(element: etree._Element) -> None:
    """Rename the element and its descendants to bare reference names (in place)."""
    mapping = SHORT_TO_REFERENCE
    for node in element.iter(tag=etree.Element):
        tag = node.tag
        if tag[0] == "{":
            tag = tag[tag.index("}") + 1 :]
        node.tag = mapping.get(tag, tag)


class _NamespaceStripper:
    """A binary stream that drops default-namespace declarations (keeping line numbers) and notes the first.

    Linear in the input and bounded in memory: only an unfinished tag (a '<' with no '>' after it yet) is
    carried to the next read, and at most `_MAX_CARRY` bytes of it. A declaration sits inside a tag and '<'
    cannot occur inside one, so text runs, however long, pass straight through. A tag longer than the bound
    is passed on unstripped: its namespace is then handled like a prefixed one (see `normalise`).
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.carry = b""
        self.namespace: str | None = None

    def _strip(self, match: re.Match[bytes]) -> bytes:
        if self.namespace is None:
            self.namespace = match.group(1)[1:-1].decode("utf-8", "replace")
        return b"\n" * match.group(0).count(b"\n") or b" "

    def _stripped(self, data: bytes) -> bytes:
        # Declarations are rare (the root, mostly): a plain substring search skips the regex for nearly every
        # chunk, and the regex, which tries a match at every whitespace byte, costs far more than the search.
        return _DEFAULT_NAMESPACE.sub(self._strip, data) if b"xmlns" in data else data

    def read(self, size: int = -1) -> bytes:
        while True:
            chunk = self.raw.read(size if size and size > 0 else _CHUNK)
            data = self.carry + chunk if self.carry else chunk
            if not chunk:
                self.carry = b""
                return self._stripped(data)
            # Only the tail after the last '<' can hold an unfinished tag, and only if no '>' follows it.
            # The search never goes back past the carry, which is bounded, so each byte is looked at O(1) times.
            cut = data.rfind(b"<", 0)
            if cut < 0 or data.find(b">", cut) >= 0 or len(data) - cut > _MAX_CARRY:
                self.carry = b""
                return self._stripped(data)
            self.carry = data[cut:]
            if cut > 0:
                return self._stripped(data[:cut])


def _release_of(root: etree._Element) -> str | None:
    return root.get("release")


def iter_message(path: str | Path, info: MessageInfo | None = None, *, follow_symlinks: bool = True
                 ) -> Iterator[etree._Element]:
    """Yield the normalised `Header` and every `Product` of an ONIX 3.0 file, in document order.

    Raises OnixFileError for a non-XML, truncated or non-ONIX-3.0 file; records already yielded stay valid.
    """
    name = str(path)
    info = info if info is not None else MessageInfo()
    try:
        flags = os.O_RDONLY | (0 if follow_symlinks else os.O_NOFOLLOW)
        raw = os.fdopen(os.open(name, flags), "rb")  # closed in the finally below, after the generator ends
    except OSError as exc:
        raise OnixFileError(name, f"cannot read: {exc.strerror or exc}") from None
    stream = _NamespaceStripper(raw)
    context = etree.iterparse(
        stream, events=("end",), tag=_WATCHED, huge_tree=True, resolve_entities=False, no_network=True,
        load_dtd=False, remove_comments=True, remove_pis=True,
    )
    try:
        for _event, element in context:
            parent = element.getparent()
            if info.root is None:
                _check_root(name, parent if parent is not None else element, info)
                info.namespace = info.namespace or stream.namespace
            if parent is not None and local_name(parent.tag) != "ONIXMessage":
                continue  # a Product nested somewhere else is not a record
            if element.tag not in ("Product", "Header"):
                normalise(element)  # short tags or a prefixed namespace: rename to reference names
            yield element
            element.clear(keep_tail=False)
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else getattr(exc, "lineno", None)
        raise OnixFileError(name, f"not well-formed XML: {exc.msg}", line) from None
    except OSError as exc:
        raise OnixFileError(name, f"cannot read: {exc}") from None
    finally:
        raw.close()
    root = getattr(context, "root", None)
    if info.root is None:
        if root is None:
            raise OnixFileError(name, "empty file")
        _check_root(name, root, info)


def _check_root(name: str, root: etree._Element, info: MessageInfo) -> None:
    tag = root.tag if isinstance(root.tag, str) else ""
    info.root = local_name(tag)
    info.namespace = tag[1 : tag.index("}")] if tag.startswith("{") else None
    info.release = _release_of(root)
    if info.root not in _ROOTS:
        raise OnixFileError(name, f"root element <{info.root}> is not an ONIX 3.0 ONIXMessage or Product",
                            _line(root))
    if info.release and not info.release.startswith("3"):
        raise OnixFileError(name, f"ONIX release {info.release} is not supported (ONIX 3.0 only)", _line(root))


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def namespace_is_standard(info: MessageInfo) -> bool:
    return info.namespace in (REFERENCE_NAMESPACE, SHORT_NAMESPACE)
