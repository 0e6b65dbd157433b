"""Blocks 1 and 2: DescriptiveDetail (form, titles, series, contributors, subjects, measures, extents) and
CollateralDetail (TextContent, SupportingResource)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from bookbridge.adapters.onix import codes
from bookbridge.adapters.onix.context import Children, Mapper, child_texts, children, first_text, markup, stripped, text
from bookbridge.adapters.onix.reader import first
from bookbridge.domain.formats import format_from_onix3
from bookbridge.domain.model import (
    Contributor,
    Dimensions,
    SeriesMembership,
    Subject,
    SubjectScheme,
    SupportingResource,
    TextContent,
    TextKind,
)
from bookbridge.domain.problems import Severity

Fields = dict[str, str | None]  # a composite's `child_texts`


def title_of(element: Fields) -> str | None:
    """A TitleElement's title (from its child texts): TitleText, or TitlePrefix + TitleWithoutPrefix."""
    whole = element.get("TitleText")
    if whole:
        return whole
    rest = element.get("TitleWithoutPrefix")
    prefix = element.get("TitlePrefix")
    if rest and prefix:
        return f"{prefix} {rest}"
    return rest


def _elements(details: Iterable[etree._Element]) -> list[Fields]:
    """The TitleElements of these TitleDetails, in order, each as its child texts."""
    return [child_texts(e) for d in details for e in d.iterchildren("TitleElement")]


def _at(elements: list[Fields], level: str) -> list[Fields]:
    return [e for e in elements if e.get("TitleElementLevel") == level]  # List 149


def map_descriptive(m: Mapper, block: etree._Element) -> dict[str, Any]:
    parts = children(block)
    fields: dict[str, Any] = {}
    form = first_text(parts, "ProductForm")
    details = tuple(stripped(parts.get("ProductFormDetail", ())))
    fmt, problems = format_from_onix3(form, details, record=m.record.key)
    for p in problems:  # List 150: an unknown form is sold as "other"
        m.problem(p.code, p.message, first(block, "ProductForm"))
    fields.update(format=fmt, form_code=form, form_details=details)
    _titles(m, block, parts, fields)
    fields["contributors"] = tuple(c for c in (_contributor(m, e, i) for i, e in
                                               enumerate(parts.get("Contributor", ()), 1)) if c)
    fields["subjects"] = tuple(s for e in parts.get("Subject", ()) for s in _subjects(e))
    fields["dimensions"] = _dimensions(m, parts.get("Measure", ()))
    _extents(m, parts.get("Extent", ()), fields)
    return fields


def _titles(m: Mapper, block: etree._Element, parts: Children, fields: dict[str, Any]) -> None:
    # List 15 TitleType 01 (distinctive title), List 149 TitleElementLevel 01 (product).
    distinctive = _elements(d for d in parts.get("TitleDetail", ()) if text(d, "TitleType") == "01")
    product_level = _at(distinctive, "01")
    title = next((t for e in product_level if (t := title_of(e))), None)
    if title is None:
        m.problem("missing-title", "no TitleDetail type 01 with a level-01 title; not read", block,
                  field="TitleDetail", severity=Severity.BLOCKING)
    fields["title"] = title
    fields["subtitle"] = next((s for e in product_level if (s := e.get("Subtitle"))), None)
    fields["series"] = _series(parts.get("Collection", ()), distinctive)


def _series(collections: Iterable[etree._Element], distinctive: list[Fields]) -> SeriesMembership | None:
    """Collection (List 148): the name is the level-02 element; the number a PartNumber or sequence number."""
    for collection in collections:
        elements = _elements(collection.iterchildren("TitleDetail"))
        name = next((t for e in _at(elements, "02") if (t := title_of(e))), None)
        if name is None:
            continue
        number = next((n for e in elements if (n := e.get("PartNumber"))), None)
        if number is None:
            number = text(first(collection, "CollectionSequence"), "CollectionSequenceNumber")
        return SeriesMembership(name=name, number=number)
    # Alternatively the collection is a level-02 element of the product's own title.
    for element in _at(distinctive, "02"):
        if name := title_of(element):
            return SeriesMembership(name=name, number=element.get("PartNumber"))
    return None


