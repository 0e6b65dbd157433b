"""Named leases, so that only one instance runs a job (a store's sync, the outbox deliverer) at a time.

Two implementations behind one interface:
- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock(hashtext(name))`) on a dedicated
  autocommit connection. It lasts until released or until that connection dies, so a crashed holder never
  blocks the others; `ttl` is not needed and is ignored.
- SQLite (and any other database): a row in `leases` with an expiry, taken by one conditional UPDATE or
  INSERT in one transaction, so two instances can never both succeed. A holder must `renew` within `ttl`.
  The holder is `host:pid` (see `holder_id`): a lease whose holder ran on this host and whose process is dead
  is taken over at once, by a compare-and-set on the holder; one held from another host waits for its `ttl`,
  which is short because the holder renews it while it works.

`held()` lists the leases and `force_release(name)` frees one whoever holds it (the operator's last resort).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from bookbridge.adapters.clock import SystemClock
from bookbridge.adapters.persistence.errors import translated
from bookbridge.adapters.persistence.tables import LeaseRow
from bookbridge.domain.ports import Clock, LeaseInfo, Leases

logger = logging.getLogger(__name__)


def holder_id() -> str:
    """Who holds a lease: host and process, so that a dead holder can be recognised (and an operator can tell
    instances apart)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_gone(holder: str, *, host: str | None = None) -> bool:
    """True only when `holder` (`host:pid`) ran on this host and that process no longer exists."""
    holder_host, _, pid = holder.rpartition(":")
    if holder_host != (host or socket.gethostname()) or not pid.isdigit() or int(pid) <= 0:
        return False  # another host, or a holder name we cannot check: only its ttl can free it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False


class RowLeases(Leases):
    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._held: set[tuple[str, str]] = set()  # released by close(), like the advisory locks

    def acquire(self, name: str, holder: str, ttl: timedelta) -> bool:
        now = self._clock.now()
        with translated(f"lease {name!r} for {holder!r}"), self._engine.begin() as connection:
            taken = connection.execute(
                update(LeaseRow)
                .where(LeaseRow.name == name, (LeaseRow.holder == holder) | (LeaseRow.expires_at <= now))
                .values(holder=holder, expires_at=now + ttl)
            )
            got = taken.rowcount == 1 or self._insert(connection, name, holder, now + ttl)
            if not got:
                got = self._take_from_the_dead(connection, name, holder, now + ttl)
        if got:
            self._held.add((name, holder))
        return got

    @staticmethod
    def _take_from_the_dead(connection: Connection, name: str, holder: str, expires: datetime) -> bool:
        current = connection.scalar(select(LeaseRow.holder).where(LeaseRow.name == name))
        if current is None or not holder_is_gone(current):
            return False
        taken = connection.execute(update(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == current)
                                   .values(holder=holder, expires_at=expires))
        if taken.rowcount == 1:
            logger.warning("lease %r: its holder %r is gone (no such process on this host); taken over by %r",
                           name, current, holder)
        return taken.rowcount == 1

    def _insert(self, connection: Connection, name: str, holder: str, expires: datetime) -> bool:
        values = {"name": name, "holder": holder, "expires_at": expires}
        if connection.dialect.name == "sqlite":
            inserted = connection.execute(sqlite_insert(LeaseRow).values(values).on_conflict_do_nothing())
            return inserted.rowcount == 1
        try:
            with connection.begin_nested():
                connection.execute(insert(LeaseRow).values(values))
        except IntegrityError:
            return False  # someone else inserted it first
        return True

    def renew(self, name: str, holder: str, ttl: timedelta) -> bool:
        now = self._clock.now()
        with translated(f"lease {name!r} for {holder!r}"), self._engine.begin() as connection:
            # Still ours if nobody took it, even past its expiry: only "expired and taken" (or released) is lost.
            renewed = connection.execute(
                update(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder).values(expires_at=now + ttl)
            )
            return renewed.rowcount == 1

    def release(self, name: str, holder: str) -> None:
        self._held.discard((name, holder))
        with translated(f"lease {name!r} for {holder!r}"), self._engine.begin() as connection:
            connection.execute(delete(LeaseRow).where(LeaseRow.name == name, LeaseRow.holder == holder))

    def close(self) -> None:
        for name, holder in list(self._held):
            self.release(name, holder)

    def held(self) -> list[LeaseInfo]:
        with translated("leases"), self._engine.connect() as connection:
            rows = connection.execute(select(LeaseRow.name, LeaseRow.holder, LeaseRow.expires_at)
                                      .order_by(LeaseRow.name))
            return [LeaseInfo(name, holder, expires, holder_is_gone(holder)) for name, holder, expires in rows]

    def force_release(self, name: str) -> bool:
        with translated(f"lease {name!r}"), self._engine.begin() as connection:
            return connection.execute(delete(LeaseRow).where(LeaseRow.name == name)).rowcount == 1


