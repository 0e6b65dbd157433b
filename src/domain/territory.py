"""ONIX 3.0 Territory composite as a set algebra over ISO 3166-1 countries.

A Territory is either CountriesIncluded [+ RegionsIncluded] [+ RegionsExcluded], or RegionsIncluded
[+ CountriesExcluded] [+ RegionsExcluded]. Country codes are List 91 (ISO 3166-1 alpha-2); region codes
are List 49: WORLD, ECZ (Eurozone) and sub-national ISO 3166-2 codes such as GB-NIR or CA-QC.
A sub-national region makes its country *partial*: we cannot sell to part of a country, so a partial
country is never treated as fully covered.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Annotated

import pycountry
from pydantic import BaseModel, ConfigDict, PlainSerializer, field_validator


@cache
def all_countries() -> frozenset[str]:
    """Every List 91 country: ISO 3166-1 alpha-2 plus XK (Kosovo), which ONIX lists."""
    return frozenset({c.alpha_2 for c in pycountry.countries} | {"XK"})


# List 49 ECZ: the Eurozone (EU member states using the euro).
EUROZONE = frozenset(
    {"AT", "BE", "BG", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PT",
     "SI", "SK"}
)
SUPRANATIONAL = {"WORLD": None, "ECZ": EUROZONE}

ROW_TOKEN = "ROW"  # legacy ONIX 2.1 / German-profile token; not valid in 3.0 List 49


def _codes(value: object) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(str(v).strip() for v in value if str(v).strip())
    raise TypeError(f"expected space-separated codes, got {type(value).__name__}")


def country_of_region(region: str) -> str | None:
    """GB-NIR -> GB; WORLD/ECZ -> None."""
    if "-" in region:
        return region.split("-", 1)[0]
    return None


class Extent(BaseModel):
    """What a Territory covers: countries fully covered, and countries only partly covered."""

    model_config = ConfigDict(frozen=True)

    full: frozenset[str] = frozenset()
    partial: frozenset[str] = frozenset()

    @property
    def named(self) -> frozenset[str]:
        return self.full | self.partial


# A set of codes; in JSON a sorted list, so that equal territories serialise alike (a set's order is its
# hash table's, which differs between equal sets): stored catalogues and their fingerprints are canonical.
Codes = Annotated[frozenset[str], PlainSerializer(sorted, return_type=list[str], when_used="json")]


class Territory(BaseModel):
    model_config = ConfigDict(frozen=True)

    countries_included: Codes = frozenset()
    regions_included: Codes = frozenset()
    countries_excluded: Codes = frozenset()
    regions_excluded: Codes = frozenset()

    @field_validator("countries_included", "regions_included", "countries_excluded", "regions_excluded", mode="before")
    @classmethod
    def _split(cls, value: object) -> frozenset[str]:
        return frozenset(code.upper() for code in _codes(value))

    @classmethod
    def world(cls, *, excluding: str | frozenset[str] = frozenset()) -> Territory:
        return cls(regions_included=frozenset({"WORLD"}), countries_excluded=_codes(excluding))

    @classmethod
    def of(cls, countries: str | frozenset[str] | set[str]) -> Territory:
        return cls(countries_included=_codes(countries))

    @property
    def is_rest_of_world(self) -> bool:
        """True for the legacy `ROW` token, which means 'every country no other composite names'."""
        return ROW_TOKEN in self.countries_included or ROW_TOKEN in self.regions_included

    def unknown_codes(self) -> list[tuple[str, str]]:
        """(field, code) pairs that are neither List 91 countries nor List 49 regions."""
        countries = all_countries()
        bad: list[tuple[str, str]] = []
        country_fields = ("CountriesIncluded", self.countries_included), ("CountriesExcluded", self.countries_excluded)
        for field, codes in country_fields:
            bad += [(field, c) for c in sorted(codes) if c not in countries and c != ROW_TOKEN]
        for field, codes in (("RegionsIncluded", self.regions_included), ("RegionsExcluded", self.regions_excluded)):
            for code in sorted(codes):
                if code in SUPRANATIONAL or code == ROW_TOKEN:
                    continue
                if country_of_region(code) not in countries:
                    bad.append((field, code))
        return bad

    def extent(self) -> Extent:
        """Resolve to countries. Unknown codes are ignored here; `unknown_codes()` reports them."""
        return _extent(self)

    def _compute_extent(self) -> Extent:
        countries = all_countries()
        full: set[str] = {c for c in self.countries_included if c in countries}
        partial: set[str] = set()
        for region in self.regions_included:
            if region == "WORLD":
                full |= countries
            elif region in SUPRANATIONAL:
                full |= SUPRANATIONAL[region] or set()
            elif (owner := country_of_region(region)) in countries:
                partial.add(owner)  # a sub-national region covers part of its country
        # CountriesExcluded only occurs with a supranational RegionsIncluded (WORLD, ECZ).
        full -= self.countries_excluded
        partial -= self.countries_excluded
        for region in self.regions_excluded:
            owner = country_of_region(region)
            if owner is not None and owner in full:
                full.discard(owner)
                partial.add(owner)  # all of the country but one part of it
            elif region in SUPRANATIONAL:
                removed = countries if region == "WORLD" else (SUPRANATIONAL[region] or frozenset())
                full -= removed
                partial -= removed
        partial -= full
        return Extent(full=frozenset(full), partial=frozenset(partial))

    def covers(self, country: str) -> bool:
        return country in self.extent().full

    def covers_all(self, countries: frozenset[str]) -> bool:
        return countries <= self.extent().full

    def __str__(self) -> str:
        parts = []
        if self.countries_included:
            parts.append(" ".join(sorted(self.countries_included)))
        if self.regions_included:
            parts.append(" ".join(sorted(self.regions_included)))
        if self.countries_excluded:
            parts.append("minus " + " ".join(sorted(self.countries_excluded)))
        if self.regions_excluded:
            parts.append("minus regions " + " ".join(sorted(self.regions_excluded)))
        return " ".join(parts) or "(empty)"


@lru_cache(maxsize=16384)
def _extent(territory: Territory) -> Extent:
    # Catalogues repeat a handful of territories thousands of times (WORLD, a rights list per market).
    return territory._compute_extent()
