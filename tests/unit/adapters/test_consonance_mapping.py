"""`map_work` and `ConsonanceSource` edge cases on small inline work dicts (the shape of queries/works.graphql)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bookbridge.adapters.consonance.errors import ConsonanceUnavailable
from bookbridge.adapters.consonance.mapping import MappedWork, map_work
from bookbridge.adapters.consonance.source import ConsonanceSource
from bookbridge.domain.formats import Format
from bookbridge.domain.model import Edition, ResourceKind, SubjectScheme, TextKind
from bookbridge.domain.problems import Problem, Severity
from bookbridge.domain.rights import RightsResolver

TODAY = date(2026, 11, 28)
ISBN_A, ISBN_B, ISBN_C = "9781999990015", "9781999990022", "9781999990039"


def product(pid: int = 1, isbn: str | None = ISBN_A, **fields: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": pid,
        "__typename": "PhysicalBookProduct",
        "isbn": None if isbn is None else {"isbn13": isbn, "isbnWithDashes": isbn},
        "fullTitle": "The Salt Road",
        "onix21ProductFormCode": "BC",
        "isForSaleWorldwide": True,
        "forSaleCountryCodes": [],
        "notForSaleCountryCodes": [],
        "allowOnixExports": True,
        "metadataStatus": "APPROVED",
        "prices": [],
    }
    raw.update(fields)
    return raw


def work(*products: dict[str, Any], **fields: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"id": 7, "title": "The Salt Road", "products": list(products) or [product()]}
    raw.update(fields)
    return raw


def mapped(raw: dict[str, Any], at: date = TODAY) -> MappedWork:
    return map_work(raw, at=at)


def only_edition(raw: dict[str, Any]) -> Edition:
    result = mapped(raw)
    assert result.family is not None, result.problems
    [edition] = result.family.editions
    return edition


def codes(problems: tuple[Problem, ...]) -> list[str]:
    return [p.code for p in problems]


# -- identity, ISBN and export approval ---------------------------------------------------------------------


def test_family_id_and_record_reference_name_the_consonance_ids() -> None:
    result = mapped(work(product(pid=41)))
    assert result.family is not None
    assert result.family.id == "consonance:work:7"
    # The record's id as docs/glossary.md gives it, and as its problems and exceptions name it: work and product.
    assert result.family.editions[0].record_reference == "consonance:work:7/product:41"
    assert result.problems == ()


def test_a_record_has_one_name_read_or_not_read() -> None:
    """The record a read could not use is named in its problem as the read edition's `record_reference` names it,
    so its exception resolves once a later read brings it, and an applied product knows its record."""
    [problem] = mapped(work(product(pid=41, isbn="9780007232834"))).problems
    read = mapped(work(product(pid=41))).family
    assert read is not None and problem.record == read.editions[0].record_reference == "consonance:work:7/product:41"


@pytest.mark.parametrize(
    ("isbn", "code"),
    [(None, "missing-isbn"), ("9781999990010", "invalid-isbn"), ("not an isbn", "invalid-isbn")],
)
def test_a_product_without_a_valid_isbn_is_skipped_and_named(isbn: str | None, code: str) -> None:
    result = mapped(work(product(pid=5, isbn=isbn), product(pid=6, isbn=ISBN_B)))
    assert result.family is not None
    assert [e.isbn for e in result.family.editions] == [ISBN_B]  # the other product still maps
    [problem] = result.problems
    assert problem.code == code
    assert problem.severity is Severity.BLOCKING
    assert problem.record == "consonance:work:7/product:5"
    assert problem.field == "ISBN"
    # Named by its reference, which says the work and product: the message does not say them again.
    assert "work 7, product 5" not in problem.message and "not read" in problem.message


def test_a_work_with_no_mappable_product_has_no_family() -> None:
    result = mapped(work(product(isbn=None)))
    assert result.family is None
    assert codes(result.problems) == ["missing-isbn"]


def test_a_product_not_approved_for_export_is_skipped_and_withdrawn() -> None:
    result = mapped(work(product(pid=1, isbn=ISBN_A, allowOnixExports=False), product(pid=2, isbn=ISBN_B)))
    assert result.family is not None
    assert [e.isbn for e in result.family.editions] == [ISBN_B]
    assert result.withdrawn == (ISBN_A,)  # the source delists it: it must not stay in the store
    [problem] = result.problems
    assert (problem.code, problem.severity, problem.field) == ("not-approved-for-export", Severity.WARNING,
                                                               "allowOnixExports")
    assert problem.record == ISBN_A
    assert problem.message.endswith("(not approved for export); not read")  # "skipped" is not the glossary's


def test_a_not_exported_product_without_isbn_is_one_warning_not_two() -> None:
    result = mapped(work(product(isbn=None, allowOnixExports=False)))
    assert codes(result.problems) == ["not-approved-for-export"]
    assert result.withdrawn == ()


def test_a_duplicate_isbn_within_a_work_keeps_the_first_product() -> None:
    result = mapped(work(product(pid=1), product(pid=2)))
    assert result.family is not None
    assert [e.record_reference for e in result.family.editions] == ["consonance:work:7/product:1"]
    assert codes(result.problems) == ["duplicate-isbn"]


def test_garbage_products_and_lists_do_not_crash() -> None:
    raw = work(product(pid=1, prices="nope", forSaleCountryCodes=None), products=None)
    raw["products"] = [product(pid=1, prices="nope", contributions=3), "junk", None]
    raw.update(contributions={"x": 1}, subjectCodes=None, marketingTexts=[None, 4], imprint="Lantern")
    edition = only_edition(raw)
    assert edition.prices == ()
    assert edition.imprint is None


# -- titles, format, contributors, series, subjects -------------------------------------------------------


def test_title_is_prefix_plus_title_without_prefix_else_full_title() -> None:
    assert only_edition(work(product(titlePrefix="The", titleWithoutPrefix="Salt Road", fullTitle="x"))).title == (
        "The Salt Road"
    )
    assert only_edition(work(product(titleWithoutPrefix="Salt Road"))).title == "Salt Road"
    assert only_edition(work(product(fullTitle="Tide Tables"))).title == "Tide Tables"


def test_subtitle_falls_back_to_the_work_subtitle() -> None:
    assert only_edition(work(product(subtitle="Own"), subtitle="Work's")).subtitle == "Own"
    assert only_edition(work(product(), subtitle="Work's")).subtitle == "Work's"


@pytest.mark.parametrize(
    ("form", "epub", "expected"),
    [("DG", "029", Format.EBOOK_EPUB), ("DG", "002", Format.EBOOK_PDF), ("BB", None, Format.HARDBACK),
     ("AJ", None, Format.AUDIOBOOK), ("AC", None, Format.AUDIO_CD)],
)
def test_format_comes_from_the_onix21_form_and_epub_type(form: str, epub: str | None, expected: Format) -> None:
    edition = only_edition(work(product(onix21ProductFormCode=form, onix21EpubTypeCode=epub)))
    assert edition.format is expected
    assert edition.form_code == form


def test_an_unknown_form_is_other_with_a_warning_naming_the_product() -> None:
    result = mapped(work(product(onix21ProductFormCode="QQ")))
    assert result.family is not None and result.family.editions[0].format is Format.OTHER
    [problem] = result.problems
    assert (problem.code, problem.record, problem.field) == ("unknown-product-form", ISBN_A, "onix21ProductFormCode")
    assert "work 7, product 1" in problem.message


def test_contributors_limited_to_their_products_sorted_by_sequence() -> None:
    raw = work(
        product(pid=1, isbn=ISBN_A),
        product(pid=2, isbn=ISBN_B),
        contributions=[
            {"id": 1, "sequenceNumber": 2, "productIds": [2], "onixContributorRoleCode": "E07",
             "contributor": {"__typename": "Person", "id": 9, "name": "Tomas Reed",
                             "personNameInverted": "Reed, Tomas"}},
            {"id": 2, "sequenceNumber": 1, "productIds": [], "onixContributorRoleCode": "A01",
             "contributor": {"__typename": "Person", "id": 8, "name": "Mara Quill", "biography": "<p>Bio</p>",
                             "personNameInverted": "Quill, Mara"}},
            {"id": 3, "sequenceNumber": 3, "productIds": [], "onixContributorRoleCode": "A01",
             "contributor": {"__typename": "Organisation", "id": 10, "name": "FSC",
                             "organisationName": "The Field Studies Collective"}},
        ],
    )
    result = mapped(raw)
    assert result.family is not None
    first, second = result.family.editions
    assert [(c.role, c.name, c.sequence) for c in first.contributors] == [
        ("A01", "Mara Quill", 1), ("A01", "The Field Studies Collective", 3)
    ]
    assert [c.name for c in second.contributors] == ["Mara Quill", "Tomas Reed", "The Field Studies Collective"]
    mara, org = first.contributors
    assert (mara.name_inverted, mara.biography) == ("Quill, Mara", "<p>Bio</p>")
    assert org.name_inverted is None


def test_a_contribution_without_a_name_is_a_work_level_warning() -> None:
    result = mapped(work(contributions=[{"id": 4, "onixContributorRoleCode": "A01", "contributor": {"name": " "}}]))
    [problem] = result.problems
    assert (problem.code, problem.record, problem.field) == (
        "incomplete-contributor", "consonance:work:7", "contributions.contributor.name"
    )


def test_series_is_the_first_membership_and_imprint_the_name() -> None:
    edition = only_edition(work(
        seriesMemberships=[{"partNumber": "2", "series": {"id": 1, "name": "The Harbour Quartet"}},
                           {"partNumber": "9", "series": {"id": 2, "name": "Other"}}],
        imprint={"id": 1, "name": "Lantern Hill Books"},
    ))
    assert edition.series is not None and (edition.series.name, edition.series.number) == ("The Harbour Quartet", "2")
    assert edition.imprint == "Lantern Hill Books"


def test_subjects_by_typename_with_main_flags_main_first() -> None:
    edition = only_edition(work(
        subjectCodes=[{"__typename": "Bisac", "code": "FIC022000", "description": None, "main": False},
                      {"__typename": "Thema", "code": "FFP", "description": "Police procedural", "parentCode": "FF",
                       "main": True},
                      {"__typename": "Bic", "code": "FF"}],
    ))
    assert [(s.scheme, s.code, s.main) for s in edition.subjects] == [
        (SubjectScheme.THEMA, "FFP", True), (SubjectScheme.BISAC, "FIC022000", False), (SubjectScheme.BIC, "FF", False)
    ]
    assert edition.subjects[0].label == "Police procedural"  # the scheme's heading


def test_the_lc_subject_heading_and_unknown_schemes_keep_where_they_came_from() -> None:
    edition = only_edition(work(
        subjectCodes=[{"__typename": "Clil", "code": "3435", "description": "Policier"}],
        lcSubjectHeading="Detective and mystery stories",
    ))
    assert [(s.scheme, s.code, s.label) for s in edition.subjects] == [
        (SubjectScheme.OTHER, "Clil:3435", "Policier"),
        (SubjectScheme.OTHER, "04:Detective and mystery stories", "Detective and mystery stories"),  # List 27: 04
    ]


def test_contributor_roles_sequence_and_corporate_names() -> None:
    def person(cid: int, sequence: int, role: str, **contact: Any) -> dict[str, Any]:
        return {"id": cid, "sequenceNumber": sequence, "productIds": [], "onixContributorRoleCode": role,
                "contributor": {"__typename": "Person", "id": cid, **contact}}

    edition = only_edition(work(contributions=[
        person(1, 3, "A12", name="Ira Penn"),
        person(2, 1, "B01", namesBeforeKey="Ada", keyNames="Lind", personNameInverted="Lind, Ada"),  # no `name`
        person(3, 2, "A32", name="Cole Marsh"),
        {"id": 4, "sequenceNumber": 4, "productIds": [], "onixContributorRoleCode": "A01",
         "contributor": {"__typename": "Organisation", "id": 4, "name": "Harbour Collective"}},
    ]))
    assert [(c.sequence, c.role, c.name, c.corporate) for c in edition.contributors] == [
        (1, "B01", "Ada Lind", False), (2, "A32", "Cole Marsh", False), (3, "A12", "Ira Penn", False),
        (4, "A01", "Harbour Collective", True),
    ]
    assert edition.contributors[0].name_inverted == "Lind, Ada"


# -- texts and resources -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "kind"),
    [("MAIN_DESCRIPTION", TextKind.DESCRIPTION), ("LONG_DESCRIPTION", TextKind.DESCRIPTION),
     ("DESCRIPTION", TextKind.DESCRIPTION), ("SHORT_DESCRIPTION", TextKind.SHORT_DESCRIPTION),
     ("REVIEW_QUOTE", TextKind.REVIEW), ("BIOGRAPHICAL_NOTE", TextKind.BIOGRAPHY),
     ("TABLE_OF_CONTENTS", TextKind.TOC), ("EXCERPT", TextKind.EXCERPT), ("FLAP_COPY", TextKind.PROMOTIONAL),
     ("SOMETHING_NEW", TextKind.OTHER)],
)
def test_text_variants(variant: str, kind: TextKind) -> None:
    edition = only_edition(work(marketingTexts=[{"id": 1, "variant": variant, "externalText": "<p>x</p>"}]))
    assert [t.kind for t in edition.texts] == [kind]


@pytest.mark.parametrize(
    ("status", "from_date", "approved"),
    [(None, None, True), ("approved", None, True), ("APPROVED", "2026-11-28", True), ("draft", None, False),
     ("approved", "2026-11-29", False)],  # a fromDate after the read's day: embargoed, not approved yet
)
def test_text_approval_and_embargo(status: str | None, from_date: str | None, approved: bool) -> None:
    text = {"id": 1, "variant": "SHORT_DESCRIPTION", "externalText": "x", "approvalStatus": status,
            "fromDate": from_date}
    assert [t.approved for t in only_edition(work(marketingTexts=[text])).texts] == [approved]


def test_texts_and_resources_follow_their_product_ids() -> None:
    raw = work(
        product(pid=1, isbn=ISBN_A),
        product(pid=2, isbn=ISBN_B),
        marketingTexts=[{"id": 1, "variant": "MAIN_DESCRIPTION", "externalText": "all", "productIds": []},
                        {"id": 2, "variant": "MAIN_DESCRIPTION", "externalText": "two only", "productIds": [2]},
                        {"id": 3, "variant": "MAIN_DESCRIPTION", "externalText": "  "}],
        supportingResources=[
            {"id": 1, "url": "https://x.invalid/c.jpg", "onixResourceContentTypeCode": "01", "productIds": [1],
             "imageContentType": "image/jpeg", "fileSize": 10, "height": 30, "width": 20, "caption": "Cover"},
            {"id": 2, "url": "https://x.invalid/b.jpg", "onixResourceContentTypeCode": "02"},
            {"id": 3, "url": "https://x.invalid/a.jpg", "onixResourceContentTypeCode": "04"},
            {"id": 4, "url": "https://x.invalid/s.pdf", "onixResourceContentTypeCode": "15"},
            {"id": 5, "url": "https://x.invalid/o.jpg", "onixResourceContentTypeCode": "07"},
        ],
    )
    result = mapped(raw)
    assert result.family is not None
    one, two = result.family.editions
    assert [t.text for t in one.texts] == ["all"]
    assert [t.text for t in two.texts] == ["all", "two only"]
    assert [r.kind for r in one.resources] == [ResourceKind.FRONT_COVER, ResourceKind.BACK_COVER,
                                               ResourceKind.AUTHOR_PHOTO, ResourceKind.SAMPLE, ResourceKind.OTHER]
    assert two.resource(ResourceKind.FRONT_COVER) is None
    cover = one.resource(ResourceKind.FRONT_COVER)
    assert cover is not None
    assert (cover.url, cover.mime_type, cover.size_bytes, cover.width_px, cover.height_px, cover.caption) == (
        "https://x.invalid/c.jpg", "image/jpeg", 10, 20, 30, "Cover"
    )


# -- measures, dates, milestones, related ------------------------------------------------------------------------


def test_measures_pages_duration_and_dates() -> None:
    edition = only_edition(work(product(
        productHeight=234.0, productWidth=153, productThickness=0, weight=540.5, approximatePageCount=352,
        durationMinutes=612, publicationDate="2026-03-05", plannedPublicationDate="2026-02-01",
        salesEmbargoDate="2026-03-01", onixPublishingStatusCode="04",
    )))
    dims = edition.dimensions
    assert (dims.height_mm, dims.width_mm, dims.thickness_mm, dims.weight_g) == (
        Decimal(234), Decimal(153), None, Decimal("540.5")
    )
    assert (edition.page_count, edition.duration_minutes) == (352, 612)
    assert (edition.publication_date, edition.sales_embargo) == (date(2026, 3, 5), date(2026, 3, 1))
    assert edition.publishing_status == "04"
    assert edition.availability is None  # Consonance has no List 65 availability


def test_page_counts_by_product_type_and_the_print_counterpart_for_e_books() -> None:
    hardback = product(pid=1, isbn=ISBN_A, approximatePageCount=None, productionPageCount=368)
    ebook = product(pid=2, isbn=ISBN_B, __typename="ElectronicBookProduct", onix21ProductFormCode="DG")
    priced = product(pid=3, isbn=ISBN_C, __typename="ElectronicBookProduct", onix21ProductFormCode="DG",
                     absolutePageCount=340)
    result = mapped(work(hardback, ebook, priced))
    assert result.family is not None
    assert [e.page_count for e in result.family.editions] == [368, 368, 340]  # e-book 2: the print count (Extent 08)


def test_audio_has_a_duration_and_no_page_count() -> None:
    audio = product(__typename="ElectronicAudioProduct", onix21ProductFormCode="AJ", durationMinutes=540,
                    approximatePageCount=352)
    edition = only_edition(work(audio))
    assert (edition.page_count, edition.duration_minutes) == (None, 540)


def test_malformed_measures_and_dates_are_dropped_with_warnings() -> None:
    result = mapped(work(product(productHeight=-3, approximatePageCount="many", publicationDate="05/03/2026")))
    assert result.family is not None
    edition = result.family.editions[0]
    assert (edition.dimensions.height_mm, edition.page_count, edition.publication_date) == (None, None, None)
    assert {(p.code, p.field) for p in result.problems} == {
        ("malformed-measure", "productHeight"), ("malformed-count", "approximatePageCount"),
        ("malformed-date", "publicationDate"),
    }


@pytest.mark.parametrize(
    ("status", "published", "locked", "final", "confirmed"),
    [("APPROVED", "2026-03-05", True, True, True), ("IN_REVIEW", None, True, False, False),
     ("DRAFT", None, False, False, False)],
)
def test_milestones(status: str, published: str | None, locked: bool, final: bool, confirmed: bool) -> None:
    edition = only_edition(work(product(metadataStatus=status, publicationDate=published,
                                        plannedPublicationDate="2027-02-04")))
    assert (edition.milestones.metadata_locked, edition.milestones.final_approval,
            edition.milestones.publication_date_confirmed) == (locked, final, confirmed)
    assert edition.publication_date == date.fromisoformat(published or "2027-02-04")  # planned stands in


def test_related_isbns_are_the_other_mapped_products_of_the_work() -> None:
    result = mapped(work(product(pid=1, isbn=ISBN_A), product(pid=2, isbn=ISBN_B),
                         product(pid=3, isbn=ISBN_C, allowOnixExports=False)))
    assert result.family is not None
    assert [e.related_isbns for e in result.family.editions] == [(ISBN_B,), (ISBN_A,)]


# -- prices --------------------------------------------------------------------------------------------------


def test_prices_keep_type_qualifier_and_window_as_decimals() -> None:
    edition = only_edition(work(product(prices=[
        {"id": 1, "amount": 16.99, "currencyCode": "GBP", "onixPriceTypeCode": "02",
         "onixPriceTypeQualifierCode": "05"},
        {"id": 2, "amount": 12.99, "currencyCode": "gbp", "onixPriceTypeCode": "02",
         "onixPriceTypeQualifierCode": "05", "effectiveFrom": "2026-12-01", "effectiveTo": "2026-12-31",
         "label": "Winter"},
        {"id": 3, "amount": 9, "currencyCode": "USD", "onixPriceTypeCode": "01"},
    ])))
    assert [(p.amount, p.currency, p.price_type, p.qualifier, p.valid_from, p.valid_until) for p in edition.prices] == [
        (Decimal("16.99"), "GBP", "02", "05", None, None),
        (Decimal("12.99"), "GBP", "02", "05", date(2026, 12, 1), date(2026, 12, 31)),
        (Decimal("9"), "USD", "01", None, None, None),
    ]


@pytest.mark.parametrize(
    ("price", "code", "field"),
    [({"amount": "abc", "currencyCode": "GBP"}, "invalid-price-amount", "prices.amount"),
     ({"amount": None, "currencyCode": "GBP"}, "invalid-price-amount", "prices.amount"),
     ({"amount": -1, "currencyCode": "GBP"}, "invalid-price-amount", "prices.amount"),
     ({"amount": float("nan"), "currencyCode": "GBP"}, "invalid-price-amount", "prices.amount"),
     ({"amount": 5, "currencyCode": "XXY"}, "invalid-currency", "prices.currencyCode"),
     ({"amount": 5, "currencyCode": None}, "invalid-currency", "prices.currencyCode"),
     ({"amount": 5, "currencyCode": "GBP", "effectiveFrom": "2026-12-31", "effectiveTo": "2026-12-01"},
      "invalid-price-window", "prices.effectiveTo"),
     ({"amount": 5, "currencyCode": "GBP", "effectiveFrom": "soon"}, "malformed-date", "prices.effectiveFrom")],
)
def test_a_bad_price_is_a_problem_and_the_good_ones_stay(price: dict[str, Any], code: str, field: str) -> None:
    good = {"id": 1, "amount": 7.99, "currencyCode": "GBP", "onixPriceTypeCode": "02"}
    result = mapped(work(product(prices=[good, {"id": 2, "onixPriceTypeCode": "02", **price}])))
    assert result.family is not None
    assert [p.amount for p in result.family.editions[0].prices] == [Decimal("7.99")]
    problem = next(p for p in result.problems if p.code == code)
    assert (problem.record, problem.field, problem.severity) == (ISBN_A, field, Severity.WARNING)
    assert "work 7, product 1" in problem.message


# -- rights --------------------------------------------------------------------------------------------------


def rights_of(**fields: Any) -> RightsResolver:
    return RightsResolver(only_edition(work(product(**fields))).rights)


def test_worldwide_minus_not_for_sale_countries() -> None:
    rights = rights_of(isForSaleWorldwide=True, notForSaleCountryCodes=["CN"], forSaleCountryCodes=[])
    assert rights.for_sale("GB") and rights.for_sale("US") and rights.for_sale("NZ")
    assert not rights.for_sale("CN")


def test_listed_countries_only() -> None:
    rights = rights_of(isForSaleWorldwide=False, forSaleCountryCodes=["GB", "ie"], notForSaleCountryCodes=["US"])
    assert rights.for_sale("GB") and rights.for_sale("IE")
    assert not rights.for_sale("US") and not rights.for_sale("FR")  # ROWSalesRightsType 03


def test_no_rights_at_all_is_not_for_sale_with_a_warning() -> None:
    result = mapped(work(product(isForSaleWorldwide=False)))
    assert result.family is not None
    assert not RightsResolver(result.family.editions[0].rights).for_sale("GB")
    assert codes(result.problems) == ["no-sales-rights"]


def test_unknown_country_codes_become_problems_and_are_ignored() -> None:
    result = mapped(work(product(isForSaleWorldwide=False, forSaleCountryCodes=["GB", "XX", "UK"])))
    assert result.family is not None
    rights = RightsResolver(result.family.editions[0].rights)
    assert rights.for_sale("GB")
    assert [(p.code, p.field) for p in result.problems] == [("unknown-country-code", "forSaleCountryCodes")] * 2
    assert "'UK'" in result.problems[0].message and "'XX'" in result.problems[1].message


def test_contradictory_country_lists_are_not_for_sale() -> None:
    result = mapped(work(product(isForSaleWorldwide=False, forSaleCountryCodes=["GB", "FR"],
                                 notForSaleCountryCodes=["FR"])))
    assert result.family is not None
    rights = RightsResolver(result.family.editions[0].rights)
    assert rights.for_sale("GB") and not rights.for_sale("FR")
    assert codes(result.problems) == ["contradictory-rights"]


# -- the source's window and error handling (a fake client; the HTTP path is in tests/integration) -------------


class FakeWorksClient:
    """Serves works from a list and remembers each `changed_since` it was asked for."""

    def __init__(self, works: list[dict[str, Any]], *, fail: Exception | None = None) -> None:
        self.works = works
        self.fail = fail
        self.asked: list[date | None] = []
        self.closed = 0

    def iter_works(self, *, changed_since: date | None = None) -> Iterator[dict[str, Any]]:
        self.asked.append(changed_since)
        if self.fail is not None:
            raise self.fail
        yield from self.works

    def close(self) -> None:
        self.closed += 1


def test_full_then_delta_window_with_overlap() -> None:
    client = FakeWorksClient([work()])
    source = ConsonanceSource(client, today=lambda: TODAY, overlap_days=1)
    full = source.read()
    assert (full.complete, full.cursor) == (True, "2026-11-28")
    delta = source.read(full.cursor)
    assert delta.complete is False
    assert client.asked == [None, date(2026, 11, 27)]
    assert delta.families == full.families  # reading a work twice yields the same family
    assert client.closed == 0  # a client passed in is left open


def test_a_factory_makes_and_closes_a_client_per_read() -> None:
    made: list[FakeWorksClient] = []

    def factory() -> FakeWorksClient:
        made.append(FakeWorksClient([work()]))
        return made[-1]

    source = ConsonanceSource(factory, today=lambda: TODAY)
    source.read()
    source.read("2026-11-20")
    assert [(c.asked, c.closed) for c in made] == [([None], 1), ([date(2026, 11, 19)], 1)]


def test_a_cursor_ahead_of_today_does_not_skip_today() -> None:
    client = FakeWorksClient([])
    ConsonanceSource(client, today=lambda: TODAY, overlap_days=2).read("2026-12-25")
    assert client.asked == [date(2026, 11, 26)]


def test_an_unreadable_cursor_reads_everything_with_a_warning() -> None:
    read = ConsonanceSource(FakeWorksClient([work()]), today=lambda: TODAY).read("yesterday")
    assert read.complete is True
    assert codes(read.problems) == ["unreadable-cursor"]


def test_client_errors_propagate_with_a_note_and_the_client_is_closed() -> None:
    client = FakeWorksClient([], fail=ConsonanceUnavailable(5, "HTTP 503"))
    source = ConsonanceSource(lambda: client, today=lambda: TODAY)
    with pytest.raises(ConsonanceUnavailable, match="after 5 attempt") as raised:
        source.read("2026-11-20")
    assert raised.value.__notes__ == ["while reading catalogue source 'consonance' (changed since 2026-11-19)"]
    assert client.closed == 1


def test_an_isbn_in_two_works_is_kept_in_the_first_only() -> None:
    works = [work(product(pid=1), id=1), work(product(pid=2), product(pid=3, isbn=ISBN_B), id=2)]
    read = ConsonanceSource(FakeWorksClient(works), today=lambda: TODAY).read()
    assert [(f.id, [str(e.isbn) for e in f.editions]) for f in read.families] == [
        ("consonance:work:1", [ISBN_A]), ("consonance:work:2", [ISBN_B])
    ]
    [problem] = read.problems
    assert (problem.code, problem.severity, problem.record) == ("duplicate-isbn", Severity.BLOCKING, ISBN_A)
    assert problem.field == "ISBN"  # in words, as an isbn-changed exception names it


def test_withdrawn_isbns_are_delisted() -> None:
    works = [work(product(pid=1, allowOnixExports=False), product(pid=2, isbn=ISBN_B))]
    read = ConsonanceSource(FakeWorksClient(works), today=lambda: TODAY).read("2026-11-27")
    assert read.delisted == (ISBN_A,)
    assert [e.isbn for f in read.families for e in f.editions] == [ISBN_B]
