"""The asset page: what a table is, who owns it and why, where its data comes from and goes, its
columns, checks, incidents and recent runs, what it costs and which queries cost most, and (for
editors) forms to fix its description and owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Connection

from dashboards.templating import render
from observer.api.auth import Principal, require_role
from observer.api.deps import get_now, get_store, read_conn
from observer.api.errors import NotFound
from observer.api.keys import api_asset_path, asset_path, key_from_path
from observer.catalog.assets import AssetView, load_asset
from observer.catalog.health import HealthChart, health_charts
from observer.catalog.lineage import ColumnLink, LineageView, load_column_lineage, load_lineage
from observer.errors import NotFound as MissingObject
from observer.model import AssetKey, CheckResult, Incident, OwnershipSource, RunRecord
from observer.store import Store
from observer.store.catalog_edits import CatalogEdit, edit_description, edit_owner, edits_for
from observer.store.check_results import results_for_asset
from observer.store.costs import FingerprintCost, QuerySample, query_samples, top_fingerprints
from observer.store.incidents import list_incidents
from observer.store.listings import MonthSpend, recent_months, spend_by_month
from observer.store.runs import runs_for_asset

router = APIRouter()

HEALTH_WINDOW = timedelta(days=60)
PAGE_LINEAGE_NODES = 120
"""Assets listed around the asset (the graph can load more); hubs have thousands of neighbours."""

# How each ownership source reads in a sentence: "growth owns this because <reason>: <detail>".
PROVENANCE = {
    OwnershipSource.EDIT: "someone set it in the catalog",
    OwnershipSource.ORCHESTRATOR: "the orchestrator declares it",
    OwnershipSource.RULE: "a configured ownership rule matches",
    OwnershipSource.INFERRED: "this team writes the table most often",
}


@dataclass(frozen=True)
class AssetPage:
    view: AssetView
    provenance: dict[OwnershipSource, str]
    lineage: LineageView
    column_links: list[ColumnLink]
    runs: list[RunRecord]
    checks: list[CheckResult]
    """The latest result of each check on the asset."""
    edits: dict[str, CatalogEdit]
    can_edit: bool
    lineage_api: str
    incidents: list[Incident]
    spend: list[MonthSpend]
    """Spend attributed to the asset per month, oldest first."""
    health: list[HealthChart]
    """Freshness and volume series with their expected band."""
    top_queries: list[tuple[FingerprintCost, QuerySample | None]]
    """The costliest query shapes of the latest month with spend, with a sample execution."""

    @property
    def spend_month(self) -> MonthSpend | None:
        return self.spend[-1] if self.spend else None

    @property
    def spend_chart(self) -> dict[str, Any]:
        return {"type": "bars", "label": "Spend (USD)", "x": [s.month for s in self.spend],
                "y": [round(s.cost_usd, 2) for s in self.spend]}

    @property
    def url(self) -> str:
        return asset_path(self.view.key)


def _latest_per_check(results: list[CheckResult]) -> list[CheckResult]:
    latest: dict[str, CheckResult] = {}
    for r in results:  # newest first
        latest.setdefault(r.check, r)
    order = {"error": 0, "fail": 1, "warn": 2, "pass": 3, "skipped": 4}
    return sorted(latest.values(), key=lambda r: (order.get(r.status.value, 9), r.check))


@router.get("/assets/{platform}/{name:path}", response_class=HTMLResponse)
def asset(
    request: Request,
    platform: str,
    name: str,
    principal: Principal = Depends(require_role("viewer")),
    conn: Connection = Depends(read_conn),
    now: datetime = Depends(get_now),
) -> HTMLResponse:
    key = key_from_path(f"{platform}/{name}")
    view = load_asset(conn, key)
    if view is None:
        raise NotFound(f"There is no asset {key} in the catalog.")
    spend = spend_by_month(conn, "asset_key", value=str(key), months=recent_months(now))
    top: list[tuple[FingerprintCost, QuerySample | None]] = []
    if spend:
        shapes = top_fingerprints(conn, spend[-1].month, {"asset": str(key)}, limit=5)
        samples = query_samples(conn, [f.sample_query_id for f in shapes if f.sample_query_id])
        top = [(f, samples.get(f.sample_query_id) if f.sample_query_id else None) for f in shapes]
    incidents, _ = list_incidents(conn, asset=key, limit=10)
    page = AssetPage(
        view=view,
        provenance=PROVENANCE,
        lineage=load_lineage(conn, key, max_nodes=PAGE_LINEAGE_NODES, root=view.facts),
        column_links=load_column_lineage(conn, key),
        runs=runs_for_asset(conn, key, limit=10),
        checks=_latest_per_check(results_for_asset(conn, key, limit=200)),
        edits=edits_for(conn, key),
        can_edit=principal.can("editor"),
        lineage_api=api_asset_path(key) + "/lineage",
        incidents=incidents,
        health=health_charts(conn, key, since=now - HEALTH_WINDOW),
        spend=spend,
        top_queries=top,
    )
    return render(request, "asset.html", page, title=str(key), principal=principal)


def _edit(request: Request, key: AssetKey, change: object) -> RedirectResponse:
    store: Store = get_store(request)
    try:
        with store.transaction() as conn:
            change(conn)  # type: ignore[operator]
    except MissingObject:
        raise NotFound(f"There is no asset {key} in the catalog.") from None
    return RedirectResponse(asset_path(key), status_code=303)


@router.post("/assets/{platform}/{name:path}/description")
def save_description(
    request: Request,
    platform: str,
    name: str,
    description: str = Form("", max_length=20000),
    principal: Principal = Depends(require_role("editor")),
    now: datetime = Depends(get_now),
) -> RedirectResponse:
    """Set the description (an empty form removes the edit and hands it back to the collectors)."""
    key = key_from_path(f"{platform}/{name}")
    text = description.strip() or None
    return _edit(request, key, lambda conn: edit_description(conn, key, text, principal.name, now))


@router.post("/assets/{platform}/{name:path}/owner")
def save_owner(
    request: Request,
    platform: str,
    name: str,
    owner: str = Form("", max_length=256),
    principal: Principal = Depends(require_role("editor")),
    now: datetime = Depends(get_now),
) -> RedirectResponse:
    """Set the owner (an empty form removes the edit)."""
    key = key_from_path(f"{platform}/{name}")
    who = owner.strip() or None
    return _edit(request, key, lambda conn: edit_owner(conn, key, who, principal.name, now))
