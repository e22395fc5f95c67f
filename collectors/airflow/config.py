"""Configuration of a ``type: airflow`` source: a live Airflow REST API, or its responses exported to files.

::

    sources:
      - type: airflow                     # Airflow 3: REST API v2, token from /auth/token
        base_url: http://airflow:8080
        username: observer
        password: ${AIRFLOW_PASSWORD}
        warehouse_user: AIRFLOW_SVC        # the warehouse user its tasks run as (query ↔ task joins)
      - type: airflow                     # Airflow 2: REST API v1, basic auth
        name: airflow-legacy
        base_url: https://airflow2.internal
        api_version: v1
        username: observer
        password: ${AIRFLOW2_PASSWORD}
      - type: airflow                     # files: dags.json, dag_runs.json, task_instances.json
        name: airflow-export
        export_dir: exports/airflow
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class AirflowConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(None, description="Airflow webserver / API server URL")
    api_version: Literal["v2", "v1"] = Field("v2", description="v2 for Airflow 3, v1 for Airflow 2")
    username: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = Field(None, description="a ready bearer token instead of username/password")
    export_dir: Path | None = Field(None, description="folder of exported API responses instead of a live API")
    warehouse_user: str | None = Field(None, description="warehouse user the tasks run as")
    page_size: int = Field(100, ge=1, le=1000)
    lookback_hours: float = Field(24, ge=0, description="re-read runs started this long before the last one seen")
    timeout_s: float = Field(30, gt=0)
    verify_tls: bool = True

    @model_validator(mode="after")
    def _one_way_in(self) -> AirflowConfig:
        if (self.base_url is None) == (self.export_dir is None):
            raise ValueError("set exactly one of base_url and export_dir")
        return self
