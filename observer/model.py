"""Observer's domain model: plain, frozen values that every layer speaks.

Nothing here knows about SQLAlchemy, pydantic or HTTP. Collectors produce these values, the store
persists them, checks and attribution compute over them, and the API and pages render them.

The central idea is the *asset*: every fact (a query, a run, a check result, a dollar) is attached to
an :class:`AssetKey`, and through the asset to an owner.

>>> AssetKey.parse("snowflake://ANALYTICS.MARTS.ORDERS")
AssetKey(platform='snowflake', name='analytics.marts.orders')
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from observer.identifiers import normalize_qualified_name


class AssetKind(enum.StrEnum):
    TABLE = "table"
    VIEW = "view"
    MODEL = "model"
    SEED = "seed"
    SNAPSHOT = "snapshot"
    SOURCE = "source"
    EXPOSURE = "exposure"
    DASHBOARD = "dashboard"
    DATASET = "dataset"


@dataclass(frozen=True, order=True)
class AssetKey:
    """Identity of a data asset: platform plus normalized fully-qualified name.

    Two spellings of one table (``ANALYTICS.MARTS.ORDERS`` in query history, ``analytics.marts.orders``
    in dbt) produce the same key because names are normalized per dialect when the key is built with
    :meth:`of`.
    """

    platform: str
    name: str

    @classmethod
    def of(cls, platform: str, name: str, dialect: str | None = None) -> AssetKey:
        """Build a key from a name as written in ``dialect`` (defaults to the platform's dialect)."""
        platform = platform.strip().lower()
        return cls(platform, normalize_qualified_name(name, dialect or platform))

    @classmethod
    def parse(cls, text: str) -> AssetKey:
        """Parse ``platform://db.schema.name``; the name part is normalized for the platform."""
        platform, sep, name = text.partition("://")
        if not sep or not platform or not name:
            raise ValueError(f"asset key {text!r} is not of the form platform://name")
        return cls.of(platform, name)

    @classmethod
    def from_stored(cls, text: str) -> AssetKey:
        """Rebuild a key from its stored string form, which is already normalized."""
        platform, _, name = text.partition("://")
        return cls(platform, name)

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))

    @property
    def short_name(self) -> str:
        return self.parts[-1]

    def __str__(self) -> str:
        return f"{self.platform}://{self.name}"


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str | None = None
    description: str | None = None
    position: int | None = None


@dataclass(frozen=True)
class Asset:
    key: AssetKey
    kind: AssetKind = AssetKind.TABLE
    description: str | None = None
    columns: tuple[Column, ...] = ()
    tags: tuple[str, ...] = ()
    source: str | None = None
    """Which configured source described the asset (``dbt``, ``snowflake`` …)."""
    external_id: str | None = None
    """The source's own id, e.g. a dbt ``unique_id`` or a Dagster asset key."""
    code_path: str | None = None
    code: str | None = None
    row_count: int | None = None
    bytes: int | None = None
    last_altered: datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class OwnerKind(enum.StrEnum):
    TEAM = "team"
    USER = "user"


class OwnershipSource(enum.StrEnum):
    """Where an ownership claim comes from, in precedence order (first wins)."""

    EDIT = "edit"
    ORCHESTRATOR = "orchestrator"
    RULE = "rule"
    INFERRED = "inferred"

    @property
    def precedence(self) -> int:
        return _SOURCE_PRECEDENCE[self]


_SOURCE_PRECEDENCE = {source: rank for rank, source in enumerate(OwnershipSource)}
"""Rank of each source (0 wins); looked up, not recomputed, since owners are resolved per graph node."""


@dataclass(frozen=True)
class Team:
    name: str
    slack_channel: str | None = None
    description: str | None = None
    members: tuple[str, ...] = ()
    """Warehouse user names and/or e-mail addresses of the team's people."""
    monthly_budget_usd: float | None = None


@dataclass(frozen=True)
class Person:
    username: str
    """Warehouse user name (``ALICE``) or orchestrator login."""
    email: str | None = None
    display_name: str | None = None
    team: str | None = None
    slack_user_id: str | None = None


@dataclass(frozen=True)
class Ownership:
    """One claim that ``owner`` owns ``asset``, with where the claim comes from."""

    asset: AssetKey
    owner: str
    owner_kind: OwnerKind
    source: OwnershipSource
    detail: str
    """Human-readable provenance: ``dbt meta.owner on model.shop.fct_orders``."""
    origin: str = ""
    """Who makes the claim (``dbt:shop``, ``config``, ``api``); one claim per origin and source."""
    team: str | None = None


