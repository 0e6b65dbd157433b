"""Subjects → categories (first match wins, prefixes, headings, main subjects first) and keywords → search_keywords."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st

from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.domain.categories import (
    SEARCH_KEYWORDS_MAX,
    CategoryMapping,
    CategoryRule,
    map_subjects,
    search_keywords,
    subject_words,
    unmapped_problems,
)
from bookbridge.domain.listing import MappingSettings, Section, StoreListing, build_store_listings, section_payloads
from bookbridge.domain.model import Subject, SubjectScheme
from bookbridge.domain.storefront import FormatStrategy, StorefrontSettings

# Thema subject codes: a letter, then up to 5 more letters (Thema subject categories, e.g. FBA, FFJ, WBVS).
codes = st.text(alphabet="ABCDFGJKLMNPQRSTUVWXY", min_size=1, max_size=6)
names = st.text(alphabet="abcdefghij ", min_size=1, max_size=12).map(str.strip).filter(bool)  # stored stripped
paths = st.lists(names, min_size=1, max_size=3).map(tuple)


def thema(code: str, *, main: bool = False, label: str | None = None) -> Subject:
    return Subject(scheme=SubjectScheme.THEMA, code=code, main=main, label=label)


def mapping(*rules: tuple[str, tuple[str, ...]], scheme: str = "thema") -> CategoryMapping:
    return CategoryMapping(schemes=((scheme, tuple(CategoryRule(pattern=p, path=path) for p, path in rules)),))


@given(code=codes, rules=st.lists(st.tuples(st.one_of(codes, codes.map(lambda c: c[:2] + "*")), paths),
                                  min_size=1, max_size=6))
def test_the_first_rule_that_matches_gives_the_category(code, rules):
    found, unmapped = map_subjects([thema(code)], mapping(*rules))
    expected = next((path for pattern, path in rules
                     if (code.startswith(pattern[:-1]) if pattern.endswith("*") else code == pattern)), None)
    assert found == ((expected,) if expected else ())
    assert unmapped == (() if expected else (thema(code),))


@given(code=codes, path=paths, cut=st.integers(min_value=0, max_value=6))
def test_a_prefix_matches_every_code_that_starts_with_it_and_an_exact_code_only_itself(code, path, cut):
    prefix = code[:cut]
    assert map_subjects([thema(code)], mapping((prefix + "*", path)))[0] == (path,)
    assert map_subjects([thema(code + "Z")], mapping((code, path)))[0] == ()
    assert map_subjects([thema(code.lower())], mapping((code, path)))[0] == (path,)  # codes are case-blind


@given(subjects=st.lists(st.tuples(codes, st.booleans()), min_size=1, max_size=8, unique_by=lambda s: s[0]))
def test_main_subjects_come_first_each_group_in_the_feeds_order(subjects):
    rules = mapping(("*", ("{heading}",)))
    found, _ = map_subjects([thema(c, main=m, label=f"cat {c}") for c, m in subjects], rules)
    expected = [c for c, m in subjects if m] + [c for c, m in subjects if not m]
    assert found == tuple((f"cat {c}",) for c in expected)


def test_the_feeds_heading_names_a_category_and_a_rule_needing_one_is_skipped_without():
    rules = mapping(("F*", ("Fiction", "{heading}")), ("F*", ("Fiction",)))
    assert map_subjects([thema("FF", label="Crime & mystery")], rules)[0] == (("Fiction", "Crime & mystery"),)
    assert map_subjects([thema("FF")], rules)[0] == (("Fiction",),)


def test_an_empty_path_maps_a_code_to_no_category_on_purpose_and_unmapped_schemes_are_not_reported():
    rules = mapping(("1*", ()), ("F*", ("Fiction",)))
    bic = Subject(scheme=SubjectScheme.BIC, code="FF")
    found, unmapped = map_subjects([thema("1DDU-GB-E"), thema("FF"), thema("WB"), bic], rules)
    assert found == (("Fiction",),) and unmapped == (thema("WB"),)


def test_other_schemes_map_by_their_list_27_code():
    rules = mapping(("*", ("Local", "{heading}")), scheme="24")
    subject = Subject(scheme=SubjectScheme.OTHER, code="24:Regional history", label="Regional history")
    assert map_subjects([subject], rules)[0] == (("Local", "Regional history"),)


def test_a_subject_is_said_with_its_scheme_in_words_and_its_heading_once():
    """List 27 names the schemes; a heading sent without a code (ONIX SubjectHeadingText alone, Consonance's LC
    subject heading) is the code the mapping matches, and is said once."""
    lc = Subject(scheme=SubjectScheme.OTHER, code="04:Rain and rainfall -- Observations",
                 label="Rain and rainfall -- Observations")
    assert subject_words(lc) == "04 LC subject heading (Rain and rainfall -- Observations)"
    assert subject_words(Subject(scheme=SubjectScheme.OTHER, code="01:551.57", label="Rainfall")) == (
        "01 Dewey 551.57 (Rainfall)")
    assert subject_words(thema("DCF")) == "Thema DCF"
    assert subject_words(thema("FF", label="Crime & mystery")) == "Thema FF (Crime & mystery)"
    assert subject_words(Subject(scheme=SubjectScheme.BIC, code="DCF")) == "BIC DCF"
    assert subject_words(Subject(scheme=SubjectScheme.KEYWORDS, code="noir")) == "keyword noir"
    assert subject_words(Subject(scheme=SubjectScheme.OTHER, code="Z9:X1")) == "scheme Z9 X1"  # not in our table
    [warning] = unmapped_problems([lc], record="9780140187397")
    assert warning.message == ("04 LC subject heading (Rain and rainfall -- Observations) has no category in the "
                               "category mapping"), warning.message
    assert warning.field == "Subject/04"  # the scheme's key, which `check` counts by


def test_keywords_follow_the_listings_own_once_each_and_are_cut_at_a_whole_keyword():
    words = [Subject(scheme=SubjectScheme.KEYWORDS, code=w) for w in ("noir", "Edinburgh, 1950s", "NOIR", "  ")]
    assert search_keywords("978, A. Author", words) == "978, A. Author, noir, Edinburgh 1950s"
    long = [Subject(scheme=SubjectScheme.KEYWORDS, code=f"{i:05d}" + "x" * 994) for i in range(70)]
    cut = search_keywords("978", long)
    assert len(cut) <= SEARCH_KEYWORDS_MAX and cut.split(", ")[-1].endswith("x" * 994)
    assert search_keywords("978, A. Author", []) == "978, A. Author"  # unchanged without keyword subjects


def test_listings_carry_categories_and_warn_of_unmapped_codes_without_holding_anything_back():
    at = datetime(2026, 11, 28, 10, tzinfo=UTC)
    uk = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP")
    families = sample_catalogue(at.date(), families=12)
    settings = MappingSettings(categories=mapping(("F*", ("Fiction",)), ("WB", ("Food & drink",))))
    plain = {li.key: li for li in build_store_listings(families, [uk], at=at, store="uk")}
    mapped = build_store_listings(families, [uk], at=at, store="uk", mapping=settings)
    for listing in mapped:
        main = next(s for e in families for s in e.editions[0].subjects if listing.family_id == e.id)
        if main.code.startswith("F"):
            assert listing.categories == (("Fiction",),)
        elif main.code == "WB":
            assert listing.categories == (("Food & drink",),)
        else:
            assert listing.categories == ()
            assert [p.field for p in listing.problems if p.code == "unmapped-subject"] == ["Subject/thema"]
        assert listing.listed == plain[listing.key].listed  # a warning, never a reason to hold back
        # Left out of the core section when empty: listings without categories hash as they did before.
        assert ("categories" in section_payloads(listing)[Section.CORE]) == bool(listing.categories)
        same = listing.hashes[Section.CORE] == plain[listing.key].hashes[Section.CORE]
        assert same != bool(listing.categories)


def _family_product(subjects_by_format: dict[str, list[Subject]]
                    ) -> tuple[StoreListing, list[StoreListing], list[str]]:
    """The Glass Meridian's print product under the variant strategy (its hardback and paperback share one), its
    editions given these subjects; the editions' own listings (product per edition), for comparison; and their
    formats, in the same order."""
    at = datetime(2026, 11, 28, 10, tzinfo=UTC)
    uk = StorefrontSettings(name="uk", channel_id=1, countries=frozenset({"GB"}), currency="GBP")
    family = sample_catalogue(at.date(), families=1)[0]
    family = family.model_copy(update={"editions": tuple(
        e.model_copy(update={"subjects": tuple(subjects_by_format.get(e.format.value, ()))}) for e in family.editions)})
    settings = MappingSettings(categories=mapping(("*", ("{heading}",))))
    variants = uk.model_copy(update={"format_strategy": FormatStrategy.VARIANTS})
    product = next(li for li in build_store_listings([family], [variants], at=at, store="uk", mapping=settings)
                   if li.key == f"family:{family.id}:physical")
    editions = build_store_listings([family], [uk], at=at, store="uk", mapping=settings)
    formats = {e.isbn: e.format.value for e in family.editions}
    held = [li for li in editions if li.isbns[0] in product.isbns]
    return product, held, [formats[li.isbns[0]] for li in held]


def test_a_family_product_is_filed_under_every_editions_categories_main_subjects_first():
    """Not only its first edition's: each path once, every edition's main subjects before the other subjects."""
    hardback = [thema("FF", main=True, label="Crime"), thema("WB", label="Cookery")]
    paperback = [thema("NH", main=True, label="History"), thema("FF", label="Crime"), thema("PD", label="Science")]
    product, editions, _ = _family_product({"hardback": hardback, "paperback": paperback})
    assert len(product.variants) == 2, "the hardback and the paperback share the print product"
    assert product.categories == (("Crime",), ("History",), ("Cookery",), ("Science",))
    assert [e.categories for e in editions] == [(("Crime",), ("Cookery",)), (("History",), ("Crime",), ("Science",))]
    assert "categories" in section_payloads(product)[Section.CORE]  # sent with the product


@given(subjects=st.lists(st.lists(st.tuples(codes, st.booleans()), max_size=4), min_size=2, max_size=2))
# A path one edition marks main and an earlier one does not: it is among the main ones, where the later edition
# puts it (the first edition's own main paths come first), found by a random run.
@example(subjects=[[("AA", False)], [("A", True), ("AA", True)]])
def test_a_family_products_categories_are_the_union_of_its_editions_main_ones_first(subjects):
    hardback, paperback = ([thema(c, main=m, label=f"cat {c}") for c, m in group] for group in subjects)
    by_format = {"hardback": hardback, "paperback": paperback}
    product, editions, formats = _family_product(by_format)
    found = product.categories
    assert len(found) == len(set(found))
    assert set(found) == {path for e in editions for path in e.categories}
    main = {(s.label,) for s in (*hardback, *paperback) if s.main}
    assert [path in main for path in found] == sorted((path in main for path in found), reverse=True)
    # Stable: each edition's own main paths in the editions' order (the product's variants' order), then the others.
    in_order = list(dict.fromkeys((s.label,) for f in formats for s in by_format[f] if s.main))
    assert [path for path in found if path in main] == in_order
