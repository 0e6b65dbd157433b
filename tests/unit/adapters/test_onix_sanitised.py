"""Stored XSS from the feed, end to end from an ONIX file: markup escaped in the XML (`&lt;script&gt;`) is markup
once parsed, and the listing built from it carries it cleaned (the sanitiser's own tests: tests/unit/domain/
test_sanitiser.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from onix_messages import message, only_edition, product, write

from bookbridge.adapters.onix.parser import read_onix
from bookbridge.domain.listing import build_edition_listing
from bookbridge.domain.model import TextKind
from examples import storefront

NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)


def test_xml_escaped_markup_in_an_onix_text_is_cleaned(tmp_path: Path) -> None:
    escaped = ('<CollateralDetail><TextContent><TextType>03</TextType><ContentAudience>00</ContentAudience>'
               '<Text textformat="05">&lt;p&gt;Fine&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;'
               '&lt;a href="javascript:alert(2)"&gt;x&lt;/a&gt;<script>alert(3)</script>'
               '<iframe src="javascript:alert(4)"/></Text></TextContent></CollateralDetail>')
    parsed = only_edition(read_onix(write(tmp_path, message(product(extra=escaped)))))
    assert "<script>" in (parsed.text(TextKind.DESCRIPTION) or "")  # the source's text, as the feed sent it
    listing = build_edition_listing(parsed, storefront(), at=NOON)
    for executable in ("<script", "<iframe", "javascript:", "alert("):
        assert executable not in listing.description.lower(), listing.description
    assert listing.description.startswith("<p>Fine</p>")
