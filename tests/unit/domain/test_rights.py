from __future__ import annotations

from datetime import date

import pytest

from bookbridge.domain.model import Rights, SalesRestriction, SalesRights
from bookbridge.domain.rights import EligibilityPolicy, RightsResolver, RightsStatus, eligible, rights_problems
from bookbridge.domain.territory import Territory, all_countries

FOR_SALE, NOT_FOR_SALE = RightsStatus.FOR_SALE, RightsStatus.NOT_FOR_SALE
ROSEANNA_LIST = "GB IE AU NZ ZA IN SG"


def roseanna() -> Rights:
    """SalesRights 01 for a list of countries, 06 (publisher holds no rights) for US CA, ROWSalesRightsType 02."""
    return Rights(
        sales_rights=(SalesRights(type="01", territory=Territory.of(ROSEANNA_LIST)),
                      SalesRights(type="06", territory=Territory.of("US CA"))),
        row_type="02",
    )


def consonance_style_b() -> Rights:
    """01 for GB GG IE IM JE, 06 for WORLD minus those, ROWSalesRightsType 03."""
    home = "GB GG IE IM JE"
    return Rights(
        sales_rights=(SalesRights(type="01", territory=Territory.of(home)),
                      SalesRights(type="06", territory=Territory.world(excluding=home))),
        row_type="03",
    )


def test_roseanna_style() -> None:
    resolver = RightsResolver(roseanna())
    assert resolver.countries_for_sale(ROSEANNA_LIST.split()) == set(ROSEANNA_LIST.split())
    assert resolver.status("US").status is NOT_FOR_SALE
    assert resolver.status("ca").status is NOT_FOR_SALE  # country codes are case-insensitive
    # Countries neither composite names take ROWSalesRightsType 02: for sale, non-exclusive.
    assert resolver.status("DE") .status is FOR_SALE
    assert resolver.status("DE").reason == "ROWSalesRightsType 02"
    assert resolver.countries_for_sale() == all_countries() - {"US", "CA"}


def test_consonance_style_b() -> None:
    resolver = RightsResolver(consonance_style_b())
    assert resolver.countries_for_sale() == {"GB", "GG", "IE", "IM", "JE"}
    assert resolver.status("FR").status is NOT_FOR_SALE
    assert "06" in resolver.status("FR").reason


def test_legacy_row_token_acts_as_rest_of_world() -> None:
    # ONIX 2.1 / German-profile ROW: "every country no other composite names"; not valid in 3.0 List 49.
    legacy = Rights(sales_rights=(SalesRights(type="06", territory=Territory.of("US CA")),
                                  SalesRights(type="02", territory=Territory(countries_included="ROW"))))
    resolver = RightsResolver(legacy)
    assert resolver.status("DE").status is FOR_SALE
    assert resolver.status("DE").reason == "ROW token 02"
    assert resolver.status("US").status is NOT_FOR_SALE
    assert [p.code for p in rights_problems(legacy)] == ["legacy-row-token"]


def test_deprecated_07_with_a_retailer_exclusive_for_another_outlet_is_not_for_sale() -> None:
    # List 46 07 (for sale, restriction applies) + List 71 04 (retailer exclusive) naming Amazon.
    exclusive = SalesRestriction(type="04", outlets=("Amazon",))
    rights = Rights(sales_rights=(SalesRights(type="07", territory=Territory.of("GB"), restrictions=(exclusive,)),))
    status = RightsResolver(rights, our_outlets=["Our Shop"]).status("GB")
    assert status.status is NOT_FOR_SALE
    assert "Amazon" in status.reason
    assert [p.code for p in rights_problems(rights)] == ["deprecated-sales-rights-type"]


def test_deprecated_07_with_a_retailer_exclusive_naming_our_outlet_is_for_sale() -> None:
    exclusive = SalesRestriction(type="04", outlets=("our shop",))  # outlet names match case-insensitively
    rights = Rights(sales_rights=(SalesRights(type="07", territory=Territory.of("GB"), restrictions=(exclusive,)),))
    assert RightsResolver(rights, our_outlets=["Our Shop"]).for_sale("GB")


def test_libraries_only_restriction_keeps_the_title_out_of_our_shop() -> None:
    # List 71 06: to libraries only, at the block-4 level (pre-3.0.2 placement).
    rights = Rights(sales_rights=world_01(), restrictions=(SalesRestriction(type="06"),))
    status = RightsResolver(rights).status("GB")
    assert status.status is NOT_FOR_SALE
    assert "libraries" in status.reason


@pytest.mark.parametrize(
    ("code", "for_sale"),
    [
        ("03", False),  # internal publisher use only: do not list
        ("07", False),  # to schools only
        ("09", True),  # except to libraries: we are not a library
        ("12", True),  # except to subscription services: we are not one
        ("13", False),  # to subscription services only
        ("14", False),  # except through online retail: we are online retail
        ("15", True),  # through online retail only
        ("22", False),  # to education only
        ("99", True),  # no restrictions
    ],
)
def test_list_71_restrictions_on_a_webshop(code: str, for_sale: bool) -> None:
    rights = Rights(sales_rights=(SalesRights(type="01", territory=Territory.world(),
                                              restrictions=(SalesRestriction(type=code),)),))
    assert RightsResolver(rights).for_sale("GB") is for_sale


