"""Alembic owns the schema: the migrations build exactly the SQLAlchemy metadata, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from bookbridge.adapters.persistence import current_revision, head_revision, is_up_to_date, make_engine, upgrade
from bookbridge.adapters.persistence.migrate import downgrade
from bookbridge.adapters.persistence.tables import Base


def test_the_migrations_produce_the_metadata_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, Base.metadata) == []


def test_a_migrated_database_is_up_to_date(engine: Engine) -> None:
    assert current_revision(engine) == head_revision() is not None
    assert is_up_to_date(engine)


def test_upgrade_from_a_url_builds_a_new_sqlite_file_in_wal_mode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine = make_engine(url)
    try:
        assert current_revision(engine) is None and not is_up_to_date(engine)
        upgrade(url)  # what `bookbridge db upgrade` calls
        upgrade(url)  # and again: nothing to do
        assert is_up_to_date(engine)
        assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert (connection.execute(text("PRAGMA busy_timeout")).scalar() or 0) > 0
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(engine: Engine) -> None:
    downgrade(engine, "base")
    try:
        assert current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        upgrade(engine)
    assert is_up_to_date(engine)


def test_the_readiness_check_does_not_wait_for_a_writer(engine: Engine) -> None:
    with engine.begin() as writer:
        writer.execute(text("INSERT INTO source_cursors (source, cursor) VALUES ('busy', NULL)"))
        assert is_up_to_date(engine)  # SQLite: the writer holds the write lock, the check takes none
