"""Teams, people, query shapes, queries, cost lines and incidents around the test catalog.

Written through the store's own repositories, as the collectors and jobs write them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from observer.model import (
    Attribution,
    CostLine,
    Incident,
    IncidentState,
    MetricPoint,
    Person,
    QueryRecord,
    Severity,
    Team,
)
from observer.sql.analysis import FingerprintEntry
from observer.sql.lineage import LineageResult
from observer.store import Store
from observer.store.costs import replace_cost_lines
from observer.store.fingerprints import FingerprintRepository
from observer.store.incidents import add_event, save_incident
from observer.store.metrics import record_points
from observer.store.ownership import sync_teams, upsert_people
from observer.store.queries import query_row, write_queries
from tests.api.conftest import ORDERS, RAW_ORDERS

GOOD_FP = "a" * 32
BAD_FP = "b" * 32


def fill_operations(store: Store, now: datetime) -> dict[str, int]:
    """Returns the ids of the incidents it opened, by name."""
    this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    with store.transaction() as conn:
        sync_teams(
            conn,
            [
                Team("finance", "#finance-data", "Revenue and billing analytics", monthly_budget_usd=500.0),
                Team("growth", "#growth-data"),
                Team("data-platform", "#data-platform"),
            ],
        )
        upsert_people(
            conn,
            [
                Person("ALICE", "alice.ng@larkspur.example", "Alice Ng", "finance"),
                Person("BOB", "bob.ray@larkspur.example", "Bob Ray", "growth"),
            ],
        )
        FingerprintRepository(store).upsert_many(
            conn,
            [
                FingerprintEntry(
                    GOOD_FP,
                    "snowflake",
                    "INSERT INTO analytics.marts.fct_orders SELECT id, amount FROM raw.shop.orders",
                    LineageResult(
                        frozenset({"raw.shop.orders"}),
                        frozenset({"analytics.marts.fct_orders"}),
                        frozenset({("raw.shop.orders.amount", "analytics.marts.fct_orders.revenue_usd")}),
                        ("INSERT",),
                    ),
                    2.5,
                ),
                FingerprintEntry(
                    BAD_FP,
                    "snowflake",
                    "SELECT $$weird<script>$$ FROM @stage",
                    LineageResult(frozenset(), frozenset(), frozenset(), (), error="Invalid expression at line 1, col 8"),
                    0.4,
                ),
            ],
            seen_at=now,
            occurrences={GOOD_FP: 40, BAD_FP: 3},
        )
        write_queries(
            conn,
            [
                query_row(
                    QueryRecord(
                        "snowflake", f"q{i}", "snowflake",
                        "INSERT INTO analytics.marts.fct_orders SELECT id, amount FROM raw.shop.orders",
                        now - timedelta(hours=i + 1), now - timedelta(hours=i + 1) + timedelta(seconds=30),
                        user_name="ALICE", warehouse="TRANSFORM_WH", execution_ms=30000.0,
                    ),
                    GOOD_FP,
                    None,
                    Attribution(ORDERS, "finance", "finance", "write_target", "writes analytics.marts.fct_orders"),
                )
                for i in range(3)
            ],
        )
        lines = []
        for month, usd in ((last_month, 100.0), (this_month, 340.0)):
            hour = month + timedelta(hours=3)
            lines.append(
                CostLine(
                    "snowflake", "TRANSFORM_WH", hour, usd / 3, usd, "q0" if month == this_month else "old",
                    attribution=Attribution(ORDERS, "finance", "finance", "write_target", "writes fct_orders"),
                    user_name="ALICE", fingerprint=GOOD_FP,
                )
            )
            lines.append(
                CostLine(
                    "snowflake", "BI_WH", hour, 5.0, 15.0, f"r-{month:%m}",
                    attribution=Attribution(RAW_ORDERS, "growth", "growth", "reader_team", "BOB is in growth"),
                    user_name="BOB",
                )
            )
            lines.append(CostLine("snowflake", "BI_WH", hour, 1.0, 3.0, None, kind="idle"))
        replace_cost_lines(conn, "snowflake", last_month, this_month + timedelta(days=32), lines)
        spend = save_incident(
            conn,
            Incident(
                None, "cost", "spend:team", ORDERS, IncidentState.OPEN, Severity.HIGH,
                "finance spend on fct_orders up 240% month over month", now - timedelta(hours=2),
                now - timedelta(hours=2), owner="finance", team="finance",
                details={"previous_usd": 100.0, "current_usd": 340.0, "fingerprints": [GOOD_FP]},
            ),
        )
        assert spend.id is not None
        add_event(conn, spend.id, now - timedelta(hours=2), "opened", None, {"message": "spend jumped"})
        stale = save_incident(
            conn,
            Incident(
                None, "freshness", "freshness", RAW_ORDERS, IncidentState.RESOLVED, Severity.MEDIUM,
                "raw.shop.orders is stale", now - timedelta(days=3), now - timedelta(days=2),
                resolved_at=now - timedelta(days=2), owner="data-platform", team="data-platform",
            ),
        )
        assert stale.id is not None
        points = []
        for day in range(10):
            ts = now - timedelta(days=10 - day)
            added = 1000.0 + 10 * day if day != 9 else 120.0  # the last load is far too small
            points += [
                MetricPoint(ORDERS, "freshness_lag_s", ts, 3600.0 * (2 + day % 3), "freshness"),
                MetricPoint(ORDERS, "rows_added", ts, added, "volume"),
                MetricPoint(ORDERS, "rows_added_expected_low", ts, 900.0, "volume"),
                MetricPoint(ORDERS, "rows_added_expected_high", ts, 1200.0, "volume"),
                MetricPoint(ORDERS, "rows_added_anomaly", ts, 1.0 if day == 9 else 0.0, "volume"),
            ]
        record_points(conn, points)
    return {"spend": spend.id, "stale": stale.id}
