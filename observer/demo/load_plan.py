"""When each raw table is loaded, and how many rows each load brings.

The plan is computed in Python (seeded) so the same numbers drive both the DuckDB warehouse (one
row per record, ``_loaded_at`` = the load's time) and the loaders' queries in the query history
(``ROWS_INSERTED`` of each COPY/MERGE). The incidents are planned here:

* ``stripe_payments`` (Fivetran, hourly at :12) stops syncing ~50 hours before ``as_of``;
* ``web_events`` (daily at 04:10, for the previous day) arrives ~70 % short on its last load;
* ``erp_invoices`` loads on weekdays only, at 18:00 — quiet weekends are normal, not an incident.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from observer.demo.timeline import WEB_EVENTS_LOAD_HOUR, WEB_EVENTS_LOAD_MINUTE, Timeline

# Retail traffic by weekday (Monday first): weekends are busier.
WEEKDAY_FACTOR = (1.0, 0.96, 0.98, 1.02, 1.1, 1.28, 1.22)
# Share of a day's orders per UTC hour (a US-centred shop: quiet mornings UTC, busy evenings).
HOURLY_SHARE = (
    5.0, 4.6, 4.0, 3.2, 2.4, 1.6, 1.2, 1.0, 1.0, 1.2, 1.6, 2.4,
    3.2, 3.8, 4.4, 4.8, 5.2, 5.6, 6.0, 6.4, 6.6, 6.4, 6.0, 5.6,
)
ORDERS_PER_DAY = 190
SESSIONS_PER_DAY = 240  # each session carries 1–8 events (≈ 4.5 on average)
NEW_CUSTOMER_SHARE = 0.35
BACKFILL_CUSTOMERS = 3000
BACKFILL_PRODUCTS = 400
VOLUME_DROP_FACTOR = 0.3  # the short load brings 30 % of the usual volume

SHOPIFY_MINUTE = 5
STRIPE_MINUTE = 12
PRODUCTS_AT = (2, 30)
ZENDESK_AT = (1, 15)
ADS_AT = (3, 30)
ERP_AT = (18, 0)


@dataclass(frozen=True)
class Load:
    table: str  # raw table name, e.g. "shopify_orders"
    at: datetime  # the load's time == _loaded_at of its rows
    rows: int  # records the load brings (for derived tables: an estimate, see warehouse.py)
    first: int  # index of the load's first record in the table (ids derive from it)


def _day_factor(day: date, start: date, rng: random.Random) -> float:
    trend = 1.0 + 0.002 * (day - start).days
    return WEEKDAY_FACTOR[day.weekday()] * trend * rng.uniform(0.95, 1.05)


def _hourly(table: str, day_total: float, day: date, minute: int, first: int, rng: random.Random) -> list[Load]:
    loads = []
    total_share = sum(HOURLY_SHARE)
    for hour in range(24):
        expected = day_total * HOURLY_SHARE[hour] / total_share
        rows = max(0, round(expected * rng.uniform(0.85, 1.15)))
        at = datetime(day.year, day.month, day.day, hour, minute) + timedelta(hours=1)
        loads.append(Load(table, at, rows, first))
        first += rows
    return loads


def build_load_plan(timeline: Timeline, seed: int) -> dict[str, list[Load]]:
    """Every load of every raw table from the start of the query history up to ``as_of``.

    Times are naive UTC. Loads after ``as_of`` (or after an outage began) are left out.
    """
    start = timeline.history_start.date()
    as_of = timeline.as_of.replace(tzinfo=None)
    rng = random.Random(f"{seed}:loads")
    plan: dict[str, list[Load]] = {}
    orders: list[Load] = []
    customers: list[Load] = [Load("shopify_customers", datetime.combine(start, datetime.min.time()),
                                  BACKFILL_CUSTOMERS, 0)]
    next_order, next_customer = 0, BACKFILL_CUSTOMERS
    events: list[Load] = []
    next_session = 0
    for day in timeline.days:
        factor = _day_factor(day, start, rng)
        day_orders = _hourly("shopify_orders", ORDERS_PER_DAY * factor, day, SHOPIFY_MINUTE, next_order, rng)
        orders += day_orders
        next_order = day_orders[-1].first + day_orders[-1].rows
        for load in day_orders:
            new = round(load.rows * NEW_CUSTOMER_SHARE * rng.uniform(0.8, 1.2))
            customers.append(Load("shopify_customers", load.at, new, next_customer))
            next_customer += new
        sessions = round(SESSIONS_PER_DAY * factor)
        load_day = day + timedelta(days=1)
        load_at = datetime(load_day.year, load_day.month, load_day.day, WEB_EVENTS_LOAD_HOUR, WEB_EVENTS_LOAD_MINUTE)
        if day == timeline.volume_drop_day:
            sessions = round(sessions * VOLUME_DROP_FACTOR)
        events.append(Load("web_events", load_at, sessions, next_session))
        next_session += sessions
    plan["shopify_orders"] = orders
    plan["shopify_customers"] = customers
    plan["web_events"] = events  # rows = sessions; events per session are drawn in SQL
    # Stripe: one payment per order, synced at :12 the hour after; the connector breaks at
    # timeline.late_table_last_load and nothing arrives after it.
    late_stop = timeline.late_table_last_load.replace(tzinfo=None)
    plan["stripe_payments"] = [
        Load("stripe_payments", o.at.replace(minute=STRIPE_MINUTE), o.rows, o.first)
        for o in orders
        if o.at.replace(minute=STRIPE_MINUTE) <= late_stop
    ]
    plan["shopify_order_items"] = [Load("shopify_order_items", o.at, o.rows * 2, o.first) for o in orders]
    plan["shopify_products"] = _daily("shopify_products", timeline, PRODUCTS_AT, rng, 2, 6, BACKFILL_PRODUCTS)
    plan["zendesk_tickets"] = _daily("zendesk_tickets", timeline, ZENDESK_AT, rng, 35, 60, 0)
    plan["google_ads_spend"] = _daily("google_ads_spend", timeline, ADS_AT, rng, 12, 12, 0)
    plan["meta_ads_spend"] = _daily("meta_ads_spend", timeline, ADS_AT, rng, 10, 10, 0)
    plan["erp_invoices"] = _weekday_invoices(timeline, orders)
    return {name: [ld for ld in loads if ld.at <= as_of] for name, loads in sorted(plan.items())}


def _daily(table: str, timeline: Timeline, at: tuple[int, int], rng: random.Random, low: int, high: int,
           backfill: int) -> list[Load]:
    loads, first = [], 0
    for i, day in enumerate(timeline.days):
        rows = rng.randint(low, high) + (backfill if i == 0 else 0)
        loads.append(Load(table, datetime(day.year, day.month, day.day, *at), rows, first))
        first += rows
    return loads


def invoice_day_for(placed: date) -> date:
    """Orders are invoiced on the next weekday after the day they were placed."""
    day = placed + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _weekday_invoices(timeline: Timeline, orders: list[Load]) -> list[Load]:
    """Finance's ERP exports invoices at 18:00 on weekdays: Monday's load carries Friday to Sunday."""
    per_day: dict[date, int] = {}
    for o in orders:
        invoice_day = invoice_day_for((o.at - timedelta(hours=1)).date())
        per_day[invoice_day] = per_day.get(invoice_day, 0) + o.rows
    loads, first = [], 0
    for day in sorted(per_day):
        loads.append(Load("erp_invoices", datetime(day.year, day.month, day.day, *ERP_AT), per_day[day], first))
        first += per_day[day]
    return loads
