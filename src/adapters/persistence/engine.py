"""Engines and sessions. Nothing here runs at import: the composition root calls `make_engine` once.

SQLite (the default, one file) runs in WAL mode with foreign keys on and a busy timeout. Its transactions
begin with BEGIN IMMEDIATE, so that two writers queue on the busy timeout instead of one failing when it
upgrades a read lock; reads inside a unit of work see one snapshot. A connection with
`isolation_level="AUTOCOMMIT"` skips the BEGIN, for reads that must not wait. PostgreSQL uses psycopg 3.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///bookbridge.db"
BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str | URL = DEFAULT_URL, **options: Any) -> Engine:
    """An engine for `url`: `sqlite:///path.db` or `postgresql+psycopg://user@host/db`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship
    if parsed.get_backend_name() == "postgresql":
        options.setdefault("pool_pre_ping", True)  # a long-running service outlives server restarts
    engine = create_engine(parsed, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Repositories return domain objects, so nothing needs reloading after a commit.
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" hook emit BEGIN itself
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _sqlite_begin(connection: Any) -> None:
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # a lock-free read, e.g. a readiness check while a sync is writing
    connection.exec_driver_sql("BEGIN IMMEDIATE")
