"""SQL persistence (SQLAlchemy 2 + Alembic): sync state, the exception queue, the outbox, runs and leases.

Importing this package creates nothing: the composition root calls `make_engine(url)`, `upgrade(engine)`
and builds `SqlAlchemyUnitOfWork(make_session_factory(engine), clock=...)`.
"""

from adapters.persistence.engine import DEFAULT_URL, make_engine, make_session_factory
from adapters.persistence.errors import PersistenceError
from adapters.persistence.exceptions import SqlAlchemyExceptionQueue
from adapters.persistence.leases import Leases, lease, make_leases
from adapters.persistence.migrate import current_revision, head_revision, is_up_to_date, upgrade
from adapters.persistence.outbox import OutboxMessage, SqlAlchemyOutbox
from adapters.persistence.runs import SqlAlchemyRunLog
from adapters.persistence.state import SqlAlchemySyncState
from adapters.persistence.uow import SqlAlchemyUnitOfWork
from domain.ports import EditionOutcome, SyncRun

__all__ = [
    "DEFAULT_URL",
    "EditionOutcome",
    "Leases",
    "OutboxMessage",
    "PersistenceError",
    "SqlAlchemyExceptionQueue",
    "SqlAlchemyOutbox",
    "SqlAlchemyRunLog",
    "SqlAlchemySyncState",
    "SqlAlchemyUnitOfWork",
    "SyncRun",
    "current_revision",
    "head_revision",
    "is_up_to_date",
    "lease",
    "make_engine",
    "make_leases",
    "make_session_factory",
    "upgrade",
]
