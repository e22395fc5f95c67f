"""Alerting jobs over a real store: budget and spend-jump incidents, digests, Slack user lookup and a
full dry run."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from alerting import incidents, jobs
from alerting.cost_signals import budget_signal, spend_jump_signal
from alerting.slack.notifier import SlackNotifier
from observer.model import CheckResult, CheckStatus, IncidentState, Severity
from observer.store import Store
from observer.store.check_results import record_check_results
from observer.store.incidents import list_incidents
from observer.store.outbox import OutboxState, list_outbox
from observer.store.tables import cost_lines, people
from tests.alerting.conftest import PAYMENTS, SESSIONS, failing, make_settings
from tests.fakes.slack_server import FakeSlack

NOV_20 = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _spend(store: Store, rows: list[tuple[datetime, float, str, str | None, str | None]]) -> None:
    with store.transaction() as conn:
        conn.execute(
            cost_lines.insert(),
            [
                {"source": "sf", "month": f"{h:%Y-%m}", "hour": h, "warehouse": "REPORTING", "kind": "compute", "credits": usd / 3,
                 "cost_usd": usd, "team": team, "fingerprint": fp, "asset_key": asset, "query_id": f"q-{i}"}
                for i, (h, usd, team, fp, asset) in enumerate(rows)
            ],
        )  # fmt: skip


def test_budget_signals_fail_warn_and_pass() -> None:
    over = budget_signal("finance", 3000, 3300, NOV_20)
    assert (over.status, over.severity, over.title) == (
        CheckStatus.FAIL,
        Severity.HIGH,
        "finance is over its monthly budget",
    )
    assert "110% of the $3,000 budget, with 10 days to go" in over.summary
    pace = budget_signal("finance", 3000, 1500, datetime(2026, 11, 10, tzinfo=UTC))
    assert pace.status == CheckStatus.WARN and "$5,000 by month end" in pace.summary
    too_early = budget_signal("finance", 3000, 900, datetime(2026, 11, 2, tzinfo=UTC))
    assert too_early.status == CheckStatus.PASS  # a day of data forecasts nothing


def test_spend_jumps_need_both_a_ratio_and_dollars() -> None:
    assert spend_jump_signal("abc", 900, 50, NOV_20).status == CheckStatus.FAIL
    assert spend_jump_signal("abc", 130, 40, NOV_20).status == CheckStatus.PASS  # ×3.25 but only $90 more
    assert spend_jump_signal("abc", 5000, 2500, NOV_20).status == CheckStatus.PASS  # +$2,500 but only ×2
    new = spend_jump_signal("abc", 300, 0, NOV_20)
    assert new.failing and "(new)" in new.title


def test_cost_incidents_open_route_to_the_team_and_resolve(catalog: Store) -> None:
    settings = make_settings(None)
    hourly = [
        (datetime(2026, 11, d, 9, tzinfo=UTC), 200.0, "finance", "fp-steady", None) for d in range(1, 20)
    ]  # $3,800 this month
    previous = [
        (NOV_20 - timedelta(days=10, hours=h), 5.0, "growth", "fp-dashboard", str(SESSIONS))
        for h in range(10)
    ]
    recent = [
        (NOV_20 - timedelta(days=2, hours=h), 40.0, "growth", "fp-dashboard", str(SESSIONS))
        for h in range(30)
    ]
    _spend(catalog, hourly + previous + recent)
    report = jobs.process_costs(catalog, settings, NOV_20)
    assert report.opened == 2 and report.routes == {"#finance-data": 1, "#growth-data": 1}
    with catalog.read() as conn:
        found = {i.kind: i for i in list_incidents(conn)[0]}
    assert found["budget"].title == "finance is over its monthly budget" and found["budget"].asset is None
    jump = found["spend_jump"]
    assert (
        jump.team == "growth"
        and jump.asset == SESSIONS
        and jump.title == "Spend of query fp-dashboard on fct_web_sessions jumped (×24.0)"
    )
    assert (
        jobs.process_costs(catalog, settings, NOV_20 + timedelta(hours=1)).queued == 0
    )  # nothing new to say
    # December: the budget starts afresh, and the dashboard's spend is no longer a jump
    later = jobs.process_costs(catalog, settings, datetime(2026, 12, 2, 9, tzinfo=UTC))
    assert later.resolved == 2
    with catalog.read() as conn:
        assert {i.state for i in list_incidents(conn)[0]} == {IncidentState.RESOLVED}


def test_a_digest_is_queued_once_per_team_and_day(catalog: Store) -> None:
    settings = make_settings(None)
    incidents.process_signals(catalog, settings, [failing(PAYMENTS, at=NOV_20)], NOV_20)
    _spend(
        catalog,
        [
            (datetime(2026, 10, 5, tzinfo=UTC), 100.0, "finance", None, None),
            (datetime(2026, 11, 5, tzinfo=UTC), 150.0, "finance", None, None),
        ],
    )
    assert (
        jobs.queue_digests(catalog, settings, NOV_20) == 2
    )  # finance and growth have channels; ops has none
    assert jobs.queue_digests(catalog, settings, NOV_20 + timedelta(hours=3)) == 0
    with catalog.read() as conn:
        digests = [i for i in list_outbox(conn, limit=50)[0] if i.dedup_key.startswith("digest:")]
    finance = next(d for d in digests if d.dedup_key == "digest:finance:2026-11-20")
    assert finance.destination == "#finance-data"
    assert "Open incidents: 1" in str(finance.payload["blocks"]) and "$150 (+50%)" in str(
        finance.payload["blocks"]
    )


def test_owners_are_mentioned_once_slack_knows_their_email(catalog: Store, slack: FakeSlack) -> None:
    slack.add_user("carol.jensen@larkspur.example", "U0CAROL")
    notifier = SlackNotifier("xoxb-test-token", base_url=slack.api_url)
    assert jobs.sync_slack_users(catalog, notifier.lookup_user) == 1  # Alice is not in this workspace
    with catalog.read() as conn:
        ids = dict(conn.execute(select(people.c.username, people.c.slack_user_id)).all())
    assert ids == {"CAROL": "U0CAROL", "ALICE": "-"}
    assert (
        jobs.sync_slack_users(catalog, notifier.lookup_user) == 0
        and len(slack.calls("users.lookupByEmail")) == 2
    )
    incidents.process_signals(catalog, make_settings(slack), [failing(PAYMENTS, at=NOV_20)], NOV_20)
    with catalog.read() as conn:
        [post] = list_outbox(conn)[0]
    assert "owner <@U0CAROL>" in str(post.payload["blocks"])


def test_a_dry_run_prints_the_alerts_and_sends_nothing(catalog: Store) -> None:
    settings = make_settings(None, dry_run=True)
    with catalog.transaction() as conn:
        record_check_results(
            conn,
            [
                CheckResult(
                    "freshness",
                    "freshness",
                    PAYMENTS,
                    CheckStatus.FAIL,
                    NOV_20,
                    "no load for 50 hours",
                    run_key="r1",
                )
            ],
        )
    printed = io.StringIO()
    run = jobs.run_alerting(catalog, settings, NOV_20, stream=printed)
    assert run.checks.opened == 1 and run.previewed == 1
    text = printed.getvalue()
    assert "post to #finance-data" in text and "stripe_payments is late" in text and "[Acknowledge]" in text
    with catalog.read() as conn:
        assert [i.state for i in list_outbox(conn)[0]] == [OutboxState.PENDING]


def test_repeated_dry_runs_print_only_what_is_new(catalog: Store) -> None:
    settings = make_settings(None, dry_run=True)
    incidents.process_signals(catalog, settings, [failing(PAYMENTS, at=NOV_20)], NOV_20)
    first, second = io.StringIO(), io.StringIO()
    assert jobs.run_alerting(catalog, settings, NOV_20, stream=first).previewed == 1
    assert jobs.run_alerting(catalog, settings, NOV_20 + timedelta(minutes=1), stream=second).previewed == 0
    assert "stripe_payments is late" in first.getvalue() and second.getvalue() == ""
