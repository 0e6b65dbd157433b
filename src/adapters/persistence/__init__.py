"""SQL persistence (SQLAlchemy 2 + Alembic): sync state, the exception queue, the outbox, runs and leases.

Importing this package creates nothing: the composition root calls `make_engine(url)`, `upgrade(engine)`
and builds `SqlAlchemyUnitOfWork(make_session_factory(engine), clock=...)`.
"""

from bookbridge.adapters.persistence.engine import DEFAULT_URL, make_engine, make_session_factory
from bookbridge.adapters.persistence.errors import PersistenceError
from bookbridge.adapters.persistence.exceptions import SqlAlchemyExceptionQueue
from bookbridge.adapters.persistence.leases import holder_id, lease, make_leases
from bookbridge.adapters.persistence.migrate import current_revision, head_revision, is_up_to_date, upgrade
from bookbridge.adapters.persistence.outbox import SqlAlchemyOutbox
from bookbridge.adapters.persistence.runs import SqlAlchemyRunLog, close_abandoned_runs
from bookbridge.adapters.persistence.state import SqlAlchemySyncState
from bookbridge.adapters.persistence.uow import SqlAlchemyUnitOfWork

__all__ = [
    "DEFAULT_URL",
    "PersistenceError",
    "SqlAlchemyExceptionQueue",
    "SqlAlchemyOutbox",
    "SqlAlchemyRunLog",
    "SqlAlchemySyncState",
    "SqlAlchemyUnitOfWork",
    "close_abandoned_runs",
    "current_revision",
    "head_revision",
    "holder_id",
    "is_up_to_date",
    "lease",
    "make_engine",
    "make_leases",
    "make_session_factory",
    "upgrade",
]
