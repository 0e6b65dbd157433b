"""Text helpers for listings: slugs, clipping, and the one HTML sanitiser every storefront text passes.

`sanitised_html` is an allow-list: what a source sends as HTML (descriptions, reviews, biographies, promotional
text) keeps the tags and attributes below and nothing else. Stores render a product's description as HTML, so
markup from a feed is hostile until cleaned: scripts, styles, frames, event handlers and `javascript:`/`data:`
URLs never reach a store. Markup that arrived XML-escaped (`&lt;script&gt;` in an ONIX TextContent) is markup by
the time it gets here (the XML parser unescaped it), and is cleaned like the rest. docs/mapping.md lists the
allowed tags and attributes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import partial
from html import unescape
from typing import Any

import nh3

# Structure and emphasis a product description needs; no media, forms, frames, scripts or styles.
ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "s", "small", "sub", "sup", "cite",
    "q", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "span", "a",
})
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "q": {"cite"}, "blockquote": {"cite"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})  # relative URLs are kept; no javascript:, data:, ...


def _cleaner(**options: Any) -> Callable[[str], str]:
    """A function cleaning with `options`: an `nh3.Cleaner` (nh3 0.2.19 on) builds the allow-list once, where
    `nh3.clean` builds it again at every call (about 2.5 times the cost of cleaning a description)."""
    if hasattr(nh3, "Cleaner"):
        clean: Callable[[str], str] = nh3.Cleaner(**options).clean
        return clean
    return partial(nh3.clean, **options)


# Compiled once, like a regular expression: configuration, no state.
_CLEAN_HTML = _cleaner(tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES, url_schemes=set(ALLOWED_URL_SCHEMES),
                       strip_comments=True, link_rel="noopener noreferrer")
_CLEAN_TEXT = _cleaner(tags=set(), strip_comments=True)
_EMPTY = re.compile(r"<(p|strong|em|b|i|u|span|blockquote)>\s*</\1>")
_NEWLINES = re.compile(r"\r\n?")
# Where a browser breaks the line (a block element's edge, <br>): the plain text keeps a space there, so that
# "<p>One.</p><p>Two.</p>" reads "One. Two.", not "One.Two.". It only places spaces; nh3 removes the markup.
_BREAK = re.compile(r"<(?=/?(?:p|br|hr|div|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|table|tr|td|th|section|article)\b)",
                    re.IGNORECASE)


def sanitised_html(text: str) -> str:
    """`text` as HTML made of allowed tags and attributes only: well formed, paragraphs never nested (an HTML
    parser closes a paragraph where another opens; the empty ones that leaves are dropped), carriage returns
    (`&#13;`) turned into newlines."""
    cleaned = _CLEAN_HTML(_NEWLINES.sub("\n", text))
    # A paragraph inside a scoping element the allow-list drops (`<p><object><p>`) survives the first pass as
    # `<p><p>`; parsed again, the inner paragraph closes the outer one. Clean until nothing changes.
    for _ in range(3):
        again = _CLEAN_HTML(cleaned)
        if again == cleaned:
            break
        cleaned = again
    while True:
        emptied = _EMPTY.sub("", cleaned)
        if emptied == cleaned:
            return _NEWLINES.sub("\n", cleaned).strip()
        cleaned = emptied


def plain_text(text: str) -> str:
    """The text of HTML `text`, without any markup: tags dropped (scripts and styles with their content),
    entities decoded, and decoded markup (`&lt;b&gt;`) dropped as well; white space collapsed, and a space where
    a block ends or a line breaks."""
    for _ in range(3):  # each round decodes one level of escaping; markup escaped thrice is left as plain text
        plain = unescape(_CLEAN_TEXT(_BREAK.sub(" <", text)))
        if "<" not in plain:
            break
        text = plain
    return " ".join(plain.replace("<", " ").replace(">", " ").split()) if "<" in plain else " ".join(plain.split())


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "title"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
