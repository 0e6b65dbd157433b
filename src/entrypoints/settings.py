"""bookbridge's configuration: a TOML file plus `BOOKBRIDGE_*` environment variables, validated by pydantic.

Secrets never live in the TOML: adapters take the *name* of an environment variable or a file that holds
them (`access_token_env`, `api_key_file`, ...). docs/configuration.md documents every key; a test fails when
the two disagree.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, InitSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from bookbridge.application.milestones import MilestoneAction
from bookbridge.domain.config_values import ConfigBool, ConfigInt, EnvironmentText
from bookbridge.domain.drift import DriftPolicy
from bookbridge.domain.listing import MappingSettings, Section
from bookbridge.domain.milestones import Transition
from bookbridge.domain.storefront import StorefrontSettings, storefront_words
from bookbridge.domain.words import value_error_words
from bookbridge.entrypoints.category_file import load_category_mapping
from bookbridge.entrypoints.crontab import cron_trigger
from bookbridge.entrypoints.plugins import DISABLED_ENV

CONFIG_ENV = "BOOKBRIDGE_CONFIG"
ENV_PREFIX = "BOOKBRIDGE_"
# BOOKBRIDGE_* variables read outside the settings (the file; plugins not to load, entrypoints/plugins.py; the
# test suite's): never taken for a misspelt key.
OUTSIDE_SETTINGS = frozenset({CONFIG_ENV, DISABLED_ENV, "BOOKBRIDGE_STATEFUL_EXAMPLES", "BOOKBRIDGE_SCREENSHOTS"})
TEST_PREFIX = "BOOKBRIDGE_TEST_"
DEFAULT_CONFIG = Path("bookbridge.toml")
DEFAULT_DATABASE = "bookbridge.db"
# What `load_settings` read from the configuration file, its relative paths already resolved.
_file_data: ContextVar[dict[str, Any] | None] = ContextVar("bookbridge_config_data", default=None)
_embedded: ContextVar[bool] = ContextVar("bookbridge_embedded_settings", default=False)


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

    delta_sync_minutes: ConfigInt = Field(default=15, ge=1)
    order_import_minutes: ConfigInt = Field(default=5, ge=1)
    reconcile_cron: str = "0 2 * * *"  # nightly
    retry_transient_cron: str = "30 6 * * *"  # daily

    @field_validator("reconcile_cron", "retry_transient_cron")
    @classmethod
    def _crontab(cls, value: str) -> str:
        try:
            cron_trigger(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a crontab expression (minute hour day month weekday): {exc}") from None
        return value

    @property
    def crontabs(self) -> tuple[str, ...]:
        """The configured crontab lines, as written: a schedule with no shorter wording is shown by its own line."""
        return self.reconcile_cron, self.retry_transient_cron


class ServiceSettings(BaseModel):
    """`bookbridge serve`: where the HTTP app listens, and how this instance names itself in leases and logs."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: ConfigInt = Field(default=8080, ge=0, le=65535)
    instance: str = ""  # empty: host:pid
    launch_retry_seconds: ConfigInt = Field(default=10, ge=1)  # a launch finding another instance syncing tries again
    plan_ahead_seconds: ConfigInt = Field(default=60, ge=0, le=3600)  # plan a known flip this long before it; 0: never


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
    webhook_tolerance_seconds: ConfigInt = Field(default=300, ge=1, le=3600)  # replay window for webhook-timestamp
    max_body_bytes: ConfigInt = Field(default=1_048_576, ge=1024)
    login_free_attempts: ConfigInt = Field(default=5, ge=1)  # wrong tokens per client before the back-off starts
    login_backoff_max_seconds: ConfigInt = Field(default=300, ge=1)  # the back-off doubles from 1 s up to this
    refusal_log_per_minute: ConfigInt = Field(default=10, ge=1)  # log lines for refused webhooks; all are counted
    webhook_retention_days: ConfigInt = Field(default=30, ge=1)  # processed webhook events older than this go

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

    enabled: ConfigBool = True
    overlap_minutes: ConfigInt = Field(default=10, ge=0)  # each read reaches back this far before the cursor
    page_size: ConfigInt = Field(default=250, ge=1, le=250)  # GET /v2/orders `limit`


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid")

    database_url: str = f"sqlite:///{DEFAULT_DATABASE}"
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
        by_channel: dict[int, list[str]] = {}
        for s in self.storefronts:
            by_channel.setdefault(s.channel_id, []).append(s.name)
        for channel, sharing in by_channel.items():
            if len(sharing) > 1:
                raise ValueError(f"{storefront_words(sharing)} both use channel_id = {channel}: each storefront "
                                 "sells through a channel of its own (`bookbridge check` lists them)")
        defaults = [s.name for s in self.storefronts if s.default_currency]
        if self.storefronts and len(defaults) != 1:
            # The key is true unless set, so a second storefront added bare is a second default: say the fix.
            fix = (f"found {storefront_words(defaults)}: set default_currency = false on "
                   f"{storefront_words(defaults[1:])} (on every one but the storefront in the store's currency; "
                   "the key is true unless set)" if defaults
                   else "found none: set default_currency = true on the storefront in the store's currency")
            raise ValueError("exactly one storefront must have default_currency = true (the store's currency); "
                             f"{fix}")
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
        if _embedded.get():  # embedded_settings: the values given and the defaults, nothing from around
            return (init_settings,)
        data = _file_data.get()
        if data is None:  # built directly, not by load_settings: the default file, if there is one
            path = config_path(None)
            data = read_config_file(path) if path.exists() else {}
        # Environment variables win over the file; explicit arguments win over both.
        given = init_settings.init_kwargs if isinstance(init_settings, InitSettingsSource) else {}
        return (init_settings, _EnvironmentSource(settings_cls, env_settings, (given, data)),
                InitSettingsSource(settings_cls, init_kwargs=data))