def _contributor(m: Mapper, element: etree._Element, position: int) -> Contributor | None:
    found = child_texts(element)
    role = found.get("ContributorRole")  # List 17
    before, key = found.get("NamesBeforeKey"), found.get("KeyNames")
    corporate = found.get("CorporateName")
    person = found.get("PersonName") or " ".join(p for p in (before, key) if p) or None
    unnamed = found.get("UnnamedPersons")  # List 19: a contributor without a name
    name = person or corporate or (codes.UNNAMED_NAMES.get(unnamed) if unnamed else None)
    if unnamed and name is None:
        m.problem("unknown-code", f"UnnamedPersons {unnamed!r} is not in List 19", first(element, "UnnamedPersons"))
    if not role or not name:
        m.problem("incomplete-contributor", "Contributor without ContributorRole or a name; ignored", element)
        return None
    inverted = found.get("PersonNameInverted") or found.get("CorporateNameInverted")
    if inverted is None and key and before:
        inverted = f"{key}, {before}"
    sequence = found.get("SequenceNumber")
    bio = first(element, "BiographicalNote") if "BiographicalNote" in found else None
    return Contributor(
        role=role, name=name, sequence=int(sequence) if sequence and sequence.isdigit() else position,
        name_inverted=inverted, biography=(markup(bio) or None) if bio is not None else None,
        corporate=person is None and corporate is not None,
        unnamed=unnamed if person is None and corporate is None else None,
    )


def _subjects(element: etree._Element) -> list[Subject]:
    found = child_texts(element)
    scheme_id = found.get("SubjectSchemeIdentifier") or ""
    scheme = codes.SUBJECT_SCHEMES.get(scheme_id, SubjectScheme.OTHER)
    main = "MainSubject" in found
    heading = found.get("SubjectHeadingText")
    code = found.get("SubjectCode")
    if scheme is SubjectScheme.KEYWORDS:  # List 27: 20 keywords, semicolon-separated
        words = [w.strip() for w in (heading or code or "").split(";") if w.strip()]
        return [Subject(scheme=scheme, code=w, main=main) for w in words]
    if code is None and heading is None:
        return []
    value = code or heading or ""
    if scheme is SubjectScheme.OTHER:
        value = f"{scheme_id}:{value}"  # keep which List 27 scheme it came from
    return [Subject(scheme=scheme, code=value, label=heading, main=main)]


def _dimensions(m: Mapper, measures: Iterable[etree._Element]) -> Dimensions:
    """List 48 types 01/02/03/08, and 04/05 (page trim) where 01/02 are absent. The mm (or gr) value wins when a
    measure is repeated in several units."""
    found: dict[str, tuple[bool, Decimal]] = {}  # MeasureType -> (in the preferred unit, value in mm or g)
    for measure in measures:
        measured = child_texts(measure)
        kind = measured.get("MeasureType") or ""
        name = codes.MEASURE_FIELDS.get(kind)
        if name is None:
            continue
        unit = (measured.get("MeasureUnitCode") or "").lower()
        factors = codes.WEIGHT_TO_G if name == "weight_g" else codes.LENGTH_TO_MM
        raw = measured.get("Measurement")
        try:
            value = Decimal(raw or "")
        except InvalidOperation:
            m.problem("malformed-measure", f"Measurement {raw!r} is not a number", measure)
            continue
        if unit not in factors:
            m.problem("unknown-code", f"MeasureUnitCode {unit!r} is not usable for {name} (List 50)", measure)
            continue
        preferred = unit == codes.PREFERRED_UNIT[name]
        if kind in found and (found[kind][0] or not preferred):
            continue
        converted = value if preferred else (value * factors[unit]).quantize(Decimal("0.1"))
        found[kind] = (preferred, converted)
    values: dict[str, Decimal] = {}
    for kind in codes.MEASURE_PREFERENCE:  # overall size before page trim
        name = codes.MEASURE_FIELDS[kind]
        if kind in found and name not in values:
            values[name] = found[kind][1]
    return Dimensions(**values)


