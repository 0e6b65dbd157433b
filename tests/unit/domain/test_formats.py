from __future__ import annotations

import pytest

from bookbridge.domain.formats import Format, format_from_onix3, format_from_onix21
from bookbridge.domain.problems import Severity


@pytest.mark.parametrize(
    ("form", "details", "expected"),
    [
        ("BB", (), Format.HARDBACK),  # List 150 BB hardback
        ("BC", ("B106",), Format.PAPERBACK),  # BC paperback (B106 UK trade paperback)
        ("EA", ("E101",), Format.EBOOK_EPUB),  # EA digital + List 175 E101 EPUB
        ("ED", ("E107",), Format.EBOOK_PDF),  # ED digital download + E107 PDF
        ("ED", ("E108",), Format.EBOOK_PDF),  # E108 PDF/A
        ("EB", ("E116",), Format.EBOOK_OTHER),  # Kindle: an e-book, neither EPUB nor PDF
        ("ea", ("e101",), Format.EBOOK_EPUB),  # codes are case-insensitive in practice
        ("AJ", ("A103",), Format.AUDIOBOOK),  # downloadable audio file (MP3)
        ("AN", (), Format.AUDIOBOOK),
        ("AC", (), Format.AUDIO_CD),  # CD-Audio
        ("BH", (), Format.OTHER),  # board book: a known code sold as other
    ],
)
def test_onix3_forms(form: str, details: tuple[str, ...], expected: Format) -> None:
    assert format_from_onix3(form, details) == (expected, [])


@pytest.mark.parametrize("form", ["AL", "AB", "AM", "AZ", "BZ", "PC", "DA"])
def test_known_list_150_codes_raise_no_problem(form: str) -> None:
    assert format_from_onix3(form) == (Format.OTHER, [])


@pytest.mark.parametrize("form", ["QQ", "XYZ", "", None])
def test_unknown_onix3_form_is_other_with_a_warning(form: str | None) -> None:
    fmt, found = format_from_onix3(form, record="9780007232833")
    assert fmt is Format.OTHER
    [problem] = found
    assert problem.code == "unknown-product-form"
    assert problem.severity is Severity.WARNING
    assert problem.record == "9780007232833"
    assert problem.field == "ProductForm"
    assert repr(form) in problem.message


@pytest.mark.parametrize(
    ("form", "epub_type", "expected"),
    [
        ("DG", "029", Format.EBOOK_EPUB),  # List 7 DG electronic book text + List 10 029 EPUB
        ("DG", "002", Format.EBOOK_PDF),  # + List 10 002 PDF
        ("DG", None, Format.EBOOK_OTHER),
        ("BB", None, Format.HARDBACK),
        ("BC", None, Format.PAPERBACK),
        ("AJ", None, Format.AUDIOBOOK),
        ("AC", None, Format.AUDIO_CD),
    ],
)
def test_onix21_forms(form: str, epub_type: str | None, expected: Format) -> None:
    assert format_from_onix21(form, epub_type) == (expected, [])


def test_unknown_onix21_form_is_other_with_a_warning() -> None:
    fmt, [problem] = format_from_onix21("QQ", record="r1")
    assert fmt is Format.OTHER
    assert (problem.code, problem.field, problem.record) == ("unknown-product-form", "onix21ProductFormCode", "r1")


def test_digital_formats_and_labels() -> None:
    assert {f for f in Format if f.is_digital} == {Format.EBOOK_EPUB, Format.EBOOK_PDF, Format.EBOOK_OTHER,
                                                    Format.AUDIOBOOK}
    assert not Format.AUDIO_CD.is_digital
    assert Format.HARDBACK.label == "Hardback"
    assert Format.EBOOK_EPUB.label == "eBook (EPUB)"
