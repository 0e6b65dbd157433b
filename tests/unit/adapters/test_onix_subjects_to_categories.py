"""An ONIX record's subjects, as a publisher's export carries them, through the reader to categories and keywords."""

from __future__ import annotations

from onix_messages import message, only_edition, product, write

from bookbridge.adapters.onix.parser import read_onix
from bookbridge.domain.categories import map_subjects
from bookbridge.domain.listing import MappingSettings, edition_parts
from bookbridge.entrypoints.category_file import parse_category_mapping


def subject(scheme: str, *, code: str = "", heading: str = "", main: bool = False, name: str = "") -> str:
    return ("<Subject>" + ("<MainSubject/>" if main else "") + f"<SubjectSchemeIdentifier>{scheme}"
            "</SubjectSchemeIdentifier>" + (f"<SubjectSchemeName>{name}</SubjectSchemeName>" if name else "")
            + (f"<SubjectCode>{code}</SubjectCode>" if code else "")
            + (f"<SubjectHeadingText>{heading}</SubjectHeadingText>" if heading else "") + "</Subject>")


SUBJECTS = "".join((
    subject("12", code="FF"),  # BIC, not mapped
    subject("10", code="FIC022060", heading="FICTION / Mystery &amp; Detective / Historical"),
    subject("94", code="1DDU-GB-ESL"),  # a Thema place qualifier
    subject("93", code="FFH", heading="Historical crime and mysteries", main=True),
    subject("93", code="FBA"),
    subject("20", heading="Edinburgh; noir;1950s ; police procedural"),
    subject("24", name="Shop sections", heading="Scottish crime"),
))
MAPPING = parse_category_mapping("""
[thema]
"1*" = ""
"FF*" = "Fiction > Crime > {heading}"
[bisac]
"FIC022*" = "Fiction > Crime"
[24]
"*" = "Local > {heading}"
""")


def test_subjects_become_categories_main_first_and_keywords_reach_search_keywords(tmp_path):
    edition = only_edition(read_onix(write(tmp_path, message(product(descriptive=SUBJECTS)))))
    parts = edition_parts(edition, MappingSettings(categories=MAPPING))
    assert parts["categories"] == (("Fiction", "Crime", "Historical crime and mysteries"), ("Fiction", "Crime"),
                                   ("Local", "Scottish crime"))
    assert parts["search_keywords"].endswith("Edinburgh, noir, 1950s, police procedural")
    [warning] = parts["subject_problems"]  # FBA: a Thema code no rule maps; BIC has no table
    assert (warning.code, warning.field, warning.record) == ("unmapped-subject", "Subject/thema", str(edition.isbn))
    assert "FBA" in warning.message and not warning.blocking
    assert map_subjects(edition.subjects, MappingSettings().categories) == ((), ())  # no mapping: no categories
