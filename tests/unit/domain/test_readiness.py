from __future__ import annotations

from datetime import UTC, date, datetime

from bookbridge.domain.formats import Format
from bookbridge.domain.model import ResourceKind, Rights, SalesRights, SupportingResource, TextContent, TextKind
from bookbridge.domain.readiness import blocking_problems, problems
from bookbridge.domain.territory import Territory
from examples import cover, edition, storefront, usd

NOON = datetime(2026, 6, 15, 12, tzinfo=UTC)


def codes(**changes: object) -> list[str]:
    store = changes.pop("store", storefront())
    return [p.code for p in problems(edition(**changes), store, at=NOON)]  # type: ignore[arg-type]


def test_a_complete_edition_has_no_problems() -> None:
    assert problems(edition(), storefront(), at=NOON) == []


def test_missing_cover_is_blocking_unless_the_store_does_not_require_one() -> None:
    [problem] = problems(edition(resources=()), storefront(), at=NOON)
    assert (problem.code, problem.blocking, problem.record) == ("missing-cover", True, "9780007232833")
    assert codes(resources=(), store=storefront(require_cover=False)) == []


def test_an_unapproved_cover_counts_as_missing() -> None:
    assert codes(resources=(cover(approved=False),)) == ["missing-cover"]


def test_cover_in_a_format_the_store_refuses() -> None:
    # BigCommerce takes JPEG, PNG and GIF images of at most 8 MB.
    assert codes(resources=(cover(mime_type="image/tiff"),)) == ["cover-type"]
    assert codes(resources=(cover(size_bytes=9 * 1024 * 1024),)) == ["cover-too-large"]


def test_missing_description_is_blocking_or_a_warning_by_setting() -> None:
    [problem] = problems(edition(texts=()), storefront(), at=NOON)
    assert (problem.code, problem.blocking, problem.field) == ("missing-description", True, "TextContent")
    [problem] = problems(edition(texts=()), storefront(require_description=False), at=NOON)
    assert (problem.code, problem.blocking) == ("missing-description", False)


def test_a_short_description_is_enough_and_an_unapproved_one_is_not() -> None:
    assert codes(texts=(TextContent(kind=TextKind.SHORT_DESCRIPTION, text="<p>Short.</p>"),)) == []
    assert codes(texts=(TextContent(kind=TextKind.DESCRIPTION, text="x", approved=False),)) == [
        "missing-description"]
    assert codes(texts=(TextContent(kind=TextKind.DESCRIPTION, text="   "),)) == ["missing-description"]


def test_no_price_for_the_store() -> None:
    assert codes(prices=()) == ["no-price"]
    assert codes(prices=(usd("24.99"),)) == ["no-price"]
    assert [p.blocking for p in problems(edition(prices=()), storefront(), at=NOON)] == [True]


def test_forthcoming_without_a_date_is_blocking() -> None:
    # List 64 02 forthcoming "needs a publication date".
    found = problems(edition(publishing_status="02", publication_date=None), storefront(), at=NOON)
    assert [p.code for p in blocking_problems(found)] == ["forthcoming-without-date"]


def test_rights_conflict_within_the_storefront_countries_is_blocking() -> None:
    conflict = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB IE")),
                                    SalesRights(type="03", territory=Territory.of("GB"))))
    found = problems(edition(rights=conflict), storefront(), at=NOON)
    assert [(p.code, p.blocking) for p in found] == [("contradictory-rights", False), ("rights-conflict", True)]
    assert "GB" in found[1].message


def test_rights_conflict_outside_the_storefront_countries_is_only_a_warning() -> None:
    conflict = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB IE")),
                                    SalesRights(type="03", territory=Territory.of("IE"))))
    found = problems(edition(rights=conflict), storefront(), at=NOON)
    assert [(p.code, p.blocking) for p in found] == [("contradictory-rights", False)]


def test_warnings_do_not_block() -> None:
    found = problems(edition(contributors=(), dimensions=edition().dimensions.model_copy(update={"weight_g": None}),
                             format=Format.OTHER), storefront(), at=NOON)
    assert [p.code for p in found] == ["no-contributors", "format-other"]
    assert blocking_problems(found) == []
    physical = problems(edition(dimensions=edition().dimensions.model_copy(update={"weight_g": None})),
                        storefront(), at=NOON)
    assert [p.code for p in physical] == ["missing-weight"]


def test_delisted_and_editorial_editions_are_not_checked_for_store_content() -> None:
    assert codes(publishing_status="07", resources=(), texts=(), prices=()) == []
    assert codes(publishing_status=None, resources=(), texts=(), prices=()) == []


def test_editorial_before_announcement_is_not_checked_either() -> None:
    assert codes(publishing_status="02", publication_date=date(2026, 9, 1), announcement_date=date(2026, 7, 1),
                 resources=()) == []
    assert codes(publishing_status="02", publication_date=date(2026, 9, 1), resources=()) == ["missing-cover"]


def test_a_resource_other_than_the_front_cover_is_not_a_cover() -> None:
    back = SupportingResource(kind=ResourceKind.BACK_COVER, url="https://covers.example/back.jpg")
    assert codes(resources=(back,)) == ["missing-cover"]


def test_an_oversized_or_wrong_type_author_photo_is_left_out_with_a_warning() -> None:
    from bookbridge.domain.listing import build_edition_listing

    big = SupportingResource(kind=ResourceKind.AUTHOR_PHOTO, url="https://x.example/a.jpg", mime_type="image/jpeg",
                             size_bytes=9 * 1024 * 1024)  # BigCommerce: at most 8 MB per image
    tiff = SupportingResource(kind=ResourceKind.BACK_COVER, url="https://x.example/b.tif", mime_type="image/tiff")
    with_extra = edition(resources=(cover(), big, tiff))
    found = problems(with_extra, storefront(), at=NOON)
    assert {p.code for p in found} == {"image-too-large", "image-type"}
    assert not blocking_problems(found)
    urls = {i.url for i in build_edition_listing(with_extra, storefront(), at=NOON).images}
    assert urls == {cover().url}
