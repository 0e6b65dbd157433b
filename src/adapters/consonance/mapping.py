"""Consonance → domain: one raw work dict (shaped by `queries/works.graphql`) becomes a `TitleFamily` and Problems.

Pure: no I/O and no clock. `at` is the day of the read; a marketing text whose `fromDate` (its embargo)
is after `at` is not approved yet.

A product that cannot become an Edition is skipped, never raised: no or an invalid ISBN (blocking),
`allowOnixExports: false` (a warning; the product is not approved for export and must not reach the store, so a
valid ISBN is returned in `withdrawn` for the caller to delist). Lesser defects (a bad price, an unknown country
code, a malformed measure) drop the one value and keep the edition. Every problem names the work, the product
and the GraphQL field; its `record` is the ISBN when known, else `consonance:work:<id>/product:<id>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from bookbridge.adapters.consonance.commerce import price_row, sales_rights
from bookbridge.adapters.consonance.fields import (
    Note,
    as_count,
    as_day,
    as_ids,
    as_isbn,
    as_object,
    as_objects,
    as_text,
    count_field,
    date_field,
    measure_field,
)
from bookbridge.application.isbn_changes import ISBN_FIELD
from bookbridge.domain.formats import format_from_onix21
from bookbridge.domain.isbn import ISBN13, InvalidISBN
from bookbridge.domain.model import (
    Contributor,
    Dimensions,
    Edition,
    Milestones,
    ResourceKind,
    SeriesMembership,
    Subject,
    SubjectScheme,
    SupportingResource,
    TextContent,
    TextKind,
    TitleFamily,
)
from bookbridge.domain.problems import Problem, Severity

FAMILY_PREFIX = "consonance:work:"

# MarketingText.variant (the enum follows ONIX 2.1 List 33) → the domain's List 153 kinds.
TEXT_KINDS: dict[str, TextKind] = {
    "DESCRIPTION": TextKind.DESCRIPTION,
    "MAIN_DESCRIPTION": TextKind.DESCRIPTION,
    "LONG_DESCRIPTION": TextKind.DESCRIPTION,
    "SHORT_DESCRIPTION": TextKind.SHORT_DESCRIPTION,
    "REVIEW_QUOTE": TextKind.REVIEW,
    "BIOGRAPHICAL_NOTE": TextKind.BIOGRAPHY,
    "TABLE_OF_CONTENTS": TextKind.TOC,
    "EXCERPT": TextKind.EXCERPT,  # List 153: 14
    "FLAP_COPY": TextKind.PROMOTIONAL,  # List 153: 10 (jacket copy)
}
# SupportingResource.onixResourceContentTypeCode is List 158.
RESOURCE_KINDS: dict[str, ResourceKind] = {
    "01": ResourceKind.FRONT_COVER,
    "02": ResourceKind.BACK_COVER,
    "04": ResourceKind.AUTHOR_PHOTO,  # contributor picture
    "15": ResourceKind.SAMPLE,  # sample content
}
# SubjectCode.__typename (schema.graphql) → scheme.
SUBJECT_SCHEMES: dict[str, SubjectScheme] = {
    "Thema": SubjectScheme.THEMA,
    "Bisac": SubjectScheme.BISAC,
    "Bic": SubjectScheme.BIC,
}
# Work.lcSubjectHeading is a heading text, kept as ONIX keeps another scheme: "<List 27 code>:<value>".
LC_SUBJECT_HEADING = "04"  # List 27: 04 LC subject heading
# Page counts in order of preference, per product type. An e-book without its own count takes its print
# counterpart's, as ONIX Extent 08 (pages in the print counterpart) does.
PAGE_COUNTS: dict[str, tuple[str, ...]] = {
    "PhysicalBookProduct": ("approximatePageCount", "productionPageCount"),
    "ElectronicBookProduct": ("absolutePageCount",),
}
PRINT_FORMS = ("PhysicalBookProduct",)


@dataclass(frozen=True)
class MappedWork:
    """One work, mapped. `family` is None when no product of the work became an Edition."""

    family: TitleFamily | None
    problems: tuple[Problem, ...] = ()
    withdrawn: tuple[ISBN13, ...] = ()  # valid ISBNs of products not approved for export: delist them


@dataclass
class _Notes:
    """Collects the problems of one work; `where` and `record` say which product a problem is about."""

    source: str
    work_id: object
    problems: list[Problem] = field(default_factory=list)

    def add(self, severity: Severity, code: str, message: str, *, record: str, field: str, where: str) -> None:
        # A record named by its ISBN is placed in Consonance's words (`work 102, product 1006: …`); one named by
        # its reference (`consonance:work:102/product:1006`) already says so.
        said = message if record.startswith(FAMILY_PREFIX) else f"{where}: {message}"
        self.problems.append(Problem(code=code, severity=severity, message=said, record=record, field=field,
                                     source=self.source))


@dataclass(frozen=True)
class _Linked:
    """A work-level value (contribution, text, resource) and the products it is limited to (empty: all)."""

    value: Any
    product_ids: frozenset[int]

    def applies_to(self, product_id: object) -> bool:
        return not self.product_ids or product_id in self.product_ids


@dataclass(frozen=True)
class _WorkFields:
    """What every product of a work shares."""

    family_id: str
    title: str | None
    subtitle: str | None
    imprint: str | None
    series: SeriesMembership | None
    subjects: tuple[Subject, ...]
    contributors: tuple[_Linked, ...]
    texts: tuple[_Linked, ...]
    resources: tuple[_Linked, ...]
    print_pages: int | None = None  # the first print product's page count, for e-books without their own


def family_id(work_id: object) -> str:
    return f"{FAMILY_PREFIX}{work_id}"


def map_work(work: Mapping[str, Any], *, at: date, source: str = "consonance") -> MappedWork:
    """Map one Consonance work (all its products) to a TitleFamily. Never raises for bad content."""
    notes = _Notes(source, work.get("id"))
    shared = _work_fields(work, at, notes)
    editions: list[Edition] = []
    withdrawn: list[ISBN13] = []
    seen: dict[ISBN13, object] = {}
    for product in as_objects(work.get("products")):
        edition, not_exported = _product(product, shared, notes)
        if not_exported is not None:
            withdrawn.append(not_exported)
        if edition is None:
            continue
        if edition.isbn in seen:
            notes.add(Severity.BLOCKING, "duplicate-isbn", f"ISBN {edition.isbn} is also product "
                      f"{seen[edition.isbn]}'s; not read", record=str(edition.isbn), field=ISBN_FIELD,
                      where=_where(notes.work_id, product.get("id")))
            continue
        seen[edition.isbn] = product.get("id")
        editions.append(edition)
    if not editions:
        return MappedWork(None, tuple(notes.problems), tuple(withdrawn))
    # The other formats of the work (Consonance's products of one work) are the related editions.
    linked = tuple(
        e.model_copy(update={"related_isbns": tuple(o.isbn for o in editions if o.isbn != e.isbn)}) for e in editions
    )
    family = TitleFamily(id=shared.family_id, title=shared.title or linked[0].title, editions=linked)
    return MappedWork(family, tuple(notes.problems), tuple(withdrawn))


# -- the work ------------------------------------------------------------------------------------------------


def _work_fields(work: Mapping[str, Any], at: date, notes: _Notes) -> _WorkFields:
    fid = family_id(notes.work_id)
    where = f"work {notes.work_id}"
    memberships = as_objects(work.get("seriesMemberships"))
    return _WorkFields(
        family_id=fid,
        title=as_text(work.get("title")),
        subtitle=as_text(work.get("subtitle")),
        imprint=as_text(as_object(work.get("imprint")).get("name")),
        series=_series(memberships[0]) if memberships else None,  # the first membership is the series
        subjects=_subjects(work),
        contributors=tuple(_contributors(work, fid, where, notes)),
        texts=tuple(_texts(work, at)),
        resources=tuple(_resources(work, fid, where, notes)),
        print_pages=next((pages for p in as_objects(work.get("products"))
                          if p.get("__typename") in PRINT_FORMS and (pages := _pages(p))), None),
    )


def _series(membership: Mapping[str, Any]) -> SeriesMembership | None:
    series = membership.get("series")
    name = as_text(series.get("name")) if isinstance(series, Mapping) else None
    if name is None:
        return None
    return SeriesMembership(name=name, number=as_text(membership.get("partNumber")))


def _subjects(work: Mapping[str, Any]) -> tuple[Subject, ...]:
    """subjectCodes (Thema, BIC, BISAC; `description` is the scheme's heading, `main` the MainSubject flag), main
    subjects first, then the LC subject heading."""
    subjects = []
    for raw in as_objects(work.get("subjectCodes")):
        code = as_text(raw.get("code"))
        if code is None:
            continue
        kind = str(raw.get("__typename"))
        scheme = SUBJECT_SCHEMES.get(kind, SubjectScheme.OTHER)
        subjects.append(Subject(scheme=scheme, code=code if scheme is not SubjectScheme.OTHER else f"{kind}:{code}",
                                label=as_text(raw.get("description")), main=raw.get("main") is True))
    heading = as_text(work.get("lcSubjectHeading"))
    if heading is not None:
        subjects.append(Subject(scheme=SubjectScheme.OTHER, code=f"{LC_SUBJECT_HEADING}:{heading}", label=heading))
    return tuple(sorted(subjects, key=lambda s: not s.main))  # stable: main subjects first, in feed order


def _contributors(work: Mapping[str, Any], record: str, where: str, notes: _Notes) -> Iterable[_Linked]:
    for raw in as_objects(work.get("contributions")):
        contact = as_object(raw.get("contributor"))
        organisation = contact.get("__typename") == "Organisation"  # ONIX CorporateName
        name = as_text(contact.get("organisationName")) if organisation else None
        name = name or as_text(contact.get("name")) or _person_name(contact)
        role = as_text(raw.get("onixContributorRoleCode"))  # List 17
        if name is None or role is None:
            missing = "contributor.name" if name is None else "onixContributorRoleCode"
            notes.add(Severity.WARNING, "incomplete-contributor", f"contribution {raw.get('id')} has no {missing}; "
                      "ignored", record=record, field=f"contributions.{missing}", where=where)
            continue
        sequence = raw.get("sequenceNumber")
        contributor = Contributor(
            role=role,
            name=name,
            sequence=sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else 1,
            name_inverted=None if organisation else as_text(contact.get("personNameInverted")),
            biography=as_text(contact.get("biography")),
            corporate=organisation,
        )
        yield _Linked(contributor, as_ids(raw.get("productIds")))


def _person_name(contact: Mapping[str, Any]) -> str | None:
    """A person without `name`: namesBeforeKey and keyNames, as ONIX builds a PersonName."""
    parts = [as_text(contact.get(k)) for k in ("namesBeforeKey", "keyNames")]
    return " ".join(p for p in parts if p) or None


def _pages(product: Mapping[str, Any]) -> int | None:
    return next((count for name in PAGE_COUNTS.get(str(product.get("__typename")), ())
                 if (count := as_count(product.get(name)))), None)


def _texts(work: Mapping[str, Any], at: date) -> Iterable[_Linked]:
    for raw in as_objects(work.get("marketingTexts")):
        body = raw.get("externalText")
        if not isinstance(body, str) or not body.strip():
            continue
        status = as_text(raw.get("approvalStatus"))
        approved = status is None or status.casefold() == "approved"
        embargo = as_day(raw.get("fromDate"))
        if embargo is not None and embargo > at:  # fromDate: the text's embargo
            approved = False
        kind = TEXT_KINDS.get(str(raw.get("variant") or "").upper(), TextKind.OTHER)
        yield _Linked(TextContent(kind=kind, text=body, approved=approved), as_ids(raw.get("productIds")))


def _resources(work: Mapping[str, Any], record: str, where: str, notes: _Notes) -> Iterable[_Linked]:
    for raw in as_objects(work.get("supportingResources")):
        url = as_text(raw.get("url"))
        if url is None:
            notes.add(Severity.WARNING, "missing-resource-url", f"supporting resource {raw.get('id')} has no url; "
                      "ignored", record=record, field="supportingResources.url", where=where)
            continue
        resource = SupportingResource(
            kind=RESOURCE_KINDS.get(str(raw.get("onixResourceContentTypeCode") or ""), ResourceKind.OTHER),
            url=url,
            mime_type=as_text(raw.get("imageContentType")),
            size_bytes=as_count(raw.get("fileSize")),
            width_px=as_count(raw.get("width")),
            height_px=as_count(raw.get("height")),
            caption=as_text(raw.get("caption")),
        )
        yield _Linked(resource, as_ids(raw.get("productIds")))


# -- one product ------------------------------------------------------------------------------------------------


def _product(product: Mapping[str, Any], shared: _WorkFields, notes: _Notes) -> tuple[Edition | None, ISBN13 | None]:
    """The product's Edition (or None), and its ISBN when it is withdrawn from export."""
    pid = product.get("id")
    where = _where(notes.work_id, pid)
    reference = f"{shared.family_id}/product:{pid}"
    raw_isbn = as_object(product.get("isbn")).get("isbn13")
    if product.get("allowOnixExports") is False:
        isbn = as_isbn(raw_isbn)
        notes.add(Severity.WARNING, "not-approved-for-export", "allowOnixExports is false (not approved for export); "
                  "not read", record=str(isbn or reference), field="allowOnixExports", where=where)
        return None, isbn
    if raw_isbn is None:
        notes.add(Severity.BLOCKING, "missing-isbn", "no ISBN-13 assigned; not read", record=reference,
                  field=ISBN_FIELD, where=where)
        return None, None
    try:
        isbn = ISBN13(raw_isbn)
    except InvalidISBN as exc:
        notes.add(Severity.BLOCKING, "invalid-isbn", f"{exc}; not read", record=reference, field=ISBN_FIELD,
                  where=where)
        return None, None
    record = str(isbn)

    def note(code: str, message: str, field: str, severity: Severity = Severity.WARNING) -> None:
        notes.add(severity, code, message, record=record, field=field, where=where)

    title = _title(product) or shared.title
    if title is None:
        note("missing-title", "no fullTitle or titleWithoutPrefix; not read", "fullTitle", Severity.BLOCKING)
        return None, None
    fmt, form_problems = format_from_onix21(
        product.get("onix21ProductFormCode"), product.get("onix21EpubTypeCode"), record=record
    )
    for p in form_problems:
        note(p.code, p.message, p.field or "onix21ProductFormCode", p.severity)
    published = date_field(product, "publicationDate", note)
    status = as_text(product.get("metadataStatus"))
    metadata_status = status.upper() if status else None
    try:
        edition = Edition(
            isbn=isbn,
            record_reference=reference,  # the record's id, as its problems and exceptions name it
            family_id=shared.family_id,
            format=fmt,
            form_code=as_text(product.get("onix21ProductFormCode")),
            title=title,
            subtitle=as_text(product.get("subtitle")) or shared.subtitle,
            contributors=tuple(sorted(_for(shared.contributors, pid), key=lambda c: c.sequence)),
            series=shared.series,
            imprint=shared.imprint,
            texts=tuple(_for(shared.texts, pid)),
            subjects=shared.subjects,
            dimensions=Dimensions(
                height_mm=measure_field(product, "productHeight", note),
                width_mm=measure_field(product, "productWidth", note),
                thickness_mm=measure_field(product, "productThickness", note),
                weight_g=measure_field(product, "weight", note),
            ),
            page_count=_page_count(product, shared, note),
            duration_minutes=count_field(product, "durationMinutes", note),
            # A planned date stands in until the actual one is set; milestones say which it is.
            publication_date=published or date_field(product, "plannedPublicationDate", note),
            sales_embargo=date_field(product, "salesEmbargoDate", note),
            publishing_status=as_text(product.get("onixPublishingStatusCode")),  # List 64
            availability=None,  # Consonance's GraphQL has no List 65 availability
            prices=tuple(row for raw in as_objects(product.get("prices")) if (row := price_row(raw, note))),
            rights=sales_rights(product, note),
            resources=tuple(_for(shared.resources, pid)),
            milestones=Milestones(
                metadata_locked=metadata_status in ("APPROVED", "IN_REVIEW"),
                final_approval=metadata_status == "APPROVED",
                publication_date_confirmed=published is not None,
            ),
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(p) for p in error.get("loc", ()))
        note("invalid-product", f"cannot build the edition ({path}: {error['msg']}); not read", path or "product",
             Severity.BLOCKING)
        return None, None
    return edition, None


def _page_count(product: Mapping[str, Any], shared: _WorkFields, note: Note) -> int | None:
    """The first page count given (PAGE_COUNTS); an e-book without one takes its print counterpart's."""
    for name in PAGE_COUNTS.get(str(product.get("__typename")), ()):
        if (count := count_field(product, name, note)) is not None:
            return count
    return shared.print_pages if product.get("__typename") == "ElectronicBookProduct" else None


def _title(product: Mapping[str, Any]) -> str | None:
    rest = as_text(product.get("titleWithoutPrefix"))
    if rest is not None:
        prefix = as_text(product.get("titlePrefix"))
        return f"{prefix} {rest}" if prefix else rest
    return as_text(product.get("fullTitle"))


def _where(work_id: object, product_id: object) -> str:
    return f"work {work_id}, product {product_id}"


def _for(linked: Sequence[_Linked], product_id: object) -> Iterable[Any]:
    return (item.value for item in linked if item.applies_to(product_id))
