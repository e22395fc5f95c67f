"""Alembic environment: runs migrations on the engine handed in by ``observer.store.engine``."""

from __future__ import annotations

from alembic import context

from observer.store.tables import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # invoked by the alembic CLI: use the configured URL
    from observer.store.engine import build_engine

    engine = build_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///observer.db")

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # Several processes (API replicas, the scheduler) may start at once: migrate one at a time.
        from sqlalchemy import text

        connection.execute(text("SELECT pg_advisory_xact_lock(720431)"))
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
