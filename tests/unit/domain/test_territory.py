from __future__ import annotations

from bookbridge.domain.territory import EUROZONE, Extent, Territory, all_countries


def test_world_minus_countries() -> None:
    # RegionsIncluded WORLD + CountriesExcluded US CA
    extent = Territory.world(excluding="US CA").extent()
    assert extent.full == all_countries() - {"US", "CA"}
    assert extent.partial == frozenset()
    assert "GB" in extent.full and "US" not in extent.full


def test_list_91_includes_kosovo() -> None:
    assert "XK" in all_countries()
    assert len(all_countries()) == 250


def test_eurozone_region() -> None:
    extent = Territory(regions_included="ECZ").extent()
    assert extent.full == EUROZONE
    assert {"DE", "FR", "IE", "HR"} <= extent.full
    assert "GB" not in extent.full and "DK" not in extent.full


def test_world_minus_eurozone() -> None:
    extent = Territory(regions_included="WORLD", regions_excluded="ECZ").extent()
    assert extent.full == all_countries() - EUROZONE


def test_sub_national_region_included_makes_its_country_partial() -> None:
    # List 49 CA-QC: Quebec is part of Canada; we cannot sell to part of a country.
    extent = Territory(regions_included="CA-QC").extent()
    assert extent == Extent(full=frozenset(), partial=frozenset({"CA"}))
    assert not Territory(regions_included="CA-QC").covers("CA")


def test_regions_excluded_with_countries_included_makes_the_country_partial() -> None:
    # CountriesIncluded GB IE + RegionsExcluded GB-NIR
    territory = Territory(countries_included="GB IE", regions_excluded="GB-NIR")
    extent = territory.extent()
    assert extent.full == {"IE"}
    assert extent.partial == {"GB"}
    assert extent.named == {"GB", "IE"}
    assert territory.covers("IE") and not territory.covers("GB")


def test_world_minus_a_region_leaves_that_country_partial() -> None:
    extent = Territory(regions_included="WORLD", regions_excluded="US-CA").extent()
    assert "US" in extent.partial and "US" not in extent.full
    assert extent.full == all_countries() - {"US"}


def test_codes_are_split_and_upper_cased() -> None:
    territory = Territory(countries_included="gb  ie\nim")
    assert territory.countries_included == {"GB", "IE", "IM"}
    assert territory.covers_all(frozenset({"GB", "IM"}))


def test_unknown_codes_are_reported_and_ignored() -> None:
    territory = Territory(countries_included="GB UK EU", regions_excluded="ZZ-01")
    assert territory.unknown_codes() == [("CountriesIncluded", "EU"), ("CountriesIncluded", "UK"),
                                         ("RegionsExcluded", "ZZ-01")]
    assert territory.extent().full == {"GB"}


def test_world_and_eurozone_and_list_49_regions_are_known() -> None:
    assert Territory(regions_included="WORLD", regions_excluded="GB-NIR CA-QC").unknown_codes() == []
    assert Territory(regions_included="ECZ").unknown_codes() == []


def test_legacy_row_token() -> None:
    assert Territory(countries_included="ROW").is_rest_of_world
    assert Territory(regions_included="ROW").is_rest_of_world
    assert not Territory.world().is_rest_of_world
    assert Territory(countries_included="ROW").unknown_codes() == []
    assert Territory(countries_included="ROW").extent().named == frozenset()


def test_str_describes_the_territory() -> None:
    assert str(Territory.world(excluding="US CA")) == "WORLD minus CA US"
    assert str(Territory()) == "(empty)"
