"""A storefront as the domain sees it: who it sells to, in what currency, and how it lists formats."""

from __future__ import annotations

import difflib
from enum import StrEnum
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bookbridge.domain.config_values import ConfigBool, ConfigInt
from bookbridge.domain.pricing import PriceContext
from bookbridge.domain.rights import EligibilityPolicy, RightsStatus
from bookbridge.domain.territory import all_countries
from bookbridge.domain.words import storefront_words as storefront_words  # named here since before words.py


class FormatStrategy(StrEnum):
    PRODUCT_PER_EDITION = "product_per_edition"  # default: one product per ISBN
    VARIANTS = "variants"  # one product per family, a Format option and one variant per edition


class StorefrontSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")  # a misspelt key is an error, not a silent default

    name: str = Field(min_length=1)
    channel_id: ConfigInt = 1
    countries: frozenset[str]
    currency: str = Field(min_length=3, max_length=3)
    tax_inclusive: ConfigBool = True
    timezone: str = "UTC"
    format_strategy: FormatStrategy = FormatStrategy.PRODUCT_PER_EDITION
    eligibility: EligibilityPolicy = EligibilityPolicy.ALL_MARKETS
    unknown_rights: RightsStatus = RightsStatus.NOT_FOR_SALE
    outlet_names: tuple[str, ...] = ()  # how SalesRestriction/SalesOutlet names this shop, if ever
    default_currency: ConfigBool = True  # the store's default currency: prices go on the product, not a price list
    require_cover: ConfigBool = True
    require_description: ConfigBool = True

    @field_validator("countries", mode="before")
    @classmethod
    def _countries(cls, value: object) -> frozenset[str]:
        codes = value.split() if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        upper = frozenset(str(c).strip().upper() for c in codes if str(c).strip())
        unknown = sorted(upper - all_countries())
        if unknown:
            raise ValueError(f"not ISO 3166-1 alpha-2 country codes: {', '.join(unknown)}")
        if not upper:
            raise ValueError("a storefront must serve at least one country")
        return upper

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception as exc:  # ZoneInfoNotFoundError, ValueError for malformed keys
            close = difflib.get_close_matches(value, available_timezones(), n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]!r}?)" if close else " (an IANA name such as 'Europe/London')"
            raise ValueError(f"unknown time zone {value!r}{hint}") from exc
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if pycountry.currencies.get(alpha_3=code) is None:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code (e.g. GBP, USD, EUR)")
        return code

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def price_context(self) -> PriceContext:
        return PriceContext(currency=self.currency, countries=self.countries, tax_inclusive=self.tax_inclusive,
                            tz=self.timezone, storefront=self.name)
