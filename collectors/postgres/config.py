"""Configuration of a ``type: postgres`` source: a PostgreSQL server's query history and catalog.

    sources:
      - type: postgres
        url: postgresql://observer:${PG_PASSWORD}@db.internal:5432/analytics
        log_path: /var/lib/postgresql/15/main/log      # csvlog or jsonlog files (folder, file or glob)
        server: analytics-db                           # the "warehouse" its compute-hours are priced under

Query history comes from the server log written with ``log_min_duration_statement = 0`` (every
statement with its duration, user, database and comment) — or, without access to the log, from
``pg_stat_statements`` snapshots diffed between runs (per statement shape and interval, no comments).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class PostgresConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: SecretStr | None = Field(None, description="postgresql://user:password@host:port/database (catalog, pg_stat_statements)")
    log_path: Path | None = Field(None, description="server log folder, file or glob (csvlog or jsonlog)")
    log_format: Literal["auto", "csvlog", "jsonlog"] = "auto"
    pg_stat_statements: bool | None = Field(None, description="snapshot pg_stat_statements (default: when no log_path)")
    server: str | None = Field(None, description="warehouse name for cost lines (default: the source name)")
    platform: str = Field("postgres", description="platform of asset keys")
    default_schema: str = Field("public", description="schema of unqualified table names in queries")
    catalog: bool = Field(True, description="read tables and columns from information_schema")
    schemas: list[str] = Field(default_factory=list, description="catalog only these schemas (default: all user schemas)")
    batch_size: int = Field(20_000, ge=100)
