"""Inferred ownership: the most frequent writer's team, with ties and unknown users said plainly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from observer.attribution.inference import infer_owner_claims
from observer.model import AssetKey, OwnershipSource, Person, QueryRecord
from observer.store.inferred_owners import infer_owners
from observer.store.ownership import claims_for, upsert_people
from observer.store.tables import queries

A = AssetKey("snowflake", "analytics.scratch.a")
B = AssetKey("snowflake", "analytics.scratch.b")
TEAMS = {"ALICE": "growth", "BOB": "growth", "CAROL": "finance"}


def test_most_writes_win_and_detail_counts_them() -> None:
    claims = infer_owner_claims([(A, "ALICE", 5), (A, "BOB", 2), (A, "CAROL", 6), (A, "DBT_PROD", 40)], TEAMS)
    assert len(claims) == 1
    c = claims[0]
    assert (c.owner, c.team, c.source) == ("growth", "growth", OwnershipSource.INFERRED)
    assert c.detail == "inferred: 7 of 53 writes by growth (ALICE, BOB)"


def test_tie_is_named_and_service_users_alone_claim_nothing() -> None:
    claims = infer_owner_claims([(A, "ALICE", 3), (A, "CAROL", 3), (B, "DBT_PROD", 9)], TEAMS)
    assert [(c.asset, c.owner) for c in claims] == [(A, "finance")]
    assert claims[0].detail.endswith("; tied with growth")


def test_infer_owners_from_stored_query_history(store) -> None:
    t = datetime(2026, 3, 1, tzinfo=UTC)
    with store.transaction() as conn:
        upsert_people(conn, [Person(u, team=team) for u, team in TEAMS.items()])
        rows = []
        for i, (user, asset, rule, days_ago) in enumerate([
            ("ALICE", A, "write_target", 1), ("ALICE", A, "write_target", 2), ("CAROL", A, "write_target", 3),
            ("CAROL", A, "reader_team", 1), ("CAROL", A, "reader_team", 2),  # reads do not count
            ("CAROL", B, "write_target", 90),  # outside the 30-day window before the newest query
        ]):
            q = QueryRecord("sf", f"q{i}", "snowflake", "insert …", t - timedelta(days=days_ago), t, user_name=user)
            rows.append({"source": q.source, "query_id": q.query_id, "platform": q.platform, "text": q.text,
                         "user_name": q.user_name, "status": "success", "start_time": q.start_time,
                         "end_time": q.end_time, "asset_key": str(asset), "attribution_rule": rule})
        conn.execute(queries.insert(), rows)
        assert infer_owners(conn, t) == 1
        assert infer_owners(conn, t + timedelta(days=5)) == 0  # same history: nothing changes
        assert [c.owner for c in claims_for(conn, A)] == ["growth"]
        assert claims_for(conn, B) == []