# The sessions holding the advisory lock of a name: a bigint key is split into classid (high) and objid (low).
_ADVISORY_HOLDERS = text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
    "AND classid::bigint = ((hashtext(:name)::bigint >> 32) & 4294967295) "
    "AND objid::bigint = (hashtext(:name)::bigint & 4294967295)"
)


class AdvisoryLeases(Leases):
    """One dedicated connection per lease held; closing it (or the process dying) frees the lock."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._held: dict[tuple[str, str], Connection] = {}

    def acquire(self, name: str, holder: str, ttl: timedelta) -> bool:
        if (name, holder) in self._held:
            return self.renew(name, holder, ttl)
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            with translated(f"lease {name!r} for {holder!r}"):
                got = connection.scalar(select(func.pg_try_advisory_lock(func.hashtext(name))))
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._held[(name, holder)] = connection
        return True

    def renew(self, name: str, holder: str, ttl: timedelta) -> bool:
        connection = self._held.get((name, holder))
        if connection is None:
            return False
        try:
            connection.execute(text("SELECT 1"))
        except Exception:
            self._drop(name, holder, unlock=False)
            return False  # the connection died, and the lock with it
        return True

    def release(self, name: str, holder: str) -> None:
        self._drop(name, holder, unlock=True)

    def close(self) -> None:
        for name, holder in list(self._held):
            self._drop(name, holder, unlock=True)

    def held(self) -> list[LeaseInfo]:
        """Advisory locks are known by their key, not their name: list those held by this object by name."""
        return [LeaseInfo(name, holder, None) for name, holder in sorted(self._held)]

    def force_release(self, name: str) -> bool:
        """End the session holding the lock: PostgreSQL frees it with the session (waits up to 10 s for that)."""
        with translated(f"lease {name!r}"), self._engine.connect() as connection:
            pids = list(connection.scalars(_ADVISORY_HOLDERS, {"name": name}))
            for pid in pids:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while pids and time.monotonic() < deadline:  # termination is asynchronous
                connection.commit()
                if not list(connection.scalars(_ADVISORY_HOLDERS, {"name": name})):
                    break
                time.sleep(0.05)
            connection.commit()
        return bool(pids)

    def _drop(self, name: str, holder: str, *, unlock: bool) -> None:
        connection = self._held.pop((name, holder), None)
        if connection is None:
            return
        try:
            if unlock:
                connection.scalar(select(func.pg_advisory_unlock(func.hashtext(name))))
        except Exception:
            connection.invalidate()  # never return a connection that may still hold the lock to the pool
        finally:
            connection.close()


def make_leases(engine: Engine, *, clock: Clock | None = None) -> Leases:
    """Advisory locks on PostgreSQL, expiring rows elsewhere. `clock` defaults to the system clock."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLeases(engine)
    return RowLeases(engine, clock=clock or SystemClock())


class HeldLease:
    """What `lease()` yields: true when the lease was taken. A long job calls `renew()` between steps (a sync:
    after each batch) and stops cleanly when it answers False: the lease was lost (it lapsed and another instance
    took it, or the PostgreSQL connection holding the lock died), so another instance may be doing the work.

    Renewal is a write on SQLite: it is made at most once per `every` (default a tenth of `ttl`) by `clock`.
    """

    def __init__(self, leases: Leases, name: str, holder: str, ttl: timedelta, *, acquired: bool, clock: Clock,
                 every: timedelta | None = None) -> None:
        self._leases, self.name, self.holder, self.ttl = leases, name, holder, ttl
        self.acquired = acquired
        self.lost = False
        self._clock = clock
        self._every = every if every is not None else ttl / 10
        self._renewed = clock.now()

    def __bool__(self) -> bool:
        return self.acquired

    def renew(self) -> bool:
        """Extend the lease by its ttl when due; False once it is lost (and ever after)."""
        if not self.acquired or self.lost:
            return False
        now = self._clock.now()
        if now - self._renewed < self._every:
            return True
        if self._leases.renew(self.name, self.holder, self.ttl):
            self._renewed = now
            return True
        self.lost = True
        logger.warning("lease %r of %r was lost (it lapsed and was taken, or its connection died): stopping",
                       self.name, self.holder)
        return False


@contextmanager
def lease(engine: Engine, name: str, holder: str, ttl: timedelta, *, clock: Clock | None = None,
          renew_every: timedelta | None = None) -> Iterator[HeldLease]:
    """`with lease(engine, "sync:uk", instance_id, timedelta(minutes=5)) as held:` — skip the work if not held;
    call `held.renew()` between steps of a long job and stop when it returns False."""
    clock = clock or SystemClock()
    leases = make_leases(engine, clock=clock)
    acquired = leases.acquire(name, holder, ttl)
    held = HeldLease(leases, name, holder, ttl, acquired=acquired, clock=clock, every=renew_every)
    try:
        yield held
    finally:
        if acquired and not held.lost:
            leases.release(name, holder)
        leases.close()
