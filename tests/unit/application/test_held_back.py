"""Why editions are held back, grouped by reason: a blocking problem by its code, a missing licence, a stage."""

from __future__ import annotations

from datetime import UTC, datetime

from bookbridge.application.held_back import held_back
from bookbridge.domain.storefront import StorefrontSettings
from examples import EBOOK, HARDBACK, PAPERBACK, edition, family, gbp, storefront, usd

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
US = StorefrontSettings(name="us", countries=frozenset({"US"}), currency="USD", timezone="America/New_York",
                        tax_inclusive=False, channel_id=2, default_currency=False)


def test_editions_held_back_are_grouped_by_reason_and_counted_once() -> None:
    priced_everywhere = edition(isbn=HARDBACK, prices=(gbp("16.99"), usd("24.99")))
    gbp_only = edition(isbn=PAPERBACK, prices=(gbp("8.99"),))
    also_gbp_only = edition(isbn=EBOOK, prices=(gbp("6.99"),), resources=())  # and no cover, anywhere
    groups = held_back([family(priced_everywhere, gbp_only, also_gbp_only)], [storefront(), US], now=NOW)
    found = {g.reason: (g.editions, g.storefronts) for g in groups}
    assert found["no price"] == (tuple(sorted((str(PAPERBACK), str(EBOOK)))), ("us",))
    assert found["missing cover"][0] == (str(EBOOK),)
    assert str(HARDBACK) not in {i for g in groups for i in g.editions}
    assert groups[0].reason == "no price"  # the most editions first
