"""The sales ledger in SQL: per order line the contribution last counted, the days each sink still has to
receive, and the import cursors. One store per database (order ids are the store's).

Each call is its own transaction. `record` locks the order's row (PostgreSQL `SELECT ... FOR UPDATE`; SQLite
transactions begin IMMEDIATE) so that two importers replacing the same order queue instead of mixing lines, and
marks the changed days pending in the same transaction: a crash never loses a delivery.
Amounts are stored as integer ten-thousandths (v2's precision), exact on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.tables import SalesCursorRow, SalesLineRow, SalesOrderRow, SalesPendingRow
from bookbridge.domain.ports import SalesFact, SalesLedger
from bookbridge.domain.sales import FactKey, LineContribution, OrderContributions, RecordOutcome, replace_order

E4 = Decimal(10_000)


def to_e4(amount: Decimal, *, record: str) -> int:
    scaled = amount * E4
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{record}, field net_amount: {amount} has more than four decimals")
    return int(scaled)


def _line_row(c: LineContribution) -> SalesLineRow:
    return SalesLineRow(order_id=c.order_id, line_id=c.line_id, isbn=c.key.isbn, format=c.key.format,
                        storefront=c.key.storefront, day=c.key.day, currency=c.key.currency, quantity=c.quantity,
                        net_e4=to_e4(c.net_amount, record=f"order {c.order_id} line {c.line_id}"))


def _contribution(row: SalesLineRow) -> LineContribution:
    key = FactKey(row.isbn, row.format, row.storefront, row.day, row.currency)
    return LineContribution(row.order_id, row.line_id, key, row.quantity, Decimal(row.net_e4).scaleb(-4))


class SqlAlchemySalesLedger(SalesLedger):
    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._sessions = session_factory

    @contextmanager
    def _transaction(self, record: str, field: str | None = None) -> Iterator[Session]:
        with self._sessions() as session, translated(record, field), session.begin():
            yield session

    def record(self, order: OrderContributions, *, notify: Sequence[str]) -> RecordOutcome:
        rows = [_line_row(c) for c in order.lines]  # fails before any write
        with self._transaction(f"sales of order {order.order_id}") as session:
            stored = session.scalars(
                select(SalesOrderRow).where(SalesOrderRow.order_id == order.order_id).with_for_update()
            ).one_or_none()
            if stored is not None and stored.date_modified > order.date_modified:
                return RecordOutcome(stale=True)
            seen_before = stored is not None and stored.date_modified == order.date_modified
            previous = [_contribution(r) for r in session.scalars(
                select(SalesLineRow).where(SalesLineRow.order_id == order.order_id))]
            kept, changed = replace_order(previous, order.lines)
            if stored is None:
                session.add(SalesOrderRow(order_id=order.order_id, date_modified=order.date_modified))
            else:
                stored.date_modified = order.date_modified
            session.flush()
            if changed or len(kept) != len(previous):
                session.execute(delete(SalesLineRow).where(SalesLineRow.order_id == order.order_id))
                fresh = {r.line_id for r in rows}
                session.add_all(rows + [_line_row(c) for c in kept if c.line_id not in fresh])
            self._mark_pending(session, notify, {k.day for k in changed})
        return RecordOutcome(frozenset(changed), seen_before=seen_before)

    @staticmethod
    def _mark_pending(session: Session, sinks: Sequence[str], days: set[date]) -> None:
        if not sinks or not days:
            return
        existing = set(session.execute(
            select(SalesPendingRow.sink, SalesPendingRow.day).where(
                SalesPendingRow.sink.in_(sinks), SalesPendingRow.day.in_(days))).all())
        session.add_all(SalesPendingRow(sink=s, day=d) for s in sinks for d in days if (s, d) not in existing)

    def _facts(self, where: ColumnElement[bool], record: str) -> list[SalesFact]:
        key = (SalesLineRow.day, SalesLineRow.storefront, SalesLineRow.isbn, SalesLineRow.format,
               SalesLineRow.currency)
        query = (select(*key, func.sum(SalesLineRow.quantity), func.sum(SalesLineRow.net_e4))
                 .where(where).group_by(*key).order_by(*key))
        with self._transaction(record) as session:
            found = session.execute(query).all()
        return [SalesFact(isbn, fmt, storefront, day, int(units), Decimal(int(e4)).scaleb(-4), currency)
                for day, storefront, isbn, fmt, currency, units, e4 in found]

    def facts(self, start: date, end: date) -> list[SalesFact]:
        return self._facts(SalesLineRow.day.between(start, end), f"sales facts {start}..{end}")

    def facts_for_days(self, days: Iterable[date]) -> list[SalesFact]:
        wanted = sorted(set(days))
        if not wanted:
            return []
        return self._facts(SalesLineRow.day.in_(wanted), f"sales facts of {len(wanted)} day(s)")

    def pending(self, sink: str) -> set[date]:
        with self._transaction(f"pending sales days of sink {sink!r}") as session:
            return set(session.scalars(select(SalesPendingRow.day).where(SalesPendingRow.sink == sink)))

    def delivered(self, sink: str, days: Iterable[date]) -> None:
        done = sorted(set(days))
        if not done:
            return
        with self._transaction(f"pending sales days of sink {sink!r}") as session:
            session.execute(delete(SalesPendingRow).where(SalesPendingRow.sink == sink, SalesPendingRow.day.in_(done)))

    def cursor(self, name: str) -> datetime | None:
        with self._transaction(f"order cursor {name!r}") as session:
            row = session.get(SalesCursorRow, name)
            return row.at if row is not None else None

    def set_cursor(self, name: str, at: datetime) -> None:
        with self._transaction(f"order cursor {name!r}", "at") as session:
            row = session.get(SalesCursorRow, name)
            if row is None:
                session.add(SalesCursorRow(source=name, at=at))
            else:
                row.at = at
