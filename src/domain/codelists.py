"""The meanings of the ONIX code-list values that bookbridge keeps on its models and shows to people.

Short factual labels after EDItEUR's code list names (ONIX for Books code lists, Issue 75), for the lists an
edition carries: a code outside these tables is shown bare. Used by the credits (List 17) and by inspection.
"""

from __future__ import annotations

from collections.abc import Mapping

# List 17 ContributorRole: the roles a credit or the contributors field names.
CONTRIBUTOR_ROLES: Mapping[str, str] = {
    "A01": "Author", "A02": "With", "A03": "Screenplay", "A04": "Libretto", "A05": "Lyrics", "A06": "Composer",
    "A07": "Artist", "A08": "Photographer", "A09": "Created by", "A10": "From an idea by", "A11": "Designer",
    "A12": "Illustrator", "A13": "Photographs", "A14": "Text", "A15": "Preface", "A16": "Prologue",
    "A17": "Summary", "A18": "Supplement", "A19": "Afterword", "A20": "Notes", "A21": "Commentary",
    "A22": "Epilogue", "A23": "Foreword", "A24": "Introduction", "A25": "Footnotes", "A26": "Memoir",
    "A29": "Introduction and notes", "A32": "Contributor", "A33": "Appendix", "A34": "Index", "A35": "Drawings",
    "A36": "Cover design", "A38": "Original author", "A39": "Maps", "A43": "Interviewer", "A44": "Interviewee",
    "A45": "Comic script", "A99": "Other primary creator",
    "B01": "Editor", "B02": "Reviser", "B03": "Retold by", "B04": "Abridger", "B05": "Adapter", "B06": "Translator",
    "B07": "As told by", "B08": "Translator with commentary", "B09": "Series editor", "B10": "Editor and translator",
    "B11": "Editor-in-chief", "B12": "Guest editor", "B13": "Volume editor", "B21": "General editor",
    "B99": "Other adaptation",
    "D01": "Producer", "D02": "Director", "E01": "Actor", "E07": "Narrator", "E08": "Performer", "Z99": "Other",
}

# List 19 UnnamedPersons: what stands for a name that is not given.
UNNAMED_PERSONS: Mapping[str, str] = {
    "01": "Unknown", "02": "Anonymous", "03": "et al.", "04": "Various", "05": "Synthesised voice (male)",
    "06": "Synthesised voice (female)", "07": "Synthesised voice", "08": "Synthesised voice (based on a real voice)",
    "09": "AI",
}

# List 64 PublishingStatus.
PUBLISHING_STATUS: Mapping[str, str] = {
    "00": "Unspecified", "01": "Cancelled", "02": "Forthcoming", "03": "Postponed indefinitely", "04": "Active",
    "05": "No longer our product", "06": "Out of stock indefinitely", "07": "Out of print", "08": "Inactive",
    "09": "Unknown", "10": "Remaindered", "11": "Withdrawn from sale", "12": "Recalled", "13": "Active, but not sold "
    "separately", "15": "Recalled", "16": "Temporarily withdrawn from sale", "17": "Permanently withdrawn from sale",
    "18": "Active, but not sold as set",
}

# List 65 ProductAvailability.
AVAILABILITY: Mapping[str, str] = {
    "01": "Cancelled", "09": "Not yet available, postponed indefinitely", "10": "Not yet available",
    "11": "Awaiting stock", "12": "Not yet available, will be POD", "20": "Available", "21": "In stock",
    "22": "To order", "23": "POD", "30": "Temporarily unavailable", "31": "Out of stock", "32": "Reprinting",
    "33": "Awaiting reissue", "34": "Temporarily withdrawn from sale", "40": "Not available (reason unspecified)",
    "41": "Not available, replaced by new product", "42": "Not available, other format available",
    "43": "No longer supplied by us", "44": "Apply direct", "45": "Not sold separately", "46": "Withdrawn from sale",
    "47": "Remaindered", "48": "Not available, replaced by POD", "49": "Recalled", "50": "Not sold as set",
    "51": "Not available, publisher indicates OP", "52": "Not available, publisher no longer sells in this market",
    "97": "No recent update received", "98": "No longer receiving updates", "99": "Contact supplier",
}

# List 58 PriceType.
PRICE_TYPES: Mapping[str, str] = {
    "01": "RRP excluding tax", "02": "RRP including tax", "03": "FRP excluding tax", "04": "FRP including tax",
    "05": "Supplier's net price excluding tax", "06": "Supplier's net price excluding tax: rental goods",
    "07": "Supplier's net price including tax", "08": "Supplier's alternative net price excluding tax",
    "09": "Supplier's alternative net price including tax", "11": "Special sale RRP excluding tax",
    "12": "Special sale RRP including tax", "13": "Special sale FRP excluding tax",
    "14": "Special sale FRP including tax", "41": "Pre-publication RRP excluding tax",
    "42": "Pre-publication RRP including tax",
}

# List 59 PriceTypeQualifier.
PRICE_QUALIFIERS: Mapping[str, str] = {
    "00": "Unqualified price", "01": "Member/subscriber price", "02": "Export price", "03": "Reduced price on "
    "combined order", "04": "Voucher price", "05": "Consumer price", "06": "Corporate price",
    "07": "Reserved use price", "08": "Promotional offer price", "09": "Consignment price",
    "10": "Library price", "11": "Education price", "12": "Government price", "17": "Introductory price",
}

