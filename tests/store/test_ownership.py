from __future__ import annotations

from datetime import datetime

from observer.attribution.owners import resolve_owner
from observer.model import AssetKey, OwnerKind, Ownership, OwnershipSource
from observer.store import Store
from observer.store.ownership import claims_for, replace_claims, set_claim

KEY = AssetKey("snowflake", "analytics.marts.orders")


def claim(owner: str, source: OwnershipSource, origin: str) -> Ownership:
    return Ownership(KEY, owner, OwnerKind.TEAM, source, f"{origin} says {owner}", origin, owner)


def test_precedence_and_conflicts(store: Store, now: datetime) -> None:
    with store.transaction() as conn:
        replace_claims(conn, "config", OwnershipSource.RULE, [claim("growth", OwnershipSource.RULE, "config")], now)
        replace_claims(conn, "dbt:shop", OwnershipSource.ORCHESTRATOR, [claim("finance", OwnershipSource.ORCHESTRATOR, "dbt:shop")], now)
        replace_claims(conn, "dagster", OwnershipSource.ORCHESTRATOR, [claim("data-platform", OwnershipSource.ORCHESTRATOR, "dagster")], now)
    with store.read() as conn:
        resolved = resolve_owner(claims_for(conn, KEY))
    assert resolved is not None
    assert resolved.source == OwnershipSource.ORCHESTRATOR
    assert {resolved.owner, *(c.owner for c in resolved.conflicts)} == {"finance", "data-platform"}
    assert [c.owner for c in resolved.overridden] == ["growth"]

    with store.transaction() as conn:
        set_claim(conn, claim("growth", OwnershipSource.EDIT, "api"), now)
        # The orchestrator changes its mind; the explicit edit still wins.
        replace_claims(conn, "dbt:shop", OwnershipSource.ORCHESTRATOR, [claim("product", OwnershipSource.ORCHESTRATOR, "dbt:shop")], now)
    with store.read() as conn:
        claims = claims_for(conn, KEY)
    resolved = resolve_owner(claims)
    assert resolved is not None and (resolved.owner, resolved.source) == ("growth", OwnershipSource.EDIT)
    assert "finance" not in {c.owner for c in claims}


def test_replace_is_idempotent(store: Store, now: datetime) -> None:
    claims = [claim("growth", OwnershipSource.RULE, "config")]
    with store.transaction() as conn:
        assert replace_claims(conn, "config", OwnershipSource.RULE, claims, now) == 1
        assert replace_claims(conn, "config", OwnershipSource.RULE, claims, now) == 0
