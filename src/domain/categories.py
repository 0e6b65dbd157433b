"""Subjects → store categories and search keywords.

The operator maps subject codes to category paths, per scheme (`CategoryMapping`, read from the file that the
configuration names). For each subject the scheme's rules are tried in the order written and the first that
matches gives the category: an exact code (`FBA`) or a prefix (`FB*`). A rule's path may use the heading text the
feed sends with the subject (`{heading}`, ONIX SubjectHeadingText): scheme heading texts are not bookbridge's to
ship, so a mapping can take them from the feed instead. A path left empty maps the code to no category on
purpose. Main subjects (ONIX MainSubject) come first.

A scheme the mapping has no table for is not mapped at all (and not reported); in a mapped scheme, a code that
no rule matches is reported as a warning (`unmapped-subject`), never held back for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bookbridge.domain.codelists import SUBJECT_SCHEME_NAMES
from bookbridge.domain.model import Subject, SubjectScheme
from bookbridge.domain.problems import Problem, warning

CATEGORY_NAME_MAX = 50  # BigCommerce category name: 1-50 characters (category trees spec)
CATEGORY_DEPTH_MAX = 8  # BigCommerce: 8 levels of categories
CATEGORIES_PER_PRODUCT_MAX = 1000  # BigCommerce: 1,000 categories per product
SEARCH_KEYWORDS_MAX = 65535  # BigCommerce product search_keywords: 0-65535 characters
HEADING = "{heading}"

CategoryPath = tuple[str, ...]


def scheme_of(subject: Subject) -> tuple[str, str]:
    """(the mapping's scheme key, the code to match): `thema`, `bisac`, `bic`, or another List 27 code (`24`)
    for subjects the reader keeps as `<scheme>:<code>`."""
    if subject.scheme is SubjectScheme.OTHER:
        scheme, _, code = subject.code.partition(":")
        return (scheme, code) if code else ("", scheme)
    return subject.scheme.value, subject.code


# The schemes read by name, in words; any other by its List 27 code and name (`04 LC subject heading`).
_SCHEME_WORDS = {SubjectScheme.THEMA: "Thema", SubjectScheme.BISAC: "BISAC", SubjectScheme.BIC: "BIC",
                 SubjectScheme.KEYWORDS: "keyword"}
_SCHEME_WORDS_BY_KEY = {str(scheme): words for scheme, words in _SCHEME_WORDS.items()}
SUBJECT_FIELD = "Subject"  # an unmapped subject's field: `Subject/<scheme_of's key>`


def subject_words(subject: Subject) -> str:
    """`Thema FF (Crime & mystery)`, `04 LC subject heading (Rain and rainfall -- Observations)`: the scheme in
    words, the code, and the heading; a heading sent without a code is the code, and is said once."""
    scheme, code = scheme_of(subject)
    words = scheme_words(scheme)
    if subject.label:
        return f"{words} ({subject.label})" if code == subject.label else f"{words} {code} ({subject.label})"
    return f"{words} {code}"


def scheme_words(scheme: str) -> str:
    """A subject scheme (`scheme_of`'s key) in words: `Thema`, `BISAC`, `04 LC subject heading`, `scheme 99`."""
    if scheme in _SCHEME_WORDS_BY_KEY:
        return _SCHEME_WORDS_BY_KEY[scheme]
    return (f"{scheme} {SUBJECT_SCHEME_NAMES[scheme]}" if scheme in SUBJECT_SCHEME_NAMES
            else f"scheme {scheme}" if scheme else "subject")


def field_words(field: str) -> str:
    """A problem's or an exception's field as people read it: an unmapped subject's key (`Subject/thema`, which
    `bookbridge check` counts by and the exception is kept under) as `Subject (Thema)`, as the ONIX element and
    its scheme; any other field (`SalesRights`, `Price`) as it is."""
    element, slash, scheme = field.partition("/")
    return f"{element} ({scheme_words(scheme)})" if element == SUBJECT_FIELD and slash else field


class CategoryRule(BaseModel):
    """`pattern` → `path`: an exact code, or a prefix ending in `*` (`*` alone matches every code)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pattern: str = Field(min_length=1)
    path: CategoryPath

    @field_validator("path")
    @classmethod
    def _path(cls, path: CategoryPath) -> CategoryPath:
        if len(path) > CATEGORY_DEPTH_MAX:
            raise ValueError(f"{len(path)} levels; BigCommerce nests categories at most {CATEGORY_DEPTH_MAX} deep")
        for name in path:
            if not name.strip():
                raise ValueError("a category name is empty")
            if name != HEADING and len(name.replace(HEADING, "")) > CATEGORY_NAME_MAX:
                raise ValueError(f"category name {name!r} is longer than BigCommerce's {CATEGORY_NAME_MAX} characters")
        return tuple(name.strip() for name in path)

    def matches(self, code: str) -> bool:
        if self.pattern.endswith("*"):
            return code.upper().startswith(self.pattern[:-1].upper())
        return code.upper() == self.pattern.upper()

    def category(self, subject: Subject) -> CategoryPath | None:
        """The path for `subject` (headings filled in), or None when the rule needs a heading it lacks."""
        if not any(HEADING in name for name in self.path):
            return self.path
        heading = " ".join((subject.label or "").split())
        if not heading:
            return None
        return tuple(_clip(name.replace(HEADING, heading)) for name in self.path)


@dataclass(frozen=True)
class CategoryMapping:
    """Per scheme key (`scheme_of`), its rules in the order written. Configured as a file, not as a table of keys
    (entrypoints/category_file.py), hence a plain dataclass rather than a settings model."""

    schemes: tuple[tuple[str, tuple[CategoryRule, ...]], ...] = ()

    def rules(self, scheme: str) -> tuple[CategoryRule, ...] | None:
        return next((rules for key, rules in self.schemes if key == scheme), None)

    def __bool__(self) -> bool:
        return bool(self.schemes)


def _clip(name: str) -> str:
    return name if len(name) <= CATEGORY_NAME_MAX else name[: CATEGORY_NAME_MAX - 1].rstrip() + "…"


def main_first(subjects: Iterable[Subject]) -> list[Subject]:
    """Main subjects first, each group in the feed's order."""
    listed = list(subjects)
    return [s for s in listed if s.main] + [s for s in listed if not s.main]


def map_subjects(subjects: Sequence[Subject], mapping: CategoryMapping) -> tuple[tuple[CategoryPath, ...],
                                                                                  tuple[Subject, ...]]:
    """The category paths of `subjects` (main subjects' first, no path twice) and the subjects of mapped schemes
    that no rule matched."""
    paths: dict[CategoryPath, None] = {}
    unmapped: list[Subject] = []
    if not mapping:
        return (), ()
    for subject in main_first(subjects):
        if subject.scheme is SubjectScheme.KEYWORDS:
            continue
        scheme, code = scheme_of(subject)
        rules = mapping.rules(scheme)
        if rules is None:
            continue
        for rule in rules:
            if rule.matches(code) and (path := rule.category(subject)) is not None:
                if path:
                    paths.setdefault(path)
                break
        else:
            unmapped.append(subject)
    return tuple(paths)[:CATEGORIES_PER_PRODUCT_MAX], tuple(unmapped)


def unmapped_problems(unmapped: Iterable[Subject], *, record: str) -> tuple[Problem, ...]:
    """One warning per unmapped subject; the field names the scheme, which `bookbridge check` counts by."""
    return tuple(warning("unmapped-subject", f"{subject_words(s)} has no category in the category mapping",
                         record=record, field=f"{SUBJECT_FIELD}/{scheme_of(s)[0]}") for s in unmapped)


def search_keywords(base: str, subjects: Iterable[Subject]) -> str:
    """`base` (the listing's own keywords: ISBN, authors, imprint, comma-separated) and then the keyword subjects
    (List 27: 20), each once, cut at a whole keyword within BigCommerce's limit. A comma inside a keyword would
    split it in two: it becomes a space."""
    keywords = [s.code for s in subjects if s.scheme is SubjectScheme.KEYWORDS]
    if not keywords:
        return base
    seen = {part.strip().casefold() for part in base.split(",")}
    kept = [base] if base else []
    length = len(base)
    for keyword in keywords:
        word = " ".join(keyword.replace(",", " ").split())
        if not word or word.casefold() in seen:
            continue
        extra = len(word) + (2 if kept else 0)
        if length + extra > SEARCH_KEYWORDS_MAX:
            break
        seen.add(word.casefold())
        kept.append(word)
        length += extra
    return ", ".join(kept)
