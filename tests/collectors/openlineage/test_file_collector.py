"""The ``type: openlineage`` source reading events files, incrementally and idempotently."""

from __future__ import annotations

import json
from pathlib import Path

from openlineage.client.serde import Serde
from sqlalchemy import func, select

from collectors.openlineage import OpenLineageCollector, OpenLineageConfig
from observer.config import Settings
from observer.plugins import RunContext
from observer.store.runs import get_run
from observer.store.tables import lineage_edges, openlineage_events
from tests.collectors.openlineage.events import RUN_ID, churn_events


def lines() -> list[str]:
    return [json.dumps(json.loads(Serde.to_json(e))) for e in churn_events()]


def collect(store, now, tmp_path: Path, files="events.jsonl"):
    ctx = RunContext(store, Settings(base_dir=tmp_path), now)
    return OpenLineageCollector(OpenLineageConfig(events_file=files), "lineage-files").collect(ctx)


def test_file_events_ingest_incrementally_and_bad_lines_are_reported(store, now, tmp_path) -> None:
    start, complete = lines()
    (tmp_path / "events.jsonl").write_text(start + "\n\n{broken\n")
    first = collect(store, now, tmp_path)
    assert (first.rows_read, first.rows_written, first.rows_bad) == (1, 1, 1)
    assert first.errors[0].startswith(f"{tmp_path / 'events.jsonl'}:3") and "not valid JSON" in first.errors[0]
    with (tmp_path / "events.jsonl").open("a") as fh:
        fh.write(complete + "\n")
    second = collect(store, now, tmp_path)
    assert (second.rows_read, second.rows_written, second.rows_bad) == (1, 1, 0)  # only the appended line
    again = collect(store, now, tmp_path)
    assert again.rows_read == 0
    with store.read() as conn:
        run = get_run(conn, "lineage-files", RUN_ID)
        assert run.start_time and run.end_time and run.status.value == "success"
        assert conn.execute(select(func.count()).select_from(openlineage_events)).scalar_one() == 2


def test_rewritten_file_is_reread_without_duplicates(store, now, tmp_path) -> None:
    (tmp_path / "a.jsonl").write_text("\n".join(lines()) + "\n")
    collect(store, now, tmp_path, "*.jsonl")
    with store.read() as conn:
        edges = conn.execute(select(func.count()).select_from(lineage_edges)).scalar_one()
    (tmp_path / "a.jsonl").write_text(lines()[1] + "\n")  # rotated: shorter than the watermark
    report = collect(store, now, tmp_path, "*.jsonl")
    assert (report.rows_read, report.rows_written) == (1, 0)
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(lineage_edges)).scalar_one() == edges


def test_invalid_event_line_names_file_line_and_field(store, now, tmp_path) -> None:
    event = json.loads(lines()[0])
    event["run"]["runId"] = "42"
    (tmp_path / "events.jsonl").write_text(json.dumps(event) + "\n")
    report = collect(store, now, tmp_path)
    assert report.rows_bad == 1 and report.errors[0] == f"{tmp_path / 'events.jsonl'}:1 [run.runId]: not a UUID: '42'"
