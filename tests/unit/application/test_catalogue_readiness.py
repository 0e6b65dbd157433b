"""Catalogue readiness: a full read, the listings a first sync would build, problems tallied; nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

from bookbridge.adapters.memory import InMemoryCatalogSource
from bookbridge.adapters.sample.catalogue import sample_catalogue
from bookbridge.application.readiness import check_readiness
from bookbridge.application.sync import SyncStore
from bookbridge.domain.ports import FixedClock
from bookbridge.domain.problems import Severity
from bookbridge.domain.storefront import StorefrontSettings

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
UK = StorefrontSettings(name="uk", countries=frozenset({"GB"}), currency="GBP", timezone="Europe/London")
US = StorefrontSettings(name="us", channel_id=2, countries=frozenset({"US"}), currency="USD", tax_inclusive=False,
                        timezone="America/New_York", default_currency=False)


def test_readiness_counts_families_editions_problems_and_blocked_editions_per_storefront():
    families = sample_catalogue(NOW.date(), families=20)
    report = check_readiness(SyncStore(store="shop", storefronts=(UK, US)), InMemoryCatalogSource(families),
                             FixedClock(NOW))
    assert report.families == 20 and report.editions == sum(len(f.editions) for f in families)
    assert [s.storefront for s in report.storefronts] == ["uk", "us"]
    assert all(0 < s.blocked <= s.editions for s in report.storefronts)
    assert report.blocking == sum(n for (sev, _), n in report.by_code.items() if sev is Severity.BLOCKING) > 0
    assert set(report.examples) == {code for _, code in report.by_code}
    first_severities = [sev for sev, _ in report.by_code]
    assert first_severities == sorted(first_severities, key=lambda s: s is not Severity.BLOCKING)  # blocking first


def test_a_storefront_that_requires_no_cover_holds_back_fewer_editions():
    families = sample_catalogue(NOW.date(), families=20)
    strict = check_readiness(SyncStore.single(UK), InMemoryCatalogSource(families), FixedClock(NOW))
    lenient_uk = UK.model_copy(update={"require_cover": False, "require_description": False})
    lenient = check_readiness(SyncStore.single(lenient_uk), InMemoryCatalogSource(families), FixedClock(NOW))
    assert lenient.storefronts[0].blocked < strict.storefronts[0].blocked
    assert "missing-cover" in {code for _, code in strict.by_code}
    assert "missing-cover" not in {code for _, code in lenient.by_code}


def test_every_edition_is_in_one_pile_per_storefront_and_the_product_counts_are_the_first_plans():
    from bookbridge.adapters.memory import InMemoryUnitOfWork
    from bookbridge.application.sync import plan_store
    from bookbridge.domain.plan import ActionKind

    families = sample_catalogue(NOW.date(), families=30)
    cmd = SyncStore(store="shop", storefronts=(UK, US))
    report = check_readiness(cmd, InMemoryCatalogSource(families), FixedClock(NOW))
    for s in report.storefronts:
        assert s.listed + s.blocked + s.not_licensed + s.not_yet_or_withdrawn == s.editions == report.editions
    uk, us = report.storefronts
    assert us.not_licensed > uk.not_licensed  # the sample catalogue has UK-only titles
    assert uk.not_yet_or_withdrawn > 0
    plan = plan_store(cmd, InMemoryCatalogSource(families), InMemoryUnitOfWork(), FixedClock(NOW)).plan
    assert (report.products, report.products_held) == (len(plan.of_kind(ActionKind.CREATE)), len(plan.skipped))


def test_each_problem_code_is_listed_once_at_its_severest_counting_each_edition_once():
    """A missing USD price blocks the edition licensed in the US and is only a warning for the one that is not
    (not being licensed holds it back there): `check` lists `no-price` once, as blocking, for one edition; a
    missing cover on both storefronts is one edition's problem, not two."""
    from bookbridge.domain.model import Rights, SalesRights
    from bookbridge.domain.territory import Territory
    from examples import EBOOK, HARDBACK, PAPERBACK, edition, family, gbp

    uk_only = Rights(sales_rights=(SalesRights(type="01", territory=Territory(countries_included=frozenset({"GB"}))),))
    families = [family(edition(isbn=HARDBACK, prices=(gbp("9.99"),)),  # world rights, no USD price: blocks in US
                       edition(isbn=PAPERBACK, prices=(gbp("7.99"),), rights=uk_only),  # not licensed in the US
                       edition(isbn=EBOOK, resources=(), prices=(gbp("4.99"),)))]  # no cover either
    report = check_readiness(SyncStore(store="shop", storefronts=(UK, US)), InMemoryCatalogSource(families),
                             FixedClock(NOW))
    codes = [code for _, code in report.by_code]
    assert len(codes) == len(set(codes)), report.by_code
    assert report.by_code[(Severity.BLOCKING, "no-price")] == 2  # the hardback and the eBook; not the paperback
    assert report.examples["no-price"].blocking
    assert report.by_code[(Severity.BLOCKING, "missing-cover")] == 1
