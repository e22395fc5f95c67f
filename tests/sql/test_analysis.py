"""QueryAnalyzer: lineage parsed once per fingerprint, in memory and across runs through the store."""

from __future__ import annotations

import gc
import subprocess
import sys
from datetime import timedelta

from observer.sql.analysis import LineageCache, QueryAnalyzer, QueryInput, analyze_query
from observer.store import Store
from observer.store.fingerprints import FingerprintRepository

DBT = "/* {\"app\": \"dbt\", \"node_id\": \"model.shop.daily\"} */ insert into marts.daily (d, n) select d, count(*) from raw.ev where d = '{day}' group by d"


def test_same_shape_is_parsed_once() -> None:
    analyzer = QueryAnalyzer()
    results = [analyzer.analyze(DBT.replace("{day}", f"2024-05-{i:02d}"), "snowflake") for i in range(1, 20)]
    assert analyzer.parsed == 1
    assert len({r.fingerprint for r in results}) == 1
    assert [r.cached for r in results] == [False] + [True] * 18
    assert results[5].lineage.targets == {"marts.daily"}
    assert results[5].tags.dbt_node_id == "model.shop.daily"


def test_tags_come_from_each_row_not_the_cache() -> None:
    analyzer = QueryAnalyzer()
    a = analyzer.analyze("select 1 from t -- dag_id=a", query_tag="team=x")
    b = analyzer.analyze("select 1 from t -- dag_id=b")
    assert a.fingerprint == b.fingerprint
    assert (a.tags.airflow_dag_id, b.tags.airflow_dag_id) == ("a", "b")
    assert a.tags.get("team") == "x" and b.tags.get("team") is None


def test_failures_are_counted_per_dialect_once_per_shape() -> None:
    analyzer = QueryAnalyzer()
    for value in range(3):
        analyzer.analyze(f"SELECT FROM WHERE x = {value}", "postgres")
    analyzer.analyze("SELECT * FROM (((", "snowflake")
    assert analyzer.failures_by_dialect == {"postgres": 1, "snowflake": 1}


def test_lru_evicts_the_least_recent() -> None:
    cache = LineageCache(maxsize=2)
    analyzer = QueryAnalyzer(cache_size=2)
    analyzer.cache = cache
    for sql in ("select a from t1", "select a from t2", "select a from t1", "select a from t3", "select a from t2"):
        analyzer.analyze(sql)
    assert analyzer.parsed == 4
    assert len(cache) == 2


def test_store_backed_analyzer_never_reparses_a_known_fingerprint(store: Store, now) -> None:  # type: ignore[no-untyped-def]
    repo = FingerprintRepository(store)
    first = QueryAnalyzer(store=repo)
    rows = [QueryInput(DBT.replace("{day}", f"2024-06-{i:02d}"), "snowflake") for i in range(1, 6)]
    rows.append(QueryInput("SELECT FROM WHERE", "snowflake"))
    results = first.analyze_many(rows)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.fingerprint] = counts.get(r.fingerprint, 0) + 1
    with store.transaction() as conn:
        repo.upsert_many(conn, first.new_entries(), seen_at=now, occurrences=counts)
    assert first.parsed == 2

    second = QueryAnalyzer(store=repo)
    again = second.analyze_many(rows)
    assert second.parsed == 0
    assert again[0].lineage.targets == {"marts.daily"} and again[0].lineage.sources == {"raw.ev"}
    assert again[0].lineage.column_lineage == results[0].lineage.column_lineage
    assert again[-1].error
    with store.transaction() as conn:
        repo.upsert_many(conn, second.new_entries(), seen_at=now + timedelta(hours=1), occurrences=counts)
    stored = repo.get_many([results[0].fingerprint])[results[0].fingerprint]
    assert stored.sample_sql == rows[0].text and stored.statement_type == "INSERT"
    assert repo.failures_by_dialect() == {"snowflake": 1}
    with store.read() as conn:
        from sqlalchemy import select

        from observer.store.tables import fingerprints

        occurrences, last_seen = conn.execute(
            select(fingerprints.c.occurrences, fingerprints.c.last_seen).where(
                fingerprints.c.fingerprint == results[0].fingerprint
            )
        ).one()
    assert occurrences == 10
    assert last_seen == now + timedelta(hours=1)


def test_module_level_analyze_query() -> None:
    r = analyze_query("merge into t using s on t.id = s.id when matched then update set a = s.a", "snowflake")
    assert r.statement_type == "MERGE" and r.lineage.column_lineage == {("s.a", "t.a")}


def test_precomputed_fingerprint_is_used_as_given() -> None:
    analyzer = QueryAnalyzer()
    routed = analyzer.analyze_many([QueryInput("select a from t", None, None, None, "f" * 32)])
    assert routed[0].fingerprint == "f" * 32
    assert routed[0].lineage.sources == {"t"}


def test_gc_tuning_for_analysis_processes() -> None:
    # Process-wide, so checked in a fresh interpreter: full collections rarer, start-up objects frozen,
    # and cyclic garbage (parsed trees) still reclaimed.
    code = (
        "import gc\n"
        "from observer.sql.analysis import QueryAnalyzer, tune_gc_for_analysis\n"
        "young, middle, _ = gc.get_threshold()\n"
        "tune_gc_for_analysis()\n"
        "assert gc.get_threshold() == (young, middle, 100), gc.get_threshold()\n"
        "assert gc.get_freeze_count() > 1000\n"
        "a = QueryAnalyzer()\n"
        "for i in range(300):\n"
        "    a.analyze(f'insert into t{i} select a, b from s{i} join u on u.id = s{i}.id')\n"
        "assert gc.collect() > 0\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_relaxed_gc_is_scoped() -> None:
    from observer.sql.analysis import relaxed_gc

    before = gc.get_threshold()
    with relaxed_gc(full_every=250):
        assert gc.get_threshold() == (before[0], before[1], max(before[2], 250))
    assert gc.get_threshold() == before
    try:
        with relaxed_gc():
            raise RuntimeError("an ingest that fails")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
