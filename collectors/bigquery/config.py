"""Configuration of a ``type: bigquery`` source: INFORMATION_SCHEMA.JOBS live, or JOBS rows exported
as JSON Lines.

Live (``google-cloud-bigquery``; ``pip install 'observer[bigquery]'``; credentials from
``GOOGLE_APPLICATION_CREDENTIALS`` or the environment's default)::

    sources:
      - type: bigquery
        project: acme-analytics
        region: us                 # reads `acme-analytics.region-us.INFORMATION_SCHEMA.JOBS`

Export (``bq query --format=json`` or ``EXPORT DATA … format='JSON'`` of the JOBS view)::

    sources:
      - type: bigquery
        jobs: exports/jobs-*.jsonl.gz
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class BigQueryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jobs: list[str] = Field(default_factory=list, description="JOBS export files (JSON Lines, gzip ok) or globs")
    project: str | None = Field(None, description="project whose jobs are read (live)")
    region: str = Field("us", description="INFORMATION_SCHEMA region qualifier, e.g. us, eu, europe-west1")
    credentials_file: Path | None = Field(None, description="service-account JSON (default: application default credentials)")
    lookback_hours: float = Field(6, ge=0, description="re-read jobs created this long before the watermark")
    catalog: bool = Field(True, description="read tables and columns from the region's INFORMATION_SCHEMA")
    initial_days: int = Field(30, ge=1, le=180)
    batch_size: int = Field(20_000, ge=100)
    platform: str = "bigquery"

    @field_validator("jobs", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str | Path) else value or []

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not value.replace("-", "").isalnum():
            raise ValueError("a region like us, eu or europe-west1")
        return value.lower()

    @model_validator(mode="after")
    def _live_or_files(self) -> BigQueryConfig:
        if not self.jobs and not self.project:
            raise ValueError("give either a project (live) or jobs export files")
        return self
