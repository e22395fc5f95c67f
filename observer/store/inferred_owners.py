"""Recompute inferred ownership claims from the query history in the store (see
:mod:`observer.attribution.inference`). Run after each ingest; idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from observer.attribution.inference import ORIGIN, infer_owner_claims
from observer.model import AssetKey, OwnershipSource
from observer.store.ownership import people_teams, replace_claims
from observer.store.tables import queries

WRITE_RULES = ("write_target",)
"""Attribution rules meaning "this query wrote the asset" (set by query attribution)."""


def writer_counts(conn: Connection, since: datetime) -> list[tuple[AssetKey, str, int]]:
    stmt = (
        select(queries.c.asset_key, queries.c.user_name, func.count())
        .where(
            queries.c.start_time >= since,
            queries.c.asset_key.is_not(None),
            queries.c.user_name.is_not(None),
            queries.c.attribution_rule.in_(WRITE_RULES),
        )
        .group_by(queries.c.asset_key, queries.c.user_name)
    )
    return [(AssetKey.from_stored(k), u, int(n)) for k, u, n in conn.execute(stmt)]


def infer_owners(conn: Connection, now: datetime, *, days: int = 30) -> int:
    """Replace the inferred claims with those from the last ``days`` of writes; returns rows changed.

    The window ends at the newest query in the store, not at ``now``, so re-running over the same
    history gives the same claims (ingestion stays idempotent).
    """
    newest = conn.execute(select(func.max(queries.c.start_time))).scalar_one_or_none()
    if newest is None:
        return replace_claims(conn, ORIGIN, OwnershipSource.INFERRED, [], now)
    claims = infer_owner_claims(writer_counts(conn, newest - timedelta(days=days)), people_teams(conn))
    return replace_claims(conn, ORIGIN, OwnershipSource.INFERRED, claims, now)
