"""The ONIX 3.0 code-list values the mapping interprets (EDItEUR code lists, Issue 75)."""

from __future__ import annotations

from decimal import Decimal

from bookbridge.domain.model import ResourceKind, SubjectScheme, TextKind

REFERENCE_NAMESPACE = "http://ns.editeur.org/onix/3.0/reference"
SHORT_NAMESPACE = "http://ns.editeur.org/onix/3.0/short"

# List 1 NotificationType.
FULL_RECORDS = frozenset({"01", "02", "03"})  # early, advance, confirmed: a whole record
BLOCK_UPDATE = "04"
DELETE = "05"
TEST_RECORDS = frozenset({"88", "89"})
NOTIFICATION_TYPES = FULL_RECORDS | {BLOCK_UPDATE, DELETE, "08", "09"} | TEST_RECORDS

# The six replaceable blocks of a Product (ONIX 3.0 §P.1–P.6); a 04 record replaces only those it sends.
BLOCKS = ("DescriptiveDetail", "CollateralDetail", "ContentDetail", "PublishingDetail", "RelatedMaterial",
          "ProductSupply")

# List 5 ProductIDType: 15 ISBN-13 preferred, 03 GTIN-13 (the same 13 digits for a book) as fallback.
ISBN_ID_TYPES = ("15", "03")

# List 64 PublishingStatus, List 65 ProductAvailability, List 46 SalesRightsType: values we accept.
PUBLISHING_STATUSES = frozenset(f"{n:02d}" for n in (*range(0, 13), 13, 15, 16, 17, 18))
AVAILABILITIES = frozenset(
    {"01", "09", "10", "11", "12", "20", "21", "22", "23", "30", "31", "32", "33", "34",
     *(f"{n}" for n in range(40, 53)), "97", "98", "99"}
)
SALES_RIGHTS_TYPES = frozenset({"00", "01", "02", "03", "04", "05", "06", "07", "08"})
DEPRECATED_SALES_RIGHTS_TYPES = frozenset({"07", "08"})  # List 46: "sales restriction applies", deprecated
# List 71 SalesRestrictionType.
SALES_RESTRICTION_TYPES = frozenset(
    {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17",
     "18", "19", "20", "21", "22", "23", "24", "25", "26", "99"}
)
# List 58 PriceType (those in Issue 75).
PRICE_TYPES = frozenset(
    {"01", "02", "03", "04", "05", "06", "07", "08", "09", "11", "12", "13", "14", "15", "16", "17", "21", "22",
     "23", "24", "25", "26", "27", "31", "32", "33", "34", "35", "36", "37", "41", "42"}
)

# List 163 PublishingDateRole -> Edition field.
PUBLISHING_DATE_FIELDS = {
    "01": "publication_date",
    "02": "sales_embargo",
    "09": "announcement_date",
    "27": "preorder_embargo",
}
# List 166 SupplyDateRole.
SUPPLY_SALES_EMBARGO = "02"
SUPPLY_EXPECTED_AVAILABILITY = "08"
# List 173 PriceDateRole.
PRICE_FROM, PRICE_UNTIL, PRICE_FROM_UNTIL = "14", "15", "24"

# List 154 ContentAudience: only unrestricted (00) and end-customer (03) content reaches the storefront.
DISPLAY_AUDIENCES = frozenset({"00", "03"})

# List 153 TextType.
TEXT_KINDS = {
    "02": TextKind.SHORT_DESCRIPTION,
    "03": TextKind.DESCRIPTION,
    "04": TextKind.TOC,
    "06": TextKind.REVIEW,
    "09": TextKind.ENDORSEMENT,
    "10": TextKind.PROMOTIONAL,
    "12": TextKind.BIOGRAPHY,
    "14": TextKind.EXCERPT,
}

# List 158 ResourceContentType.
RESOURCE_KINDS = {
    "01": ResourceKind.FRONT_COVER,
    "02": ResourceKind.BACK_COVER,
    "04": ResourceKind.AUTHOR_PHOTO,
    "15": ResourceKind.SAMPLE,
}
# List 160 ResourceFeatureType 02: caption. List 162 ResourceVersionFeatureType:
FEATURE_CAPTION = "02"
VERSION_FORMAT, VERSION_HEIGHT, VERSION_WIDTH = "01", "02", "03"
VERSION_MD5, VERSION_BYTES, VERSION_SHA256 = "06", "07", "08"
# List 178 SupportingResourceFileFormat -> MIME type.
FILE_FORMAT_MIME = {
    "A103": "audio/mpeg",
    "A107": "audio/aac",
    "D401": "application/pdf",
    "D501": "image/gif",
    "D502": "image/jpeg",
    "D503": "image/png",
    "D504": "image/tiff",
    "D507": "image/webp",
    "E101": "application/epub+zip",
    "E105": "text/html",
}

# List 27 SubjectSchemeIdentifier.
SUBJECT_SCHEMES = {
    **{str(n): SubjectScheme.THEMA for n in range(93, 100)},  # Thema subject (93) and qualifiers (94–99)
    "10": SubjectScheme.BISAC,
    "12": SubjectScheme.BIC,
    "20": SubjectScheme.KEYWORDS,
}

# List 48 MeasureType -> Dimensions field: 01/02 height and width, else 04/05 page trim height and width; 03
# thickness, 08 unit weight. List 50 units -> factor to mm or grams.
MEASURE_FIELDS = {"01": "height_mm", "02": "width_mm", "04": "height_mm", "05": "width_mm", "03": "thickness_mm",
                  "08": "weight_g"}
MEASURE_PREFERENCE = ("01", "02", "04", "05", "03", "08")
PREFERRED_UNIT = {"height_mm": "mm", "width_mm": "mm", "thickness_mm": "mm", "weight_g": "gr"}
LENGTH_TO_MM = {"mm": Decimal(1), "cm": Decimal(10), "in": Decimal("25.4")}
WEIGHT_TO_G = {"gr": Decimal(1), "kg": Decimal(1000), "oz": Decimal("28.349523125"), "lb": Decimal("453.59237")}

# List 23 ExtentType for the page count, in order of preference: main content, content, production, numbered,
# and for an e-publication without fixed pages, the pages of its print counterpart (08).
PAGE_EXTENTS = ("00", "11", "06", "05", "08")
PAGES_UNIT = "03"  # List 24
DURATION_EXTENT = "09"
# List 24 duration units: 04 hours, 05 minutes, 06 seconds, 15 HHHMM, 16 HHHMMSS.
DURATION_UNITS = frozenset({"04", "05", "06", "15", "16"})

# List 19 UnnamedPersons -> the words a byline uses for them ("by A and others", "by Anonymous").
UNNAMED_NAMES = {"01": "Unknown", "02": "Anonymous", "03": "others", "04": "Various", "05": "Synthesised voice",
                 "06": "Synthesised voice", "07": "Synthesised voice", "08": "Synthesised voice", "09": "AI"}

# List 51 ProductRelationCode: alternative format (06), e-publication based on (13), e-version available as (27).
ALTERNATIVE_FORMAT_RELATIONS = frozenset({"06", "13", "27"})
# List 164 WorkRelationCode 01: manifestation of.
MANIFESTATION_OF = "01"
