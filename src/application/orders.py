"""Import store orders into the sales ledger and send the changed days to every sales sink.

`import_orders(cmd, source, ledger, sinks, uow, clock)` is a plain function over ports: the CLI, the scheduler's
order-import job and the order webhook all call it. Each run:

1. reads the cursor (the last `date_modified` seen) and asks the source for orders modified since the cursor
   minus the overlap window, oldest first. The overlap is there because an order's `date_modified` is not the
   instant it became readable: an order saved while the previous import was reading (its stamp falls before that
   read's last one), or stamped by a store clock running a little behind, would otherwise never be read. Reading
   some orders twice is safe: each order's lines replace what that order counted before (by order and line id),
   so an order read again counts nothing twice;
2. turns each order into line contributions (domain.sales) and replaces that order's lines in the ledger, which
   marks the changed days pending for every sink in the same transaction; re-reading an order never double counts;
3. advances the cursor once the whole read went through;
4. sends every pending day, whole, to each sink (a re-send replaces the day); a failed delivery stays pending and
   goes again at the next import.

Failures become exception records with the order id in the message: a SKU that is not an ISBN or an ISBN the
catalogue lacks (SOURCE_ERROR), a store that cannot be read (TRANSIENT_EXHAUSTED, or SOURCE_ERROR),
a store that refuses the credentials (CREDENTIALS_REFUSED on the store, `store 'shop'`, the one exception a sync or
reconcile counts too; an order read proves no write, so it stays open until a sync's write is accepted),
a sink that fails (TRANSIENT_EXHAUSTED) or refuses (STORE_REJECTION). A store or sink failure is open until a
later success: a read of the orders that goes through resolves the import's (`orders:{store}`), a delivery a sink
takes resolves that sink's (`sales-sink:{name}`). `deliver_sales` sends the pending days only (an exception's
retry on a sink).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from bookbridge.application.exception_words import orders_key, sales_sink_key
from bookbridge.application.sync_exceptions import count_refusal
from bookbridge.domain.instants import utc_time
from bookbridge.domain.model import TitleFamily
from bookbridge.domain.ports import Clock, ExceptionKind, OrderSource, SalesLedger, SalesSink, UnitOfWork
from bookbridge.domain.sales import UNKNOWN_FORMAT, OrderSourceError, SalesSinkRejected, order_contributions
from bookbridge.domain.storefront import StorefrontSettings
from bookbridge.domain.words import failure_words, plural

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportOrders:
    """Command: import the orders of one store. `catalogue_source` names the stored catalogue that gives each
    ISBN its format; `storefronts` map a channel id to a storefront name and time zone."""

    storefronts: tuple[StorefrontSettings, ...]
    catalogue_source: str
    overlap: timedelta = timedelta(minutes=10)
    since: datetime | None = None  # read from here instead of the cursor (rebuild the facts of a period)

    def __post_init__(self) -> None:
        if self.overlap < timedelta(0):
            raise ValueError("the overlap window must not be negative")
        if self.since is not None and self.since.tzinfo is None:
            raise ValueError("`since` must be a timezone-aware instant")


@dataclass(frozen=True)
class _Report:
    kind: ExceptionKind
    isbn: str | None
    storefront: str | None
    message: str
    field: str | None = None


@dataclass
class ImportReport:
    started: datetime
    since: datetime | None = None  # the instant the read started from (cursor minus overlap)
    overlap: timedelta | None = None  # how far before the cursor the read began; None: from `since` or the beginning
    previous: datetime | None = None  # the cursor before the run
    cursor: datetime | None = None  # the cursor after the run
    orders_read: int = 0
    orders_stale: int = 0  # an older snapshot than the one recorded: ignored
    lines_counted: int = 0
    facts_changed: int = 0
    problems: list[str] = field(default_factory=list)
    days_sent: dict[str, int] = field(default_factory=dict)  # sink -> days delivered
    sink_failures: dict[str, str] = field(default_factory=dict)
    source_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.source_error is None and not self.sink_failures

    def __str__(self) -> str:
        """The run in words, as the service logs it."""
        counts = (f"orders read: {self.orders_read}, lines counted: {self.lines_counted}, sales facts changed: "
                  f"{self.facts_changed}, problems: {len(self.problems)}")
        failed = "; ".join(filter(None, [self.source_error, *self.sink_failures.values()]))
        return f"{counts}; {read_from(self)}" + (f"; {failed}" if failed else "")


def read_from(report: ImportReport, when: Callable[[datetime], str] = utc_time) -> str:
    """Where the read began and why, in words: the cursor less the overlap says what the overlap is for. `when`
    says an instant: in UTC for the service's log line; `bookbridge orders import` adds each storefront's local
    time beside it, as it does for every instant of the store's."""
    if report.since is None:
        return "read from the beginning (no cursor yet)"
    if report.overlap is None or report.previous is None:
        return f"read from {when(report.since)} (the start asked for)"
    minutes = report.overlap / timedelta(minutes=1)
    return (f"read from {when(report.since)}: the cursor ({when(report.previous)}, the last order change "
            f"read) less the {minutes:g}-minute overlap, so that an order saved late is not missed; an order read "
            "again counts nothing twice")


