"""Stored XSS from the feed: every HTML text a store receives passes one allow-list sanitiser.

Stores render a product's description as HTML. Markup in a source's texts (TextContent, biographies) is hostile
until cleaned, whether it came as markup or XML-escaped (`&lt;script&gt;` in the ONIX file is `<script>` once
parsed). The repros come from an attack on the ONIX drop folder; the property test generates hostile markup.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from bookbridge.domain.listing import build_edition_listing, plain_text, sanitised_html
from bookbridge.domain.listing.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES
from bookbridge.domain.model import Contributor, TextContent, TextKind
from examples import edition, storefront

NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)
REPROS = (
    '<p>Before</p><script>alert(document.cookie)</script><p>After</p>',
    '<iframe src="javascript:alert(1)"></iframe><p>Framed</p>',
    '<a href="javascript:alert(1)">Read more</a>',
)


class _Elements(HTMLParser):
    """Every start tag with its attributes, and any raw text of a script or style element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def executable(html: str) -> list[str]:
    """What in `html` a browser could run: tags or attributes outside the allow-list, event handlers, URLs with a
    scheme other than http, https or mailto."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    found: list[str] = []
    for tag, attrs in parser.tags:
        if tag not in ALLOWED_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name not in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}:
                found.append(f"<{tag} {name}>")
            elif name in ("href", "cite", "src") and value is not None:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme and scheme not in ALLOWED_URL_SCHEMES:
                    found.append(f"<{tag} {name}={value!r}>")
    return found


def description_of(text: str, **changes: object) -> str:
    texts = (TextContent(kind=TextKind.DESCRIPTION, text=text),)
    return build_edition_listing(edition(texts=texts, **changes), storefront(), at=NOON).description


def test_each_repro_reaches_the_description_cleaned() -> None:
    for repro in REPROS:
        description = description_of(repro)
        assert executable(description) == [], description
        assert "<script" not in description and "<iframe" not in description and "javascript:" not in description
        assert "alert(" not in description  # a script's text goes with it
    assert description_of(REPROS[0]) == "<p>Before</p><p>After</p>"
    assert description_of(REPROS[2]) == '<a rel="noopener noreferrer">Read more</a>'


def test_biographies_and_promotional_text_are_cleaned_and_paragraphs_never_nest() -> None:
    author = Contributor(name="A. Writer", role="A01",
                         biography='<p>Lives by the sea.</p><img src=x onerror="alert(1)">')
    texts = (TextContent(kind=TextKind.DESCRIPTION, text="<p>Main <p>copy</p></p>"),
             TextContent(kind=TextKind.PROMOTIONAL, text='<p onclick="alert(1)">Prize</p>'))
    listing = build_edition_listing(edition(texts=texts, contributors=(author,)), storefront(), at=NOON)
    assert executable(listing.description) == [] and "alert(" not in listing.description
    assert "<p><p>" not in listing.description and "<p></p>" not in listing.description
    assert "<p>Lives by the sea.</p>" in listing.description and "Prize" in listing.description


def test_entities_and_carriage_returns_are_normalised() -> None:
    assert sanitised_html("<p>Fish &amp; chips&#13;\r\nand peas\rtoo</p>") == "<p>Fish &amp; chips\nand peas\ntoo</p>"
    assert sanitised_html("<p>caf&eacute; &lt;b&gt;</p>") == "<p>café &lt;b&gt;</p>"  # escaped text stays text


def test_the_meta_description_is_plain_text() -> None:
    short = (TextContent(kind=TextKind.SHORT_DESCRIPTION,
                         text="<b>Three</b> generations &amp; one &lt;script&gt;alert(1)&lt;/script&gt;house"),)
    meta = build_edition_listing(edition(texts=short), storefront(), at=NOON).meta_description
    assert meta == "Three generations & one house"
    # Paragraphs and line breaks keep their words apart; inline markup does not split a word.
    assert plain_text("<p>One.</p><p>Two.</p>") == "One. Two."
    assert plain_text("Line one<BR/>line two<li>three</li>") == "Line one line two three"
    assert plain_text("&lt;p&gt;One.&lt;/p&gt;&lt;p&gt;Two.&lt;/p&gt;") == "One. Two."
    assert plain_text("<b>Bold</b>ly <i>t</i>old") == "Boldly told"
    assert plain_text("&amp;lt;i&amp;gt;x") == "&lt;i&gt;x"  # markup escaped twice is text: its plain text


# --- generated hostile markup ------------------------------------------------------------------------------------

_SCHEMES = st.sampled_from(["javascript:", "JaVaScRiPt:", " javascript:", "java\tscript:", "data:text/html;base64,",
                            "vbscript:", "data:image/svg+xml,", "&#106;avascript:", "https:", ""])
_HANDLERS = st.sampled_from(["onclick", "onerror", "onload", "onmouseover", "ONFOCUS", "style", "srcdoc", "formaction"])
_TAGS = st.sampled_from(["script", "style", "iframe", "object", "embed", "svg", "math", "img", "a", "form", "base",
                         "meta", "link", "p", "div", "template", "noscript", "xmp", "textarea", "title"])


@st.composite
def _element(draw: st.DrawFn, depth: int = 2) -> str:
    tag = draw(_TAGS)
    url = draw(_SCHEMES) + draw(st.sampled_from(["alert(1)", "//evil.example/x", "PHNjcmlwdD4="]))
    attrs = [f'{draw(st.sampled_from(["href", "src", "action", "xlink:href", "poster"]))}="{url}"',
             f'{draw(_HANDLERS)}="alert(2)"']
    inner = draw(st.lists(_element(depth - 1) if depth > 0 else st.just("alert(3)"), max_size=2))
    text = draw(st.sampled_from(["", "text", "alert(4)", "<!--", "]]>", "</p>", "<p>"]))
    return f"<{tag} {' '.join(draw(st.permutations(attrs)))}>{text}{''.join(inner)}</{tag}>"


def _escaped(markup: str) -> str:
    return markup.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@given(st.lists(st.one_of(_element(), _element().map(_escaped), st.text(max_size=20)), min_size=1, max_size=4))
@example(["<p><object><p>alert(3)</p></object></p>"])  # a paragraph nested through a dropped scoping element
def test_nothing_executable_survives_generated_hostile_markup(parts: list[str]) -> None:
    markup = "".join(parts)
    for html in (sanitised_html(markup), sanitised_html(sanitised_html(markup))):
        assert executable(html) == [], (markup, html)
        assert "<p><p>" not in html and "\r" not in html
    plain = plain_text(markup)
    assert "<" not in plain, (markup, plain)  # no tag can open
