"""A synthetic catalog at scale for the API benchmark: assets, columns, owners and lineage edges.

    .venv/bin/python bench/api/generate.py --store sqlite:///bench/api/out/catalog.db [--assets 50000 --edges 500000]

The shape follows a warehouse: sources (raw) feed staging models, staging feeds marts, marts feed
dashboards. Every non-source asset has 1–19 upstreams (mean 10) drawn from earlier layers, 70 %
uniformly and 30 % from a popular few hundred (the ``dim_date`` / ``dim_customers`` hubs every real
graph has), so some assets have a thousand downstreams. Names, columns and owners are drawn from
word lists with a fixed seed, so a run is reproducible. Rows go in through the store's bulk writer.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from observer.store import Store, open_store
from observer.store.bulk import write_rows
from observer.store.tables import asset_columns, assets, lineage_edges, ownerships, teams

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WORDS = (
    "orders customers payments sessions events revenue users products inventory shipments refunds invoices "
    "ledger campaigns clicks impressions accounts subscriptions churn returns carts reviews suppliers stores "
    "employees tickets visits leads opportunities contracts forecasts budgets"
).split()
COLUMN_WORDS = (
    "id customer_id order_id amount currency created_at updated_at status email country region channel "
    "sku quantity price discount tax total user_id session_id source medium campaign_id is_active score"
).split()
TEAMS = ("growth", "finance", "data-platform", "product-analytics", "marketing", "operations", "sales", "support")
LAYERS = (("raw", 0.25, "table"), ("staging", 0.30, "model"), ("marts", 0.30, "model"), ("bi", 0.15, "dashboard"))


@dataclass(frozen=True)
class Catalog:
    keys: list[str]
    layer_of: list[int]


def names(n: int, rng: random.Random) -> Catalog:
    keys: list[str] = []
    layer_of: list[int] = []
    for layer, (schema, share, _) in enumerate(LAYERS):
        count = int(n * share) if layer < len(LAYERS) - 1 else n - len(keys)
        for _ in range(count):
            prefix = {"raw": "src", "staging": "stg", "marts": rng.choice(("fct", "dim")), "bi": "dash"}[schema]
            word = rng.choice(WORDS)
            platform = "looker" if schema == "bi" else "snowflake"
            db = "analytics" if schema != "raw" else rng.choice(("raw", "landing"))
            keys.append(f"{platform}://{db}.{schema}.{prefix}_{word}_{len(keys)}")
            layer_of.append(layer)
    return Catalog(keys, layer_of)


def generate(store: Store, n_assets: int, n_edges: int, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    cat = names(n_assets, rng)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    with store.transaction() as conn:
        write_rows(conn, teams, ("name", "slack_channel", "description", "source"),
                   [(t, f"#{t}-data", f"The {t} team", "config") for t in TEAMS], conflict=("name",))
        rows = []
        for key, layer in zip(cat.keys, cat.layer_of, strict=True):
            platform, _, name = key.partition("://")
            kind = LAYERS[layer][2]
            desc = f"{kind.title()} of {rng.choice(WORDS)} by {rng.choice(WORDS)}, refreshed {rng.choice(('hourly', 'daily'))}"
            rows.append((key, platform, name, name.rsplit(".", 1)[-1], kind, desc, [], {}, NOW, NOW))
        write_rows(conn, assets, ("key", "platform", "name", "short_name", "kind", "description", "tags", "meta",
                                  "first_seen", "updated_at"), rows, conflict=("key",))
        ids = {r.key: r.id for r in conn.execute(select(assets.c.id, assets.c.key))}
        cols = []
        for key in cat.keys:
            picked = rng.sample(COLUMN_WORDS, rng.randint(4, 12))
            cols.extend((ids[key], c, i, "VARCHAR" if "id" not in c else "NUMBER", None) for i, c in enumerate(picked))
        write_rows(conn, asset_columns, ("asset_id", "name", "position", "data_type", "description"), cols,
                   conflict=("asset_id", "name"))
        claims = []
        for key in cat.keys:
            team = TEAMS[zlib.crc32(key.rsplit("_", 2)[-2].encode()) % len(TEAMS)] if rng.random() < 0.9 else rng.choice(TEAMS)
            claims.append((key, "orchestrator", "dbt:bench", team, "team", team, f"dbt group {team}", NOW))
        write_rows(conn, ownerships, ("asset_key", "source", "origin", "owner", "owner_kind", "team", "detail",
                                      "updated_at"), claims, conflict=("asset_key", "source", "origin"))
    timings["assets"] = time.perf_counter() - start

    start = time.perf_counter()
    by_layer: list[list[str]] = [[] for _ in LAYERS]
    for key, layer in zip(cat.keys, cat.layer_of, strict=True):
        by_layer[layer].append(key)
    popular = [k for layer in by_layer[:-1] for k in rng.sample(layer, min(100, len(layer)))]
    downstream = [k for k, layer in zip(cat.keys, cat.layer_of, strict=True) if layer > 0]
    edges: set[tuple[str, str]] = set()
    child_layer = {k: layer for k, layer in zip(cat.keys, cat.layer_of, strict=True)}
    earlier = {layer: [k for prev in by_layer[:layer] for k in prev] for layer in range(1, len(LAYERS))}
    popular_before = {layer: [k for k in popular if child_layer[k] < layer] for layer in range(1, len(LAYERS))}
    per_child = max(1, n_edges // len(downstream))
    for child in downstream:
        layer = child_layer[child]
        for _ in range(rng.randint(1, 2 * per_child - 1)):
            pool = popular_before[layer] if rng.random() < 0.3 else earlier[layer]
            edges.add((rng.choice(pool), child))
    while len(edges) < n_edges:
        child = rng.choice(downstream)
        edges.add((rng.choice(earlier[child_layer[child]]), child))
    rows = [(u, d, "", "", "dbt", NOW, NOW) for u, d in list(edges)[:n_edges]]
    with store.transaction() as conn:
        write_rows(conn, lineage_edges, ("upstream", "downstream", "upstream_column", "downstream_column", "origin",
                                         "first_seen", "last_seen"), rows,
                   conflict=("upstream", "downstream", "upstream_column", "downstream_column", "origin"))
    timings["edges"] = time.perf_counter() - start
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    parser.add_argument("--assets", type=int, default=50_000)
    parser.add_argument("--edges", type=int, default=500_000)
    args = parser.parse_args(argv)
    store = open_store(args.store)
    timings = generate(store, args.assets, args.edges)
    print(f"generated {args.assets:,} assets and {args.edges:,} edges: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()), file=sys.stderr)
    store.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