def catalogue_formats(families: Mapping[str, TitleFamily]) -> dict[str, str]:
    return {str(e.isbn): e.format.value for f in families.values() for e in f.editions}


def import_orders(
    cmd: ImportOrders,
    source: OrderSource,
    ledger: SalesLedger,
    sinks: Sequence[SalesSink],
    uow: UnitOfWork,
    clock: Clock,
) -> ImportReport:
    report = ImportReport(started=clock.now())
    with uow:
        formats = catalogue_formats(uow.state.catalogue(cmd.catalogue_source))
    by_channel = {s.channel_id: s for s in cmd.storefronts}
    notify = [sink.name for sink in sinks]
    found: list[_Report] = []
    changed_keys: set[object] = set()
    previous = report.previous = ledger.cursor(source.name)
    if cmd.since is not None:
        report.since = cmd.since
    elif previous is not None:
        report.since, report.overlap = previous - cmd.overlap, cmd.overlap
    latest = previous
    try:
        for order in source.orders_modified_since(report.since):
            report.orders_read += 1
            storefront = by_channel.get(order.channel_id)
            name = storefront.name if storefront is not None else f"channel-{order.channel_id}"
            zone: tzinfo = storefront.zone if storefront is not None else UTC
            contributions = order_contributions(
                order, storefront=name, zone=zone, format_of=lambda isbn: formats.get(isbn, UNKNOWN_FORMAT)
            )
            outcome = ledger.record(contributions, notify=notify)
            latest = order.date_modified if latest is None else max(latest, order.date_modified)
            if outcome.stale:
                report.orders_stale += 1
                continue
            report.lines_counted += len(contributions.lines)
            changed_keys.update(outcome.changed)
            if outcome.seen_before:
                continue  # already reported when this snapshot was first read
            # The exception queue dedups on (kind, isbn, storefront): the offending SKU keeps each its own record.
            for rejected in contributions.rejected:
                report.problems.append(rejected.problem.message)
                found.append(_Report(ExceptionKind.SOURCE_ERROR, rejected.sku.strip() or None, name,
                                     rejected.problem.message, "sku"))
            for problem in contributions.problems:
                report.problems.append(problem.message)
                found.append(_Report(ExceptionKind.SOURCE_ERROR, None, name, problem.message, problem.field))
            if storefront is None:
                message = (f"order {order.order_id} is on channel {order.channel_id}, which no [[storefronts]] entry "
                           f"names; its sales are counted under storefront {name!r}")
                report.problems.append(message)
                found.append(_Report(ExceptionKind.SOURCE_ERROR, None, name, message, "channel_id"))
            for line in contributions.lines:
                if line.key.format == UNKNOWN_FORMAT:
                    message = (f"order {order.order_id} line {line.line_id} sold ISBN {line.key.isbn}, which the "
                               f"catalogue of {cmd.catalogue_source!r} lacks; counted with format 'unknown'")
                    report.problems.append(message)
                    found.append(_Report(ExceptionKind.SOURCE_ERROR, line.key.isbn, name, message, "sku"))
    except OrderSourceError as exc:
        kind = ExceptionKind.TRANSIENT_EXHAUSTED if exc.transient else ExceptionKind.SOURCE_ERROR
        last = f" (after order {report.orders_read} of this read)" if report.orders_read else ""
        report.source_error = f"reading orders from store {source.name!r} failed{last}: {exc}"  # the store's name
        if exc.refused:  # the store's own failure, as a sync or reconcile counts it; only an accepted write resolves it
            found.append(_Report(ExceptionKind.CREDENTIALS_REFUSED, None, source.name, str(exc)))
        else:
            found.append(_Report(kind, None, orders_key(source.name), report.source_error))
    else:
        if latest is not None and latest != previous:
            ledger.set_cursor(source.name, latest)
    report.cursor = ledger.cursor(source.name)
    report.facts_changed = len(changed_keys)
    # The places that went through: the read of the store's orders, each sink that took its days.
    succeeded = {} if report.source_error else {orders_key(source.name): "a later read of the orders succeeded"}
    succeeded |= _deliver(ledger, sinks, report, found)
    _record_exceptions(uow, found, succeeded, clock.now())
    return report


