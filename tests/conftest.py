"""Shared fixtures: stores on SQLite and on the real PostgreSQL server that scripts/test starts."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from observer.store import Store, open_store
from observer.store.engine import normalize_url

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of the real PostgreSQL server (started by scripts/pg when the suite did not start one)."""
    url = os.environ.get("OBSERVER_TEST_PG_URL")
    if not url:
        url = subprocess.run([str(ROOT / "scripts" / "pg")], check=True, capture_output=True, text=True).stdout.strip()
        os.environ["OBSERVER_TEST_PG_URL"] = url
    return url


@pytest.fixture
def fresh_pg_url(pg_url: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = pg_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run the test once on a SQLite file and once on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'observer.db'}"
    return str(request.getfixturevalue("fresh_pg_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'observer.db'}")
    yield s
    s.dispose()


@pytest.fixture
def now() -> datetime:
    return NOW