class _EnvironmentSource(PydanticBaseSettingsSource):
    """The BOOKBRIDGE_* variables, every value of theirs as `EnvironmentText`: text by nature, from which a flag or
    a number is read (`BOOKBRIDGE_ORDERS__ENABLED=no`, an adapter's `BOOKBRIDGE_SOURCE__FAMILIES=4`), where the
    file's own value must be of its TOML type (domain/config_values.py). A variable whose top-level key is unknown
    is given as that key, so that it is refused as a misspelt key is (pydantic-settings would skip it), unless
    bookbridge reads it outside the settings or a `*_env` key of `others` (the file, the arguments) or of the
    variables names it."""

    def __init__(self, settings_cls: type[BaseSettings], variables: PydanticBaseSettingsSource,
                 others: Sequence[dict[str, Any]]) -> None:
        super().__init__(settings_cls)
        self._variables = variables
        self._others = others

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._variables.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        values = {key: _as_text(value) for key, value in self._variables().items()}
        named = {name for table in (values, *self._others) for name in _named_variables(table)}
        for variable, value in os.environ.items():
            key = variable.removeprefix(ENV_PREFIX).split("__")[0].lower()
            if (variable.startswith(ENV_PREFIX) and key and key not in self.settings_cls.model_fields
                    and variable not in OUTSIDE_SETTINGS | named and not variable.startswith(TEST_PREFIX)):
                values.setdefault(key, EnvironmentText(value))
        return values


def _named_variables(value: Any) -> Iterator[str]:
    """The environment variables that the `*_env` keys in `value` (a table, a list of tables) name."""
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).endswith("_env") and isinstance(item, str):
                yield item
            else:
                yield from _named_variables(item)
    elif isinstance(value, list):
        for item in value:
            yield from _named_variables(item)