def world_01() -> tuple[SalesRights, ...]:
    return (SalesRights(type="01", territory=Territory.world()),)


def test_restriction_windows_are_inclusive_days() -> None:
    window = SalesRestriction(type="14", start=date(2026, 6, 1), end=date(2026, 6, 30))
    rights = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB"), restrictions=(window,)),))
    assert RightsResolver(rights, on=date(2026, 5, 31)).for_sale("GB")
    assert not RightsResolver(rights, on=date(2026, 6, 1)).for_sale("GB")
    assert not RightsResolver(rights, on=date(2026, 6, 30)).for_sale("GB")
    assert RightsResolver(rights, on=date(2026, 7, 1)).for_sale("GB")
    assert not RightsResolver(rights).for_sale("GB")  # no date given: every restriction is in force


def test_unknown_rights_take_the_configured_default() -> None:
    # ROWSalesRightsType 00: "recipients must not assume anything"; the default is not for sale.
    rights = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB")),), row_type="00")
    assert RightsResolver(rights).status("FR").status is NOT_FOR_SALE
    assert "unknown" in RightsResolver(rights).status("FR").reason
    assert RightsResolver(rights, unknown_default=FOR_SALE).status("FR").status is FOR_SALE
    assert RightsResolver(Rights(), unknown_default=FOR_SALE).for_sale("FR")
    assert not RightsResolver(Rights()).for_sale("FR")


def test_no_row_type_leaves_unnamed_countries_unknown() -> None:
    rights = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB")),))
    assert not RightsResolver(rights).for_sale("FR")
    assert RightsResolver(rights, unknown_default=FOR_SALE).for_sale("FR")


def test_a_partly_covered_country_is_not_for_sale() -> None:
    # 01 for WORLD minus GB-NIR: Great Britain only in part, so not for sale.
    rights = Rights(sales_rights=(SalesRights(type="01", territory=Territory(regions_included="WORLD",
                                                                            regions_excluded="GB-NIR")),))
    resolver = RightsResolver(rights)
    assert not resolver.for_sale("GB")
    assert "part of GB" in resolver.status("GB").reason
    assert resolver.for_sale("IE")


def test_a_country_fully_covered_by_one_for_sale_composite_is_for_sale_even_if_another_covers_part() -> None:
    rights = Rights(sales_rights=(SalesRights(type="02", territory=Territory(regions_included="GB-NIR")),
                                  SalesRights(type="01", territory=Territory.of("GB IE"))))
    assert RightsResolver(rights).for_sale("GB")


def test_not_for_sale_wins_over_for_sale() -> None:
    rights = Rights(sales_rights=(SalesRights(type="01", territory=Territory.world()),
                                  SalesRights(type="03", territory=Territory(regions_included="CA-QC"))))
    resolver = RightsResolver(rights)
    assert not resolver.for_sale("CA")  # named in part by a not-for-sale composite
    assert resolver.for_sale("US")
    assert [p.code for p in rights_problems(rights)] == ["contradictory-rights"]


def test_eligibility_all_markets_versus_any_market() -> None:
    resolver = RightsResolver(roseanna())
    assert eligible(resolver, ["GB", "IE"], EligibilityPolicy.ALL_MARKETS)
    assert not eligible(resolver, ["GB", "US"], EligibilityPolicy.ALL_MARKETS)
    assert eligible(resolver, ["GB", "US"], EligibilityPolicy.ANY_MARKET)
    assert not eligible(resolver, ["US", "CA"], EligibilityPolicy.ANY_MARKET)
    assert not eligible(resolver, [], EligibilityPolicy.ANY_MARKET)


def test_problems_name_unknown_codes_and_missing_rights() -> None:
    rights = Rights(sales_rights=(SalesRights(type="01", territory=Territory.of("GB UK")),), row_type="03")
    [problem] = rights_problems(rights, record="9780007232833")
    assert (problem.code, problem.record, problem.field) == ("unknown-territory-code", "9780007232833",
                                                             "SalesRights/Territory/CountriesIncluded")
    assert "'UK'" in problem.message
    assert [p.code for p in rights_problems(Rights())] == ["no-sales-rights"]


def test_a_restriction_on_any_granting_composite_applies_whatever_the_order() -> None:
    plain = SalesRights(type="01", territory=Territory.of("AU"))
    libraries = SalesRights(type="01", territory=Territory.of("AU"), restrictions=(SalesRestriction(type="06"),))
    assert not RightsResolver(Rights(sales_rights=(plain, libraries))).for_sale("AU")
    assert not RightsResolver(Rights(sales_rights=(libraries, plain))).for_sale("AU")
