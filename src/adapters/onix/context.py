"""Shared helpers for mapping one normalised Product element: text access, markup, and problem reporting."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from bookbridge.adapters.onix.dates import DateOrInstant, OnixDateError, date_of, parse_date, parse_range
from bookbridge.adapters.onix.reader import first
from bookbridge.adapters.onix.records import OnixRecord
from bookbridge.domain.problems import Problem, Severity

_XMLNS = re.compile(r'\s+xmlns(?::[\w.-]+)?="[^"]*"')


@dataclass(frozen=True)
class HeaderDefaults:
    """Header values that apply when a Product omits them (ONIX 3.0 Header)."""

    currency: str | None = None  # DefaultCurrencyCode
    price_type: str | None = None  # DefaultPriceType (List 58)
    language: str | None = None  # DefaultLanguageOfText (List 74)


def text(element: etree._Element | None, child: str | None = None) -> str | None:
    """Stripped text of `element` (or of its first `child`), None when absent or blank."""
    if element is None:
        return None
    if child is None:
        value = element.text
        return (value.strip() or None) if value else None
    for node in element.iterchildren(child):  # C-level tag match: several times faster than find()
        value = node.text
        return (value.strip() or None) if value else None
    return None


def child_texts(element: etree._Element) -> dict[str, str | None]:
    """`text(element, tag)` for every child tag at once: {tag: stripped text of the first child so named, or None
    when blank}. One pass over the children, for composites read field by field (a dict look-up then costs a
    fraction of a search among the children)."""
    found: dict[str, str | None] = {}
    for node in element:
        tag = node.tag
        if tag not in found:
            value = node.text
            found[tag] = (value.strip() or None) if value else None
    return found


def stripped(nodes: Iterable[etree._Element]) -> list[str]:
    """The non-blank texts of `nodes`, stripped."""
    return [value for node in nodes if (value := (node.text or "").strip())]


Children = dict[str, list[etree._Element]]


def children(element: etree._Element) -> Children:
    """The children of `element` by tag, in document order. One pass, for a composite read part by part: a
    search by tag (`iterchildren(tag)`, `first`) costs more than this whole pass on a composite of a few parts."""
    groups: Children = {}
    for node in element:
        tag = node.tag
        if tag in groups:
            groups[tag].append(node)
        else:
            groups[tag] = [node]
    return groups


def first_child(groups: Children, tag: str) -> etree._Element | None:
    """`first(element, tag)` on the element that `groups` came from."""
    nodes = groups.get(tag)
    return nodes[0] if nodes else None


def first_text(groups: Children, tag: str) -> str | None:
    """`text(element, tag)` on the element that `groups` came from."""
    nodes = groups.get(tag)
    if nodes is None:
        return None
    value = nodes[0].text
    return (value.strip() or None) if value else None


def markup(element: etree._Element) -> str:
    """Inner content of a text element: escaped HTML stays as text, XHTML children are serialised."""
    if not len(element):  # plain text or escaped HTML: nothing to serialise
        return (element.text or "").strip()
    parts = [element.text or ""]
    parts += [_XMLNS.sub("", etree.tostring(child, encoding="unicode", with_tail=True)) for child in element]
    return "".join(parts).strip()


class Mapper:
    """Maps parts of one Product into `record`, turning every defect into a Problem naming record and line."""

    def __init__(self, record: OnixRecord, defaults: HeaderDefaults, source: str | None) -> None:
        self.record = record
        self.defaults = defaults
        self.source = source

    def problem(self, code: str, message: str, element: etree._Element | None = None, *,
                field: str | None = None, severity: Severity = Severity.WARNING) -> None:
        line = source_line(element) if element is not None else self.record.line
        if field is None and element is not None:
            field = _path(element)
        self.record.problems.append(Problem(
            code=code, severity=severity, message=message, record=self.record.key, field=field,
            line=line, source=self.source,
        ))

    def code(self, value: str | None, element: etree._Element, child: str, allowed: frozenset[str],
             list_name: str) -> str | None:
        """A code-list value read from `element`'s `child`; an unknown one is reported (and kept, so nothing the
        source says is lost)."""
        if value is not None and value not in allowed:
            self.problem("unknown-code", f"{child} {value!r} is not in {list_name}", first(element, child))
        return value

    def date(self, composite: etree._Element, child: str = "Date") -> DateOrInstant | None:
        raw = date_of(composite, child)
        if raw is None:
            return None
        try:
            return parse_date(*raw)
        except OnixDateError as exc:
            self.problem("malformed-date", str(exc), first(composite, child))
            return None

    def date_range(self, composite: etree._Element) -> tuple[DateOrInstant, DateOrInstant] | None:
        raw = date_of(composite)
        if raw is None:
            return None
        try:
            return parse_range(*raw)
        except OnixDateError as exc:
            self.problem("malformed-date", str(exc), first(composite, "Date"))
            return None


def source_line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def _path(element: etree._Element) -> str:
    """`PublishingDetail/PublishingDate/Date`: the element's path below its Product."""
    names: list[str] = []
    node: etree._Element | None = element
    while node is not None and node.tag != "Product":
        names.append(str(node.tag))
        node = node.getparent()
    return "/".join(reversed(names))
