from __future__ import annotations

from sqlalchemy import inspect

from observer.store.engine import build_engine, current_revision, downgrade, head_revision, upgrade
from observer.store.tables import metadata


def test_upgrade_downgrade_upgrade_round_trip(store_url: str) -> None:
    engine = build_engine(store_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    downgrade(engine, "base")
    assert current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    upgrade(engine)  # idempotent
    assert current_revision(engine) == head_revision(engine)
    engine.dispose()


def test_migrations_match_the_table_definitions(store_url: str) -> None:
    """Every table and column in tables.py is created by a migration (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = build_engine(store_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    structural = [d for d in diff if d[0] in ("add_table", "remove_table", "add_column", "remove_column")]
    assert structural == []
    engine.dispose()
