"""Databases for the persistence contracts: a migrated SQLite file per test, and one PostgreSQL database
per session (created in the server's `postgres` database, dropped at the end, truncated between tests).

PostgreSQL: set BOOKBRIDGE_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres) to a
database the user may CREATE DATABASE from. Unreachable server: the PostgreSQL tests skip, but under
CI=true they fail, so that CI never goes green without them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, make_url

from bookbridge.adapters.persistence import make_engine, upgrade
from bookbridge.adapters.persistence.tables import Base
from pg_support import fresh_postgres_database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[URL]:
    """A fresh, empty database for this test session."""
    with fresh_postgres_database() as url:
        yield make_url(url)


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: URL) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once; each test gets a copy, which is much faster than migrating again."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # checkpoints the WAL into the file
    return path


def _empty(engine: Engine) -> None:
    """DELETE, not TRUNCATE: on a few rows it is far faster. Ids keep counting up, which no contract minds."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """A migrated, empty database of each kind."""
    if request.param == "postgresql":
        shared: Engine = request.getfixturevalue("postgres_engine")
        _empty(shared)
        yield shared
        return
    path = tmp_path / "bookbridge.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()
