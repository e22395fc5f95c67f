"""Configuration of a ``type: redshift`` source: ``SYS_QUERY_HISTORY`` live, or exported.

Live (Redshift speaks PostgreSQL's protocol; psycopg connects)::

    sources:
      - type: redshift
        url: postgresql://observer:${REDSHIFT_PASSWORD}@acme.abc123.us-east-1.redshift.amazonaws.com:5439/analytics
        cluster: acme-prod            # the "warehouse" its compute-hours are priced under

Export (``UNLOAD ('select q.*, u.usename as user_name from sys_query_history q left join pg_user u
on u.usesysid = q.user_id') … FORMAT CSV HEADER`` or JSON)::

    sources:
      - type: redshift
        query_history: exports/sys_query_history*.csv.gz
        cluster: acme-prod
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


class RedshiftConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query_history: list[str] = Field(default_factory=list, description="SYS_QUERY_HISTORY export files or globs")
    url: SecretStr | None = Field(None, description="postgresql://user:password@cluster-endpoint:5439/database")
    cluster: str | None = Field(None, description="warehouse name for cost lines (default: the source name)")
    platform: str = "redshift"
    default_schema: str = Field("public", description="schema of unqualified table names")
    lookback_hours: float = Field(6, ge=0)
    initial_days: int = Field(7, ge=1, description="SYS views keep about 7 days")
    batch_size: int = Field(20_000, ge=100)

    @field_validator("query_history", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str | Path) else value or []

    @model_validator(mode="after")
    def _live_or_files(self) -> RedshiftConfig:
        if not self.query_history and self.url is None:
            raise ValueError("give either a url (live) or query_history export files")
        return self
