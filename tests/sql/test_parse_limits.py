"""Failure is data: bad and pathological SQL returns a result that says why, quickly, never raises."""

from __future__ import annotations

# The SQL built here is benchmark/test input text for the parser, never executed (hence the S608 noqa).
import time

from observer.lineage import Limits, extract_lineage
from observer.sql.parse import collapse_literal_lists, paren_depth, parse_statements


def test_unparseable_sql_reports_why() -> None:
    r = extract_lineage("SELEKT * FRUM nowhere WHERE", "snowflake")
    assert r.error
    assert r.sources == set() and r.targets == set()


def test_one_bad_statement_keeps_the_others() -> None:
    r = extract_lineage("INSERT INTO a.t SELECT x FROM a.s; SELECT FROM WHERE GROUP; DROP TABLE a.u", "postgres")
    assert r.sources == {"a.s"} and r.targets == {"a.t", "a.u"}
    assert r.error and "SELECT FROM WHERE" in r.error


def test_deep_nesting_is_refused_before_parsing() -> None:
    sql = "SELECT " + "(" * 5000 + "1" + ")" * 5000 + " FROM t"
    started = time.perf_counter()
    r = extract_lineage(sql)
    assert time.perf_counter() - started < 1.0
    assert r.error and "nesting too deep" in r.error


def test_deep_nesting_within_limit_parses() -> None:
    sql = "INSERT INTO t (a) SELECT " + "(" * 40 + "x" + ")" * 40 + " FROM s"
    r = extract_lineage(sql)
    assert r.error is None and r.column_lineage == {("s.x", "t.a")}


def test_megabyte_insert_values_is_collapsed_and_read() -> None:
    rows = ",".join(f"({i}, 'name {i}', {i * 1.5})" for i in range(40_000))
    sql = f"INSERT INTO app.big (id, name, score) VALUES {rows}"  # noqa: S608
    assert len(sql) > 1_000_000
    started = time.perf_counter()
    r = extract_lineage(sql, "postgres")
    assert time.perf_counter() - started < 3.0
    assert r.error is None and r.targets == {"app.big"}


def test_huge_in_list_is_collapsed() -> None:
    ids = ", ".join(str(i) for i in range(100_000))
    r = extract_lineage(f"SELECT * FROM app.users WHERE id IN ({ids})", "postgres")  # noqa: S608
    assert r.error is None and r.sources == {"app.users"}


def test_text_over_the_size_limit_is_refused() -> None:
    sql = "SELECT " + " + ".join(f"c{i}" for i in range(60_000)) + " FROM t"  # noqa: S608
    r = extract_lineage(sql, limits=Limits(max_chars=100_000))
    assert r.error and "too long" in r.error


def test_token_limit_bounds_parse_time() -> None:
    sql = "SELECT " + ", ".join(f"c{i}" for i in range(20_000)) + " FROM t"  # noqa: S608
    r = extract_lineage(sql, limits=Limits(max_tokens=10_000))
    assert r.error and "tokens" in r.error


def test_time_budget_stops_resolution() -> None:
    selects = " UNION ALL ".join(f"SELECT a{i} FROM s{i}" for i in range(3000))  # noqa: S608
    r = extract_lineage(f"INSERT INTO t {selects}", limits=Limits(budget_s=0.0))
    assert r.error and "time budget" in r.error


def test_empty_and_non_text_input() -> None:
    assert extract_lineage("").error is None
    assert extract_lineage("   ;  ").sources == set()
    assert extract_lineage(None).error == "not text"  # type: ignore[arg-type]


def test_unknown_dialect_is_an_error_not_an_exception() -> None:
    r = extract_lineage("select 1", "no_such_dialect")
    assert r.error and "dialect" in r.error


def test_helpers() -> None:
    assert paren_depth("((a)(b(c)))") == 3
    assert collapse_literal_lists("VALUES (1, 'a'), (2, 'b'), (3, 'c')") == "VALUES (1, 'a')"
    assert collapse_literal_lists("x IN (1,2,3,4,5,6,7,8,9,10)") == "x IN (1)"
    parsed = parse_statements("select 1; select 2", None)
    assert len(parsed.statements) == 2 and parsed.errors == ()


def test_malformed_names_found_by_fuzzing_do_not_trip_the_resolver() -> None:
    # An empty name part (``a . .b``) leaves a bare string where sqlglot usually puts an identifier.
    sql = "COPY INbronze . .clicks FROM 's3://acme-lake/bronze/clicks/' FILEFORMAT = JSON;EFORMAT = JSON;"
    r = extract_lineage(sql, "databricks")
    assert r.error is None or "internal error" not in r.error
