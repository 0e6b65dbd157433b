"""bookbridge's configuration: a TOML file plus `BOOKBRIDGE_*` environment variables, validated by pydantic.

Secrets never live in the TOML: adapters take the *name* of an environment variable or a file that holds
them (`access_token_env`, `api_key_file`, ...). docs/configuration.md documents every key; a test fails when
the two disagree.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from bookbridge.application.milestones import MilestoneAction
from bookbridge.domain.drift import DriftPolicy
from bookbridge.domain.listing import MappingSettings, Section
from bookbridge.domain.milestones import Transition
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.entrypoints.category_file import load_category_mapping

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

    @field_validator("reconcile_cron", "retry_transient_cron")
    @classmethod
    def _crontab(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a crontab expression (minute hour day month weekday): {exc}") from None
        return value


class ServiceSettings(BaseModel):
    """`bookbridge serve`: where the HTTP app listens, and how this instance names itself in leases and logs."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    instance: str = ""  # empty: host:pid
    launch_retry_seconds: int = Field(default=10, ge=1)  # a launch that finds the store's sync busy tries again


class HttpSettings(BaseModel):
    """The HTTP app (`bookbridge serve`): admin token, webhook authentication, body limit. Secrets by reference."""

    model_config = ConfigDict(extra="forbid")

    admin_token_env: str | None = None  # the bearer token for /api and the dashboard; unset: both are locked
    admin_token_file: Path | None = None
    webhook_secret_env: str | None = None  # the API account's client secret: Standard Webhooks signatures
    webhook_secret_file: Path | None = None
    webhook_custom_header: str | None = None  # a header the hook carries (`headers` in POST /v3/hooks)
    webhook_custom_header_env: str | None = None  # its expected value
    webhook_custom_header_file: Path | None = None
    webhook_tolerance_seconds: int = Field(default=300, ge=1, le=3600)  # replay window for webhook-timestamp
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    login_free_attempts: int = Field(default=5, ge=1)  # wrong tokens per client before the back-off starts
    login_backoff_max_seconds: int = Field(default=300, ge=1)  # the back-off doubles from 1 s up to this
    refusal_log_per_minute: int = Field(default=10, ge=1)  # log lines for refused webhooks; all are counted
    webhook_retention_days: int = Field(default=30, ge=1)  # processed webhook events older than this go

    @model_validator(mode="after")
    def _one_source_each(self) -> HttpSettings:
        for name in ("admin_token", "webhook_secret", "webhook_custom_header"):
            if getattr(self, f"{name}_env") and getattr(self, f"{name}_file"):
                raise ValueError(f"give {name}_env or {name}_file, not both")
        if bool(self.webhook_custom_header) != bool(self.webhook_custom_header_env or self.webhook_custom_header_file):
            raise ValueError("webhook_custom_header needs its value from webhook_custom_header_env or "
                             "webhook_custom_header_file, and they need the header's name")
        return self


class OrderSettings(BaseModel):
    """`bookbridge orders import` and the service's order-import job (application/orders.py)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    overlap_minutes: int = Field(default=10, ge=0)  # each read reaches back this far before the cursor
    page_size: int = Field(default=250, ge=1, le=250)  # GET /v2/orders `limit`


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKBRIDGE_", env_nested_delimiter="__", extra="forbid")

    database_url: str = "sqlite:///bookbridge.db"
    source: AdapterSettings = AdapterSettings(kind="sample")
    store: StoreSettings = StoreSettings(kind="memory")
    storefronts: list[StorefrontSettings] = Field(default_factory=list)
    mapping: MappingSettings = MappingSettings()
    schedules: ScheduleSettings = ScheduleSettings()
    service: ServiceSettings = ServiceSettings()
    http: HttpSettings = HttpSettings()
    # Per milestone transition, the store action it triggers (application/milestones.py); unset: the default.
    milestones: dict[Transition, MilestoneAction] = Field(default_factory=dict)
    exception_queues: list[AdapterSettings] = Field(default_factory=list)
    orders: OrderSettings = OrderSettings()
    sales_sinks: list[AdapterSettings] = Field(default_factory=list)  # where imported sales go (adapters/sales)
    # Per section (core, pricing, media, custom_fields, storefronts): what reconcile does with a store-side edit.
    field_ownership: dict[str, DriftPolicy] = Field(default_factory=dict)

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("mapping", mode="before")
    @classmethod
    def _category_file(cls, value: Any) -> Any:
        """`categories` names the category mapping file (entrypoints/category_file.py): read it here."""
        if isinstance(value, dict) and isinstance(value.get("categories"), str | Path):
            return {**value, "categories": load_category_mapping(Path(value["categories"]))}
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
    except tomllib.TOMLDecodeError as exc:
        where = path or Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
        raise ConfigurationError(f"configuration file {where} is not valid TOML: {exc}") from None
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(top level)"
            lines.append(f"{key}: {error['msg']}")
        raise ConfigurationError("invalid configuration:\n  " + "\n  ".join(lines)) from None
    finally:
        _config_file.reset(token)
