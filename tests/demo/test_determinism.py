"""Same (as_of, seed) → same bytes; the generator reads no clock."""

from __future__ import annotations

from pathlib import Path

import duckdb

from observer.demo import DemoManifest, generate_demo
from observer.demo.load_plan import build_load_plan
from observer.demo.timeline import build_timeline
from observer.demo.workload import QueryFactory
from tests.demo.conftest import AS_OF


def _table_digests(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2").fetchall()
        out = {}
        for schema, name in tables:
            sql = f'select count(*), sum(hash(t)) from "{schema}"."{name}" as t'  # noqa: S608 - names from the catalog
            row = con.execute(sql).fetchone()
            out[f"{schema}.{name}"] = repr(row)
        return out
    finally:
        con.close()


def test_regenerating_writes_identical_files_and_no_stale_ones(demo: DemoManifest, tmp_path: Path) -> None:
    """Regenerate into a folder that already holds an older demo: the result is byte-identical."""
    folder = tmp_path / "reuse"
    first = generate_demo(folder, AS_OF.replace(day=20))
    again = generate_demo(folder, AS_OF)
    assert set(first.files) != set(again.files)  # dbt invocation folders differ by day
    on_disk = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert on_disk == list(again.files) == list(demo.files)
    for relative in demo.files:
        if relative.endswith(".duckdb"):
            continue  # DuckDB's block layout varies between runs; its contents are compared below
        assert (demo.folder / relative).read_bytes() == (folder / relative).read_bytes(), relative
    assert _table_digests(demo.path("analytics.duckdb")) == _table_digests(again.path("analytics.duckdb"))


def test_a_different_seed_tells_a_different_story(demo: DemoManifest) -> None:
    timeline = build_timeline(AS_OF)
    assert build_load_plan(timeline, 7) != build_load_plan(timeline, 8)
    assert build_load_plan(timeline, 7) == build_load_plan(timeline, demo.seed)
    ids = [QueryFactory(seed, "bi").query_id(AS_OF) for seed in (7, 8)]
    assert ids[0] != ids[1]
