"""Territorial rights: may this edition be sold in this country, and on this storefront?

Resolution (see docs/mapping.md): expand every SalesRights Territory to countries. A country named by a
not-for-sale composite (List 46: 03-06), fully or in part, is not for sale. A country fully covered by a
for-sale composite (01, 02 and the deprecated 07, 08) is for sale. A country only partly covered is not
for sale (we cannot sell to part of a country). Countries no composite names take ROWSalesRightsType,
and a legacy `ROW` token composite acts the same way. Whatever is still unknown takes the configured default
(not for sale). Sales restrictions (List 71) that exclude our store make every country not for sale.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from bookbridge.domain.model import Rights, SalesRestriction
from bookbridge.domain.problems import Problem, warning
from bookbridge.domain.territory import Extent, all_countries

FOR_SALE_TYPES = frozenset({"01", "02", "07", "08"})  # List 46 (07/08 deprecated: "sales restriction applies")
NOT_FOR_SALE_TYPES = frozenset({"03", "04", "05", "06"})
UNKNOWN_TYPES = frozenset({"00"})

# List 71 restrictions that keep a title out of a publisher's own online shop: sales only through a channel
# we are not (12 "except to subscription services" and 09 "except to libraries" do not concern a webshop).
_NEVER_OURS = {
    "02": "through office supplies outlets only",
    "03": "internal publisher use only: do not list",
    "06": "to libraries only",
    "07": "to schools only",
    "08": "indiziert (not for open sale)",
    "10": "through news outlets only",
    "13": "to subscription services only",
    "14": "except through online retail",
    "17": "through inventoryless print-on-demand only",
    "18": "through stock-protection print-on-demand only",
    "22": "to education only",
}
# List 71 restrictions naming an outlet: exclusive to that outlet, so not ours unless we are named.
_OUTLET_EXCLUSIVE = {"01": "retailer exclusive / own brand", "04": "retailer exclusive", "05": "retailer own brand",
                     "21": "subscription service exclusive"}


class RightsStatus(StrEnum):
    FOR_SALE = "for-sale"
    NOT_FOR_SALE = "not-for-sale"
    UNKNOWN = "unknown"


class EligibilityPolicy(StrEnum):
    ALL_MARKETS = "all_markets"  # for sale in every country the storefront serves (default)
    ANY_MARKET = "any_market"  # for sale in at least one


class CountryRights(BaseModel):
    model_config = ConfigDict(frozen=True)

    country: str
    status: RightsStatus
    reason: str


def _type_status(code: str | None) -> RightsStatus:
    if code in FOR_SALE_TYPES:
        return RightsStatus.FOR_SALE
    if code in NOT_FOR_SALE_TYPES:
        return RightsStatus.NOT_FOR_SALE
    return RightsStatus.UNKNOWN


def restriction_in_force(r: SalesRestriction, on: date | None) -> bool:
    if on is None:
        return True
    return (r.start is None or r.start <= on) and (r.end is None or on <= r.end)


def next_restriction_change(rights: Rights, *, after: date) -> date | None:
    """The first day after `after` on which a List 71 restriction comes into or goes out of force.

    Restriction windows are inclusive whole days (StartDate, EndDate), so a listing's rights can change at
    the start of such a day without any change to the record; the scheduler must wake up then.
    """
    restrictions = [*rights.restrictions, *(r for c in rights.sales_rights for r in c.restrictions)]
    days = [d for r in restrictions for d in (r.start, r.end + timedelta(days=1) if r.end else None) if d is not None]
    return min((d for d in days if d > after), default=None)


def restriction_excludes_us(r: SalesRestriction, our_outlets: frozenset[str]) -> str | None:
    """Why this restriction keeps the title out of our store, or None if it doesn't."""
    if r.type in _NEVER_OURS:
        return f"SalesRestriction {r.type}: {_NEVER_OURS[r.type]}"
    if r.type in _OUTLET_EXCLUSIVE:
        named = {o.strip().casefold() for o in r.outlets}
        if named & {o.casefold() for o in our_outlets}:
            return None
        who = ", ".join(r.outlets) or "another outlet"
        return f"SalesRestriction {r.type}: {_OUTLET_EXCLUSIVE[r.type]} for {who}"
    return None


