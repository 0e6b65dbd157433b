from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from bookbridge.domain.isbn import ISBN13, InvalidISBN, parse_isbn
from strategies import isbn13s


@pytest.mark.parametrize("raw", ["978-0-00-723283-3", "978 0 00 723283 3", " 9780007232833 ", "9780007232833"])
def test_hyphens_and_spaces_are_accepted(raw: str) -> None:
    assert ISBN13(raw) == "9780007232833"


@pytest.mark.parametrize(("isbn10", "isbn13"), [("0-00-723283-7", "9780007232833"),
                                               ("0-306-40615-2", "9780306406157"),
                                               ("080442957X", "9780804429573")])
def test_isbn10_is_converted_to_isbn13(isbn10: str, isbn13: str) -> None:
    assert ISBN13(isbn10) == isbn13


@pytest.mark.parametrize("bad", ["9780007232834", "0-00-723283-8", "978000723283", "97800072328333", "abc", ""])
def test_bad_isbns_are_rejected_naming_the_value(bad: str) -> None:
    with pytest.raises(InvalidISBN) as caught:
        ISBN13(bad)
    assert repr(bad) in str(caught.value)
    assert caught.value.value == bad


def test_a_13_digit_number_outside_bookland_is_not_an_isbn() -> None:
    # List 5: 15 ISBN-13 is a GTIN-13 with the 978/979 prefix; 501... is a valid EAN but not an ISBN.
    with pytest.raises(InvalidISBN):
        ISBN13("5012345678900")


@pytest.mark.parametrize(("bad", "reason"), [
    ("9780007232834", "its check digit is wrong"),
    ("0-00-723283-8", "its check digit is wrong"),
    ("978000723283", "an ISBN has 10 or 13 digits; this has 12"),
    ("97800072328333", "an ISBN has 10 or 13 digits; this has 14"),
    ("9780X07232833", "an ISBN is made of digits (an ISBN-10 may end in X); this has other characters"),
    ("abc", "an ISBN is made of digits (an ISBN-10 may end in X); this has other characters"),
    ("5012345678900", "it does not start with 978 or 979 (a barcode of something other than a book)"),
])
def test_each_reason_to_refuse_is_said_in_the_projects_words(bad: str, reason: str) -> None:
    """One wording per reason python-stdnum gives, never its own ("one of the parts of the number are invalid")."""
    with pytest.raises(InvalidISBN) as caught:
        ISBN13(bad)
    assert caught.value.reason == reason
    assert str(caught.value) == f"invalid ISBN {bad!r}: {reason}"


def test_non_string_is_rejected() -> None:
    with pytest.raises(InvalidISBN, match="expected a string"):
        ISBN13(9780007232833)  # type: ignore[arg-type]


def test_gtin_equals_the_isbn13() -> None:
    isbn = parse_isbn("0-00-723283-7")
    assert isbn.gtin == "9780007232833"
    assert isbn.hyphenated == "978-0-00-723283-3"


def test_pydantic_fields_validate_and_serialise_as_plain_digits() -> None:
    class Holder(BaseModel):
        isbn: ISBN13

    held = Holder(isbn="0-00-723283-7")  # type: ignore[arg-type]
    assert isinstance(held.isbn, ISBN13)
    assert held.model_dump(mode="json") == {"isbn": "9780007232833"}
    with pytest.raises(ValueError, match="9780007232834"):
        Holder(isbn="9780007232834")  # type: ignore[arg-type]


@given(isbn13s())
def test_every_generated_isbn_round_trips(isbn: ISBN13) -> None:
    assert ISBN13(isbn.hyphenated) == isbn
    assert len(isbn) == 13 and isbn[:3] in ("978", "979")


STDNUM_REASONS = {InvalidChecksum: "its check digit is wrong", InvalidComponent: "it does not start with 978 or 979 "
                  "(a barcode of something other than a book)",
                  InvalidFormat: "an ISBN is made of digits (an ISBN-10 may end in X); this has other characters"}


def _by_stdnum(raw: str) -> str:
    """What python-stdnum alone makes of a string: the ISBN-13, or the reason ISBN13 gives for refusing it."""
    try:
        compact = stdnum_isbn.validate(raw.strip())
    except StdnumError as exc:  # each of its reasons, in the project's words
        if isinstance(exc, InvalidLength):
            return f"invalid: an ISBN has 10 or 13 digits; this has {len(stdnum_isbn.compact(raw.strip()))}"
        return "invalid: " + STDNUM_REASONS[type(exc)]
    return stdnum_isbn.to_isbn13(compact) if len(compact) == 10 else compact


def _near_isbns() -> st.SearchStrategy[str]:
    """ISBN-13s and strings a digit, a prefix or a character away: the shortcut before stdnum must accept exactly
    the plain 13-digit ones stdnum accepts, and leave everything else (Unicode digits, dashes, ISBN-10) to it."""
    valid = isbn13s().map(str)
    edited = st.builds(lambda s, i, c: s[:i] + c + s[i + 1:], valid, st.integers(0, 12),
                       st.sampled_from([*"0123456789", "X", "-", " ", "٣", "３", "\u2013"]))
    digits = st.text(alphabet="0123456789", min_size=12, max_size=14)
    bookland = st.builds(lambda p, s: p + s, st.sampled_from(["978", "979", "977", "980"]),
                         st.text(alphabet="0123456789", min_size=10, max_size=10))
    return st.one_of(valid, edited, digits, bookland, st.text(max_size=16))


@example("9780007232833")
@example("9790000000001")
@example("978000723283３")
@example("0-00-723283-7")
@given(_near_isbns())
def test_isbn13_accepts_and_refuses_as_python_stdnum_does(raw: str) -> None:
    expected = _by_stdnum(raw)
    try:
        got = str(ISBN13(raw))
    except InvalidISBN as exc:
        got = "invalid: " + exc.reason
    if not raw.strip():
        assert got == "invalid: empty"
    else:
        assert got == expected
