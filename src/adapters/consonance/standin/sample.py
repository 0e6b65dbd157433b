"""Catalogues for the stand-in: the packaged sample JSON and a synthetic generator for volume tests."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from stdnum import ean

from bookbridge.adapters.consonance.standin.dataset import ConsonanceData
from bookbridge.adapters.consonance.standin.records import Contact, Contribution, Imprint, Price, Product, Work

SAMPLE_CATALOGUE = Path(__file__).with_name("sample_catalogue.json")

# (typename, ONIX 2.1 List 7 form, EPUB type) for the formats a synthetic work cycles through.
_FORMATS = (
    ("PhysicalBookProduct", "BB", None),
    ("PhysicalBookProduct", "BC", None),
    ("ElectronicBookProduct", "DG", "029"),
    ("ElectronicAudioProduct", "AJ", None),
)


def synthetic_isbn13(n: int) -> str:
    """A valid ISBN-13 in the 978-1-9999 block (an unassigned-looking range), numbered by n."""
    stem = f"97819999{n:04d}"
    return stem + ean.calc_check_digit(stem)


def synthetic_catalogue(works: int, *, changed_at: date, formats_per_work: int = 2) -> ConsonanceData:
    """`works` works with ids 1..works, products numbered 1000 + 10*work + i, all changed on `changed_at`.

    Work n is published n days after `changed_at`, so dates differ without any clock.
    """
    if not 1 <= formats_per_work <= len(_FORMATS):
        raise ValueError(f"formats_per_work must be within 1..{len(_FORMATS)}")
    data = ConsonanceData(
        imprints=[Imprint(1, "Synthetic Press")],
        contacts=[Contact(1, "person", "Ada Example", key_names="Example")],
    )
    for n in range(1, works + 1):
        products = tuple(
            Product(
                id=1000 + 10 * n + i,
                changed_at=changed_at,
                typename=typename,
                onix21_product_form_code=form,
                onix21_epub_type_code=epub,
                full_title=f"Synthetic Title {n}",
                isbn13=synthetic_isbn13(10 * n + i),
                onix_publishing_status_code="04",
                publication_date=changed_at + timedelta(days=n),
                is_for_sale_worldwide=True,
                prices=(
                    Price(
                        id=100 * n + i,
                        amount=9.99 + i,
                        currency_code="GBP",
                        onix_price_type_code="02",
                        onix_price_type_qualifier_code="05",
                    ),
                ),
            )
            for i, (typename, form, epub) in enumerate(_FORMATS[:formats_per_work])
        )
        data.add_work(
            Work(
                id=n,
                changed_at=changed_at,
                title=f"Synthetic Title {n}",
                imprint_id=1,
                products=products,
                contributions=(Contribution(id=n, contact_id=1, onix_contributor_role_code="A01"),),
            )
        )
    return data
