"""The order-import job's one call into the orders use case, kept apart so that it can be adjusted alone.

`Service` calls `import_orders_now(container)` under the `order-import:{store}` lease, as `bookbridge orders
import` does; tests inject their own callable instead (`Service(container, order_import=...)`).
"""

from __future__ import annotations

from bookbridge.application.orders import ImportReport, import_orders
from bookbridge.entrypoints.container import Container, build_import_command


def import_orders_now(container: Container) -> ImportReport:
    """Import orders modified since the cursor (minus the overlap) and send the changed days to the sinks."""
    # A unit of work of its own (the container makes one per call): jobs run on several threads.
    return import_orders(build_import_command(container.settings()), container.order_source(),
                         container.sales_ledger(), container.sales_sinks(), container.unit_of_work(),
                         container.clock())
