"""The catalog in real headless Chromium, used the way a new user would.

A new user searches a table by part of its name, opens it, sees its owner and lineage, follows an
upstream asset, then opens the costs page and finds who owns the spend incident. Around that
journey: names full of HTML must stay text (no script runs), pages work without JavaScript, every
form control is labelled, text meets contrast, and an editor can sign in and fix a description.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from observer.api.app import create_app
from observer.config import Settings
from observer.model import (
    Asset,
    AssetKey,
    AssetKind,
    Column,
    LineageEdge,
    OwnerKind,
    Ownership,
    OwnershipSource,
)
from observer.store import Store, open_store
from observer.store.assets import upsert_assets
from observer.store.lineage import add_edges
from observer.store.ownership import set_claim
from observer.store.tokens import Role, create_token
from tests.api.conftest import ORDERS, fill_activity, fill_catalog
from tests.dashboards.operations import fill_operations
from tests.dashboards.server import serve

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHROMIUM = "/usr/bin/chromium"
EVIL = "<img src=x onerror=window.__pwned=1>"
EVIL_KEY = AssetKey("snowflake", f'analytics.marts."{EVIL}"')


@dataclass(frozen=True)
class Journey:
    """What the new user types and what they should find, for the store under test."""

    partial: str
    asset: str
    owner: str
    upstream: str
    spend_owner: str


@dataclass(frozen=True)
class Catalog:
    url: str
    journey: Journey
    editor_token: str
    store: Store


def _add_hostile_asset(store: Store, now: datetime) -> None:
    """An asset whose name, description, columns and owner are HTML, feeding the journey's asset."""
    with store.transaction() as conn:
        upsert_assets(
            conn,
            [Asset(EVIL_KEY, AssetKind.TABLE, description="<script>window.__pwned=2</script>",
                   columns=(Column("<svg onload=window.__pwned=3>", "<b>int</b>"),), tags=("<i>x</i>",))],
            now,
        )
        set_claim(conn, Ownership(EVIL_KEY, "<b onmouseover=window.__pwned=4>mallory</b>", OwnerKind.USER,
                                  OwnershipSource.EDIT, "<script>window.__pwned=5</script>", "api"), now)
        add_edges(conn, [LineageEdge(EVIL_KEY, ORDERS, "sql")], now)


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    now = datetime.now(UTC)
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'observer.db'}")
    fill_catalog(store, now)
    fill_activity(store, now)
    fill_operations(store, now)
    journey = Journey("fct_ord", "analytics.marts.fct_orders", "finance", "raw.shop.orders", "finance")
    _add_hostile_asset(store, now)
    with store.transaction() as conn:
        _, token = create_token(conn, "editor-in-browser", Role.EDITOR, now)
    with serve(create_app(Settings(), store, search_max_age=0.5)) as url:
        yield Catalog(url, journey, token, store)
    store.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/test does)")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))
    yield p
    context.close()
    assert errors == [], errors


