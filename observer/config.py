"""Configuration: ``observer.yaml`` plus ``${ENV}`` interpolation plus ``OBSERVER_*`` overrides.

Precedence, highest first: ``OBSERVER_*`` environment variables (nested keys joined by ``__``, e.g.
``OBSERVER_ALERTING__SLACK__TOKEN``), then the YAML file, then defaults. ``${VAR}`` and
``${VAR:-default}`` inside YAML string values are replaced from the environment after parsing, so
a secret never has to be written into the file.

A bad file fails at start with one line naming the file, the key path and what was expected::

    observer.yaml: sources[1].port: Input should be a valid integer (got 'abc')

Secrets (keys named like ``password``, ``token``, ``secret``, ``private_key`` …) are held as
:class:`~pydantic.SecretStr` and never printed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from observer.errors import ConfigError

DEFAULT_CONFIG_FILE = "observer.yaml"
SECRET_KEY = re.compile(r"(password|passphrase|token|secret|private_key|api_key|credentials)", re.I)
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class Pricing(BaseModel):
    """Prices used by the cost model (list prices by default; set your contract's)."""

    model_config = ConfigDict(extra="forbid")

    snowflake_credit_usd: float = Field(3.0, ge=0)
    snowflake_credit_rates: dict[str, float] = Field(
        default_factory=dict, description="dated overrides: {'2026-01-01': 2.6} applies from that day on"
    )
    bigquery_tib_usd: float = Field(6.25, ge=0)
    bigquery_slot_hour_usd: float = Field(0.04, ge=0)
    databricks_dbu_usd: float = Field(0.70, ge=0)
    compute_hour_usd: dict[str, float] = Field(
        default_factory=lambda: {"postgres": 1.0, "duckdb": 0.0, "redshift": 3.26},
        description="price of one compute-hour for time-priced platforms",
    )


class TeamConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    slack_channel: str | None = None
    description: str | None = None
    members: list[str] = Field(default_factory=list)
    monthly_budget_usd: float | None = Field(None, ge=0)


class PersonConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    email: str | None = None
    display_name: str | None = None
    team: str | None = None
    slack_user_id: str | None = None


class OwnershipRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    match: str = Field(description="glob over asset names, e.g. 'analytics.marketing.*'")
    owner: str


class PluginEntry(BaseModel):
    """One ``sources:`` or ``checks:`` entry; its plugin validates the remaining keys."""

    model_config = ConfigDict(extra="allow")

    type: str
    name: str | None = None
    schedule: str | None = Field(None, description="cron expression for the scheduler")

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def label(self) -> str:
        return self.name or self.type


class SlackConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    webhook_url: SecretStr | None = None
    default_channel: str = "#data-alerts"
    base_url: str | None = Field(None, description="Slack API base URL (tests point it at a local server)")


class RouteRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    match: str | None = Field(None, description="glob over asset names")
    team: str | None = None
    min_severity: str | None = None
    channel: str


class CostAlertConfig(BaseModel):
    """When spend opens an incident: a team over (or forecast over) its budget, a query whose spend jumps."""

    model_config = ConfigDict(extra="forbid")

    budgets: bool = Field(True, description="alert on teams over, or forecast over, monthly_budget_usd")
    forecast_after_days: int = Field(5, ge=1, description="days into a month before its forecast counts")
    jump_window_days: int = Field(7, ge=1, description="compare the last N days with the N days before")
    jump_ratio: float = Field(3.0, gt=1, description="spend multiplied by at least this much is a jump")
    jump_min_usd: float = Field(100.0, ge=0, description="…and grew by at least this many dollars")


class AlertingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = Field(True, description="print messages instead of sending them")
    slack: SlackConfig = Field(default_factory=lambda: SlackConfig())
    routes: list[RouteRule] = Field(default_factory=list)
    group_window_minutes: int = Field(10, ge=0)
    max_attempts: int = Field(8, ge=1)
    digest: bool = False
    cost: CostAlertConfig = Field(default_factory=lambda: CostAlertConfig())


class ServerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    base_url: str | None = Field(None, description="public URL used in alert links")
    anonymous_read: bool = Field(True, description="let anyone read the catalog without a token")
    read_concurrency: int = Field(
        2,
        ge=1,
        description="requests per server process reading the store at once (others queue in order); one "
        "process runs Python on one core, so a few keep it busy while a query is out, and more only "
        "stretch every page. Raise it when the store is far away (high round-trip time).",
    )


class Settings(BaseSettings):
    """The whole configuration. Build it with :func:`load_config`."""

    model_config = SettingsConfigDict(
        env_prefix="OBSERVER_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    store: str = "sqlite:///observer.db"
    pricing: Pricing = Field(default_factory=lambda: Pricing())
    teams: list[TeamConfig] = Field(default_factory=list)
    people: list[PersonConfig] = Field(default_factory=list)
    ownership: list[OwnershipRule] = Field(default_factory=list)
    sources: list[PluginEntry] = Field(default_factory=list)
    checks: list[PluginEntry] = Field(default_factory=list)
    alerting: AlertingConfig = Field(default_factory=lambda: AlertingConfig())
    server: ServerConfig = Field(default_factory=lambda: ServerConfig())
    base_dir: Path = Field(default_factory=Path.cwd, description="folder relative paths resolve against")

    @field_validator("store")
    @classmethod
    def _store_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("expected a database URL like sqlite:///observer.db or postgresql://…")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, (_redact(value, "") if name == "store" else value)

    def resolve_path(self, path: str | Path) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def store_url(self) -> str:
        """The store URL with a relative SQLite path resolved against the config's folder."""
        prefix = "sqlite:///"
        if self.store.startswith(prefix) and not self.store.startswith(prefix + "/"):
            rest = self.store[len(prefix) :]
            if rest and rest != ":memory:":
                return prefix + str(self.resolve_path(rest))
        return self.store

    def redacted(self) -> dict[str, Any]:
        """The configuration as plain data with every secret replaced by ``'**********'``."""
        redacted: dict[str, Any] = _redact(self.model_dump(mode="json", exclude={"base_dir"}))
        return redacted


def _redact(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _redact(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, key) for v in value]
    if key and SECRET_KEY.search(key) and value not in (None, ""):
        return "**********"
    if isinstance(value, str) and "://" in value and "@" in value:
        return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:**********@", value)
    return value


def _interpolate(value: Any, path: str, file: str, env: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, f"{path}.{k}" if path else str(k), file, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, f"{path}[{i}]", file, env) for i, v in enumerate(value)]
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(f"environment variable {name} is not set", file=file, path=path)

        return _ENV_REF.sub(replace, value)
    return value


def _wrap_secrets(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: SecretStr(v) if SECRET_KEY.search(k) and isinstance(v, str) else v for k, v in entry.items()}


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_config(path: str | Path | None = None, *, env: dict[str, str] | None = None) -> Settings:
    """Load ``observer.yaml`` (or ``path``); without a file, defaults plus environment overrides.

    Raises :class:`ConfigError` whose message names the file, the key path and what was expected.
    """
    env = dict(os.environ if env is None else env)
    file_path = Path(path) if path is not None else Path(env.get("OBSERVER_CONFIG", DEFAULT_CONFIG_FILE))
    label = str(file_path)
    raw: dict[str, Any] = {}
    if file_path.exists():
        try:
            loaded = yaml.safe_load(file_path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(f"{where}not valid YAML ({problem})", file=label) from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError("expected a mapping of settings at the top level", file=label)
        raw = _interpolate(loaded, "", label, env)
    elif path is not None:
        raise ConfigError("file not found", file=label)
    raw.setdefault("base_dir", str(file_path.resolve().parent))
    for section in ("sources", "checks"):
        if isinstance(raw.get(section), list):
            raw[section] = [_wrap_secrets(e) if isinstance(e, dict) else e for e in raw[section]]
    saved = {k: v for k, v in os.environ.items() if k.startswith("OBSERVER_")}
    try:
        _swap_environ(saved, {k: v for k, v in env.items() if k.startswith("OBSERVER_")})
        return Settings(**raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _format_loc(tuple(err["loc"]))
        got = err.get("input")
        shown = "" if SECRET_KEY.search(loc) or isinstance(got, dict | list) else f" (got {got!r})"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{err['msg']}{shown}{more}", file=label, path=loc or None) from None
    finally:
        _swap_environ({k: v for k, v in env.items() if k.startswith("OBSERVER_")}, saved)


def _swap_environ(remove: dict[str, str], add: dict[str, str]) -> None:
    for key in remove:
        os.environ.pop(key, None)
    os.environ.update(add)