def _extents(m: Mapper, extents: Iterable[etree._Element], fields: dict[str, Any]) -> None:
    pages: dict[str, int] = {}
    minutes: int | None = None
    for extent in extents:
        found = child_texts(extent)
        kind, unit, raw = found.get("ExtentType"), found.get("ExtentUnit"), found.get("ExtentValue")
        if kind in codes.PAGE_EXTENTS and unit == codes.PAGES_UNIT and raw and raw.isdigit():
            pages.setdefault(kind, int(raw))
        elif kind == codes.DURATION_EXTENT and unit in codes.DURATION_UNITS and minutes is None:
            minutes = _minutes(raw or "", unit or "")
            if minutes is None:
                m.problem("malformed-extent", f"duration {raw!r} does not fit ExtentUnit {unit} (List 24)", extent)
    fields["page_count"] = next((pages[k] for k in codes.PAGE_EXTENTS if k in pages), None)
    fields["duration_minutes"] = minutes


def _minutes(raw: str, unit: str) -> int | None:
    """List 24: 04 hours, 05 minutes, 06 seconds, 15 HHHMM, 16 HHHMMSS -> whole minutes (rounded)."""
    try:
        if unit in ("15", "16"):
            digits = raw.zfill(5 if unit == "15" else 7)
            if not digits.isdigit():
                return None
            seconds = int(digits[-2:]) if unit == "16" else 0
            rest = digits[:-2] if unit == "16" else digits
            return int(rest[:-2]) * 60 + int(rest[-2:]) + round(seconds / 60)
        value = Decimal(raw)
    except (InvalidOperation, ValueError):
        return None
    scale = {"04": Decimal(60), "05": Decimal(1), "06": Decimal(1) / 60}[unit]
    return int((value * scale).to_integral_value())


def map_collateral(m: Mapper, block: etree._Element) -> dict[str, Any]:
    parts = children(block)
    return {
        "texts": tuple(t for e in parts.get("TextContent", ()) if (t := _text(m, e))),
        "resources": tuple(r for e in parts.get("SupportingResource", ()) for r in _resources(m, e)),
    }


def _approved(parts: Children) -> bool:
    return any(a in codes.DISPLAY_AUDIENCES for a in stripped(parts.get("ContentAudience", ())))  # List 154


def _text(m: Mapper, element: etree._Element) -> TextContent | None:
    parts = children(element)
    code = first_text(parts, "TextType")
    kind = codes.TEXT_KINDS.get(code or "", TextKind.OTHER)  # List 153
    candidates = parts.get("Text")
    if not candidates:
        m.problem("missing-text", "TextContent without Text; ignored", element)
        return None
    language = m.defaults.language
    chosen = next((c for c in candidates if language and c.get("language") == language), candidates[0])
    body = markup(chosen)
    return TextContent(kind=kind, text=body, approved=_approved(parts), code=code) if body else None


def _resources(m: Mapper, element: etree._Element) -> list[SupportingResource]:
    parts = children(element)
    code = first_text(parts, "ResourceContentType")
    kind = codes.RESOURCE_KINDS.get(code or "")  # List 158
    caption = next((f.get("FeatureValue") or f.get("FeatureNote") for e in parts.get("ResourceFeature", ())
                    if (f := child_texts(e)).get("ResourceFeatureType") == codes.FEATURE_CAPTION), None)
    approved = _approved(parts)
    found = []
    for version in parts.get("ResourceVersion", ()):
        version_parts = children(version)
        url = first_text(version_parts, "ResourceLink")
        if not url:
            m.problem("missing-resource-link", "ResourceVersion without ResourceLink; ignored", version)
            continue
        features = {f.get("ResourceVersionFeatureType"): f.get("FeatureValue")
                    for e in version_parts.get("ResourceVersionFeature", ()) for f in (child_texts(e),)}
        found.append(SupportingResource(
            kind=kind or "other", url=url, caption=caption, approved=approved, code=code,
            mime_type=codes.FILE_FORMAT_MIME.get(features.get(codes.VERSION_FORMAT) or ""),
            height_px=_int(features.get(codes.VERSION_HEIGHT)), width_px=_int(features.get(codes.VERSION_WIDTH)),
            size_bytes=_int(features.get(codes.VERSION_BYTES)),
            md5=features.get(codes.VERSION_MD5), sha256=features.get(codes.VERSION_SHA256),
        ))
    return found


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
