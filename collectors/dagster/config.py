"""Configuration of a ``type: dagster`` source: a Dagster webserver's GraphQL API.

::

    sources:
      - type: dagster
        url: http://dagster:3000            # the webserver (``dagster dev`` or ``dagster-webserver``)
        platform: snowflake                 # warehouse of the ``dagster/relation_identifier`` tables
        warehouse_user: DAGSTER_SVC         # the warehouse user its steps run as (query ↔ run joins)
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class DagsterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(..., description="webserver base URL; /graphql is appended")
    platform: str | None = Field(
        None, description="platform of relation identifiers (default: the asset's kind, e.g. snowflake, duckdb)"
    )
    token: SecretStr | None = Field(None, description="Dagster+ API token (sent as Dagster-Cloud-Api-Token)")
    warehouse_user: str | None = None
    page_size: int = Field(100, ge=1, le=1000)
    lookback_hours: float = Field(24, ge=0, description="re-read runs updated this long before the last one seen")
    timeout_s: float = Field(30, gt=0)
