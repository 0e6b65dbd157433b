"""`[[storefronts]]` entries are strict: a misspelt key or a currency ISO 4217 does not know is an error."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bookbridge.domain.storefront import StorefrontSettings

UK = {"name": "uk", "countries": ["GB"], "currency": "GBP"}


@pytest.mark.parametrize("key", ["timezon", "complet", "tax_included"])
def test_an_unknown_key_is_an_error_naming_it(key):
    with pytest.raises(ValidationError) as raised:
        StorefrontSettings(**UK, **{key: "Europe/London"})
    [error] = raised.value.errors()
    assert error["loc"] == (key,) and error["type"] == "extra_forbidden"


@pytest.mark.parametrize("code", ["GPB", "XYZ", "EUE"])
def test_a_currency_iso_4217_does_not_know_is_an_error_naming_it(code):
    with pytest.raises(ValidationError, match=rf"'{code}' is not an ISO 4217 currency code"):
        StorefrontSettings(**{**UK, "currency": code})


@pytest.mark.parametrize(("given", "kept"), [("GBP", "GBP"), ("usd", "USD"), ("eur", "EUR"), ("JPY", "JPY")])
def test_real_currencies_are_accepted_in_capitals(given, kept):
    assert StorefrontSettings(**{**UK, "currency": given}).currency == kept



@pytest.mark.parametrize(("zone", "said"), [
    ("America/NewYork", "unknown time zone 'America/NewYork' (did you mean 'America/New_York'?)"),
    ("Mars/Olympus", "unknown time zone 'Mars/Olympus' (an IANA name such as 'Europe/London')"),
])
def test_an_unknown_time_zone_is_named_with_the_closest_real_one(zone: str, said: str) -> None:
    with pytest.raises(ValidationError) as caught:
        StorefrontSettings(name="us", channel_id=1, currency="USD", countries=["US"], timezone=zone)
    assert said in str(caught.value)
