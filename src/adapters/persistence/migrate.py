"""Schema migrations, run from code: `upgrade(url)` is `alembic upgrade head` with a Config built here.

`current_revision` and `is_up_to_date` serve readiness checks: the service should refuse to sync against a
database whose schema is behind the code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine

from bookbridge.adapters.persistence.engine import make_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str | URL | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if url is not None:
        rendered = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def upgrade(target: Engine | str | URL, revision: str = "head") -> None:
    """Bring the schema at `target` (an engine, or a URL for a one-off engine) up to `revision`."""
    engine = target if isinstance(target, Engine) else make_engine(target)
    try:
        with engine.begin() as connection:
            _run(connection, lambda config: command.upgrade(config, revision))
    finally:
        if engine is not target:
            engine.dispose()


def downgrade(engine: Engine, revision: str = "base") -> None:
    with engine.begin() as connection:
        _run(connection, lambda config: command.downgrade(config, revision))


def _run(connection: Connection, step: Callable[[Config], None]) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    step(config)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:  # never waits on a writer
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
