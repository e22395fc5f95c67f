"""What the store already knows about when assets were last updated, read in bulk for freshness checks.

Two signals besides the warehouse itself: a collector's ``assets.last_altered`` (Snowflake's and
BigQuery's information_schema report it) and the end of the latest successful orchestrator run that
wrote the asset (a dbt model build, an Airflow task, a Dagster materialization).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select

from observer.model import AssetKey, RunStatus
from observer.store.tables import assets, runs

_CHUNK = 500


def last_materializations(conn: Connection, keys: Sequence[AssetKey]) -> dict[AssetKey, datetime]:
    """End time of the latest successful run that wrote each asset (assets without runs are absent)."""
    by_text = {str(k): k for k in keys}
    names = list(by_text)
    out: dict[AssetKey, datetime] = {}
    for start in range(0, len(names), _CHUNK):
        stmt = (
            select(runs.c.asset_key, func.max(runs.c.end_time).label("at"))
            .where(
                runs.c.asset_key.in_(names[start : start + _CHUNK]), runs.c.status == RunStatus.SUCCESS.value
            )
            .group_by(runs.c.asset_key)
        )
        for r in conn.execute(stmt):
            if r.at is not None:
                out[by_text[r.asset_key]] = r.at
    return out


def last_altered(conn: Connection, keys: Sequence[AssetKey]) -> dict[AssetKey, datetime]:
    """``assets.last_altered`` as reported by collectors."""
    by_text = {str(k): k for k in keys}
    names = list(by_text)
    out: dict[AssetKey, datetime] = {}
    for start in range(0, len(names), _CHUNK):
        stmt = select(assets.c.key, assets.c.last_altered).where(
            assets.c.key.in_(names[start : start + _CHUNK]), assets.c.last_altered.is_not(None)
        )
        out.update({by_text[r.key]: r.last_altered for r in conn.execute(stmt)})
    return out
