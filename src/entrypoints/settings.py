"""bookbridge's configuration: a TOML file plus `BOOKBRIDGE_*` environment variables, validated by pydantic.

Secrets never live in the TOML: adapters take the *name* of an environment variable or a file that holds
them (`access_token_env`, `api_key_file`, ...). docs/configuration.md documents every key; a test fails when
the two disagree.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from domain.drift import DriftPolicy
from domain.listing import MappingSettings, Section
from domain.storefront import StorefrontSettings

CONFIG_ENV = "BOOKBRIDGE_CONFIG"
DEFAULT_CONFIG = Path("bookbridge.toml")
_config_file: ContextVar[Path | None] = ContextVar("bookbridge_config_file", default=None)


class AdapterSettings(BaseModel):
    """An adapter chosen by `kind` (a registered plugin name); the other keys go to its factory."""

    model_config = ConfigDict(extra="allow")

    kind: str = Field(min_length=1)

    def options(self) -> dict[str, Any]:
        return {**(self.model_extra or {}), "kind": self.kind}


class StoreSettings(AdapterSettings):
    name: str = Field(default="store", min_length=1)


class ScheduleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delta_sync_minutes: int = Field(default=15, ge=1)
    order_import_minutes: int = Field(default=5, ge=1)
    reconcile_cron: str = "0 2 * * *"  # nightly
    retry_transient_cron: str = "30 6 * * *"  # daily


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKBRIDGE_", env_nested_delimiter="__", extra="forbid")

    database_url: str = "sqlite:///bookbridge.db"
    source: AdapterSettings = AdapterSettings(kind="sample")
    store: StoreSettings = StoreSettings(kind="memory")
    storefronts: list[StorefrontSettings] = Field(default_factory=list)
    mapping: MappingSettings = MappingSettings()
    schedules: ScheduleSettings = ScheduleSettings()
    exception_queues: list[AdapterSettings] = Field(default_factory=list)
    # Per section (core, pricing, media, custom_fields, storefronts): what reconcile does with a store-side edit.
    field_ownership: dict[str, DriftPolicy] = Field(default_factory=dict)

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("field_ownership")
    @classmethod
    def _sections(cls, value: dict[str, DriftPolicy]) -> dict[str, DriftPolicy]:
        known = {section.value for section in Section}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown section {', '.join(map(repr, unknown))}: use one of {', '.join(sorted(known))}")
        return value

    def drift_policies(self) -> dict[Section, DriftPolicy]:
        """Every section's reconcile policy; `overwrite` unless field_ownership says otherwise."""
        return {section: self.field_ownership.get(section.value, DriftPolicy.OVERWRITE) for section in Section}

    @model_validator(mode="after")
    def _storefronts(self) -> Settings:
        names = [s.name for s in self.storefronts]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"storefront names must be unique: {', '.join(duplicates)}")
        channels = [s.channel_id for s in self.storefronts]
        if len(channels) != len(set(channels)):
            raise ValueError("two storefronts use the same channel_id")
        defaults = [s.name for s in self.storefronts if s.default_currency]
        if self.storefronts and len(defaults) != 1:
            raise ValueError("exactly one storefront must have default_currency = true (the store's currency); "
                             f"found {len(defaults)}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = _config_file.get() or Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG))
        toml = TomlConfigSettingsSource(settings_cls, toml_file=path if path.exists() else None)
        # Environment variables win over the file; explicit arguments win over both.
        return (init_settings, env_settings, toml)


class ConfigurationError(Exception):
    """The configuration is invalid; the message names each key and says what is wrong."""


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    if path is not None and not path.exists():
        raise ConfigurationError(f"configuration file {path} does not exist (run `bookbridge init` to write one)")
    token = _config_file.set(path)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(top level)"
            lines.append(f"{key}: {error['msg']}")
        raise ConfigurationError("invalid configuration:\n  " + "\n  ".join(lines)) from None
    finally:
        _config_file.reset(token)
