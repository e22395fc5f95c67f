"""Leases: at most one holder of a named role (e.g. the scheduler) per store at a time.

A holder acquires a lease for ``ttl`` and renews it well before it expires; a holder that dies stops
renewing and its lease lapses, so a standby takes over after at most ``ttl``. Acquisition is one
conditional UPDATE (or an INSERT that loses cleanly to a concurrent one), which is atomic on SQLite
and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from observer.store.tables import scheduler_leases


def acquire_lease(conn: Connection, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew ``name`` for ``holder`` until ``now + ttl``; False when someone else holds it."""
    expires = now + ttl
    row = conn.execute(select(scheduler_leases).where(scheduler_leases.c.name == name)).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    scheduler_leases.insert().values(
                        name=name, holder=holder, acquired_at=now, expires_at=expires
                    )
                )
            return True
        except IntegrityError:
            return False
    values = {"holder": holder, "expires_at": expires}
    if row.holder != holder:
        values["acquired_at"] = now
    result = conn.execute(
        update(scheduler_leases)
        .where(
            and_(
                scheduler_leases.c.name == name,
                or_(scheduler_leases.c.holder == holder, scheduler_leases.c.expires_at < now),
            )
        )
        .values(**values)
    )
    return bool(result.rowcount)


def release_lease(conn: Connection, name: str, holder: str) -> None:
    conn.execute(
        delete(scheduler_leases).where(scheduler_leases.c.name == name, scheduler_leases.c.holder == holder)
    )


def lease_holder(conn: Connection, name: str, now: datetime) -> str | None:
    row = conn.execute(select(scheduler_leases).where(scheduler_leases.c.name == name)).first()
    return row.holder if row is not None and row.expires_at >= now else None