class QueryRecord(NamedTuple):
    """One executed statement from a warehouse's query history.

    An immutable named tuple rather than a frozen dataclass: collectors build one per history row,
    a million per large export, and a named tuple is built five times faster.
    """

    source: str
    query_id: str
    platform: str
    text: str
    start_time: datetime
    end_time: datetime
    user_name: str | None = None
    role_name: str | None = None
    warehouse: str | None = None
    warehouse_size: str | None = None
    database_name: str | None = None
    schema_name: str | None = None
    query_type: str | None = None
    status: str = "success"
    error_message: str | None = None
    query_tag: str | None = None
    execution_ms: float = 0.0
    compilation_ms: float = 0.0
    queued_ms: float = 0.0
    total_elapsed_ms: float = 0.0
    bytes_scanned: int = 0
    bytes_billed: int | None = None
    slot_ms: int | None = None
    rows_produced: int | None = None
    cloud_services_credits: float = 0.0
    qas_bytes_scanned: int = 0
    compute_weight: float | None = None
    """The query's share of its warehouse when the source measures one (Snowflake attributed credits,
    Databricks task-ms); ``None`` = weigh by execution time."""
    cluster_number: int | None = None
    session_id: str | None = None
    labels: Mapping[str, str] = MappingProxyType({})
    """Source-specific extras (read-only; a collector passes its own dict)."""


@dataclass(frozen=True)
class MeteringRecord:
    """Metered credits (or dollars) of one warehouse over one interval, usually an hour."""

    source: str
    warehouse: str
    start_time: datetime
    end_time: datetime
    credits_compute: float
    credits_cloud_services: float = 0.0
    credits_attributed_compute: float | None = None
    credits_acceleration: float = 0.0
    """Query-acceleration (QAS) credits of the interval, apportioned by bytes the service scanned."""


class RunStatus(enum.StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    RUNNING = "running"
    SKIPPED = "skipped"
    OTHER = "other"


@dataclass(frozen=True)
class RunRecord:
    """One orchestrator run or task run (a dbt node execution, an Airflow task instance …)."""

    source: str
    run_id: str
    orchestrator: str
    job: str
    """Pipeline identity: dbt invocation's project, DAG id, Dagster job."""
    status: RunStatus
    start_time: datetime | None
    end_time: datetime | None
    task: str | None = None
    """dbt node id, Airflow task id, Dagster step/asset."""
    parent_run_id: str | None = None
    asset: AssetKey | None = None
    owner: str | None = None
    rows_affected: int | None = None
    query_ids: tuple[str, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class LineageEdge:
    """``upstream`` feeds ``downstream``; column-level when both columns are set."""

    upstream: AssetKey
    downstream: AssetKey
    origin: str
    """Who told us: ``dbt``, ``sql`` (parsed), ``openlineage``, ``dagster`` …"""
    upstream_column: str | None = None
    downstream_column: str | None = None

    @property
    def is_column_level(self) -> bool:
        return self.upstream_column is not None and self.downstream_column is not None


class CheckStatus(enum.StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    """The check could not run. Never reported as a pass."""
    SKIPPED = "skipped"


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


@dataclass(frozen=True)
class CheckResult:
    check: str
    """Stable check name, e.g. ``freshness`` or ``quality:not_null(order_id)``."""
    check_type: str
    asset: AssetKey
    status: CheckStatus
    evaluated_at: datetime
    message: str
    severity: Severity = Severity.MEDIUM
    observed: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    expected: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    run_key: str | None = None
    """Idempotency key: the same check over the same input yields the same key."""


@dataclass(frozen=True)
class MetricPoint:
    """One measurement of an asset over time: a row count, rows per load, a freshness lag …

    Checks store the expected range beside the value as sibling metrics named
    ``<metric>_expected_low`` / ``<metric>_expected_high`` (and ``<metric>_anomaly`` = 1 when flagged),
    so charts can draw the band the value was judged against.
    """

    asset: AssetKey
    metric: str
    ts: datetime
    value: float
    source: str | None = None


class IncidentState(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Incident:
    id: int | None
    kind: str
    """What went wrong, chosen by data: ``freshness``, ``volume``, ``schema``, ``quality``, ``cost`` …"""
    check: str
    asset: AssetKey | None
    state: IncidentState
    severity: Severity
    title: str
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    snoozed_until: datetime | None = None
    owner: str | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    team: str | None = None
    """The owning team, which decides the Slack channel the incident is routed to."""


@dataclass(frozen=True)
class Attribution:
    """Who a query's cost belongs to, and the rule that decided it."""

    asset: AssetKey | None
    owner: str | None
    team: str | None
    rule: str
    """``comment``, ``tag``, ``write_target``, ``orchestrator_run``, ``reader_team`` or ``unattributed``."""
    reason: str


@dataclass(frozen=True)
class CostLine:
    """A slice of spend: one query's share of one warehouse-hour, or that hour's idle remainder."""

    source: str
    warehouse: str
    hour: datetime
    credits: float
    cost_usd: float
    query_id: str | None
    """``None`` for idle warehouse time."""
    kind: str = "compute"
    """``compute``, ``idle``, ``cloud_services``, ``acceleration``, ``bytes`` or ``slot``."""
    attribution: Attribution | None = None
    user_name: str | None = None
    fingerprint: str | None = None
