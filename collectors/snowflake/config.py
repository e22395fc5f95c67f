"""Configuration of a ``type: snowflake`` source: a live account, or ACCOUNT_USAGE export files.

Live (``snowflake-connector-python``; ``pip install 'observer[snowflake]'``)::

    sources:
      - type: snowflake
        account: myorg-myaccount
        user: OBSERVER
        password: ${SNOWFLAKE_PASSWORD}      # or private_key_file: keys/observer.p8
        role: OBSERVER_READER                # needs IMPORTED PRIVILEGES on the SNOWFLAKE database
        warehouse: OBSERVER_WH

Export files (what ``COPY INTO @stage … HEADER = TRUE`` writes; CSV or JSON Lines, gzip accepted)::

    sources:
      - type: snowflake
        query_history: exports/query_history*.csv.gz
        metering: exports/warehouse_metering_history.csv.gz
        acceleration: exports/query_acceleration_history.csv.gz   # optional
        attribution: exports/query_attribution_history.csv.gz     # optional
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


def _paths(value: object) -> object:
    if value is None:
        return []
    return [value] if isinstance(value, str | Path) else value


class SnowflakeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: str = Field("snowflake", description="platform of the asset keys queries are attributed to")
    # export files
    query_history: list[str] = Field(default_factory=list, description="QUERY_HISTORY export files or globs")
    metering: list[str] = Field(default_factory=list, description="WAREHOUSE_METERING_HISTORY export files or globs")
    acceleration: list[str] = Field(default_factory=list, description="QUERY_ACCELERATION_HISTORY exports")
    attribution: list[str] = Field(default_factory=list, description="QUERY_ATTRIBUTION_HISTORY exports")
    # live account
    account: str | None = Field(None, description="account identifier, e.g. myorg-myaccount")
    user: str | None = None
    password: SecretStr | None = None
    private_key_file: Path | None = None
    private_key_passphrase: SecretStr | None = None
    authenticator: str | None = Field(None, description="e.g. externalbrowser or oauth")
    token: SecretStr | None = Field(None, description="OAuth token when authenticator is oauth")
    role: str | None = None
    warehouse: str | None = None
    usage_database: str = Field("SNOWFLAKE", description="database holding the ACCOUNT_USAGE share")
    usage_schema: str = Field("ACCOUNT_USAGE")
    lookback_hours: float = Field(72, ge=0, description="re-read this much before the watermark (late rows)")
    initial_days: int = Field(30, ge=1, description="history read on the first run")
    batch_size: int = Field(20_000, ge=100, le=1_000_000)
    catalog: bool = Field(True, description="read tables and columns from ACCOUNT_USAGE.TABLES / COLUMNS")
    catalog_databases: list[str] = Field(default_factory=list, description="limit the catalog to these databases")

    _files = field_validator("query_history", "metering", "acceleration", "attribution", mode="before")(
        classmethod(lambda cls, v: _paths(v))
    )

    @model_validator(mode="after")
    def _live_or_files(self) -> SnowflakeConfig:
        if not self.account and not self.query_history and not self.metering:
            raise ValueError("give either an account (live) or export files (query_history / metering)")
        return self

    @property
    def exports(self) -> bool:
        return bool(self.query_history or self.metering or self.acceleration or self.attribution)