# List 46 SalesRightsType.
SALES_RIGHTS: Mapping[str, str] = {
    "00": "Sales rights unknown", "01": "For sale with exclusive rights", "02": "For sale with non-exclusive rights",
    "03": "Not for sale", "04": "Not for sale (publisher holds exclusive rights)",
    "05": "Not for sale (publisher holds non-exclusive rights)", "06": "Not for sale (rights held by another "
    "publisher)", "07": "For sale with exclusive rights, restrictions apply", "08": "For sale with non-exclusive "
    "rights, restrictions apply",
}

# List 27 SubjectSchemeIdentifier (those outside Thema, BISAC, BIC and keywords that feeds send most).
SUBJECT_SCHEME_NAMES: Mapping[str, str] = {
    "01": "Dewey", "02": "Abridged Dewey", "03": "LC classification", "04": "LC subject heading",
    "05": "NLM classification", "06": "MeSH heading", "07": "NAL subject heading", "08": "AAT", "09": "UDC",
    "10": "BISAC Subject Heading", "11": "BISAC region code", "12": "BIC subject category",
    "13": "BIC geographical qualifier", "14": "BIC language qualifier (language as subject)",
    "15": "BIC time period qualifier", "16": "BIC educational purpose qualifier",
    "17": "BIC reading level and special interest qualifier", "19": "LC fiction genre heading", "20": "Keywords",
    "21": "BIC children's book marketing category", "22": "BISAC Merchandising Theme",
    "23": "Publisher's own category code", "24": "Proprietary subject scheme",
    "93": "Thema subject category", "94": "Thema place qualifier", "95": "Thema language qualifier",
    "96": "Thema time period qualifier", "97": "Thema educational purpose qualifier",
    "98": "Thema interest age / special interest qualifier", "99": "Thema style qualifier",
}

# List 48 MeasureType.
MEASURE_TYPES: Mapping[str, str] = {
    "01": "Height", "02": "Width", "03": "Thickness", "04": "Page trim height", "05": "Page trim width",
    "08": "Unit weight", "09": "Diameter",
}

# List 23 ExtentType (those the mapping reads).
EXTENT_TYPES: Mapping[str, str] = {
    "00": "Main content page count", "05": "Total numbered pages", "06": "Production page count",
    "08": "Pages in print counterpart", "09": "Duration", "10": "Notional number of pages", "11": "Content page count",
}

# List 153 TextType.
TEXT_TYPES: Mapping[str, str] = {
    "01": "Sender-defined text", "02": "Short description", "03": "Description", "04": "Table of contents",
    "05": "Primary cover copy", "06": "Review quote", "07": "Review quote: previous edition",
    "08": "Review quote: previous work", "09": "Endorsement", "10": "Promotional headline", "11": "Feature",
    "12": "Biographical note", "13": "Publisher's notice", "14": "Excerpt", "15": "Index",
    "16": "Short description for collection", "17": "Description for collection", "18": "New feature",
    "19": "Version history", "20": "Open access statement", "21": "Digital exclusivity statement",
    "22": "Official recommendation", "23": "JBClub description", "24": "schema.org snippet", "25": "Errata",
    "26": "Introduction", "27": "Secondary cover copy", "28": "Full cast and credit list", "30": "Abstract",
    "33": "Rules or instructions", "34": "List of contents", "35": "Short description for contents",
    "36": "Description for contents", "37": "Cover line",
}

# List 158 ResourceContentType.
RESOURCE_TYPES: Mapping[str, str] = {
    "01": "Front cover", "02": "Back cover", "03": "Cover / pack", "04": "Contributor picture",
    "05": "Series image / artwork", "06": "Series logo", "07": "Product image / artwork", "08": "Product logo",
    "09": "Publisher logo", "10": "Imprint logo", "11": "Contributor interview", "12": "Contributor presentation",
    "13": "Contributor reading", "14": "Contributor event schedule", "15": "Sample content", "16": "Widget",
    "17": "Review", "18": "Other commentary / discussion", "19": "Reading group guide", "20": "Teacher's guide",
    "21": "Feature article", "22": "Character 'interview'", "23": "Wallpaper / screensaver", "24": "Press release",
    "25": "Table of contents", "26": "Trailer", "27": "Cover thumbnail", "28": "Full content",
    "29": "Full cover", "30": "Master brand logo", "31": "Description", "32": "Index", "33": "Student's guide",
    "34": "Publisher's catalogue", "35": "Online advertisement panel", "36": "Online advertisement page",
    "37": "Promotional event material", "38": "Digital review copy", "39": "Instructional material",
    "40": "Errata", "41": "Introduction", "42": "Collection description", "43": "Bibliography",
    "44": "Abstract", "45": "Cover holding image", "46": "Rules or instructions", "47": "Transcript",
    "48": "Full cast and credit list", "49": "Image for social media", "50": "Supplementary learning resources",
    "51": "Cover flap", "56": "Spine", "57": "Spine thumbnail", "99": "License",
}


def labelled(code: str | None, table: Mapping[str, str]) -> str:
    """`04 Active`: the code with its meaning, or the code alone when the table does not know it."""
    if code is None:
        return ""
    meaning = table.get(code)
    return f"{code} {meaning}" if meaning else code
