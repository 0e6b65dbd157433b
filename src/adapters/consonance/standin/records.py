"""The stand-in's catalogue records: what a Consonance tenant holds, as frozen dataclasses.

Field names are the snake_case forms of the GraphQL field names in `schema.graphql`
(`fullTitle` → `full_title`), so the resolvers can find most fields by name alone.
Sources are Consonance's GraphQL field catalogue, its REST fields and the ONIX it exports (docs/mapping.md);
ASSUMPTION marks what Consonance does not document.

`changed_at` is what `changedSince` compares against (date granularity). Works and
products must carry one; nested records may, and their change rolls up to their owner
(see `ConsonanceData.product_changed_on` / `work_changed_on`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Consonance: Product is an interface with these concrete types (GenericProduct is the catch-all).
PRODUCT_TYPENAMES = frozenset(
    {
        "PhysicalBookProduct",
        "ElectronicBookProduct",
        "ElectronicAudioProduct",
        "PhysicalAudioProduct",
        "GenericProduct",
    }
)

# ASSUMPTION: the values of the stand-in's MetadataStatus enum (schema.graphql).
METADATA_STATUSES = frozenset({"DRAFT", "IN_REVIEW", "APPROVED"})


@dataclass(frozen=True)
class Imprint:
    id: int
    name: str


@dataclass(frozen=True)
class Series:
    id: int
    name: str
    subtitle: str | None = None


@dataclass(frozen=True)
class Contact:
    """`Contact` is `Person | Organisation` in Consonance; `kind` picks the GraphQL type."""

    id: int
    kind: str  # "person" | "organisation"
    name: str
    key_names: str | None = None
    names_before_key: str | None = None
    person_name_inverted: str | None = None
    # ASSUMPTION: the GraphQL name; Consonance's ONIX carries a BiographicalNote per contributor.
    biography: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("person", "organisation"):
            raise ValueError(f"contact {self.id}: kind must be 'person' or 'organisation', not {self.kind!r}")


@dataclass(frozen=True)
class Price:
    id: int
    amount: float
    currency_code: str  # ISO 4217 (List 96)
    onix_price_type_code: str  # List 58, e.g. "01" RRP ex tax, "02" RRP inc tax
    onix_price_type_qualifier_code: str | None = None  # List 59, e.g. "05" consumer
    effective_from: date | None = None
    effective_to: date | None = None
    label: str | None = None
    changed_at: date | None = None


@dataclass(frozen=True)
class MarketingText:
    id: int
    variant: str  # the `variantIn` enum value, e.g. SHORT_DESCRIPTION (full enum ASSUMED)
    external_text: str
    approval_status: str | None = None  # ASSUMPTION: values such as "approved" / "draft"
    from_date: date | None = None  # embargo
    language: str | None = None  # List 74
    product_ids: tuple[int, ...] = ()  # empty = applies to every product of the work (ASSUMPTION)
    changed_at: date | None = None


@dataclass(frozen=True)
class SupportingResource:
    id: int
    url: str
    caption: str | None = None
    # ASSUMPTION: field name; the value is ONIX List 158 (01 front cover, 04 contributor picture…).
    onix_resource_content_type_code: str = "01"
    image_content_type: str | None = None  # mime type
    file_size: int | None = None  # bytes
    height: int | None = None  # px
    width: int | None = None  # px; ASSUMPTION: the docs list height and aspectRatio only
    filename: str | None = None
    product_ids: tuple[int, ...] = ()
    changed_at: date | None = None


@dataclass(frozen=True)
class Contribution:
    id: int
    contact_id: int
    onix_contributor_role_code: str  # List 17, e.g. A01 author, E07 read by
    sequence_number: int = 1
    product_ids: tuple[int, ...] = ()
    changed_at: date | None = None


@dataclass(frozen=True)
class SeriesMembership:
    series_id: int
    part_number: str | None = None
    changed_at: date | None = None


@dataclass(frozen=True)
class SubjectCode:
    scheme: str  # BIC | THEMA | BISAC (Consonance's `subjectCodes(schemesIn:)`)
    code: str
    description: str | None = None
    is_main: bool = False
    parent_code: str | None = None  # Thema only


@dataclass(frozen=True)
class Product:
    id: int
    changed_at: date
    typename: str  # one of PRODUCT_TYPENAMES
    onix21_product_form_code: str  # ONIX 2.1 List 7: BB, BC, DG, AJ, AC…
    full_title: str
    isbn13: str | None = None  # None = no ISBN assigned
    title_prefix: str | None = None
    title_without_prefix: str | None = None
    subtitle: str | None = None
    # ASSUMPTION: field name. EPUB type (ONIX 2.1 List 10: 029 EPUB, 002 PDF) for DG products.
    onix21_epub_type_code: str | None = None
    onix_publishing_status_code: str | None = None  # List 64: 02 forthcoming, 04 active, 07 OOP…
    publication_date: date | None = None
    planned_publication_date: date | None = None
    out_of_print_date: date | None = None  # Consonance's REST `out_of_print_date`; GraphQL name ASSUMED
    sales_embargo_date: date | None = None  # ASSUMPTION: ONIX PublishingDate role 02
    for_sale_country_codes: tuple[str, ...] = ()
    not_for_sale_country_codes: tuple[str, ...] = ()
    sales_rights_description: str | None = None
    is_for_sale_worldwide: bool = False
    allow_onix_exports: bool = True  # documented on ElectronicBookProduct ("approved for inclusion in ONIX")
    metadata_status: str = "APPROVED"  # ASSUMPTION: an approval flag; DRAFT | IN_REVIEW | APPROVED
    updated_at: datetime | None = None  # ASSUMPTION: a finer-grained change stamp
    # PhysicalBookProduct, stored in mm / g; the resolver converts units.
    product_height_mm: float | None = None
    product_width_mm: float | None = None
    product_thickness_mm: float | None = None
    weight_g: float | None = None  # ASSUMPTION: ONIX Measure 08 unit weight
    approximate_page_count: int | None = None
    production_page_count: int | None = None
    absolute_page_count: int | None = None  # ElectronicBookProduct
    # Audio products. ASSUMPTION: field name; ONIX Extent 09 (duration) in minutes.
    duration_minutes: int | None = None
    prices: tuple[Price, ...] = ()

    def __post_init__(self) -> None:
        if self.typename not in PRODUCT_TYPENAMES:
            raise ValueError(f"product {self.id}: unknown typename {self.typename!r}")
        if self.metadata_status not in METADATA_STATUSES:
            raise ValueError(f"product {self.id}: metadata_status must be one of {sorted(METADATA_STATUSES)}")


@dataclass(frozen=True)
class Work:
    id: int
    changed_at: date
    title: str
    subtitle: str | None = None
    contributor_pretty_list: str | None = None
    edition_number: int | None = None
    edition_statement: str | None = None
    publishers_url: str | None = None
    lc_subject_heading: str | None = None  # Library of Congress subject heading, held on the work (examples)
    imprint_id: int | None = None
    updated_at: datetime | None = None  # ASSUMPTION, as on Product
    products: tuple[Product, ...] = ()
    contributions: tuple[Contribution, ...] = ()
    series_memberships: tuple[SeriesMembership, ...] = ()
    supporting_resources: tuple[SupportingResource, ...] = ()
    marketing_texts: tuple[MarketingText, ...] = ()
    subject_codes: tuple[SubjectCode, ...] = field(default=())