class RightsResolver:
    """Resolves one edition's Rights country by country; territories are expanded once (and cached)."""

    def __init__(
        self,
        rights: Rights,
        *,
        unknown_default: RightsStatus = RightsStatus.NOT_FOR_SALE,
        our_outlets: Iterable[str] = (),
        on: date | None = None,
    ) -> None:
        self.rights = rights
        self.unknown_default = unknown_default
        self.our_outlets = frozenset(our_outlets)
        self.on = on
        self._row_type: str | None = rights.row_type
        self._row_from_token = False
        self._composites: list[tuple[RightsStatus, Extent, str, str | None]] = []
        self._global_restriction: str | None = None
        for r in rights.restrictions:
            if restriction_in_force(r, on) and (why := restriction_excludes_us(r, self.our_outlets)):
                self._global_restriction = why
                break
        for composite in rights.sales_rights:
            if composite.territory.is_rest_of_world:
                # Legacy ROW token: the composite's type applies to every country no other composite names.
                self._row_type = composite.type
                self._row_from_token = True
                continue
            restriction = next((why for r in composite.restrictions if restriction_in_force(r, on)
                                and (why := restriction_excludes_us(r, self.our_outlets))), None)
            self._composites.append((_type_status(composite.type), composite.territory.extent(),
                                     f"SalesRights {composite.type} ({composite.territory})", restriction))

    def status(self, country: str) -> CountryRights:
        country = country.upper()
        if self._global_restriction:
            return CountryRights(country=country, status=RightsStatus.NOT_FOR_SALE, reason=self._global_restriction)
        named = False
        for_sale: tuple[str, str | None] | None = None
        unknown: str | None = None
        partial_for: str | None = None
        for status, extent, label, restriction in self._composites:
            full, part = country in extent.full, country in extent.partial
            if not (full or part):
                continue
            named = True
            if status is RightsStatus.NOT_FOR_SALE:
                # List 46 03-06 anywhere in the country, fully or in part: not for sale.
                return CountryRights(country=country, status=RightsStatus.NOT_FOR_SALE, reason=label)
            if status is RightsStatus.FOR_SALE:
                if full and (for_sale is None or (restriction and not for_sale[1])):
                    # Any restriction excluding us on a composite that grants the country wins, whatever the order.
                    for_sale = (label, restriction)
                elif part and partial_for is None:
                    partial_for = f"{label} covers only part of {country}"
            elif unknown is None:
                unknown = label
        if for_sale is not None:
            label, restriction = for_sale
            if restriction:
                return CountryRights(country=country, status=RightsStatus.NOT_FOR_SALE, reason=restriction)
            return CountryRights(country=country, status=RightsStatus.FOR_SALE, reason=label)
        if partial_for is not None:
            return CountryRights(country=country, status=RightsStatus.NOT_FOR_SALE, reason=partial_for)
        if named:
            status, reason = RightsStatus.UNKNOWN, unknown or "rights type 00 (unknown)"
        else:
            status = _type_status(self._row_type)
            source = "ROW token" if self._row_from_token else "ROWSalesRightsType"
            reason = f"{source} {self._row_type}" if self._row_type else "no sales rights name this country"
        if status is RightsStatus.UNKNOWN:
            return CountryRights(country=country, status=self.unknown_default, reason=f"unknown rights ({reason})")
        return CountryRights(country=country, status=status, reason=reason)

    def for_sale(self, country: str) -> bool:
        return self.status(country).status is RightsStatus.FOR_SALE

    def countries_for_sale(self, among: Iterable[str] | None = None) -> frozenset[str]:
        pool = all_countries() if among is None else frozenset(c.upper() for c in among)
        return frozenset(c for c in pool if self.for_sale(c))


def eligible(
    resolver: RightsResolver, countries: Iterable[str], policy: EligibilityPolicy = EligibilityPolicy.ALL_MARKETS
) -> bool:
    """May a storefront serving `countries` list the edition? The empty storefront lists nothing."""
    pool = [c.upper() for c in countries]
    if not pool:
        return False
    results = (resolver.for_sale(c) for c in pool)
    return all(results) if policy is EligibilityPolicy.ALL_MARKETS else any(results)


