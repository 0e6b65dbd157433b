"""Product formats, mapped from ONIX 3.0 (Lists 150/175) and ONIX 2.1 (List 7 + EpubType), as Consonance stores."""

from __future__ import annotations

from enum import StrEnum

from bookbridge.domain.problems import Problem, warning


class Format(StrEnum):
    HARDBACK = "hardback"
    PAPERBACK = "paperback"
    EBOOK_EPUB = "ebook-epub"
    EBOOK_PDF = "ebook-pdf"
    EBOOK_OTHER = "ebook-other"
    AUDIOBOOK = "audiobook"  # downloadable or streamed audio
    AUDIO_CD = "audio-cd"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_digital(self) -> bool:
        """Digital formats are BigCommerce `type: digital`, weigh nothing and ship nothing."""
        return self in _DIGITAL

    @property
    def is_ebook(self) -> bool:
        return self in (Format.EBOOK_EPUB, Format.EBOOK_PDF, Format.EBOOK_OTHER)


def format_label(code: str) -> str:
    """A format as people read it (`eBook (EPUB)`), from its code (`ebook-epub`); an unknown code as it is."""
    try:
        return Format(code).label
    except ValueError:
        return code


_LABELS = {
    Format.HARDBACK: "Hardback",
    Format.PAPERBACK: "Paperback",
    Format.EBOOK_EPUB: "eBook (EPUB)",
    Format.EBOOK_PDF: "eBook (PDF)",
    Format.EBOOK_OTHER: "eBook",
    Format.AUDIOBOOK: "Audiobook",
    Format.AUDIO_CD: "Audio CD",
    Format.OTHER: "Other",
}
_DIGITAL = frozenset({Format.EBOOK_EPUB, Format.EBOOK_PDF, Format.EBOOK_OTHER, Format.AUDIOBOOK})

# List 150 ProductForm codes we recognise but sell as "other" (no problem raised): other book forms and the
# audio carriers (cassette, DAT, tape, MiniDisc, CD-Extra, DVD Audio, player, SD card, LP).
_KNOWN_OTHER_FORMS = frozenset(
    {"BA", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BK", "BL", "BM", "BN", "BO", "BP", "BZ", "AA", "AB", "AD", "AF",
     "AG", "AH", "AI", "AK", "AL", "AM", "AZ", "ZZ"}
)
# List 175 ProductFormDetail for e-books.
_EPUB_DETAILS = frozenset({"E101"})
_PDF_DETAILS = frozenset({"E107", "E108"})


def format_from_onix3(
    product_form: str | None, form_details: tuple[str, ...] = (), *, record: str | None = None
) -> tuple[Format, list[Problem]]:
    """Map ONIX 3.0 ProductForm (List 150) + ProductFormDetail (List 175). Never raises."""
    form = (product_form or "").strip().upper()
    details = {d.strip().upper() for d in form_details}
    if form == "BB":  # List 150: hardback
        return Format.HARDBACK, []
    if form == "BC":  # List 150: paperback / softback
        return Format.PAPERBACK, []
    if form in ("EA", "EB", "EC", "ED"):  # List 150: digital (delivery unspecified / download / online / download only)
        if details & _EPUB_DETAILS:
            return Format.EBOOK_EPUB, []
        if details & _PDF_DETAILS:
            return Format.EBOOK_PDF, []
        return Format.EBOOK_OTHER, []
    if form in ("AJ", "AN", "AO"):  # List 150: downloadable and/or streamed audio file
        return Format.AUDIOBOOK, []
    if form in ("AC", "AE"):  # List 150: CD-Audio, MP3 audio disc
        return Format.AUDIO_CD, []
    if form in _KNOWN_OTHER_FORMS or (len(form) == 2 and form[0] in "DPCFLMSVXZ"):
        return Format.OTHER, []
    return Format.OTHER, [
        warning(
            "unknown-product-form",
            f"ProductForm {product_form!r} is not a known ONIX 3.0 List 150 code; sold as 'other'",
            record=record,
            field="ProductForm",
        )
    ]


def format_from_onix21(
    product_form: str | None, epub_type: str | None = None, *, record: str | None = None
) -> tuple[Format, list[Problem]]:
    """Map ONIX 2.1 List 7 + List 10 EpubType (Consonance's `onix21ProductFormCode`). `DG` + `029` is EPUB."""
    form = (product_form or "").strip().upper()
    if form == "DG":  # List 7: electronic book text
        kind = (epub_type or "").strip()
        if kind == "029":  # List 10: EPUB
            return Format.EBOOK_EPUB, []
        if kind == "002":  # List 10: PDF
            return Format.EBOOK_PDF, []
        return Format.EBOOK_OTHER, []
    if form in ("BB", "BC", "AJ", "AC", "AE", "AN", "AO"):
        return format_from_onix3(form, record=record)
    if form in ("BA", "BZ", "AA", "AZ", "ZZ", "DB", "DC", "DE", "DF", "DH", "DI", "DZ"):
        return Format.OTHER, []
    return Format.OTHER, [
        warning(
            "unknown-product-form",
            f"ONIX 2.1 product form {product_form!r} is not a known List 7 code; sold as 'other'",
            record=record,
            field="onix21ProductFormCode",
        )
    ]
