"""Property tests: random and mutated SQL never makes fingerprinting, tags or lineage raise or hang."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observer.lineage import extract_lineage
from observer.sql.analysis import QueryAnalyzer
from observer.sql.comments import extract_comment_tags, parse_labels, parse_query_tag
from observer.sql.fingerprint import fingerprint

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "lineage"))
from corpus import load_corpus  # noqa: E402

SEEDS = [c.sql for c in load_corpus()]
DIALECTS = [None, "snowflake", "bigquery", "postgres", "redshift", "duckdb", "databricks", "spark", "hive",
            "mysql", "tsql", "trino"]
SQL_BITS = ["SELECT", "FROM", "WHERE", "(", ")", ",", "'", '"', "`", "--", "/*", "*/", ";", "JOIN", "ON", "AS",
            "WITH", "INSERT INTO", "VALUES", "MERGE", "USING", "UNION", "*", ".", "$$", "[", "]", "@", "::", "=",
            "t", "s.x", "1", "CASE WHEN", "END", "OVER (", "LATERAL", "UNNEST(", "IDENTIFIER($v)"]

# Each example must finish well within this, or the budget machinery is not doing its job.
PER_EXAMPLE_S = 5.0


def _check(sql: str, dialect: str | None) -> None:
    started = time.perf_counter()
    fp = fingerprint(sql, dialect)
    assert len(fp) == 32
    extract_comment_tags(sql)
    parse_query_tag(sql)
    r = extract_lineage(sql, dialect)
    assert isinstance(r.sources, frozenset) and isinstance(r.column_lineage, frozenset)
    assert time.perf_counter() - started < PER_EXAMPLE_S


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400), st.sampled_from(DIALECTS))
def test_random_text(sql: str, dialect: str | None) -> None:
    _check(sql, dialect)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SQL_BITS), max_size=60).map(" ".join), st.sampled_from(DIALECTS))
def test_sql_shaped_noise(sql: str, dialect: str | None) -> None:
    _check(sql, dialect)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str | None]:
    sql = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        cut = draw(st.integers(0, len(sql)))
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "truncate"]))
        if op == "delete":
            sql = sql[:cut] + sql[cut + draw(st.integers(1, 20)) :]
        elif op == "insert":
            sql = sql[:cut] + draw(st.sampled_from(SQL_BITS)) + sql[cut:]
        elif op == "duplicate":
            sql = sql[:cut] + sql[cut : cut + 40] + sql[cut:]
        else:
            sql = sql[:cut]
    return sql, draw(st.sampled_from(DIALECTS))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_corpus(case: tuple[str, str | None]) -> None:
    _check(*case)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=50), st.dictionaries(st.text(max_size=5), st.text(max_size=5)),
                 st.lists(st.fixed_dictionaries({"key": st.text(max_size=5), "value": st.text(max_size=5)}))))
def test_labels_never_raise(labels: object) -> None:
    parse_labels(labels)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.integers(50, 3000), st.sampled_from(["(", "CASE WHEN x THEN ", "SELECT * FROM (", "a + "]))
def test_pathological_repetition(n: int, unit: str) -> None:
    _check("SELECT " + unit * n + "1", None)


def test_analyzer_survives_the_corpus_mutations() -> None:
    analyzer = QueryAnalyzer(cache_size=100)
    for sql in SEEDS[:50]:
        for text in (sql, sql[: len(sql) // 2], sql + " garbage ((("):
            analyzer.analyze(text, "snowflake")
    assert analyzer.parsed > 0
