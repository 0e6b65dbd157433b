"""The feed's configuration: the `[store]` mapping of a bookbridge configuration with `kind = "merchant-feed"`.

    directory       where the feeds go (created on first write)
    countries       storefront channel -> target countries, e.g. {"1": ["GB"], "2": ["US"]}: a product is in a
                    country's feed only where it is listed on a channel mapped to that country (rights decide).
                    Default: each configured `[[storefronts]]` entry's channel and countries
    currencies      channel -> the ISO 4217 currency its feeds are priced in, e.g. {"1": "GBP", "2": "USD"};
                    a channel without one uses the store's default-currency price. Default: each storefront's
                    channel and currency
    link_template   the product page, e.g. "https://shop.example/{custom_url}" ({custom_url} without its
                    leading "/", {sku}, {country})
    title, home     the RSS channel's title and link (default: the store name, the link template's site)
    product_type    the root of `g:product_type` (default "Books": "Books > Paperback")
    filename        default "feed-{country}.xml"
    index_file      the small index of products and their item ids (default ".merchant-feed-index.json")
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pycountry
from bookbridge import AdapterContext, AdapterOptions
from bookbridge.domain.territory import all_countries
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

_PLACEHOLDERS = {"custom_url": "p/", "sku": "9780000000002", "country": "GB"}


class FeedOptions(AdapterOptions):
    """The keys an operator may write in the `[store]` table (bookbridge refuses any other, suggesting the
    closest). Values are checked when they become `FeedSettings`, with messages naming the key."""

    directory: Path | None = None
    countries: Mapping[Any, Any] | None = None
    currencies: Mapping[Any, Any] | None = None
    link_template: str | None = None
    title: str | None = None
    home: str | None = None
    product_type: str | None = None
    filename: str | None = None
    index_file: str | None = None


class FeedSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(default="merchant-feed", min_length=1)
    directory: Path
    countries: dict[int, tuple[str, ...]] = Field(min_length=1)
    currencies: dict[int, str] = Field(default_factory=dict)
    link_template: str
    title: str = ""
    home: str = ""
    product_type: str = "Books"
    filename: str = "feed-{country}.xml"
    index_file: str = ".merchant-feed-index.json"

    @classmethod
    def from_options(cls, options: FeedOptions, context: AdapterContext) -> FeedSettings:
        """Settings from the store's options and what bookbridge passes besides: the store's name, and the
        configured storefronts, which give `countries` and `currencies` when the table does not. Errors name
        the key."""
        values: dict[str, Any] = {"name": context.name, **options.model_dump(exclude_none=True)}
        storefronts = context.storefronts
        if storefronts:  # bookbridge's settings give each storefront a channel of its own
            values.setdefault("countries", {s.channel_id: sorted(s.countries) for s in storefronts})
            values.setdefault("currencies", {s.channel_id: s.currency for s in storefronts})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'store'}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"store 'merchant-feed': {problems}") from None

    @field_validator("countries", mode="before")
    @classmethod
    def _countries(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValueError('must map channel ids to country codes, e.g. {"1": ["GB"]}')
        known = all_countries()
        mapped: dict[Any, tuple[str, ...]] = {}
        for channel, codes in value.items():
            listed = codes.split() if isinstance(codes, str) else list(codes)
            upper = tuple(dict.fromkeys(str(c).strip().upper() for c in listed if str(c).strip()))
            unknown = [c for c in upper if c not in known]
            if unknown or not upper:
                raise ValueError(f"channel {channel}: not ISO 3166-1 alpha-2 country codes: {codes!r}")
            mapped[channel] = upper
        return mapped

    @field_validator("currencies")
    @classmethod
    def _currencies(cls, value: dict[int, str]) -> dict[int, str]:
        upper = {channel: code.strip().upper() for channel, code in value.items()}
        unknown = sorted(c for c in upper.values() if pycountry.currencies.get(alpha_3=c) is None)
        if unknown:
            raise ValueError(f"not ISO 4217 currency codes: {', '.join(unknown)}")
        return upper

    @field_validator("link_template")
    @classmethod
    def _link(cls, value: str) -> str:
        try:
            example = value.format(**_PLACEHOLDERS)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"unknown placeholder {exc} (use {{custom_url}}, {{sku}}, {{country}})") from None
        if urlsplit(example).scheme not in ("http", "https") or not urlsplit(example).netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value

    @field_validator("filename")
    @classmethod
    def _filename(cls, value: str) -> str:
        if "{country}" not in value or "/" in value:
            raise ValueError("must be a file name holding {country}, e.g. feed-{country}.xml")
        return value

    @property
    def target_countries(self) -> tuple[str, ...]:
        return tuple(sorted({c for codes in self.countries.values() for c in codes}))

    @property
    def index_path(self) -> Path:
        return self.directory / self.index_file

    def feed_path(self, country: str) -> Path:
        return self.directory / self.filename.format(country=country)

    @property
    def site(self) -> str:
        parts = urlsplit(self.link_template.format(**_PLACEHOLDERS))
        return self.home or f"{parts.scheme}://{parts.netloc}/"
