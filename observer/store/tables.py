"""The metadata store's tables (SQLAlchemy Core), grouped by the stage that writes them.

Every table here is created by an Alembic migration in ``observer/store/migrations/versions``; a
change to a table is a new migration. Repositories in this package translate rows to and from the
domain values of :mod:`observer.model`; nothing outside ``observer.store`` imports these tables.

Conventions: timestamps are UTC (:class:`UTCDateTime` stores naive UTC, returns aware); asset keys are
stored as their string form (``snowflake://analytics.marts.orders``) so rows can be read without joins;
JSON columns use JSONB on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Json = JSON().with_variant(JSONB(), "postgresql")
Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store; pass UTC-aware times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _key(name: str = "asset_key", **kw: Any) -> Column[str]:
    return Column(name, String(512), **kw)


# ── core: catalog, people, ownership, ingestion bookkeeping (migration 0001) ─────────────────────────

assets = Table(
    "assets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _key("key", nullable=False, unique=True),
    Column("platform", String(64), nullable=False),
    Column("name", String(512), nullable=False),
    Column("short_name", String(256), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("description", Text),
    Column("tags", Json, nullable=False, default=list),
    Column("source", String(128)),
    Column("external_id", String(512)),
    Column("code_path", String(1024)),
    Column("code", Text),
    Column("row_count", BigInteger),
    Column("bytes", BigInteger),
    Column("last_altered", UTCDateTime),
    Column("meta", Json, nullable=False, default=dict),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "short_name"),
    Index(None, "platform", "name"),
)

asset_columns = Table(
    "asset_columns",
    metadata,
    Column("asset_id", Id, ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(256), primary_key=True),
    Column("position", Integer),
    Column("data_type", String(256)),
    Column("description", Text),
)

teams = Table(
    "teams",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("slack_channel", String(128)),
    Column("description", Text),
    Column("monthly_budget_usd", Float),
    Column("source", String(64), nullable=False, default="config"),
)

people = Table(
    "people",
    metadata,
    Column("username", String(256), primary_key=True),
    Column("email", String(256)),
    Column("display_name", String(256)),
    Column("team", String(128)),
    Column("slack_user_id", String(64)),
    Index(None, "email"),
    Index(None, "team"),
)

ownerships = Table(
    "ownerships",
    metadata,
    _key(primary_key=True),
    Column("source", String(32), primary_key=True),  # OwnershipSource
    Column("origin", String(256), primary_key=True),  # who claims it: "dbt:shop", "config", "api" …
    Column("owner", String(256), nullable=False),
    Column("owner_kind", String(16), nullable=False),
    Column("team", String(128)),
    Column("detail", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "owner"),
    Index(None, "team"),
)

catalog_edits = Table(
    "catalog_edits",
    metadata,
    _key(primary_key=True),
    Column("field", String(64), primary_key=True),  # owner | description
    Column("value", Text),
    Column("edited_by", String(256), nullable=False),
    Column("edited_at", UTCDateTime, nullable=False),
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("source", String(256), primary_key=True),
    Column("stream", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(256), nullable=False),
    Column("collector", String(64), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(16), nullable=False),  # running | ok | partial | failed
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_written", Integer, nullable=False, default=0),
    Column("rows_bad", Integer, nullable=False, default=0),
    Column("message", Text),
    Index(None, "source", "started_at"),
)

ingest_errors = Table(
    "ingest_errors",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ingest_run_id", Id, ForeignKey("ingest_runs.id", ondelete="CASCADE"), nullable=False),
    Column("location", String(1024)),  # file:line
    Column("field", String(256)),
    Column("message", Text, nullable=False),
    Index(None, "ingest_run_id"),
)

# ── SQL intelligence (migration 0002) ─────────────────────────────────────────────────────────────────

fingerprints = Table(
    "fingerprints",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("dialect", String(32)),
    Column("sample_sql", Text, nullable=False),
    Column("statement_type", String(64)),
    Column("sources", Json, nullable=False, default=list),
    Column("targets", Json, nullable=False, default=list),
    Column("column_lineage", Json, nullable=False, default=list),
    Column("parse_error", Text),
    Column("parse_ms", Float),
    Column("first_seen", UTCDateTime),
    Column("last_seen", UTCDateTime),
    Column("occurrences", BigInteger, nullable=False, default=0),
    Index(None, "dialect", "parse_error"),
)

# ── warehouse history and cost (migration 0003) ───────────────────────────────────────────────────────

queries = Table(
    "queries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(256), nullable=False),
    Column("query_id", String(256), nullable=False),
    Column("platform", String(64), nullable=False),
    Column("fingerprint", String(64)),
    Column("text", Text),
    Column("user_name", String(256)),
    Column("role_name", String(256)),
    Column("warehouse", String(256)),
    Column("warehouse_size", String(32)),
    Column("database_name", String(256)),
    Column("schema_name", String(256)),
    Column("query_type", String(64)),
    Column("status", String(32), nullable=False),
    Column("error_message", Text),
    Column("query_tag", Text),
    Column("start_time", UTCDateTime, nullable=False),
    Column("end_time", UTCDateTime, nullable=False),
    Column("execution_ms", Float, nullable=False, default=0.0),
    Column("compilation_ms", Float, nullable=False, default=0.0),
    Column("queued_ms", Float, nullable=False, default=0.0),
    Column("total_elapsed_ms", Float, nullable=False, default=0.0),
    Column("bytes_scanned", BigInteger, nullable=False, default=0),
    Column("bytes_billed", BigInteger),
    Column("slot_ms", BigInteger),
    Column("rows_produced", BigInteger),
    Column("cloud_services_credits", Float, nullable=False, default=0.0),
    Column("qas_bytes_scanned", BigInteger, nullable=False, default=0),
    # the query's share of its warehouse when the source measures one (Snowflake
    # QUERY_ATTRIBUTION_HISTORY credits, Databricks task-ms); NULL = weigh by execution time
    Column("compute_weight", Float),
    Column("comment_meta", Json),  # parsed query comment / tags (dbt node id, dag/task …)
    # attribution (rule + reason kept so the UI can say why)
    _key("asset_key"),
    Column("owner", String(256)),
    Column("team", String(128)),
    Column("attribution_rule", String(32)),
    Column("attribution_reason", Text),
    Column("run_id", String(256)),
    UniqueConstraint("source", "query_id"),
    Index(None, "start_time"),
    Index(None, "fingerprint"),
    Index(None, "asset_key"),
    Index(None, "warehouse", "start_time"),
)

metering = Table(
    "metering",
    metadata,
    Column("source", String(256), primary_key=True),
    Column("warehouse", String(256), primary_key=True),
    Column("start_time", UTCDateTime, primary_key=True),
    Column("end_time", UTCDateTime, nullable=False),
    Column("credits_compute", Float, nullable=False),
    Column("credits_cloud_services", Float, nullable=False, default=0.0),
    Column("credits_attributed_compute", Float),
    Column("credits_acceleration", Float, nullable=False, default=0.0),
)

cost_lines = Table(
    "cost_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(256), nullable=False),
    Column("month", String(7), nullable=False),  # YYYY-MM, for cheap monthly grouping
    Column("hour", UTCDateTime, nullable=False),
    Column("warehouse", String(256), nullable=False),
    Column("kind", String(32), nullable=False),  # compute | idle | cloud_services | acceleration | bytes | slot
    Column("query_id", String(256)),  # NULL for idle
    Column("credits", Float, nullable=False),
    Column("cost_usd", Float, nullable=False),
    Column("user_name", String(256)),
    Column("fingerprint", String(64)),
    _key("asset_key"),
    Column("owner", String(256)),
    Column("team", String(128)),
    Column("rule", String(32)),
    Column("reason", Text),
    Index(None, "source", "month"),
    Index(None, "month", "team"),
    Index(None, "month", "asset_key"),
    Index(None, "source", "hour"),
    Index(None, "source", "query_id"),
)

# ── orchestrators and lineage (migration 0004) ────────────────────────────────────────────────────────

runs = Table(
    "runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(256), nullable=False),
    Column("run_id", String(256), nullable=False),
    Column("orchestrator", String(32), nullable=False),
    Column("job", String(512), nullable=False),
    Column("task", String(512)),
    Column("parent_run_id", String(256)),
    Column("status", String(16), nullable=False),
    Column("start_time", UTCDateTime),
    Column("end_time", UTCDateTime),
    _key("asset_key"),
    Column("owner", String(256)),
    Column("rows_affected", BigInteger),
    Column("query_ids", Json, nullable=False, default=list),
    Column("attributes", Json, nullable=False, default=dict),
    UniqueConstraint("source", "run_id"),
    Index(None, "asset_key", "start_time"),
    Index(None, "job", "start_time"),
    Index(None, "start_time"),
)

lineage_edges = Table(
    "lineage_edges",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _key("upstream", nullable=False),
    _key("downstream", nullable=False),
    Column("upstream_column", String(256), nullable=False, default=""),  # "" = table-level
    Column("downstream_column", String(256), nullable=False, default=""),
    Column("origin", String(32), nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    UniqueConstraint("upstream", "downstream", "upstream_column", "downstream_column", "origin"),
    Index(None, "downstream"),
)

openlineage_events = Table(
    "openlineage_events",
    metadata,
    Column("event_hash", String(64), primary_key=True),
    Column("run_id", String(64), nullable=False),
    Column("event_type", String(16)),
    Column("event_time", UTCDateTime, nullable=False),
    Column("job_namespace", String(512), nullable=False),
    Column("job_name", String(512), nullable=False),
    Column("producer", String(1024)),
    Column("payload", Json, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Index(None, "run_id"),
)

# ── checks (migration 0005) ───────────────────────────────────────────────────────────────────────────

check_results = Table(
    "check_results",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("check", String(256), nullable=False),
    Column("check_type", String(64), nullable=False),
    _key(nullable=False),
    Column("status", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("observed", Json, nullable=False, default=dict),
    Column("expected", Json, nullable=False, default=dict),
    Column("evaluated_at", UTCDateTime, nullable=False),
    Column("run_key", String(256), nullable=False),
    UniqueConstraint("check", "asset_key", "run_key"),
    Index(None, "asset_key", "evaluated_at"),
    Index(None, "status", "evaluated_at"),
)

metric_points = Table(
    "metric_points",
    metadata,
    _key(primary_key=True),
    Column("metric", String(64), primary_key=True),  # row_count | rows_added | last_altered_lag_s …
    Column("ts", UTCDateTime, primary_key=True),
    Column("value", Float, nullable=False),
    Column("source", String(64)),
)

schema_snapshots = Table(
    "schema_snapshots",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _key(nullable=False),
    Column("taken_at", UTCDateTime, nullable=False),
    Column("columns", Json, nullable=False),  # [{"name", "data_type", "position"}]
    Column("digest", String(64), nullable=False),
    UniqueConstraint("asset_key", "digest", "taken_at"),
    Index(None, "asset_key", "taken_at"),
)

# ── incidents and alert delivery (migration 0006) ─────────────────────────────────────────────────────

incidents = Table(
    "incidents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("check", String(256), nullable=False),
    _key(),
    Column("state", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("owner", String(256)),
    Column("team", String(128)),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("snoozed_until", UTCDateTime),
    Column("last_result_id", Id),
    Column("message_id", Id),  # alert_messages.id: the Slack message this incident is shown in
    Column("details", Json, nullable=False, default=dict),
    Index(None, "check", "asset_key", "state"),
    Index(None, "state", "updated_at"),
    Index(None, "team", "state"),
)

incident_events = Table(
    "incident_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("incident_id", Id, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("event", String(32), nullable=False),  # opened | updated | acknowledged | snoozed | resolved …
    Column("actor", String(256)),
    Column("detail", Json, nullable=False, default=dict),
    Index(None, "incident_id", "at"),
)

alert_messages = Table(
    "alert_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel_type", String(32), nullable=False),  # slack | webhook | console
    Column("destination", String(256), nullable=False),
    Column("group_key", String(256), nullable=False),  # owner/team whose failures share this message
    Column("kind", String(32), nullable=False),  # incidents | digest
    Column("created_at", UTCDateTime, nullable=False),
    Column("window_ends_at", UTCDateTime, nullable=False),  # later failures of the group join until then
    Index(None, "destination", "group_key", "window_ends_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("dedup_key", String(256), nullable=False, unique=True),
    Column("channel_type", String(32), nullable=False),  # slack | webhook | console
    Column("destination", String(256), nullable=False),  # channel id/name or webhook name
    Column("operation", String(32), nullable=False),  # post | update | reply
    Column("payload", Json, nullable=False),
    Column("incident_id", Id),
    Column("message_id", Id),  # alert_messages.id; updates and replies wait for its post
    Column("state", String(16), nullable=False),  # pending | sending | sent | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("response", Json),  # e.g. {"channel", "ts"} from chat.postMessage
    Index(None, "state", "next_attempt_at"),
)

# ── API authentication (migration 0007) ───────────────────────────────────────────────────────────────

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # viewer | editor | admin
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked", Boolean, nullable=False, default=False),
)

# ── scheduler (migration 0004) ────────────────────────────────────────────────────────────────────────

# APScheduler's SQLAlchemyJobStore table (same layout it would create), kept under migrations.
scheduler_jobs = Table(
    "scheduler_jobs",
    metadata,
    Column("id", String(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)

# One row per scheduler role: whoever holds an unexpired lease runs the jobs; others stand by.
scheduler_leases = Table(
    "scheduler_leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(256), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
