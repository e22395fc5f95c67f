"""Load what query attribution consults from the store: assets by orchestrator id, ownership
claims, people's teams and (per time range) orchestrator runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from observer.attribution.queries import AttributionContext
from observer.attribution.run_match import RunIndex
from observer.model import AssetKey
from observer.store.ownership import all_claims, people_teams
from observer.store.runs import load_run_index
from observer.store.tables import assets, ownerships, people, runs, teams


def assets_by_external_id(conn: Connection) -> dict[str, AssetKey]:
    """Orchestrator ids (dbt ``unique_id``, Dagster asset keys …) → asset keys."""
    rows = conn.execute(select(assets.c.external_id, assets.c.key).where(assets.c.external_id.is_not(None)))
    return {ext: AssetKey.from_stored(key) for ext, key in rows}


def load_attribution_context(conn: Connection) -> AttributionContext:
    """Everything but runs (see :func:`with_runs`)."""
    return AttributionContext(
        assets_by_external_id=assets_by_external_id(conn),
        claims=all_claims(conn),
        people_teams=people_teams(conn),
        teams=[r[0] for r in conn.execute(select(teams.c.name))],
    )


def has_runs(conn: Connection) -> bool:
    return conn.execute(select(runs.c.id).where(runs.c.task.is_not(None)).limit(1)).first() is not None


def run_index(conn: Connection, start: datetime, end: datetime) -> RunIndex | None:
    """Task runs around ``[start, end]``, or ``None`` when the store holds no task runs at all."""
    if not has_runs(conn):
        return None
    return load_run_index(conn, start, end)


def context_version(conn: Connection) -> str:
    """A cheap fingerprint of the state attribution depends on: when it is unchanged since the last
    attribution, re-attributing would change nothing."""
    parts = []
    for table, col in ((ownerships, ownerships.c.updated_at), (assets, assets.c.updated_at)):
        n, latest = conn.execute(select(func.count(), func.max(col)).select_from(table)).one()
        parts.append(f"{n}:{latest}")
    n, latest_team = conn.execute(select(func.count(), func.max(people.c.team)).select_from(people)).one()
    parts.append(f"{n}:{latest_team}")
    n, latest_run = conn.execute(select(func.count(), func.max(runs.c.end_time)).select_from(runs)).one()
    parts.append(f"{n}:{latest_run}")
    digest = conn.execute(
        select(func.count(), func.sum(func.length(people.c.username) + func.length(func.coalesce(people.c.team, ""))))
    ).one()
    parts.append(f"{digest[0]}:{digest[1]}")
    return "|".join(parts)
