"""Contract suites for the ports, run against our adapters and importable by plugin authors for their own.

Subclass a contract in a pytest module, name the subclass `Test…`, and implement its factory method::

    class TestMyQueue(ExceptionQueueContract):
        def make_queue(self) -> ExceptionQueue:
            return MyQueue(...)

Every test then runs against your adapter. The in-memory adapters pass all of them by definition: they are
the reference behaviour.
"""

from bookbridge.adapters.testing.exception_queue_contract import ExceptionQueueContract
from bookbridge.adapters.testing.sync_state_contract import SyncStateContract
from bookbridge.adapters.testing.unit_of_work_contract import UnitOfWorkContract

__all__ = ["ExceptionQueueContract", "SyncStateContract", "UnitOfWorkContract"]
