"""Configuration of a ``type: duckdb`` source: a DuckDB database file's catalog.

    sources:
      - type: duckdb
        path: analytics.duckdb
        platform: snowflake               # the file stands in for Snowflake's ANALYTICS database
        schema_snapshots: schema_snapshots  # optional folder of earlier catalog snapshots (JSON)

DuckDB keeps no query history, so this source reads the catalog only: tables and views with their
columns, comments and row counts, and a schema snapshot per table so schema changes are seen.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class DuckDBConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path = Field(description="the .duckdb file (opened read-only)")
    platform: str = Field("duckdb", description="platform of the asset keys, e.g. snowflake when the file mirrors it")
    database: str | None = Field(None, description="database name in asset keys (default: the file's catalog name)")
    schemas: list[str] = Field(default_factory=list, description="only these schemas (default: all but system ones)")
    schema_snapshots: Path | None = Field(None, description="folder of catalog snapshot JSON files to replay")
    row_counts: bool = Field(True, description="record each table's row count")
