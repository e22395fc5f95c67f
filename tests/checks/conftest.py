"""A small warehouse with the situations checks must tell apart, built in DuckDB from SQL.

``NOW`` is a Saturday. Raw tables carry ``_loaded_at`` with 60 days of loads:

* ``orders`` — hourly at :05, healthy;
* ``payments`` — hourly at :12, stopped 50 hours before ``NOW`` (late);
* ``events`` — daily at 04:10 with a weekly pattern; the last load is 30 % of normal (volume drop);
* ``invoices`` — weekdays at 18:00 only, Monday's load carrying the weekend (must not alert);
* ``products`` — daily, healthy.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from observer.config import Settings

NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)  # Saturday
WAREHOUSE_SQL = Path(__file__).with_name("fixtures") / "warehouse.sql"


def build_warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute(WAREHOUSE_SQL.read_text())
    finally:
        con.close()
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Path]:
    yield build_warehouse(tmp_path / "analytics.duckdb")


def settings_for(path: Path, checks: list[dict], tmp_path: Path, **extra) -> Settings:
    return Settings(
        store=f"sqlite:///{tmp_path / 'observer.db'}",
        sources=[{"type": "duckdb", "name": "warehouse", "path": str(path), "platform": "snowflake"}],
        checks=checks,
        base_dir=tmp_path,
        **extra,
    )
