"""The server-rendered pages: search and asset page show real data and escape it."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from observer.api.app import create_app
from observer.api.auth import COOKIE
from observer.config import Settings
from observer.model import Asset, AssetKey, AssetKind, Column, OwnerKind, Ownership, OwnershipSource
from observer.store import Store
from observer.store.assets import upsert_assets
from observer.store.ownership import set_claim
from observer.store.tokens import Role, create_token
from tests.api.conftest import fill_activity, fill_catalog

HTML = {"accept": "text/html"}


def test_search_page_lists_matches_with_owner(sqlite_store: Store, now: datetime) -> None:
    fill_catalog(sqlite_store, now)
    client = TestClient(create_app(Settings(), sqlite_store, clock=lambda: now))
    page = client.get("/", params={"q": "FCT_ORD"})
    assert page.status_code == 200
    assert 'href="/assets/snowflake/analytics.marts.fct_orders"' in page.text
    assert "1 result for" in page.text and "finance" in page.text
    empty = client.get("/", params={"q": "zzz-nothing"})
    assert "Nothing matches" in empty.text


def test_asset_page_says_who_owns_it_and_why(sqlite_store: Store, now: datetime) -> None:
    fill_catalog(sqlite_store, now)
    client = TestClient(create_app(Settings(), sqlite_store, clock=lambda: now))
    page = client.get("/assets/snowflake/analytics.marts.fct_orders").text
    assert '<strong id="owner-name">finance</strong>' in page
    assert "the orchestrator declares it" in page and "dbt group finance" in page
    assert "config rule &#39;analytics.marts.*&#39;" in page  # the overridden claim, escaped
    assert "<code>revenue_usd</code>" in page and "models/marts/fct_orders.sql" in page
    missing = client.get("/assets/snowflake/analytics.marts.nope", headers=HTML)
    assert missing.status_code == 404 and "There is no asset" in missing.text


def test_names_with_html_render_as_text(sqlite_store: Store, now: datetime) -> None:
    evil = '<script>alert(1)</script>'
    key = AssetKey("snowflake", 'analytics.marts."<img src=x onerror=alert(1)>"')
    with sqlite_store.transaction() as conn:
        upsert_assets(
            conn, [Asset(key, AssetKind.TABLE, description=evil, columns=(Column(evil, evil, evil),), tags=(evil,))], now
        )
        set_claim(conn, Ownership(key, evil, OwnerKind.USER, OwnershipSource.EDIT, evil, "api"), now)
    client = TestClient(create_app(Settings(), sqlite_store, clock=lambda: now))
    search = client.get("/", params={"q": "img"})
    assert search.status_code == 200
    detail_url = search.text.split('class="result-name" href="')[1].split('"')[0]
    for text in (search.text, client.get(detail_url).text):
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert client.get(detail_url).status_code == 200


def test_asset_page_shows_lineage_checks_and_runs(sqlite_store: Store, now: datetime) -> None:
    fill_catalog(sqlite_store, now)
    fill_activity(sqlite_store, now)
    client = TestClient(create_app(Settings(), sqlite_store, clock=lambda: now))
    page = client.get("/assets/snowflake/analytics.marts.fct_orders").text
    upstream = page.split('id="upstream-list"')[1].split("</ul>")[0]
    assert 'href="/assets/snowflake/raw.shop.orders"' in upstream and "data-platform" in upstream
    downstream = page.split('id="downstream-list"')[1].split("</ul>")[0]
    assert "dashboards.revenue" in downstream and "not in the catalog" in downstream
    assert "<code>amount</code>" in page and "<code>revenue_usd</code>" in page  # column lineage table
    assert "last loaded 30 hours ago" in page and 'status-fail' in page  # latest freshness result wins
    assert page.count('class="status status-success"') == 2 and 'class="status status-failed"' in page
    assert 'data-lineage-api="/api/v1/assets/snowflake/analytics.marts.fct_orders/lineage"' in page


def test_editors_change_the_description_from_the_page(sqlite_store: Store, now: datetime) -> None:
    fill_catalog(sqlite_store, now)
    with sqlite_store.transaction() as conn:
        _, editor = create_token(conn, "alice", Role.EDITOR, now)
        _, viewer = create_token(conn, "bob", Role.VIEWER, now)
    client = TestClient(create_app(Settings(), sqlite_store, clock=lambda: now))
    url = "/assets/snowflake/analytics.marts.fct_orders"
    assert "Edit description" not in client.get(url).text
    assert client.post(url + "/description", data={"description": "x"}, headers=HTML).status_code == 401
    client.cookies.set(COOKIE, viewer)
    assert "Edit description" not in client.get(url).text
    assert client.post(url + "/description", data={"description": "x"}, headers=HTML).status_code == 403
    client.cookies.set(COOKIE, editor)
    page = client.get(url).text
    assert "Edit description" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    saved = client.post(url + "/description", data={"description": "Orders, <b>net</b> of refunds", "csrf_token": token})
    assert saved.status_code == 200 and "Orders, &lt;b&gt;net&lt;/b&gt; of refunds" in saved.text
    assert "Edited by alice" in saved.text
    forged = client.post(url + "/description", data={"description": "pwned"}, headers=HTML)
    assert forged.status_code == 403
    owner = client.post(url + "/owner", data={"owner": "growth", "csrf_token": token})
    assert '<strong id="owner-name">growth</strong>' in owner.text and "someone set it in the catalog" in owner.text
