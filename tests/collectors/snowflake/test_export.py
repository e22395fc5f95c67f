"""Snowflake export ingest: files in ACCOUNT_USAGE's own layout → attributed, costed queries.

The fixture files hold the worked example of docs/costs.md (plus a bad row, a row ending before it
starts and a metadata-only SHOW), so the costs checked here are the hand-computed ones.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from collectors.snowflake import ingest_snowflake_exports
from observer.config import Settings
from observer.errors import InputError
from observer.model import Asset, AssetKey, AssetKind, OwnerKind, Ownership, OwnershipSource, Person, Team
from observer.store import Store, open_store
from observer.store.assets import upsert_assets
from observer.store.costs import dirty_days
from observer.store.ownership import set_claim, sync_teams, upsert_people
from observer.store.tables import cost_lines, queries

FIXTURES = Path(__file__).parent / "fixtures"
QH = FIXTURES / "query_history.csv"
WMH = FIXTURES / "warehouse_metering_history.csv"
QAH = FIXTURES / "query_acceleration_history.csv"
NOW = datetime(2026, 3, 3, tzinfo=UTC)
SETTINGS = Settings(pricing={"snowflake_credit_usd": 3.0, "snowflake_credit_rates": {"2026-03-01": 2.5}})
Q1, Q2, Q3 = (f"01c2a0b1-0000-4a1c-0000-00000000a00{i}" for i in (1, 2, 3))


def ingest(store: Store, qh: Path = QH, **kw: object):  # type: ignore[no-untyped-def]
    files = {"query_history": [qh], "metering": [WMH], "acceleration": [QAH]}
    files.update(kw)  # type: ignore[arg-type]
    return ingest_snowflake_exports(store, SETTINGS, source="snowflake", now=NOW, **files)  # type: ignore[arg-type]


def per_query(store: Store) -> dict[str, tuple[float, float]]:
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    with store.read() as conn:
        for qid, wh, credits, usd in conn.execute(
            select(cost_lines.c.query_id, cost_lines.c.warehouse, cost_lines.c.credits, cost_lines.c.cost_usd)
        ):
            key = qid or f"idle:{wh}"
            out[key][0] += credits
            out[key][1] += usd
    return {k: (round(v[0], 9), round(v[1], 9)) for k, v in out.items()}


def lines(store: Store) -> list[tuple[object, ...]]:
    with store.read() as conn:
        rows = conn.execute(
            select(cost_lines.c.hour, cost_lines.c.kind, cost_lines.c.query_id, cost_lines.c.credits, cost_lines.c.rule)
        ).all()
    return sorted((h, k, q or "", round(c, 9), r or "") for h, k, q, c, r in rows)


def test_export_ingest_costs_the_worked_example_and_reports_bad_rows(store: Store) -> None:
    report = ingest(store)
    assert per_query(store) == {
        Q1: pytest.approx((0.435, 1.0875)),
        Q2: pytest.approx((0.9775, 2.44375)),
        Q3: pytest.approx((0.3375, 0.84375)),
        "idle:TRANSFORMING": pytest.approx((0.2, 0.5)),
    }
    assert report.rows_bad == 2
    assert report.errors == [
        "query_history.csv:10 [START_TIME]: not a timestamp: 'yesterday at noon'",
        "query_history.csv:12 [END_TIME]: ends before it starts (2026-03-02T10:44:00+00:00 < 2026-03-02T10:45:00+00:00)",
    ]
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(queries)).scalar() == 4  # incl. the free SHOW
        assert dirty_days(conn, "snowflake") == []


def test_reingesting_the_same_files_changes_nothing(store: Store) -> None:
    ingest(store)
    before = lines(store)
    again = ingest(store)
    assert again.rows_written == 0
    assert again.details["cost_days"] == 0
    assert lines(store) == before


def test_a_revised_row_is_updated_and_its_day_recosted(store: Store, tmp_path: Path) -> None:
    ingest(store)
    text = QH.read_text(encoding="utf-8")
    # Q3 ran 20 minutes, not 10: it now takes half of the 10:00 hour's 0.6 credits.
    revised = tmp_path / "query_history.csv"
    rows = list(csv.reader(text.splitlines(keepends=True)))
    header = rows[0]
    for row in rows[1:]:
        if row[0] == Q3:
            row[header.index("EXECUTION_TIME")] = str(20 * 60_000)
            row[header.index("END_TIME")] = "2026-03-02 10:50:00.000 +0000"
    with revised.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)
    report = ingest(store, revised)
    assert report.rows_written == 1
    t = per_query(store)
    assert t[Q3][0] == pytest.approx(0.6 * 20 / 40 + 0.1 + 0.0375)
    assert t[Q2][0] == pytest.approx(0.54 + 0.6 * 20 / 40 + 0.0375)


def test_gzip_and_json_lines_read_like_csv(store: Store, tmp_path: Path) -> None:
    with QH.open(encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh))
    jsonl = tmp_path / "qh.jsonl.gz"
    with gzip.open(jsonl, "wt", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps({k.lower(): (v if v != "" else None) for k, v in r.items()}) + "\n")
    gz_meter = tmp_path / "wmh.csv.gz"
    gz_meter.write_bytes(gzip.compress(WMH.read_bytes()))
    report = ingest(store, jsonl, metering=[gz_meter])
    assert report.rows_bad == 2
    assert report.errors[0].startswith("qh.jsonl.gz:4 [START_TIME]")
    assert per_query(store)[Q2] == pytest.approx((0.9775, 2.44375))


def test_a_wrong_header_names_the_missing_columns(sqlite_store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "qh.csv"
    bad.write_text("QUERY_ID,SQL_TEXT,USER_NAME,WAREHOUSE_NAME,EXECUTION_STATUS,START_TIME,END_TIME\nx,select 1,A,W,SUCCESS,,\n")
    with pytest.raises(InputError) as err:
        ingest(sqlite_store, bad)
    assert "qh.csv:1" in str(err.value)
    assert "missing columns QUERY_TEXT, EXECUTION_TIME" in str(err.value)
    with sqlite_store.read() as conn:
        assert conn.execute(select(func.count()).select_from(queries)).scalar() == 0


class Crash(Exception):
    pass


def test_a_crash_mid_ingest_loses_nothing_and_duplicates_nothing(store: Store, tmp_path: Path) -> None:
    def crash_after_first_batch(done: int, total: int | None) -> None:
        raise Crash

    with pytest.raises(Crash):
        ingest_snowflake_exports(
            store, SETTINGS, source="snowflake", now=NOW, query_history=[QH], metering=[WMH], acceleration=[QAH],
            batch_size=2, progress=crash_after_first_batch,
        )
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(queries)).scalar() == 2  # the first batch, committed
        assert conn.execute(select(func.count()).select_from(cost_lines)).scalar() == 0
        assert len(dirty_days(conn, "snowflake")) == 1  # …and its day still to be costed
    report = ingest(store)
    assert report.rows_written == 2
    clean = open_store(f"sqlite:///{tmp_path / 'clean.db'}")
    ingest(clean)
    assert lines(store) == lines(clean)
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(queries)).scalar() == 4


def test_comments_owners_and_teams_decide_who_pays(store: Store) -> None:
    fct = AssetKey("snowflake", "analytics.marts.fct_orders")
    with store.transaction() as conn:
        sync_teams(conn, [Team("finance"), Team("growth")])
        upsert_people(conn, [Person("CAROL", team="finance"), Person("ALICE", team="growth")])
        upsert_assets(conn, [Asset(fct, AssetKind.MODEL, external_id="model.shop.fct_orders", source="dbt")], NOW)
        set_claim(conn, Ownership(fct, "finance", OwnerKind.TEAM, OwnershipSource.ORCHESTRATOR, "dbt meta.owner", "dbt:shop", "finance"), NOW)
    ingest(store)
    with store.read() as conn:
        got = {
            r.query_id: (r.attribution_rule, r.asset_key, r.owner, r.team)
            for r in conn.execute(select(queries))
        }
    assert got[Q1] == ("comment", str(fct), "finance", "finance")
    assert got[Q2] == ("write_target", "snowflake://analytics.marts.daily_revenue", None, "growth")
    assert got[Q3] == ("reader_team", str(fct), None, "finance")
    with store.read() as conn:
        reason = conn.execute(select(queries.c.attribution_reason).where(queries.c.query_id == Q1)).scalar()
    assert "model.shop.fct_orders" in reason and "dbt meta.owner" in reason


def test_analysis_in_worker_processes_gives_the_same_result(store: Store, tmp_path: Path) -> None:
    # The workers also compute and write the cost lines, each day in its own transaction (SQLite and
    # PostgreSQL alike).
    inline, pooled = open_store(f"sqlite:///{tmp_path / 'inline.db'}"), store
    qh, wmh = _export_over_days(tmp_path, 3)
    for store, workers in ((inline, 0), (pooled, 2)):
        report = ingest_snowflake_exports(
            store, SETTINGS, source="snowflake", now=NOW, query_history=[qh], metering=[wmh], acceleration=[QAH],
            workers=workers, batch_size=2,
        )
        assert report.details["cost_days"] == 3
    assert lines(pooled) == lines(inline)
    with inline.read() as a, pooled.read() as b:
        cols = (queries.c.query_id, queries.c.fingerprint, queries.c.attribution_rule, queries.c.attribution_reason)
        assert sorted(a.execute(select(*cols)).all()) == sorted(b.execute(select(*cols)).all())


def test_reingest_in_worker_processes_skips_stored_rows_and_takes_revised_ones(tmp_path: Path) -> None:
    # The workers do not analyse rows the store holds unchanged; a revised row is still re-analysed,
    # re-attributed and re-costed, the same as with no workers.
    import csv

    with QH.open(newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("EXECUTION_TIME")
    rows[1][col] = str(float(rows[1][col]) + 1000)
    revised = tmp_path / "query_history_revised.csv"
    with revised.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    inline, pooled = (open_store(f"sqlite:///{tmp_path / name}") for name in ("inline.db", "pooled.db"))
    for store, workers in ((inline, 0), (pooled, 2)):
        for qh, expect in ((QH, None), (QH, 0), (revised, 1)):
            report = ingest_snowflake_exports(
                store, SETTINGS, source="snowflake", now=NOW, query_history=[qh], metering=[WMH], acceleration=[QAH],
                workers=workers, batch_size=2,
            )
            if expect is not None:
                assert report.rows_written == expect, (workers, qh.name)
    assert lines(pooled) == lines(inline)
    with inline.read() as a, pooled.read() as b:
        cols = (queries.c.query_id, queries.c.fingerprint, queries.c.execution_ms, queries.c.comment_meta, queries.c.attribution_rule)
        assert sorted(a.execute(select(*cols)).all()) == sorted(b.execute(select(*cols)).all())


def test_reingesting_touches_no_watermark_either(sqlite_store: Store) -> None:
    from observer.cost_refresh import refresh_attribution
    from observer.store.watermarks import all_watermarks

    ingest(sqlite_store)
    refresh_attribution(sqlite_store, SETTINGS, NOW)  # as `observer ingest` does after its sources
    with sqlite_store.read() as conn:
        before = all_watermarks(conn)
    ingest_snowflake_exports(
        sqlite_store, SETTINGS, source="snowflake", now=NOW.replace(hour=5), query_history=[QH], metering=[WMH], acceleration=[QAH]
    )
    with sqlite_store.read() as conn:
        assert all_watermarks(conn) == before


def _export_over_days(folder: Path, days: int) -> tuple[Path, Path]:
    """The fixture export repeated on ``days`` consecutive days (fresh query ids), with its metering."""
    from datetime import date, timedelta

    def shift(value: str, k: int) -> str:
        try:
            return (date.fromisoformat(value[:10]) + timedelta(days=k)).isoformat() + value[10:]
        except ValueError:
            return value  # the fixture's deliberately bad values stay bad

    out = []
    for src, name in ((QH, "query_history.csv"), (WMH, "metering.csv")):
        with src.open(newline="") as fh:
            header, *rows = list(csv.reader(fh))
        times = [header.index(c) for c in ("START_TIME", "END_TIME")]
        qid = header.index("QUERY_ID") if "QUERY_ID" in header else None
        copies = []
        for k in range(days):
            for row in rows:
                row = list(row)
                for i in times:
                    row[i] = shift(row[i], k)
                if qid is not None and row[qid]:
                    row[qid] = f"{row[qid]}-{k}"
                copies.append(row)
        path = folder / name
        with path.open("w", newline="") as fh:
            csv.writer(fh).writerows([header, *copies])
        out.append(path)
    return out[0], out[1]


def _index_names(store: Store, table: str) -> set[str]:
    from sqlalchemy import inspect

    with store.read() as conn:
        return {str(ix["name"]) for ix in inspect(conn).get_indexes(table)}


def test_a_bulk_load_sets_indexes_aside_and_puts_them_back(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A load that at least doubles a table drops its non-unique indexes and builds them again at the
    # end (observer.store.indexes); what is stored is the same as a load that kept them.
    from observer.store import indexes
    from observer.store.indexes import DeferredIndexes, secondary_indexes

    qh, wmh = _export_over_days(tmp_path, 4)
    reference = open_store(f"sqlite:///{tmp_path / 'reference.db'}")
    expected = ingest(reference, qh, metering=[wmh], acceleration=[]).rows_written
    dropped: list[str] = []
    drop = DeferredIndexes.drop

    def spy(self: DeferredIndexes, conn: object) -> None:
        if not self.dropped:
            dropped.append(self.table.name)
        drop(self, conn)  # type: ignore[arg-type]

    monkeypatch.setattr(indexes, "BULK_ROWS", 3)
    monkeypatch.setattr(DeferredIndexes, "drop", spy)
    report = ingest(store, qh, metering=[wmh], acceleration=[], batch_size=2)
    assert sorted(dropped) == (["cost_lines", "queries"] if store.dialect == "sqlite" else [])  # PostgreSQL keeps them
    assert report.rows_written == expected == 16
    assert lines(store) == lines(reference)
    with store.read() as a, reference.read() as b:
        cols = (queries.c.query_id, queries.c.fingerprint, queries.c.attribution_rule, queries.c.owner, queries.c.team)
        assert sorted(a.execute(select(*cols)).all()) == sorted(b.execute(select(*cols)).all())
    for table in (queries, cost_lines):
        assert {str(ix.name) for ix in secondary_indexes(table)} <= _index_names(store, table.name)
    # Loading the same files again writes nothing, so it sets nothing aside either.
    dropped.clear()
    assert ingest(store, qh, metering=[wmh], acceleration=[], batch_size=2).rows_written == 0
    assert dropped == []


def test_a_failed_bulk_load_puts_the_indexes_back(sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from observer.query_ingest import QueryIngest
    from observer.store import indexes
    from observer.store.indexes import secondary_indexes

    qh, wmh = _export_over_days(tmp_path, 3)
    monkeypatch.setattr(indexes, "BULK_ROWS", 3)
    complete = QueryIngest._complete
    calls = []

    def fail_on_third(self: QueryIngest, batch: object) -> None:
        calls.append(batch)
        if len(calls) == 3:
            assert self._indexes.dropped  # the load had set them aside by now
            raise RuntimeError("disk full")
        complete(self, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(QueryIngest, "_complete", fail_on_third)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(sqlite_store, qh, metering=[wmh], acceleration=[], batch_size=2)
    assert {str(ix.name) for ix in secondary_indexes(queries)} <= _index_names(sqlite_store, "queries")
