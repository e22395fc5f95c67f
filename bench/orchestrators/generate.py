"""Synthetic orchestrator artifacts at scale, in the vendors' exact shapes.

- :func:`dbt_artifacts` — a manifest (v12) with ``models`` models in layers (staging → intermediate →
  marts), each with 3–6 documented columns, 1–4 refs, compiled SQL joining its parents, owners by
  ``config.meta.owner`` or group, two tests each; a catalog with column types; run_results for one
  ``dbt build`` of everything.
- :func:`airflow_export` — ``dags.json``, ``dag_runs.json``, ``task_instances.json`` (Airflow 3 REST
  v2 response shapes) with ``task_instances`` task instances.

Deterministic (seeded), so two runs measure the same input.
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

T0 = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
# Nodes are cloned from a manifest that a real dbt 1.11 build wrote, so every field dbt writes is there.
TEMPLATE = Path(__file__).resolve().parents[2] / "tests" / "collectors" / "dbt" / "fixtures" / "duckdb" / "manifest.json"
GROUPS = ["finance", "growth", "product", "platform", "ops"]
COLUMN_NAMES = ["id", "customer_id", "order_id", "amount", "status", "created_at", "country", "channel", "quantity"]


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def dbt_artifacts(folder: Path, models: int = 2000, seed: int = 11) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    sources = [f"source.big.raw.src_{i}" for i in range(max(10, models // 20))]
    nodes: dict[str, Any] = {}
    catalog: dict[str, Any] = {}
    results: list[dict[str, Any]] = []
    names: list[str] = []
    cols_of: dict[str, list[str]] = {}
    real = json.loads(TEMPLATE.read_text())
    model_t = real["nodes"]["model.tiny_shop.fct_orders"]
    test_t = real["nodes"][next(k for k in real["nodes"] if k.startswith("test.tiny_shop.unique_fct_orders"))]
    source_t = real["sources"]["source.tiny_shop.billing.payments"]
    column_t = next(iter(model_t["columns"].values()))

    def columns(cols: list[str], owner: str) -> dict[str, Any]:
        return {c: {**copy.deepcopy(column_t), "name": c, "description": f"{c} of {owner}"} for c in cols}

    src_nodes: dict[str, Any] = {}
    for uid in sources:
        name = uid.rsplit(".", 1)[1]
        cols = rng.sample(COLUMN_NAMES, 5)
        cols_of[uid] = cols
        src_nodes[uid] = {
            **copy.deepcopy(source_t), "unique_id": uid, "name": name, "source_name": "raw", "database": "ANALYTICS",
            "schema": "RAW", "identifier": name.upper(), "relation_name": f"ANALYTICS.RAW.{name.upper()}",
            "fqn": ["big", "raw", name], "package_name": "big", "description": f"raw table {name}",
            "columns": columns(cols, name), "loader": "airflow",
        }
    for i in range(models):
        layer = "staging" if i < models * 0.3 else ("intermediate" if i < models * 0.7 else "marts")
        name = f"{layer[:3]}_{i:05d}"
        uid = f"model.big.{name}"
        if layer == "staging":
            parents = [rng.choice(sources)]
        else:
            pool = names[: max(1, int(len(names) * 0.95))]
            parents = rng.sample(pool, k=min(len(pool), rng.randint(1, 4)))
        cols = rng.sample(COLUMN_NAMES, rng.randint(3, 6))
        cols_of[uid] = cols
        rel = f"ANALYTICS.{layer.upper()}.{name.upper()}"
        parent_rels = [(src_nodes.get(p) or nodes[p])["relation_name"] for p in parents]
        select = ", ".join(f"t0.{c}" if c in cols_of[parents[0]] else f"1 as {c}" for c in cols)
        joins = " ".join(f"left join {r} as t{j + 1} on t{j + 1}.id = t0.id" for j, r in enumerate(parent_rels[1:]))
        compiled = f"select {select} from {parent_rels[0]} as t0 {joins} where t0.id is not null"  # noqa: S608 - generated model SQL, no input
        group = GROUPS[i % len(GROUPS)]
        config_meta = {"owner": f"{group}-team"} if i % 3 == 0 else {}
        node = copy.deepcopy(model_t)
        node.update({
            "unique_id": uid, "package_name": "big", "name": name, "alias": name, "database": "ANALYTICS",
            "schema": layer.upper(), "relation_name": rel, "fqn": ["big", layer, name], "path": f"{layer}/{name}.sql",
            "original_file_path": f"models/{layer}/{name}.sql", "tags": [layer], "meta": {}, "group": group,
            "access": "protected", "description": f"{layer} model {name}",
            "depends_on": {"nodes": parents, "macros": []}, "raw_code": "select …", "compiled_code": compiled,
            "columns": columns(cols, name), "refs": [], "sources": [], "compiled_path": None,
        })
        node["config"] = {**node["config"], "meta": config_meta, "tags": [layer], "group": group, "materialized": "table"}
        nodes[uid] = node
        catalog[uid] = {"metadata": {"type": "BASE TABLE", "schema": layer.upper(), "name": name.upper(),
                                     "database": "ANALYTICS", "comment": None},
                        "columns": {c.upper(): {"type": "VARCHAR", "index": k + 1, "name": c.upper(), "comment": None}
                                    for k, c in enumerate(cols)},
                        "stats": {"row_count": {"id": "row_count", "value": rng.randint(0, 10**7), "include": True}},
                        "unique_id": uid}
        names.append(uid)
        start = T0 + timedelta(seconds=i * 2)
        results.append(_result(uid, start, rng, rel))
        for kind in ("not_null", "unique"):
            tid = f"test.big.{kind}_{name}_id.{i:05x}"
            test = copy.deepcopy(test_t)
            test.update({"unique_id": tid, "name": f"{kind}_{name}_id", "alias": f"{kind}_{name}_id",
                         "package_name": "big", "fqn": ["big", layer, f"{kind}_{name}_id"], "attached_node": uid,
                         "column_name": "id", "test_metadata": {"name": kind, "kwargs": {"column_name": "id"},
                                                                "namespace": None},
                         "depends_on": {"nodes": [uid], "macros": []}, "refs": [], "compiled_path": None})
            nodes[tid] = test
            results.append(_result(tid, start + timedelta(seconds=1), rng, None, test=True))
    group_t = next(iter(real["groups"].values()))
    groups = {f"group.big.{g}": {**copy.deepcopy(group_t), "name": g, "package_name": "big",
                                 "owner": {"email": f"{g}@big.example", "name": None}, "unique_id": f"group.big.{g}"}
              for g in GROUPS}
    invocation = str(uuid.UUID(int=rng.getrandbits(128)))
    meta = {**real["metadata"], "generated_at": _iso(T0 + timedelta(hours=3)), "invocation_id": invocation,
            "project_name": "big", "adapter_type": "snowflake"}
    manifest = {**real, "metadata": meta, "nodes": nodes, "sources": src_nodes, "macros": {}, "docs": {},
                "exposures": {}, "groups": groups, "parent_map": {}, "child_map": {}, "group_map": {}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "catalog.json").write_text(json.dumps({"metadata": meta, "nodes": catalog, "sources": {}, "errors": None}))
    rr_meta = {**meta, "dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json",
               "invocation_started_at": _iso(T0)}
    (folder / "run_results.json").write_text(json.dumps({"metadata": rr_meta, "results": results, "elapsed_time": 4000.0,
                                                         "args": {"which": "build"}}))


def _result(uid: str, start: datetime, rng: random.Random, relation: str | None, test: bool = False) -> dict[str, Any]:
    dur = rng.uniform(0.5, 30)
    status = ("fail" if rng.random() < 0.02 else "pass") if test else "success"
    return {"unique_id": uid, "status": status, "thread_id": f"Thread-{rng.randint(1, 8)}", "execution_time": dur,
            "timing": [{"name": "compile", "started_at": _iso(start), "completed_at": _iso(start + timedelta(seconds=0.1))},
                       {"name": "execute", "started_at": _iso(start + timedelta(seconds=0.1)),
                        "completed_at": _iso(start + timedelta(seconds=dur))}],
            "adapter_response": {"_message": "SUCCESS 1", "rows_affected": rng.randint(0, 10**5),
                                 "query_id": str(uuid.UUID(int=rng.getrandbits(128)))},
            "message": None, "failures": 1 if status == "fail" else 0, "relation_name": relation}


def airflow_export(folder: Path, task_instances: int = 100_000, seed: int = 13) -> None:
    """``dags × runs × tasks = task_instances`` with 100 DAGs of 10 tasks each."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_dags, n_tasks = 100, 10
    n_runs = max(1, task_instances // (n_dags * n_tasks))
    dags, runs, tis = [], [], []
    for d in range(n_dags):
        dag_id = f"dag_{d:03d}"
        dags.append({"dag_id": dag_id, "dag_display_name": dag_id, "is_paused": False, "is_stale": False,
                     "fileloc": f"/opt/airflow/dags/{dag_id}.py", "relative_fileloc": f"{dag_id}.py",
                     "description": None, "tags": [{"name": GROUPS[d % 5]}], "owners": [GROUPS[d % 5]]})
        for r in range(n_runs):
            start = T0 + timedelta(hours=r, minutes=d % 60)
            run_id = f"scheduled__{_iso(start)}"
            runs.append({"dag_run_id": run_id, "dag_id": dag_id, "logical_date": _iso(start), "queued_at": _iso(start),
                         "start_date": _iso(start), "end_date": _iso(start + timedelta(minutes=30)), "duration": 1800.0,
                         "run_type": "scheduled", "state": "success", "triggered_by": "timetable", "conf": {}, "note": None})
            for t in range(n_tasks):
                ts = start + timedelta(minutes=3 * t)
                dur = rng.uniform(5, 170)
                tis.append({"id": str(uuid.UUID(int=rng.getrandbits(128))), "task_id": f"task_{t}", "dag_id": dag_id,
                            "dag_run_id": run_id, "map_index": -1, "logical_date": _iso(start), "start_date": _iso(ts),
                            "end_date": _iso(ts + timedelta(seconds=dur)), "duration": dur,
                            "state": "success" if rng.random() > 0.01 else "failed", "try_number": 1, "max_tries": 0,
                            "hostname": f"worker-{t % 4}", "pool": "default_pool", "queue": "default",
                            "operator": "SQLExecuteQueryOperator", "executor": None})
    (folder / "dags.json").write_text(json.dumps({"dags": dags, "total_entries": len(dags)}))
    (folder / "dag_runs.json").write_text(json.dumps({"dag_runs": runs, "total_entries": len(runs)}))
    (folder / "task_instances.json").write_text(json.dumps({"task_instances": tis, "total_entries": len(tis)}))
