"""The order-import job's one call into the orders use case, and the sales delivery's (the retry of a sales sink's
exception), kept apart so that they can be adjusted alone.

`Service` calls `import_orders_now(container)` and `deliver_sales_now(container, sink)` under the
`order-import:{store}` lease, as `bookbridge orders import` and `bookbridge exceptions retry` do; tests inject
their own callables instead (`Service(container, order_import=..., deliver_sales=...)`).
"""

from __future__ import annotations

from bookbridge.application.orders import DeliveryReport, ImportReport, deliver_sales, import_orders
from bookbridge.entrypoints.container import Container, build_import_command


def import_orders_now(container: Container) -> ImportReport:
    """Import orders modified since the cursor (minus the overlap) and send the changed days to the sinks."""
    # A unit of work of its own (the container makes one per call): jobs run on several threads.
    return import_orders(build_import_command(container.settings()), container.order_source(),
                         container.sales_ledger(), container.sales_sinks(), container.unit_of_work(),
                         container.clock())


def deliver_sales_now(container: Container, sink: str) -> DeliveryReport:
    """Send the sales sink named `sink` its pending days, reading no order (the retry of its exception); a name no
    `[[sales_sinks]]` entry has any more sends nothing."""
    return deliver_sales(container.sales_ledger(), [s for s in container.sales_sinks() if s.name == sink],
                         container.unit_of_work(), container.clock())
