"""The fields of an edition's listing that no storefront changes: name, URL, texts, measures, images, custom
fields. Computed once per edition (`edition_parts`), whatever the number of storefronts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bookbridge.domain.categories import map_subjects, search_keywords, unmapped_problems
from bookbridge.domain.listing.caches import ListingCaches
from bookbridge.domain.listing.credits import contributors_field, credits, primary_contributors, titled_byline
from bookbridge.domain.listing.text import clip, plain_text, sanitised_html, slugify
from bookbridge.domain.listing.values import (
    CUSTOM_FIELD_MAX,
    NAME_MAX,
    CustomField,
    ListingImage,
    MappingSettings,
    plain_amount,
)
from bookbridge.domain.model import Contributor, Edition, ResourceKind, TextKind
from bookbridge.domain.readiness import ALLOWED_IMAGE_TYPES, MAX_IMAGE_BYTES

PAGE_TITLE_MAX = 255  # BigCommerce product page_title: 0-255 characters (catalog spec)
_TO_GRAMS = {"g": Decimal(1), "kg": Decimal("0.001"), "oz": Decimal("0.03527396"), "lb": Decimal("0.00220462")}
_FROM_MM = {"mm": Decimal(1), "cm": Decimal("0.1"), "in": Decimal("0.0393700787")}

_IMAGE_LABELS = {ResourceKind.FRONT_COVER: "Front cover", ResourceKind.BACK_COVER: "Back cover",
                 ResourceKind.AUTHOR_PHOTO: "Author photo"}  # in the order the images go to the store


def _convert(value: Decimal | None, factor: Decimal) -> Decimal | None:
    return None if value is None else (value * factor).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _texts(edition: Edition) -> dict[TextKind, str]:
    """`edition.text(kind)` for every kind at once: the first approved, non-blank text of each kind."""
    first: dict[TextKind, str] = {}
    for t in edition.texts:
        if t.approved and t.kind not in first and t.text.strip():
            first[t.kind] = t.text
    return first


def description_html(edition: Edition, texts: dict[TextKind, str] | None = None,
                     primary: tuple[Contributor, ...] | None = None) -> str:
    """The description as the source's HTML puts it together (not yet sanitised: `description`). `texts`
    (`_texts`) and `primary` (`credits.primary_contributors`) may be passed when the caller has them."""
    if texts is None:
        texts = _texts(edition)
    parts: list[str] = []
    if promo := texts.get(TextKind.PROMOTIONAL):
        parts.append(f"<p><strong>{promo}</strong></p>")
    main = texts.get(TextKind.DESCRIPTION) or texts.get(TextKind.SHORT_DESCRIPTION)
    if main:
        parts.append(main)
    praise = [t.text for t in edition.texts if t.kind is TextKind.ENDORSEMENT and t.approved and t.text.strip()]
    if praise:  # List 153 09: endorsements, quoted like reviews
        parts.append("<h3>Praise</h3>" + "".join(f"<blockquote>{r}</blockquote>" for r in praise))
    reviews = [t.text for t in edition.texts if t.kind is TextKind.REVIEW and t.approved]
    if reviews:
        parts.append("<h3>Reviews</h3>" + "".join(f"<blockquote>{r}</blockquote>" for r in reviews))
    if primary is None:
        primary = primary_contributors(edition.contributors)
    # The credited primary contributors' biographies, in order; else the record's own biographical note.
    with_bio = [c for c in primary if c.biography]
    bios = [c.biography for c in with_bio if c.biography] or ([bio] if (bio := texts.get(TextKind.BIOGRAPHY)) else [])
    if bios:
        parts.append(f"<h3>{_about(with_bio)}</h3>" + "".join(_paragraph(b) for b in bios))
    return "\n".join(parts)


def _about(people: list[Contributor]) -> str:
    if people and all(c.role.startswith("B") for c in people):
        return "About the editor" if len(people) == 1 else "About the editors"
    return "About the authors" if len(people) > 1 else "About the author"


def _paragraph(html: str) -> str:
    """A biography as one paragraph, unless it brings its own (a paragraph never holds another)."""
    return html if "<p" in html.lower() else f"<p>{html}</p>"


def description(html: str, caches: ListingCaches | None = None) -> str:
    """The description a store receives: `html` through the sanitiser (a work's formats share theirs)."""
    if caches is None:
        return sanitised_html(html)
    found: str | None = caches.html.get(html)
    return found if found is not None else caches.html.keep(html, sanitised_html(html))


def _images(edition: Edition) -> tuple[ListingImage, ...]:
    resources = edition.resources
    if not resources:
        return ()
    images: list[ListingImage] = []
    seen: set[str] = set()
    for kind, label in _IMAGE_LABELS.items():
        for r in resources:
            if r.kind is not kind or not r.approved:
                continue
            if r.mime_type and r.mime_type.lower() not in ALLOWED_IMAGE_TYPES:
                continue  # BigCommerce takes JPEG, PNG and GIF only (readiness says so)
            if r.size_bytes is not None and r.size_bytes > MAX_IMAGE_BYTES:
                continue  # BigCommerce takes at most 8 MB per image (readiness says so)
            checksum = r.sha256 or r.md5  # the resource's `checksum`
            ident = checksum or r.url
            if ident in seen:
                continue
            seen.add(ident)
            images.append(ListingImage(url=r.url, kind=kind, checksum=checksum,
                                       is_thumbnail=kind is ResourceKind.FRONT_COVER and not images,
                                       description=clip(f"{label}: {edition.title}", 255)))
    return tuple(images)


def _custom_fields(edition: Edition, caches: ListingCaches) -> tuple[CustomField, ...]:
    fields: list[tuple[str, str]] = [("Format", edition.format.label)]
    d = edition.dimensions
    if d.height_mm and d.width_mm:
        fields.append(("Trim size", f"{plain_amount(d.height_mm)} x {plain_amount(d.width_mm)} mm"))
    if edition.page_count:
        fields.append(("Pages", str(edition.page_count)))
    if edition.duration_minutes:
        hours, minutes = divmod(edition.duration_minutes, 60)
        fields.append(("Duration", f"{hours} h {minutes:02d} min"))
    if edition.series:
        fields.append(("Series", edition.series.name))
        if edition.series.number:
            fields.append(("Series number", edition.series.number))
    if edition.publication_date:
        fields.append(("Publication date", edition.publication_date.isoformat()[:10]))
    if edition.contributors:
        fields.append(("Contributors", contributors_field(edition.contributors, CUSTOM_FIELD_MAX)))
    # The ISBN is the one field of its edition alone: not shared (100,000 of them would push out those that repeat).
    # The others repeat together (a work's formats share series, date and contributors): one tuple per set.
    isbn = CustomField("ISBN", clip(str(edition.isbn), CUSTOM_FIELD_MAX))
    key = tuple(fields)
    rest: tuple[CustomField, ...] | None = caches.custom_fields.get(key)
    if rest is None:
        rest = caches.custom_fields.keep(key, tuple(CustomField(n, clip(v, CUSTOM_FIELD_MAX)) for n, v in fields))
    return (isbn, *rest)


def _slug(text: str, caches: ListingCaches) -> str:
    found: str | None = caches.slugs.get(text)
    return found if found is not None else caches.slugs.keep(text, slugify(text))


def _meta_description(short: str, caches: ListingCaches) -> str:
    """Plain text (a meta tag is no place for markup); a work's formats often share their short description."""
    found: str | None = caches.plain.get(short)
    return found if found is not None else caches.plain.keep(short, clip(plain_text(short), 1000))


def edition_parts(edition: Edition, mapping: MappingSettings, caches: ListingCaches | None = None) -> dict[str, Any]:
    """The fields of an edition's listing that no storefront changes: computed once per edition."""
    caches = caches if caches is not None else ListingCaches()
    digital = edition.format.is_digital
    d = edition.dimensions
    length = _FROM_MM[mapping.length_unit]
    title = edition.display_title
    primary = primary_contributors(edition.contributors)
    author = ", ".join(dict.fromkeys(c.name for c in primary))
    texts = _texts(edition)
    isbn = str(edition.isbn)
    label = edition.format.label
    suffix = f" ({label})"
    short = texts.get(TextKind.SHORT_DESCRIPTION)
    categories, unmapped = map_subjects(edition.subjects, mapping.categories) if edition.subjects else ((), ())
    return {
        "key": isbn,
        "record": edition.record_reference,
        "family_id": edition.family_id,
        "isbns": (edition.isbn,),
        "sku": isbn,
        "name": clip(title, NAME_MAX - len(suffix)) + suffix,  # edition_name(edition)
        "custom_url": f"/{_slug(edition.title, caches)[:150]}-{_slug(label, caches)}-{isbn}/",
        "product_type": "digital" if digital else "physical",
        "description": description(description_html(edition, texts, primary), caches),
        "brand": edition.imprint,
        "gtin": isbn,
        "weight": Decimal(0) if digital else (_convert(d.weight_g, _TO_GRAMS[mapping.weight_unit]) or Decimal(0)),
        "width": None if digital else _convert(d.width_mm, length),
        "height": None if digital else _convert(d.height_mm, length),
        "depth": None if digital else _convert(d.thickness_mm, length),
        "images": _images(edition),
        "custom_fields": _custom_fields(edition, caches),
        "related_isbns": tuple(sorted(edition.related_isbns)) if edition.related_isbns else (),
        "search_keywords": search_keywords(", ".join(dict.fromkeys(x for x in (isbn, author, edition.imprint or "")
                                                                   if x)), edition.subjects),
        "categories": categories,
        "subject_problems": unmapped_problems(unmapped, record=isbn) if unmapped else (),
        "page_title": clip(titled_byline(title, credits(edition.contributors), PAGE_TITLE_MAX), PAGE_TITLE_MAX),
        "meta_description": _meta_description(short, caches) if short else "",
    }


def edition_name(edition: Edition) -> str:
    suffix = f" ({edition.format.label})"
    return clip(edition.display_title, NAME_MAX - len(suffix)) + suffix
