"""Catalog edits over the API: set an asset's owner or description (editor role needed).

``PUT /api/v1/assets/{key}/owner`` ``{"owner": "growth"}`` and
``PUT /api/v1/assets/{key}/description`` ``{"description": "…"}``; ``DELETE`` on either removes the
edit and hands the field back to the collectors. Edits win over every collector and survive
re-ingestion (see :mod:`observer.store.catalog_edits`); the token's name is recorded as the editor.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from observer.api.auth import Principal, require_role
from observer.api.deps import get_now, get_store
from observer.api.errors import NotFound
from observer.api.keys import key_from_path
from observer.catalog.owner_lookup import answer_json, owner_of
from observer.errors import NotFound as MissingObject
from observer.store import Store
from observer.store.catalog_edits import edit_description, edit_owner

router = APIRouter(prefix="/assets", tags=["catalog edits"])


class OwnerEdit(BaseModel):
    owner: str = Field(..., min_length=1, max_length=256, description="a team name, user name or e-mail")
    team: str | None = Field(None, max_length=128, description="the owner's team, when it cannot be derived")


class DescriptionEdit(BaseModel):
    description: str = Field(..., max_length=20000)


def _apply(store: Store, key_text: str, change: Any) -> dict[str, Any]:
    key = key_from_path(key_text)
    try:
        with store.transaction() as conn:
            change(conn, key)
            return answer_json(owner_of(conn, key))
    except MissingObject as exc:
        raise NotFound(str(exc)) from None


@router.put("/{key:path}/owner", summary="Set the owner of an asset")
def put_owner(
    key: str, body: OwnerEdit, who: Principal = Depends(require_role("editor")),
    store: Store = Depends(get_store), now: datetime = Depends(get_now),
) -> dict[str, Any]:
    return _apply(store, key, lambda conn, k: edit_owner(conn, k, body.owner, who.name, now, team=body.team))


@router.delete("/{key:path}/owner", summary="Remove the owner edit of an asset")
def delete_owner(
    key: str, who: Principal = Depends(require_role("editor")),
    store: Store = Depends(get_store), now: datetime = Depends(get_now),
) -> dict[str, Any]:
    return _apply(store, key, lambda conn, k: edit_owner(conn, k, None, who.name, now))


@router.put("/{key:path}/description", summary="Set the description of an asset")
def put_description(
    key: str, body: DescriptionEdit, who: Principal = Depends(require_role("editor")),
    store: Store = Depends(get_store), now: datetime = Depends(get_now),
) -> dict[str, Any]:
    return _apply(store, key, lambda conn, k: edit_description(conn, k, body.description, who.name, now))


@router.delete("/{key:path}/description", summary="Remove the description edit of an asset")
def delete_description(
    key: str, who: Principal = Depends(require_role("editor")),
    store: Store = Depends(get_store), now: datetime = Depends(get_now),
) -> dict[str, Any]:
    return _apply(store, key, lambda conn, k: edit_description(conn, k, None, who.name, now))
