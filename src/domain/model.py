"""The book trade's data: title families, editions and their composites.

Codes are kept as ONIX code-list strings (List 17 roles, List 58 price types, ...), so that nothing a
source says is lost; the rules in lifecycle.py, pricing.py and rights.py interpret them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bookbridge.domain.formats import Format
from bookbridge.domain.isbn import ISBN13
from bookbridge.domain.territory import Territory

# A date is a whole day in the storefront's time zone; a datetime (with offset) is an exact instant.
DateOrInstant = date | datetime


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Contributor(Frozen):
    role: str  # List 17, e.g. A01 author, B06 translator, E07 reader
    name: str
    sequence: int = 1
    name_inverted: str | None = None
    biography: str | None = None  # HTML allowed
    corporate: bool = False  # a corporate name (ONIX CorporateName; Consonance Organisation), not a person
    unnamed: str | None = None  # List 19 UnnamedPersons (02 anonymous, 04 various, ...): `name` stands in for it


class SeriesMembership(Frozen):
    name: str
    number: str | None = None  # PartNumber / CollectionSequenceNumber


class SubjectScheme(StrEnum):
    THEMA = "thema"
    BISAC = "bisac"
    BIC = "bic"
    KEYWORDS = "keywords"
    OTHER = "other"


class Subject(Frozen):
    scheme: SubjectScheme
    code: str
    label: str | None = None
    main: bool = False


class Dimensions(Frozen):
    """One value per measure, in mm and grams, even when the source repeats it in cm and inches."""

    height_mm: Decimal | None = None
    width_mm: Decimal | None = None
    thickness_mm: Decimal | None = None
    weight_g: Decimal | None = None


class PriceRow(Frozen):
    """One ONIX Price composite (or Consonance Price)."""

    amount: Decimal = Field(ge=0)
    currency: str  # ISO 4217
    price_type: str = "02"  # List 58
    qualifier: str | None = None  # List 59: 05 consumer, 08 promotional, 17 introductory
    territory: Territory | None = None  # None: wherever the edition's market/rights say
    valid_from: DateOrInstant | None = None  # List 173 role 14 (inclusive)
    valid_until: DateOrInstant | None = None  # List 173 role 15 (inclusive)


class SalesRestriction(Frozen):
    """List 71 SalesRestrictionType, with the outlets it names and its optional window."""

    type: str
    outlets: tuple[str, ...] = ()
    note: str | None = None
    start: date | None = None
    end: date | None = None


class SalesRights(Frozen):
    """List 46 SalesRightsType over one Territory."""

    type: str
    territory: Territory
    restrictions: tuple[SalesRestriction, ...] = ()


class Rights(Frozen):
    sales_rights: tuple[SalesRights, ...] = ()
    row_type: str | None = None  # ROWSalesRightsType (List 46)
    restrictions: tuple[SalesRestriction, ...] = ()  # block-4 level (pre-3.0.2 placement)


class ResourceKind(StrEnum):
    FRONT_COVER = "front-cover"  # List 158: 01
    BACK_COVER = "back-cover"  # 02
    AUTHOR_PHOTO = "author-photo"  # 04
    SAMPLE = "sample"  # 15
    OTHER = "other"

    @property
    def words(self) -> str:
        """The asset in words, as docs/glossary.md says it (`front cover`); the code is for JSON."""
        return "other asset" if self is ResourceKind.OTHER else self.value.replace("-", " ")


class SupportingResource(Frozen):
    kind: ResourceKind
    url: str
    mime_type: str | None = None
    size_bytes: int | None = None
    width_px: int | None = None
    height_px: int | None = None
    md5: str | None = None
    sha256: str | None = None
    caption: str | None = None
    approved: bool = True
    code: str | None = None  # the source's List 158 ResourceContentType (`kind` is what bookbridge makes of it)

    @property
    def checksum(self) -> str | None:
        return self.sha256 or self.md5


class TextKind(StrEnum):
    DESCRIPTION = "description"  # List 153: 03
    SHORT_DESCRIPTION = "short-description"  # 02
    TOC = "toc"  # 04
    REVIEW = "review"  # 06
    ENDORSEMENT = "endorsement"  # 09
    BIOGRAPHY = "biography"  # 12
    EXCERPT = "excerpt"  # 14
    PROMOTIONAL = "promotional"  # 10 headline, jacket copy
    OTHER = "other"

    @property
    def words(self) -> str:
        """The text in words, as docs/glossary.md says it (`short description`); the code is for JSON."""
        return TEXT_WORDS.get(self, self.value.replace("-", " "))


TEXT_WORDS = {TextKind.TOC: "table of contents", TextKind.PROMOTIONAL: "promotional text", TextKind.OTHER: "other text"}


class TextContent(Frozen):
    kind: TextKind
    text: str  # HTML
    approved: bool = True  # only end-customer (List 154: 00/03) and approved texts reach the store
    code: str | None = None  # the source's List 153 TextType (`kind` is what bookbridge makes of it)


class Milestones(Frozen):
    """Workflow facts the source knows about; used for milestone detection."""

    metadata_locked: bool = False
    final_approval: bool = False
    publication_date_confirmed: bool = False


class Edition(Frozen):
    """One ISBN: a format of a title family."""

    isbn: ISBN13
    record_reference: str | None = None
    family_id: str
    format: Format
    form_code: str | None = None  # the source's raw ProductForm (List 150 or 2.1 List 7)
    form_details: tuple[str, ...] = ()
    title: str
    subtitle: str | None = None
    contributors: tuple[Contributor, ...] = ()
    series: SeriesMembership | None = None
    imprint: str | None = None
    publisher: str | None = None
    texts: tuple[TextContent, ...] = ()
    subjects: tuple[Subject, ...] = ()
    dimensions: Dimensions = Dimensions()
    page_count: int | None = None
    duration_minutes: int | None = None  # audio: Extent 09
    publication_date: DateOrInstant | None = None  # List 163: 01
    sales_embargo: DateOrInstant | None = None  # List 163: 02 / List 166: 02
    preorder_embargo: DateOrInstant | None = None  # List 163: 27
    announcement_date: DateOrInstant | None = None  # List 163: 09
    expected_availability: DateOrInstant | None = None  # List 166: 08
    publishing_status: str | None = None  # List 64
    availability: str | None = None  # List 65
    prices: tuple[PriceRow, ...] = ()
    rights: Rights = Rights()
    resources: tuple[SupportingResource, ...] = ()
    related_isbns: tuple[ISBN13, ...] = ()
    milestones: Milestones = Milestones()
    stock: int | None = None
    delisted: bool = False  # ONIX NotificationType 05: delist, never destroy

    @property
    def display_title(self) -> str:
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title

    def text(self, kind: TextKind) -> str | None:
        return next((t.text for t in self.texts if t.kind is kind and t.approved and t.text.strip()), None)

    def resource(self, kind: ResourceKind) -> SupportingResource | None:
        return next((r for r in self.resources if r.kind is kind and r.approved), None)

    @property
    def authors(self) -> tuple[Contributor, ...]:
        return tuple(sorted((c for c in self.contributors if c.role.startswith("A")), key=lambda c: c.sequence))


class TitleFamily(Frozen):
    """A work: the editions (one ISBN each) that share content."""

    id: str
    title: str
    editions: tuple[Edition, ...]

    def edition(self, isbn: str) -> Edition | None:
        return next((e for e in self.editions if e.isbn == isbn), None)
