"""The asset page: what a table is, who owns it and why, and its columns."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from dashboards.templating import render
from observer.api.auth import Principal, require_role
from observer.api.deps import read_conn
from observer.api.errors import NotFound
from observer.api.keys import key_from_path
from observer.catalog.assets import AssetView, load_asset
from observer.model import OwnershipSource

router = APIRouter()

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


@router.get("/assets/{platform}/{name:path}", response_class=HTMLResponse)
def asset(
    request: Request,
    platform: str,
    name: str,
    principal: Principal = Depends(require_role("viewer")),
    conn: Connection = Depends(read_conn),
) -> HTMLResponse:
    key = key_from_path(f"{platform}/{name}")
    view = load_asset(conn, key)
    if view is None:
        raise NotFound(f"There is no asset {key} in the catalog.")
    return render(request, "asset.html", AssetPage(view, PROVENANCE), title=str(key), principal=principal)
