"""RSS 2.0 with Google's `g:` namespace: rendering, reading back, and replacing a file atomically.

The bytes depend on the items alone (sorted by id, no build date), so an unchanged feed renders to the same
bytes and is not written again.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from bookbridge_merchant_feed.items import FeedItem

G = "http://base.google.com/ns/1.0"


def render_feed(items: Iterable[FeedItem], *, title: str, link: str, description: str) -> bytes:
    rss = etree.Element("rss", nsmap={"g": G})
    rss.set("version", "2.0")
    channel = etree.SubElement(rss, "channel")
    for name, value in (("title", title), ("link", link), ("description", description)):
        etree.SubElement(channel, name).text = value
    for item in sorted(items, key=lambda i: i.id):
        element = etree.SubElement(channel, "item")
        for name, value in item.attributes():
            etree.SubElement(element, f"{{{G}}}{name}").text = value
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def read_feed(source: Path | bytes) -> list[FeedItem]:
    """The items of a feed, in file order."""
    data = source.read_bytes() if isinstance(source, Path) else source
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    items = []
    for element in root.iterfind("channel/item"):
        pairs = [(etree.QName(child).localname, child.text or "") for child in element
                 if isinstance(child.tag, str) and etree.QName(child).namespace == G]
        items.append(FeedItem.from_attributes(pairs))
    return items


def write_atomically(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`: a reader (or
    Google's fetcher) sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
