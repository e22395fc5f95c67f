"""A generated query history with realistic repetition, for the history throughput benchmark.

``generate_history(rows, shapes, repeat_share, seed)`` yields ``(text, dialect, query_tag)`` rows:

- ``shapes`` query shapes are built from a synthetic warehouse (three databases, a few hundred
  tables): BI dashboard queries with a Looker context comment, dbt models with dbt's comment
  (prepended or appended), Airflow MERGE tasks with a ``dag_id=…`` comment, loader INSERT … VALUES
  and COPY INTO statements, and ad-hoc lookups;
- ``repeat_share`` of the rows repeat one of those shapes (popularity is Zipf-like) with fresh
  literals — dates, ids, IN-lists of varying length, VALUES rows, user ids in comments;
- the other rows are one-off ad-hoc queries whose shape appears once.

Everything is deterministic for a seed. Standard library only.
"""

from __future__ import annotations

# The SQL built here is benchmark/test input text for the parser, never executed (hence the S608 noqa).
import itertools
import random
from collections.abc import Callable, Iterator

Row = tuple[str, str, str | None]
Shape = Callable[[random.Random], Row]

_WORDS = ("order customer product payment invoice session event click user account region store item "
          "shipment refund campaign channel device page subscription plan ticket agent lead deal").split()
_COLS = ("id amount status created_at updated_at region country channel price qty total email name kind "
         "score currency source medium plan_id user_id account_id day week month revenue cost").split()


def _catalog(rng: random.Random, n_tables: int = 360) -> list[tuple[str, list[str]]]:
    tables = []
    for i in range(n_tables):
        db = ("raw", "analytics", "finance")[i % 3]
        schema = ("core", "marts", "staging", "app", "web", "sales")[(i // 3) % 6]
        name = f"{rng.choice(_WORDS)}s_{i}"
        cols = rng.sample(_COLS, rng.randint(6, 12))
        tables.append((f"{db}.{schema}.{name}", cols))
    return tables


def _lit_date(rng: random.Random) -> str:
    return f"'2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}'"


def _lit_list(rng: random.Random) -> str:
    return ", ".join(f"'{rng.choice(_WORDS)}{rng.randint(0, 99)}'" for _ in range(rng.randint(1, 8)))


def _shape_factory(rng: random.Random, tables: list[tuple[str, list[str]]]) -> Shape:
    """One query shape: a closure filling fresh literals each time it is called."""
    kind = rng.choices(["dashboard", "dbt", "airflow", "load", "copy", "lookup"], [45, 20, 10, 8, 5, 12])[0]
    (t1, c1), (t2, c2) = rng.sample(tables, 2)
    a, b = rng.sample(c1, 2)
    d = rng.choice(c2)
    tag_team = rng.choice(["growth", "finance", "core", "ops"])
    if kind == "dashboard":
        agg = rng.choice(["sum", "avg", "max", "count"])
        limit = rng.choice([100, 500, 5000])

        def dashboard(r: random.Random) -> Row:
            ctx = f'-- Looker Query Context \'{{"user_id":{r.randint(1, 400)},"history_slug":"{r.getrandbits(40):x}"}}\'\n'
            sql = (f"{ctx}SELECT f.{a} AS dim, d.{d} AS dim2, {agg}(f.{b}) AS measure FROM {t1} AS f "  # noqa: S608
                   f"LEFT JOIN {t2} AS d ON d.id = f.id WHERE f.{a} >= {_lit_date(r)} AND d.{d} IN ({_lit_list(r)}) "
                   f"GROUP BY 1, 2 ORDER BY 3 DESC LIMIT {limit}")
            return sql, "snowflake", None
        return dashboard
    if kind == "dbt":
        model = t1.replace("raw.", "analytics.").rsplit(".", 1)[0] + f".fct_{rng.randint(0, 10**6)}"
        node = f"model.acme.{model.rsplit('.', 1)[1]}"

        def dbt(r: random.Random) -> Row:
            comment = f'/* {{"app": "dbt", "dbt_version": "1.8.3", "node_id": "{node}", "invocation_id": "{r.getrandbits(64):x}"}} */'
            sql = (f"create or replace transient table {model} as (with src as (select {a}, {b} from {t1} "  # noqa: S608
                   f"where updated_at > {_lit_date(r)}), dim as (select id, {d} from {t2}) "
                   f"select src.{a}, dim.{d}, sum(src.{b}) as total from src join dim on dim.id = src.{a} group by 1, 2)\n{comment}")
            return sql, "snowflake", f'{{"dbt_model": "{node}", "team": "{tag_team}"}}'
        return dbt
    if kind == "airflow":
        dag = f"{rng.choice(_WORDS)}_sync_{rng.randint(0, 999)}"

        def airflow(r: random.Random) -> Row:
            sql = (f"MERGE INTO {t1} t USING (SELECT id, {d} FROM {t2} WHERE updated_at > {_lit_date(r)}) s "  # noqa: S608
                   f"ON t.id = s.id WHEN MATCHED THEN UPDATE SET t.{a} = s.{d} "
                   f"WHEN NOT MATCHED THEN INSERT (id, {a}) VALUES (s.id, s.{d})\n"
                   f"-- dag_id={dag}, task_id=merge_{a}, run_id=scheduled__{r.randint(1, 10**6)}")
            return sql, "snowflake", None
        return airflow
    if kind == "load":
        def load(r: random.Random) -> Row:
            values = ", ".join(f"({r.randint(1, 10**9)}, '{r.choice(_WORDS)}', {r.random() * 100:.2f})"
                               for _ in range(r.randint(1, 20)))
            return f"INSERT INTO {t1} (id, {a}, {b}) VALUES {values}", "snowflake", "loader"  # noqa: S608
        return load
    if kind == "copy":
        def copy(r: random.Random) -> Row:
            return (f"COPY INTO {t1} FROM @raw.landing.stage_{t1.rsplit('_', 1)[1]}/dt={_lit_date(r)[1:-1]}/ "
                    f"FILE_FORMAT = (TYPE = PARQUET) PATTERN = '.*[.]parquet'", "snowflake", "loader")
        return copy

    def lookup(r: random.Random) -> Row:
        return f"SELECT {a}, {b} FROM {t1} WHERE id = {r.randint(1, 10**9)} LIMIT {r.randint(1, 50)}", "snowflake", None  # noqa: S608
    return lookup


def _one_off(rng: random.Random, tables: list[tuple[str, list[str]]], n: int) -> Row:
    (t1, c1), (t2, c2) = rng.sample(tables, 2)
    cols = ", ".join(f"x.{c}" for c in rng.sample(c1, rng.randint(1, 4)))
    return (f"SELECT {cols}, y.{rng.choice(c2)} AS probe_{n} FROM {t1} x JOIN {t2} y ON y.id = x.id "  # noqa: S608
            f"WHERE x.{rng.choice(c1)} IS NOT NULL LIMIT {rng.randint(1, 100)}", "snowflake", None)


def generate_history(rows: int = 1_000_000, shapes: int = 20_000, repeat_share: float = 0.95,
                     seed: int = 7) -> Iterator[Row]:
    rng = random.Random(seed)
    tables = _catalog(rng)
    factories = [_shape_factory(rng, tables) for _ in range(shapes)]
    weights = list(itertools.accumulate(1.0 / (i + 1) ** 0.8 for i in range(shapes)))
    fill = random.Random(seed + 1)
    for n in range(rows):
        if fill.random() < repeat_share:
            yield fill.choices(factories, cum_weights=weights)[0](fill)
        else:
            yield _one_off(fill, tables, n)
