"""Configuration of a ``type: dbt`` source.

Point it at a project folder (artifacts in its ``target/``) or at the artifact files themselves::

    sources:
      - type: dbt
        project_dir: ./analytics          # reads target/manifest.json, run_results.json, catalog.json
        warehouse_user: DBT_PROD          # the user dbt runs as, to join query history to runs
      - type: dbt
        name: dbt-prod
        manifest: artifacts/manifest.json
        run_results: [artifacts/runs/*/run_results.json]   # globs; every invocation becomes a run
        catalog: artifacts/catalog.json
        sources: artifacts/sources.json     # dbt source freshness results
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class DbtConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_dir: Path | None = Field(None, description="dbt project folder; artifacts are read from its target/")
    target_path: str = Field("target", description="artifact folder inside project_dir")
    manifest: Path | None = Field(None, description="manifest.json (default: <project_dir>/target/manifest.json)")
    run_results: list[str] = Field(
        default_factory=list, description="run_results.json files or globs (default: the one in target/)"
    )
    catalog: Path | None = Field(None, description="catalog.json from `dbt docs generate` (optional)")
    sources: Path | None = Field(None, description="sources.json from `dbt source freshness` (optional)")
    platform: str | None = Field(None, description="warehouse platform of the relations (default: the adapter)")
    warehouse_user: str | None = Field(None, description="warehouse user dbt runs as (for query ↔ run joins)")
    column_lineage: bool = Field(True, description="parse compiled SQL for column-level lineage")

    @field_validator("run_results", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str | Path) else value

    @model_validator(mode="after")
    def _something_to_read(self) -> DbtConfig:
        if self.project_dir is None and self.manifest is None:
            raise ValueError("set project_dir or manifest")
        return self