@dataclass
class DeliveryReport:
    """The pending days sent to the sales sinks only, no order read (`deliver_sales`)."""

    days_sent: dict[str, int] = field(default_factory=dict)  # sink -> days delivered
    sink_failures: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.sink_failures

    def __str__(self) -> str:
        sent = ", ".join(f"sales sink {name!r}: {plural(days, 'day')} sent" for name, days in self.days_sent.items())
        return "; ".join(filter(None, [sent, *self.sink_failures.values()])) or "no sales sink"


def deliver_sales(ledger: SalesLedger, sinks: Sequence[SalesSink], uow: UnitOfWork, clock: Clock) -> DeliveryReport:
    """Send each of `sinks` its pending days now, reading no order: the retry of a sales sink's exception, which
    resolves when the sink takes them (or has none pending)."""
    report, found = DeliveryReport(), list[_Report]()
    succeeded = _deliver(ledger, sinks, report, found)
    _record_exceptions(uow, found, succeeded, clock.now())
    return report


def _deliver(ledger: SalesLedger, sinks: Sequence[SalesSink], report: ImportReport | DeliveryReport,
             found: list[_Report]) -> dict[str, str]:
    """Send each sink its pending days; returns the places of the sinks that took them (or had none pending),
    with why their open failure resolves."""
    delivered: dict[str, str] = {}
    for sink in sinks:
        days = ledger.pending(sink.name)
        if not days:
            report.days_sent[sink.name] = 0
            delivered[sales_sink_key(sink.name)] = "the sales sink has no day left to send"
            continue
        span = f"{min(days)}..{max(days)}" if len(days) > 1 else f"{min(days)}"
        try:
            sink.write(ledger.facts_for_days(days))
        except SalesSinkRejected as exc:
            kind, error = ExceptionKind.STORE_REJECTION, str(exc)
        except Exception as exc:  # a plugin's sink may fail in any way; it is retried, never lost
            kind, error = ExceptionKind.TRANSIENT_EXHAUSTED, failure_words(exc)
        else:
            ledger.delivered(sink.name, days)
            report.days_sent[sink.name] = len(days)
            delivered[sales_sink_key(sink.name)] = "a later delivery to the sales sink succeeded"
            continue
        message = (f"sales sink {sink.name!r} failed for {len(days)} day(s) ({span}): {error}; they stay pending "
                   "and are sent again at the next import")
        logger.warning(message)
        report.sink_failures[sink.name] = message
        found.append(_Report(kind, None, sales_sink_key(sink.name), message))
    return delivered


def _record_exceptions(uow: UnitOfWork, found: Sequence[_Report], succeeded: Mapping[str, str],
                       at: datetime) -> None:
    """Queue what failed; resolve the open failure of each place in `succeeded` (place -> why): the order import
    whose read went through, a sink that took its days. An order's own problem (a SKU, a channel) is kept under
    its storefront and stays open until resolved by hand."""
    with uow:
        for item in found:
            if item.kind is ExceptionKind.CREDENTIALS_REFUSED:  # the store's one exception, as a sync counts it
                count_refusal(uow, item.storefront or "", item.message, at)
                continue
            uow.exceptions.report(item.kind, isbn=item.isbn, storefront=item.storefront, message=item.message,
                                  field=item.field, at=at)
        for open_item in uow.exceptions.open_items():
            if open_item.isbn is None and (why := succeeded.get(open_item.storefront or "")):
                uow.exceptions.resolve(open_item.id, note=f"resolved: {why}", at=at)
        uow.commit()