def _as_text(value: Any) -> Any:
    """`value` with every string in it as `EnvironmentText` (a list of tables given as JSON too)."""
    if isinstance(value, dict):
        return {key: _as_text(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    return EnvironmentText(value) if type(value) is str else value


def embedded_settings(**values: Any) -> Settings:
    """Settings of `values` and the defaults alone (the demo's): no configuration file, whether ./bookbridge.toml
    or $BOOKBRIDGE_CONFIG, and no BOOKBRIDGE_* variable, so that nothing of a real setup (its port, schedules,
    exception queues) reaches them."""
    token = _embedded.set(True)
    try:
        return Settings(**values)
    finally:
        _embedded.reset(token)


class ConfigurationError(Exception):
    """The configuration is invalid; the message names each key and says what is wrong."""


def configuration_message(lines: list[str]) -> str:
    """An invalid configuration's message, worded one way by every command: one error on the heading's line
    (`invalid configuration: <error>`), several each on its own line under it."""
    if len(lines) == 1:
        return f"invalid configuration: {lines[0]}"
    return "invalid configuration:" + "".join(f"\n  {line}" for line in lines)


def config_path(path: Path | None) -> Path:
    """The configuration file: `path`, else $BOOKBRIDGE_CONFIG, else ./bookbridge.toml."""
    return path or Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


# Keys that name a file or a folder, in any table: read relative to the configuration file's folder.
_PATH_KEYS = frozenset({"path", "directory", "categories"})
_PATH_SUFFIXES = ("_file", "_dir")


def _is_path_key(key: str) -> bool:
    return key in _PATH_KEYS or key.endswith(_PATH_SUFFIXES)


def _resolved(value: Any, folder: Path) -> Any:
    """Relative paths in `value` (a table, a list of tables) made absolute against `folder`."""
    if isinstance(value, dict):
        return {k: (str(folder / v) if _is_path_key(str(k)) and isinstance(v, str) and v
                    and not Path(v).expanduser().is_absolute() and "://" not in v else _resolved(v, folder))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v, folder) for v in value]
    return value


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's tables, with every relative path in it (an ONIX file, a drop folder, a SQLite database, a
    secret's file, the category mapping) resolved against the file's own folder, not the working directory. A
    file that names no database keeps its state next to itself."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    folder = path.resolve().parent
    data = {str(k): _resolved(v, folder) for k, v in data.items()}
    url = data.get("database_url", f"sqlite:///{DEFAULT_DATABASE}")
    if isinstance(url, str) and url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        database = url.removeprefix("sqlite:///")
        if database and not Path(database).is_absolute():
            url = f"sqlite:///{folder / database}"
    data["database_url"] = url
    return data


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """The settings from `path` (else $BOOKBRIDGE_CONFIG, else ./bookbridge.toml when it exists), the BOOKBRIDGE_*
    variables and `overrides`. A file named by `path` or $BOOKBRIDGE_CONFIG must exist."""
    where = config_path(path)
    if not where.exists():
        if path is not None:
            raise ConfigurationError(f"configuration file {path} does not exist (run `bookbridge init` to write one)")
        if os.environ.get(CONFIG_ENV):
            raise ConfigurationError(f"configuration file {where} (from ${CONFIG_ENV}) does not exist (run "
                                     "`bookbridge init` to write one, or unset the variable)")
    try:
        data = read_config_file(where) if where.exists() else {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"configuration file {where} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigurationError(f"configuration file {where} cannot be read: {exc.strerror or exc}") from None
    token = _file_data.set(data)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        lines = dict.fromkeys(line for error in errors if (line := _error_line(error, data, errors)) is not None)
        raise ConfigurationError(configuration_message(list(lines))) from None
    finally:
        _file_data.reset(token)


def _where(loc: tuple[int | str, ...], data: dict[str, Any], *, table: bool = False) -> str:
    """A key's place in the file's words, as `[table] key`: `[[storefronts]] 'uk' currency` (a list's entry by
    its name, not storefronts.0.currency), `[schedules] delta_sync_minutes`, `database_url`. `table`: `loc` is a
    table (`[schedules]`)."""
    if len(loc) > 1 and isinstance(loc[1], int):  # a list's entry: by its name (a storefront's) or kind, else #n
        entry = _table_at(loc[:2], data) or {}
        label = entry.get("name" if loc[0] == "storefronts" else "kind")
        head = f"[[{loc[0]}]] " + (repr(label) if isinstance(label, str) else f"#{loc[1] + 1}")
        return " ".join([head, ".".join(str(p) for p in loc[2:])]).strip()
    if table:
        return "[" + ".".join(str(p) for p in loc) + "]"
    return str(loc[0]) if len(loc) == 1 else f"[{loc[0]}] " + ".".join(str(p) for p in loc[1:])


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the table at `loc` (list indexes skipped), or None."""
    model: type[BaseModel] = Settings
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        nested = [a for a in (field.annotation, *get_args(field.annotation))
                  if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            return None
        model = nested[0]
    return model


def _table_at(loc: tuple[int | str, ...], data: dict[str, Any]) -> dict[str, Any] | None:
    """The file's table at `loc` (`("storefronts", 0)`), or None where the file has none."""
    value: Any = data
    for part in loc:
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and part < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else None


def _known_keys(model: type[BaseModel] | None) -> list[str]:
    return sorted(f.alias or name for name, f in model.model_fields.items()) if model else []


def _error_line(error: Any, data: dict[str, Any], errors: Sequence[Any] = ()) -> str | None:
    """One validation error in the file's words; None when another error of `errors` says it better (a required
    key missing because it is misspelt: the misspelling's line names both)."""
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden" and loc:
        key, parent = str(loc[-1]), loc[:-1]
        known = _known_keys(_model_at(parent))
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        # `[table] key: unknown key`, as every configuration error names a key.
        where = f"{_where(parent, data, table=True)} {key}: unknown key" if parent else f"{key}: unknown top-level key"
        if (variable := _variable(loc)) is not None:  # not in the file: said as the variable it came from
            rest = variable.removeprefix(_variable_name(loc))  # a misspelt table's own key: `__DELTA_SYNC_MINUTES`
            hint = f"did you mean {_variable_name((*parent, close[0]))}{rest}? " if close else ""
            return f"{where} (from the environment variable {variable}; {hint}known: {', '.join(known)})"
        return f"{where} ({hint}known: {', '.join(known)})"
    if error["type"] == "missing" and loc:
        key, parent = str(loc[-1]), loc[:-1]
        table = _table_at(parent, data) or {}
        known = _known_keys(_model_at(parent))
        near = difflib.get_close_matches(key, [str(k) for k in table if k not in known], n=1)
        if near and any(e["type"] == "extra_forbidden" and tuple(e["loc"]) == (*parent, near[0]) for e in errors):
            return None  # its unknown key's line says it, with the key it means
        where = _where(parent, data, table=True) if parent else "the configuration file"
        if near:  # a table whose other keys go to its adapter: the misspelling is not an error of its own
            return f"{where} {near[0]}: unknown key (did you mean {key!r}?)"
        return f"{where} needs {key!r}"
    message = value_error_words(error["type"], str(error["msg"]), error.get("ctx"), error.get("input"))
    if not loc:
        return message
    if (variable := _variable(loc)) is not None:  # where the value came from
        message += f" (from the environment variable {variable})"
    return f"{_where(loc, data)}: {message}"


def _variable_name(loc: tuple[int | str, ...]) -> str:
    """The BOOKBRIDGE_* variable that sets the key at `loc` (`BOOKBRIDGE_SCHEDULES__DELTA_SYNC_MINUTES`)."""
    return "BOOKBRIDGE_" + "__".join(str(p).upper() for p in loc)


def _variable(loc: tuple[int | str, ...]) -> str | None:
    """The BOOKBRIDGE_* variable set in the environment that gave the key at `loc`, or None (a list's entry is
    the file's alone). An unknown top-level key may have come from a variable of a key under it
    (`BOOKBRIDGE_SCHEDULE__DELTA_SYNC_MINUTES` for `schedule`)."""
    variable = _variable_name(loc)
    if not all(isinstance(p, str) for p in loc):
        return None
    if variable in os.environ:
        return variable
    if len(loc) > 1 or loc[0] in Settings.model_fields:
        return None
    under = sorted(name for name in os.environ if name.startswith(f"{variable}__"))
    return under[0] if under else None
