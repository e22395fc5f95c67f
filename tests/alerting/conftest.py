"""Alerting fixtures: a fake Slack workspace, a controllable clock, settings pointing at both, and a
small catalog (teams, people, owners, lineage) for incidents to be routed through."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from alerting.signals import Signal
from observer.config import Settings
from observer.model import (
    AssetKey,
    CheckStatus,
    LineageEdge,
    OwnerKind,
    Ownership,
    OwnershipSource,
    Person,
    Severity,
    Team,
)
from observer.store import Store
from observer.store.lineage import add_edges
from observer.store.ownership import set_claim, sync_teams, upsert_people
from tests.fakes.clock import FakeClock
from tests.fakes.slack_server import TOKEN, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

PAYMENTS = AssetKey("duckdb", "analytics.raw.stripe_payments")
EVENTS = AssetKey("duckdb", "analytics.raw.web_events")
ORDERS = AssetKey("duckdb", "analytics.marts.fct_orders")
SESSIONS = AssetKey("duckdb", "analytics.marts.fct_web_sessions")
ORPHAN = AssetKey("duckdb", "analytics.scratch.tmp_export")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def slack(clock: FakeClock) -> Iterator[FakeSlack]:
    server = FakeSlack(clock=clock.monotonic, wall=lambda: clock.now().timestamp()).start()
    yield server
    server.stop()


def make_settings(server: FakeSlack | None, **alerting: Any) -> Settings:
    """Settings for tests: tokens for ``server`` (None: no Slack), overrides for ``alerting`` keys."""
    slack_cfg: dict[str, Any] = {"default_channel": "#data-alerts", "signing_secret": SIGNING_SECRET}
    if server is not None:
        slack_cfg.update(token=TOKEN, base_url=server.api_url)
    slack_cfg.update(alerting.pop("slack", {}))
    return Settings(
        alerting={"dry_run": False, "slack": slack_cfg, **alerting},
        server={"base_url": "https://observer.example"},
    )


@pytest.fixture
def settings(slack: FakeSlack) -> Settings:
    return make_settings(slack)


def seed_catalog(store: Store, now: datetime) -> None:
    """Two teams with channels, people with e-mails, owners for the raw tables, and lineage."""
    with store.transaction() as conn:
        sync_teams(
            conn,
            [
                Team("finance", "#finance-data", monthly_budget_usd=3000.0),
                Team("growth", "#growth-data"),
                Team("ops", None),
            ],
        )
        upsert_people(
            conn,
            [
                Person("CAROL", "carol.jensen@larkspur.example", "Carol Jensen", "finance"),
                Person("ALICE", "alice.moreau@larkspur.example", "Alice Moreau", "growth"),
            ],
        )
        set_claim(
            conn,
            Ownership(
                PAYMENTS,
                "CAROL",
                OwnerKind.USER,
                OwnershipSource.ORCHESTRATOR,
                "dbt meta.owner",
                "dbt:larkspur",
                "finance",
            ),
            now,
        )
        set_claim(
            conn,
            Ownership(
                EVENTS,
                "growth",
                OwnerKind.TEAM,
                OwnershipSource.RULE,
                "config rule 'analytics.raw.web_*'",
                "config",
                "growth",
            ),
            now,
        )
        set_claim(
            conn,
            Ownership(
                ORDERS,
                "finance",
                OwnerKind.TEAM,
                OwnershipSource.ORCHESTRATOR,
                "dbt group finance",
                "dbt:larkspur",
                "finance",
            ),
            now,
        )
        set_claim(
            conn,
            Ownership(
                SESSIONS,
                "ALICE",
                OwnerKind.USER,
                OwnershipSource.ORCHESTRATOR,
                "dbt meta.owner",
                "dbt:larkspur",
                "growth",
            ),
            now,
        )
        add_edges(conn, [LineageEdge(PAYMENTS, ORDERS, "dbt"), LineageEdge(EVENTS, SESSIONS, "dbt")], now)


@pytest.fixture
def catalog(store: Store, now: datetime) -> Store:
    seed_catalog(store, now)
    return store


def failing(
    asset: AssetKey,
    check: str = "freshness",
    *,
    at: datetime,
    severity: Severity = Severity.HIGH,
    summary: str = "no load for 50 hours",
    status: CheckStatus = CheckStatus.FAIL,
) -> Signal:
    from alerting.signals import title_for

    return Signal(
        check=check,
        kind=check.split(":")[0],
        asset=asset,
        status=status,
        severity=severity,
        title=title_for(check.split(":")[0], check, asset, status),
        summary=summary,
        evaluated_at=at,
        observed={"last_update": "2026-11-18T10:12:00+00:00", "lag_hours": 50.2},
        expected={"within_hours": 24},
    )


def passing(asset: AssetKey, check: str = "freshness", *, at: datetime) -> Signal:
    return Signal(
        check, check.split(":")[0], asset, CheckStatus.PASS, Severity.LOW, "ok", "loaded 1 hour ago", at
    )
