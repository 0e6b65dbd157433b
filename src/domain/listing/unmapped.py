"""What a source gave for an edition that no store receives, and why: so that nothing is dropped silently.

The rules mirror the listing's (`editions.py`): the first approved description (TextContent 03, else 02), the
first promotional headline (10), every approved endorsement (09) and review quote (06), the credited primary
contributors' biographies (else the first biographical note, 12), and the front cover, back cover and contributor
pictures (List 158: 01, 02, 04) in a format and size the store takes. Given the category mapping, subjects that
file the product under no category are listed too (keywords, List 27: 20, go to search keywords). docs/mapping.md
lists the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from bookbridge.domain.categories import CategoryMapping, map_subjects, scheme_of, subject_words
from bookbridge.domain.codelists import RESOURCE_TYPES, TEXT_TYPES, labelled
from bookbridge.domain.listing.credits import primary_contributors, role_label
from bookbridge.domain.model import Edition, ResourceKind, Subject, SubjectScheme, TextKind
from bookbridge.domain.readiness import ALLOWED_IMAGE_TYPES, MAX_IMAGE_BYTES

# The text kinds the description or the meta description carries (the first of each, or every one).
_FIRST_SENT = frozenset({TextKind.DESCRIPTION, TextKind.SHORT_DESCRIPTION, TextKind.PROMOTIONAL})
_ALL_SENT = frozenset({TextKind.REVIEW, TextKind.ENDORSEMENT})
_IMAGES = frozenset({ResourceKind.FRONT_COVER, ResourceKind.BACK_COVER, ResourceKind.AUTHOR_PHOTO})
_KIND_CODES = {TextKind.DESCRIPTION: "03", TextKind.SHORT_DESCRIPTION: "02", TextKind.TOC: "04",
               TextKind.REVIEW: "06", TextKind.ENDORSEMENT: "09", TextKind.PROMOTIONAL: "10",
               TextKind.BIOGRAPHY: "12", TextKind.EXCERPT: "14"}
_RESOURCE_CODES = {ResourceKind.FRONT_COVER: "01", ResourceKind.BACK_COVER: "02", ResourceKind.AUTHOR_PHOTO: "04",
                   ResourceKind.SAMPLE: "15"}


@dataclass(frozen=True, slots=True)
class Unmapped:
    element: str  # the ONIX element: TextContent, SupportingResource, Contributor/BiographicalNote
    what: str  # `09 Endorsement`, `03 Cover / pack`, the contributor
    reason: str


def unmapped(edition: Edition, categories: CategoryMapping | None = None) -> tuple[Unmapped, ...]:
    """Every text, biography and resource of `edition` that its listing does not carry, with the reason; with
    `categories` (the configured mapping, empty when none is), every subject that names no category as well."""
    found: list[Unmapped] = []
    seen: set[TextKind] = set()
    primary = primary_contributors(edition.contributors)
    bios_sent = any(c.biography for c in primary)
    for t in edition.texts:
        what = labelled(t.code or _KIND_CODES.get(t.kind), TEXT_TYPES) or t.kind.words
        what = f"{what} ({len(t.text)} characters)"
        if not t.approved:
            found.append(Unmapped("TextContent", what, "not for end customers (ContentAudience, List 154)"))
        elif not t.text.strip() or t.kind in _ALL_SENT:
            continue
        elif t.kind in _FIRST_SENT or (t.kind is TextKind.BIOGRAPHY and not bios_sent):
            if t.kind in seen:
                found.append(Unmapped("TextContent", what, "a later text of the same type: the first is sent"))
            seen.add(t.kind)
        elif t.kind is TextKind.BIOGRAPHY:
            found.append(Unmapped("TextContent", what, "the contributors' own biographies are sent instead"))
        else:
            found.append(Unmapped("TextContent", what, "this text type is not sent to the store"))
    credited = {id(c) for c in primary}
    for c in sorted(edition.contributors, key=lambda c: c.sequence):
        if c.biography and id(c) not in credited:
            found.append(Unmapped("Contributor/BiographicalNote", f"{c.name} ({c.role} {role_label(c.role)})",
                                  "shown for the credited primary contributors only"))
    for r in edition.resources:
        what = f"{labelled(r.code or _RESOURCE_CODES.get(r.kind), RESOURCE_TYPES) or r.kind.words}: {r.url}"
        if r.kind not in _IMAGES:
            found.append(Unmapped("SupportingResource", what, "this resource type is not sent to the store"))
        elif not r.approved:
            found.append(Unmapped("SupportingResource", what, "not for end customers (ContentAudience, List 154)"))
        elif r.mime_type and r.mime_type.lower() not in ALLOWED_IMAGE_TYPES:
            found.append(Unmapped("SupportingResource", what, f"{r.mime_type}: the store takes JPEG, PNG or GIF"))
        elif r.size_bytes is not None and r.size_bytes > MAX_IMAGE_BYTES:
            found.append(Unmapped("SupportingResource", what, f"{r.size_bytes} bytes: the store takes at most "
                                  f"{MAX_IMAGE_BYTES}"))
    if categories is not None:
        found += (Unmapped("Subject", subject_words(s), reason) for s in edition.subjects
                  if (reason := _no_category(s, categories)) is not None)
    return tuple(found)


def _no_category(subject: Subject, categories: CategoryMapping) -> str | None:
    """Why `subject` files the product under no category, or None when it does (or is a keyword)."""
    if subject.scheme is SubjectScheme.KEYWORDS:
        return None
    scheme, _ = scheme_of(subject)
    if not categories:
        return "no category mapping is configured ([mapping] categories)"
    if categories.rules(scheme) is None:
        return f"the category mapping has no table for scheme {scheme}"
    paths, missed = map_subjects((subject,), categories)
    if missed:
        return "no rule of the category mapping matches it"
    return None if paths else "the category mapping maps it to no category, on purpose"
