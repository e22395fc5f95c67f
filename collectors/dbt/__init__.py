"""The dbt collector: manifest, run results and catalog → assets, lineage, owners, runs and test results.

Everything is written idempotently: assets are merged, lineage edges of the ``dbt`` origin into the
project's assets are replaced by the manifest's, ownership claims of this source are replaced, runs
are upserted by ``(source, invocation:node)`` and test results by ``(test, asset, invocation)``.
Re-ingesting the same artifacts writes no row.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from collectors.dbt.client import DbtArtifacts, read_artifacts
from collectors.dbt.config import DbtConfig
from collectors.dbt.parse import (
    ORIGIN,
    DbtProject,
    parse_manifest,
    parse_run_results,
    parse_sources_freshness,
)
from observer.errors import InputError
from observer.plugins import IngestReport, RunContext
from observer.store import Store
from observer.store.assets import upsert_assets
from observer.store.check_results import record_check_results
from observer.store.declared_owners import write_declared_claims
from observer.store.lineage import replace_upstreams
from observer.store.runs import upsert_runs
from observer.store.watermarks import get_watermark, set_watermark

__all__ = ["DbtCollector", "DbtConfig", "ingest_dbt"]


class DbtCollector:
    name: ClassVar[str] = "dbt"
    config_model: ClassVar[type[DbtConfig]] = DbtConfig

    def __init__(self, config: DbtConfig, source_name: str) -> None:
        self.config = config
        self.source_name = source_name

    def collect(self, ctx: RunContext) -> IngestReport:
        return ingest_dbt(ctx.store, self.config, self.source_name, ctx.settings.base_dir, ctx.now)


def ingest_dbt(store: Store, config: DbtConfig, source: str, base_dir: Path, now: datetime) -> IngestReport:
    """Read the configured artifacts and write what they say (see module docstring)."""
    artifacts = read_artifacts(config, base_dir)
    return write_artifacts(store, artifacts, config, source, now)


def write_artifacts(store: Store, artifacts: DbtArtifacts, config: DbtConfig, source: str, now: datetime) -> IngestReport:
    report = IngestReport()
    try:
        project = parse_manifest(
            artifacts.manifest,
            platform=config.platform,
            catalog=artifacts.catalog,
            column_lineage=config.column_lineage,
            source_name=source,
        )
    except InputError as exc:
        raise InputError(exc.reason, file=str(artifacts.manifest_path), field=exc.field) from None
    for missing in artifacts.missing:
        report.errors.append(f"{missing}: file not found (skipped)")
    report.rows_read = len(project.assets) + len(project.tests)
    with store.transaction() as conn:
        written = upsert_assets(conn, project.assets, now)
        written += replace_upstreams(conn, ORIGIN, [a.key for a in project.assets], project.edges, project.generated_at)
        written += write_declared_claims(conn, project.origin, project.claims, now, project.owner_hints)
    report.rows_written += written
    report.details.update(
        project=project.project,
        platform=project.platform,
        assets=len(project.assets),
        edges=sum(1 for e in project.edges if not e.is_column_level),
        column_edges=sum(1 for e in project.edges if e.is_column_level),
        owners=len(project.claims),
        tests=len(project.tests),
        column_lineage_errors=len(project.column_lineage_errors),
    )
    report.details["invocations"] = _write_runs(store, artifacts, project, config, source, now, report)
    if artifacts.sources is not None:
        path, data = artifacts.sources
        report.rows_read += len(data.get("results") or ())
        try:
            results, errors = parse_sources_freshness(data, project, file=str(path))
        except InputError as exc:
            report.bad(f"{path} [{exc.field}]: {exc.reason}")
            results, errors = [], []
        for err in errors:
            report.bad(err)
        with store.transaction() as conn:
            report.rows_written += record_check_results(conn, results)
        report.details["source_freshness"] = len(results)
    return report


def _write_runs(
    store: Store, artifacts: DbtArtifacts, project: DbtProject, config: DbtConfig, source: str, now: datetime,
    report: IngestReport,
) -> list[str]:
    """Each run_results file in time order; files already ingested (by generated_at) are skipped."""
    parsed = []
    for path, data in artifacts.run_results:
        report.rows_read += len(data.get("results") or ())
        try:
            run, errors = parse_run_results(data, project, source=source, warehouse_user=config.warehouse_user, file=str(path))
        except InputError as exc:
            report.bad(f"{path} [{exc.field}]: {exc.reason}" if exc.field else f"{path}: {exc.reason}")
            continue
        for err in errors:
            report.bad(err)
        parsed.append(run)
    invocations = []
    with store.transaction() as conn:
        mark = get_watermark(conn, source, "run_results")
        newest = mark
        for run in sorted(parsed, key=lambda r: r.generated_at):
            if run.skipped:
                continue
            invocations.append(run.invocation_id)
            stamp = run.generated_at.isoformat()
            report.rows_written += upsert_runs(conn, run.runs) + record_check_results(conn, run.checks)
            newest = max(newest or stamp, stamp)
        if newest and newest != mark:
            set_watermark(conn, source, newest, now, "run_results")
    return invocations