def _screenshot(p: Page, name: str) -> None:
    folder = os.environ.get("OBSERVER_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        p.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo company, generated and ingested through the real pipeline (not served by it)."""
    from observer.demo.run import build_demo

    result = build_demo(tmp_path_factory.mktemp("demo"), say=lambda _message: None)
    with serve(create_app(result.settings, result.store)) as url:
        yield url
    result.store.dispose()


def test_new_user_journey_through_the_demo_company(demo_url: str, page: Page) -> None:
    from observer.demo.company import INCIDENTS, TEAMS
    from observer.demo.project import MODELS_BY_NAME

    model = MODELS_BY_NAME["fct_orders"]
    owner = model.owner or next(t.name for t in TEAMS if t.dbt_group == model.group)
    upstream = MODELS_BY_NAME[model.refs[0]]
    asset = f"analytics.{model.schema.lower()}.{model.name}"
    page.goto(demo_url + "/")
    _screenshot(page, "search")
    # a new user types part of a table's name; results arrive as they type
    page.get_by_label(re.compile("Search by name")).fill("fct_ord")
    expect(page.locator("#result-count")).to_contain_text("for \u201cfct_ord\u201d")
    page.locator("#results a.result-name", has_text=asset).first.click()
    # who owns it, and why; where its data comes from
    expect(page.locator("#owner-name")).to_have_text(owner)
    expect(page.locator(".owner-card .why")).to_contain_text(model.unique_id)
    graph = page.locator("#lineage-graph")
    expect(graph).to_have_attribute("data-nodes", re.compile(r"^([3-9]|\d\d+)$"))
    _screenshot(page, "asset")
    # follow an upstream asset
    page.locator("#upstream-list a", has_text=upstream.name).first.click()
    expect(page.locator("h1")).to_contain_text(upstream.name)
    expect(page.locator("#downstream-list")).to_contain_text(asset)
    # the bill went up: open costs and find whose the spend is
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Costs").click()
    changed = page.locator("section", has=page.get_by_role("heading", name=re.compile("What changed")))
    spend = changed.locator("ol.movers > li", has=page.locator(f'a[href$="{INCIDENTS.live_dashboard_model}"]')).first
    expect(spend).to_contain_text(f"owner {INCIDENTS.live_dashboard_team}")
    _screenshot(page, "costs")
    spend.locator(f'a[href$="{INCIDENTS.live_dashboard_model}"]').first.click()
    expect(page.locator("#owner-name")).to_have_text(INCIDENTS.live_dashboard_team)
    expect(page.locator("#asset-cost")).to_contain_text("$")
    # the spend incident the cost alert opened names the same owner
    live = INCIDENTS.live_dashboard_model.rsplit(".", 1)[-1]
    incident = page.locator("#asset-incidents a", has_text=re.compile(f"[Ss]pend.*{live}"))
    expect(incident.first).to_be_visible()
    incident.first.click()
    expect(page.locator("#incident-owner")).to_contain_text(INCIDENTS.live_dashboard_team)
    _screenshot(page, "incident")


def test_new_user_journey(catalog: Catalog, page: Page) -> None:
    j = catalog.journey
    page.goto(catalog.url + "/")
    # search a table by a partial name: results appear as they type
    page.get_by_label(re.compile("Search by name")).fill(j.partial)
    expect(page.locator("#result-count")).to_contain_text(f"for \u201c{j.partial}\u201d")
    result = page.locator("#results a.result-name", has_text=j.asset)
    expect(result).to_be_visible()
    assert page.url.endswith("?q=" + j.partial)
    result.first.click()
    # the asset page: owner and why, lineage drawn as a graph and listed
    expect(page.locator("h1")).to_contain_text(j.asset.split(".")[-1])
    expect(page.locator("#owner-name")).to_have_text(j.owner)
    expect(page.locator(".owner-card .why")).to_contain_text("Why:")
    graph = page.locator("#lineage-graph")
    expect(graph.locator("canvas").first).to_be_attached()
    expect(graph).to_have_attribute("data-nodes", re.compile(r"^[1-9]\d*$"))
    listed = page.locator("#upstream-list li").count() + page.locator("#downstream-list li").count()
    assert int(graph.get_attribute("data-nodes") or 0) >= listed + 1
    edges = int(graph.get_attribute("data-edges") or 0)
    page.get_by_role("button", name="Column edges").click()
    expect(graph).not_to_have_attribute("data-edges", str(edges))
    # follow an upstream asset
    page.locator("#upstream-list a", has_text=j.upstream).click()
    expect(page.locator("h1")).to_contain_text(j.upstream.split(".")[-1])
    expect(page.locator("#downstream-list")).to_contain_text(j.asset)
    # open costs and find the spend incident's owner
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Costs").click()
    expect(page.locator("h1")).to_contain_text("Costs")
    changed = page.locator("section", has=page.get_by_role("heading", name=re.compile("What changed")))
    top_team = changed.locator("ol.movers").first.locator("> li").first
    expect(top_team).to_contain_text(j.spend_owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    spend = page.locator("tbody tr", has=page.locator("td", has_text="cost")).first
    spend.get_by_role("link").first.click()
    expect(page.locator("#incident-owner")).to_contain_text(j.spend_owner)


def test_html_in_names_stays_text(catalog: Catalog, page: Page) -> None:
    page.goto(catalog.url + "/")
    page.get_by_label(re.compile("Search by name")).fill("img src")
    expect(page.locator("#result-count")).to_contain_text("for \u201cimg src\u201d")
    link = page.locator("#results a.result-name").first
    expect(link).to_contain_text("<img src=x")
    link.click()
    expect(page.locator("h1")).to_contain_text("<img src=x onerror")
    expect(page.locator("#description")).to_have_text("<script>window.__pwned=2</script>")
    expect(page.locator("#owner-name")).to_contain_text("<b onmouseover")
    page.goto(catalog.url + "/assets/snowflake/analytics.marts.fct_orders")
    expect(page.locator("#lineage-graph")).to_have_attribute("data-nodes", re.compile(r"^\d+$"))
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src=x], svg[onload]").count() == 0


def test_pages_work_without_javascript(catalog: Catalog, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    p = context.new_page()
    p.goto(catalog.url + "/")
    p.get_by_label(re.compile("Search by name")).fill("FCT_ORDERS")
    p.get_by_role("button", name="Search").click()
    p.locator("a.result-name", has_text="analytics.marts.fct_orders").click()
    expect(p.locator("#owner-name")).to_have_text("finance")
    expect(p.locator("#upstream-list")).to_contain_text("raw.shop.orders")
    p.goto(catalog.url + "/costs")
    expect(p.locator("#cost-breakdown")).to_contain_text("finance")
    context.close()


@pytest.mark.parametrize("path", ["/", "/assets/snowflake/analytics.marts.fct_orders", "/costs", "/teams/finance",
                                  "/incidents", "/runs", "/queries", "/login"])
def test_pages_are_accessible(catalog: Catalog, page: Page, path: str) -> None:
    page.goto(catalog.url + path)
    assert page.evaluate("document.documentElement.lang") == "en"
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
             .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name)"""
    )
    assert unlabelled == []
    # text colours against their background: WCAG AA needs 4.5:1 for body text
    low = page.evaluate(
        """(() => {
          const lum = c => { const v = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(x => x / 255)
              .map(x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
            return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
          const bg = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
              if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; } return 'rgb(255,255,255)'; };
          const out = [];
          for (const e of document.querySelectorAll('main *, header *')) {
            if (!e.childNodes.length || ![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
            if (e.closest('canvas, .u-legend, figure')) continue;
            const a = lum(getComputedStyle(e).color), b = lum(bg(e));
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 4.5) out.push(e.tagName + ' ' + e.className + ' ' + ratio.toFixed(2));
          }
          return out; })()"""
    )
    assert low == []
    # keyboard: the skip link comes first in tab order (the search box is autofocused on "/", so
    # reach it with Shift+Tab there) and moves focus to the content
    first = page.evaluate("document.querySelector('a[href], button, input:not([type=hidden]), select, textarea').textContent")
    assert first == "Skip to content"
    key = "Shift+Tab" if path == "/" else "Tab"
    for _ in range(12):
        page.keyboard.press(key)
        if page.evaluate("document.activeElement.textContent") == "Skip to content":
            break
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_editor_signs_in_and_edits_a_description(catalog: Catalog, page: Page) -> None:
    page.goto(catalog.url + "/assets/snowflake/analytics.marts.dim_customers")
    assert page.get_by_text("Edit description").count() == 0
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("API token").fill(catalog.editor_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header")).to_contain_text("Signed in as editor-in-browser")
    page.get_by_text("Edit description").click()
    page.get_by_role("textbox", name=re.compile("^Description")).fill("One row per customer, deduplicated by e-mail.")
    page.get_by_role("button", name="Save description").click()
    expect(page.locator("#description")).to_have_text("One row per customer, deduplicated by e-mail.")
    expect(page.get_by_text("Edited by editor-in-browser")).to_be_visible()
