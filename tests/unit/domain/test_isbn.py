from __future__ import annotations

import pytest
from hypothesis import given
from pydantic import BaseModel

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
