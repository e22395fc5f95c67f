"""docs/api.md documents every route the API serves (the test fails when one is added undocumented)."""

from __future__ import annotations

from pathlib import Path

from observer.api.app import create_app
from observer.config import Settings
from observer.store import Store

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_api_route_is_documented(sqlite_store: Store) -> None:
    text = DOC.read_text(encoding="utf-8")
    spec = create_app(Settings(), sqlite_store).openapi()
    missing = [
        f"{method.upper()} {path}"
        for path, ops in spec["paths"].items()
        for method in ops
        if path not in text and path.replace("{incident_id}", "{id}").replace("{item_id}", "{id}") not in text
    ]
    assert missing == [], f"document these in docs/api.md: {missing}"


def test_every_role_and_setting_named_in_the_doc_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    from observer.store.tokens import Role

    for role in Role:
        assert f"`{role.value}`" in text
    assert "server.anonymous_read" in text and "anonymous_read" in Settings().server.model_dump()