def rights_problems(rights: Rights, *, record: str | None = None) -> list[Problem]:
    """Contradictions and legacy forms worth a person's attention."""
    problems: list[Problem] = []
    for_sale: set[str] = set()
    not_for_sale: set[str] = set()
    for composite in rights.sales_rights:
        for field, code in composite.territory.unknown_codes():
            problems.append(warning("unknown-territory-code", f"{field} code {code!r} is not in List 91/49; ignored",
                                    record=record, field=f"SalesRights/Territory/{field}"))
        if composite.territory.is_rest_of_world:
            problems.append(warning("legacy-row-token", "territory uses the legacy 'ROW' token; read as every "
                                    "country no other SalesRights composite names", record=record,
                                    field="SalesRights/Territory"))
            continue
        if composite.type in ("07", "08"):
            problems.append(warning("deprecated-sales-rights-type", f"SalesRightsType {composite.type} is "
                                    "deprecated; read as for sale with restrictions", record=record,
                                    field="SalesRights/SalesRightsType"))
        extent = composite.territory.extent()
        if composite.type in FOR_SALE_TYPES:
            for_sale |= extent.full
        elif composite.type in NOT_FOR_SALE_TYPES:
            not_for_sale |= extent.named
    clash = for_sale & not_for_sale
    if clash:
        sample = " ".join(sorted(clash)[:10])
        problems.append(warning("contradictory-rights", f"{len(clash)} countries are both for sale and not for "
                                 f"sale ({sample}); they are treated as not for sale", record=record,
                                 field="SalesRights"))
    if not rights.sales_rights and rights.row_type is None:
        problems.append(warning("no-sales-rights", "no SalesRights: every country takes the unknown-rights default",
                                record=record, field="SalesRights"))
    return problems


def storefront_rights(
    rights: Rights,
    countries: frozenset[str],
    policy: EligibilityPolicy,
    unknown_default: RightsStatus,
    our_outlets: frozenset[str],
    on: date | None,
    memo: RightsMemo | None = None,
) -> tuple[bool, tuple[CountryRights, ...]]:
    """(eligible, the storefront's countries that are not for sale). Kept in `memo`: many editions share rights."""
    key = (countries, policy, unknown_default, our_outlets, on)
    answers = rights_memo(rights, memo)
    found: tuple[bool, tuple[CountryRights, ...]] | None = answers.get(key)
    if found is None:
        if len(answers) >= 32:  # `on` moves on daily: don't keep every day's answers for the life of the memo
            answers.clear()
        resolver = RightsResolver(rights, unknown_default=unknown_default, our_outlets=our_outlets, on=on)
        refused = tuple(r for c in sorted(countries)
                        if (r := resolver.status(c)).status is not RightsStatus.FOR_SALE)
        found = answers[key] = (eligible(resolver, countries, policy), refused)
    return found


def cached_rights_problems(rights: Rights, memo: RightsMemo | None = None) -> tuple[Problem, ...]:
    answers = rights_memo(rights, memo)
    found: tuple[Problem, ...] | None = answers.get(rights_problems)
    if found is None:
        found = answers[rights_problems] = tuple(rights_problems(rights))
    return found


class RightsMemo:
    """Answers about Rights values, kept by whoever plans (the application's listing memo): planning asks the same
    few questions of every edition's rights once per storefront, and editions share their rights by value (most of
    a catalogue has a handful of rights). Keyed by value, the answers are shared; keyed by identity as well, an
    edition's second question skips hashing and comparing its (nested) Rights again: pydantic's hash and equality
    of a Rights cost more than most answers. Answers of pure functions of frozen values; each entry holds its
    Rights, so an id is never reused while it is kept."""

    __slots__ = ("_by_identity", "_by_value")
    _MAX_VALUES, _MAX_IDENTITIES = 65536, 4096

    def __init__(self) -> None:
        self._by_value: dict[Rights, dict[Any, Any]] = {}
        self._by_identity: dict[int, tuple[Rights, dict[Any, Any]]] = {}

    def answers(self, rights: Rights) -> dict[Any, Any]:
        """The answers kept for this Rights value (a dict for the caller's keys)."""
        hit = self._by_identity.get(id(rights))
        if hit is not None and hit[0] is rights:
            return hit[1]
        memo = self._by_value.get(rights)
        if memo is None:
            if len(self._by_value) >= self._MAX_VALUES:
                self._by_value.clear()
            memo = self._by_value[rights] = {}
        if len(self._by_identity) >= self._MAX_IDENTITIES:
            self._by_identity.clear()
        self._by_identity[id(rights)] = (rights, memo)
        return memo


def rights_memo(rights: Rights, memo: RightsMemo | None) -> dict[Any, Any]:
    """The answers `memo` keeps for `rights`; without a memo, a dict for this question alone."""
    return memo.answers(rights) if memo is not None else {}
