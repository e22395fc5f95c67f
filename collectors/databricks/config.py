"""Configuration of a ``type: databricks`` source: SQL-warehouse statements and their DBUs.

Live (``databricks-sql-connector``; ``pip install 'observer[databricks]'``)::

    sources:
      - type: databricks
        server_hostname: dbc-1234abcd-5678.cloud.databricks.com
        http_path: /sql/1.0/warehouses/abc123def456
        access_token: ${DATABRICKS_TOKEN}

Export (``system.query.history`` and ``system.billing.usage`` written as JSON Lines or CSV)::

    sources:
      - type: databricks
        query_history: exports/query_history*.jsonl.gz
        billing: exports/billing_usage*.jsonl.gz
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from observer.dbapi import check_identifier


def _paths(value: object) -> object:
    return [value] if isinstance(value, str | Path) else value or []


class DatabricksConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query_history: list[str] = Field(default_factory=list, description="system.query.history exports")
    billing: list[str] = Field(default_factory=list, description="system.billing.usage exports")
    server_hostname: str | None = None
    http_path: str | None = None
    access_token: SecretStr | None = None
    system_catalog: str = Field("system", description="catalog holding the query and billing system tables")
    platform: str = Field("databricks", description="platform of asset keys")
    lookback_hours: float = Field(24, ge=0, description="billing rows arrive hours late; re-read this much")
    initial_days: int = Field(30, ge=1)
    batch_size: int = Field(20_000, ge=100)

    _files = field_validator("query_history", "billing", mode="before")(classmethod(lambda cls, v: _paths(v)))

    @field_validator("system_catalog")
    @classmethod
    def _catalog(cls, value: str) -> str:
        return check_identifier(value, "system_catalog")

    @model_validator(mode="after")
    def _live_or_files(self) -> DatabricksConfig:
        if not self.query_history and not self.server_hostname:
            raise ValueError("give either server_hostname/http_path/access_token (live) or query_history export files")
        return self
