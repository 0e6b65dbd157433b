"""Contract suites for every port a plugin can implement, and helpers for a plugin's own tests.

Subclass a contract in a pytest module, name the subclass `Test…`, and implement its factory methods::

    from bookbridge.testing import StorefrontContract

    class TestMyShop(StorefrontContract):
        def make_storefront(self) -> Storefront:
            return MyShop(...)
        ...

Every test then runs against your adapter. bookbridge runs each suite against its in-memory adapter (the
reference behaviour) and against every real adapter it ships (tests/contracts/).

Ports a plugin implements: `CatalogSourceContract`, `StorefrontContract`, `OrderSourceContract`,
`NotifierContract`, `SalesSinkContract`. The core's own: `ExceptionQueueContract`, `SyncStateContract`,
`UnitOfWorkContract`. `registry_of(plugin)` registers a plugin the way the service does, and `context()` is
the `AdapterContext` a factory gets.
"""

from bookbridge.testing.category_ids_contract import CategoryIdsContract
from bookbridge.testing.exception_queue_contract import ExceptionQueueContract
from bookbridge.testing.notifier_contract import NotifierContract
from bookbridge.testing.order_source_contract import OrderSourceContract
from bookbridge.testing.plugins import context, registry_of
from bookbridge.testing.sales_sink_contract import SalesSinkContract
from bookbridge.testing.source_contract import CatalogSourceContract
from bookbridge.testing.storefront_contract import StorefrontContract
from bookbridge.testing.sync_state_contract import SyncStateContract
from bookbridge.testing.unit_of_work_contract import UnitOfWorkContract

__all__ = [
    "CatalogSourceContract",
    "CategoryIdsContract",
    "ExceptionQueueContract",
    "NotifierContract",
    "OrderSourceContract",
    "SalesSinkContract",
    "StorefrontContract",
    "SyncStateContract",
    "UnitOfWorkContract",
    "context",
    "registry_of",
]
