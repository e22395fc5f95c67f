"""Analysts and platform engineers typing SQL on the ADHOC warehouse.

Each team has a handful of query shapes it re-runs with new literals; a few statements fail
(typos, missing objects, a timeout) and about one in a hundred statements is the odd kind a parser
must survive: Snowflake Scripting blocks, PUT/GET/LIST, SHOW, DESCRIBE, USE, CALL. Two platform
statements carry the story: HUGO resizing REPORTING to LARGE when the growth dashboard launches,
and the rename of ``RAW.SHOPIFY_ORDERS.DISCOUNT_CODE`` to ``PROMO_CODE``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

from observer.demo.company import PEOPLE, Person
from observer.demo.timeline import Timeline
from observer.demo.workload import QueryFactory, SimQuery, partitions, round_ms, table_bytes, with_volumes

Template = Callable[[random.Random, date], str]
Odd = tuple[str, str, Template]


def _d(day: date, back: int) -> str:
    return (day - timedelta(days=back)).isoformat()


TEMPLATES: dict[str, list[tuple[str, str, Template]]] = {
    # (shape, main table, template)
    "growth": [
        ("promo_share", "marts.fct_orders", lambda r, d: (
            "select discount_code, count(*) as orders, sum(total_price) as revenue\nfrom analytics.marts.fct_orders\n"
            f"where order_date >= '{_d(d, r.choice((7, 14, 30)))}'\ngroup by 1\norder by 2 desc")),
        ("campaign_cpc", "marts.fct_ad_performance", lambda r, d: (
            "select campaign_name, sum(spend) spend, sum(clicks) clicks, sum(spend)/nullif(sum(clicks),0) cpc\n"
            f"from analytics.marts.fct_ad_performance\nwhere spend_date between '{_d(d, 14)}' and '{_d(d, 1)}'\n"
            f"  and platform = '{r.choice(('google_ads', 'meta_ads'))}'\ngroup by campaign_name order by spend desc")),
        ("channel_roas", "marts.fct_marketing_attribution", lambda r, d: (
            "select channel, sum(revenue) / nullif(sum(spend), 0) as roas\n"
            f"from analytics.marts.fct_marketing_attribution where activity_date >= dateadd(day, -{r.randint(7, 60)}, "
            "current_date()) group by channel")),
        ("utm_sessions", "marts.fct_web_sessions", lambda r, d: (
            "select utm_source, utm_campaign, count(*) sessions, sum(orders) orders\nfrom analytics.marts.fct_web_sessions\n"
            f"where session_date = '{_d(d, r.randint(1, 3))}' group by 1, 2 order by 3 desc limit {r.choice((50, 100))}")),
    ],
    "finance": [
        ("daily_revenue", "marts.fin_revenue_daily", lambda r, d: (
            "select revenue_date, net_revenue, collected, invoiced_net, net_revenue - invoiced_net as gap\n"
            f"from analytics.marts.fin_revenue_daily\nwhere revenue_date >= '{_d(d, r.choice((7, 31)))}'\norder by 1")),
        ("recon_mismatch", "marts.fin_invoice_reconciliation", lambda r, d: (
            "select * from analytics.marts.fin_invoice_reconciliation\n"
            f"where reconciliation_status <> 'matched' and invoice_date >= '{_d(d, r.randint(3, 10))}'\n"
            "order by abs(difference) desc")),
        ("refunds_by_method", "marts.fct_payments", lambda r, d: (
            "select payment_method, count(*) n, sum(amount) amount\nfrom analytics.marts.fct_payments\n"
            f"where status = 'refunded' and payment_date >= '{_d(d, 30)}'\ngroup by payment_method")),
        ("month_close", "staging.stg_invoices", lambda r, d: (
            "select date_trunc('month', invoice_date) as month, count(*), sum(net_amount), sum(tax_amount)\n"
            "from analytics.staging.stg_invoices where status = 'posted' group by 1 order by 1")),
    ],
    "product-analytics": [
        ("funnel_week", "marts.pa_funnel_daily", lambda r, d: (
            "select session_date, sessions, with_add_to_cart / sessions as atc_rate, conversion_rate\n"
            f"from analytics.marts.pa_funnel_daily where session_date > '{_d(d, r.choice((7, 14, 28)))}' order by 1")),
        ("retention_grid", "marts.pa_customer_retention", lambda r, d: (
            "select cohort_month, months_since_first, active_customers\nfrom analytics.marts.pa_customer_retention\n"
            "order by 1, 2")),
        ("path_counts", "staging.stg_web_events", lambda r, d: (
            "select page_path, count(*) views, count(distinct anonymous_id) visitors\nfrom analytics.staging.stg_web_events\n"
            f"where occurred_at >= '{_d(d, r.randint(1, 7))} 00:00:00' and event_type = '{r.choice(('page_view', 'product_view'))}'\n"
            f"group by 1 order by 2 desc limit {r.choice((20, 50, 100))}")),
        ("churn_bands", "marts.customer_churn_scores", lambda r, d: (
            "select s.risk_band, count(*) customers, avg(c.lifetime_revenue) ltv\n"
            "from analytics.marts.customer_churn_scores s join analytics.marts.dim_customers c using (customer_id)\n"
            f"where s.churn_probability > {r.choice((0.3, 0.5, 0.7))} group by 1")),
    ],
    "data-platform": [
        ("raw_lag", "raw.shopify_orders", lambda r, d: (
            f"select max(_loaded_at), count(*) from analytics.raw.{r.choice(('shopify_orders', 'stripe_payments', 'web_events'))}\n"
            f"where _loaded_at >= '{_d(d, 1)}'")),
        ("dup_check", "raw.web_events", lambda r, d: (
            "select event_id, count(*) from analytics.raw.web_events\n"
            f"where _loaded_at >= '{_d(d, r.randint(1, 3))}' group by 1 having count(*) > 1")),
    ],
}

WORK_HOURS = {"growth": (14, 22), "finance": (7, 16), "product-analytics": (9, 18), "data-platform": (8, 18)}

ODD: tuple[Odd, ...] = (
    ("odd:show_tables", "SHOW", lambda r, d: f"show tables in schema analytics.{r.choice(('marts', 'staging', 'raw'))}"),
    ("odd:describe", "DESCRIBE", lambda r, d: f"describe table analytics.marts.{r.choice(('fct_orders', 'dim_customers'))}"),
    ("odd:use", "USE", lambda r, d: "use warehouse ADHOC"),
    ("odd:put", "PUT_FILES", lambda r, d: f"PUT file:///Users/me/Downloads/budget_{d:%Y%m}.csv @~/uploads/ AUTO_COMPRESS=TRUE"),
    ("odd:get", "GET_FILES", lambda r, d: f"GET @~/exports/revenue_{d:%Y%m%d}.csv.gz file:///tmp/exports/"),
    ("odd:list", "LIST_FILES", lambda r, d: "list @~/uploads/"),
    ("odd:script", "UNKNOWN", lambda r, d: (
        "EXECUTE IMMEDIATE $$\nDECLARE\n  n INTEGER DEFAULT 0;\nBEGIN\n"
        f"  SELECT COUNT(*) INTO :n FROM analytics.marts.fct_orders WHERE order_date = '{d.isoformat()}';\n"
        "  IF (n = 0) THEN\n    RETURN 'no orders yet';\n  END IF;\n  RETURN n;\nEND;\n$$")),
    ("odd:block", "UNKNOWN", lambda r, d: (
        "BEGIN\n  LET c CURSOR FOR SELECT table_name FROM analytics.information_schema.tables WHERE table_schema = 'SCRATCH';\n"
        "  FOR t IN c DO\n    EXECUTE IMMEDIATE 'GRANT SELECT ON TABLE analytics.scratch.' || t.table_name || ' TO ROLE ANALYST_GROWTH';\n"
        "  END FOR;\nEND;")),
    ("odd:call", "CALL", lambda r, d: f"call analytics.admin.refresh_grants('{r.choice(('MARTS', 'STAGING'))}')"),
)

ERRORS = (
    ("002003", "SQL compilation error:\nObject 'ANALYTICS.MARTS.FCT_ORDER' does not exist or not authorized.",
     "select * from analytics.marts.fct_order limit 100"),
    ("000904", "SQL compilation error: error line 1 at position 7\ninvalid identifier 'REVENUE_USD'",
     "select revenue_usd from analytics.marts.fin_revenue_daily"),
    ("001003", "SQL compilation error:\nsyntax error line 1 at position 29 unexpected 'form'.",
     "select count(*) from orders form analytics.marts.fct_orders"),
    ("000630", "Statement reached its statement or warehouse timeout of 900 second(s) and was canceled.",
     "select * from analytics.staging.stg_web_events e cross join analytics.marts.dim_customers c"),
)


class AnalystSimulator:
    def __init__(self, timeline: Timeline, factory: QueryFactory, rows: dict[str, int]) -> None:
        self.timeline = timeline
        self.factory = factory
        self.rng = factory.rng
        self.rows = rows
        self.sessions = {p.username: factory.session_id() for p in PEOPLE}
        self.queries: list[SimQuery] = []

    def run(self) -> list[SimQuery]:
        for day in self.timeline.days:
            for p in PEOPLE:
                self._day(p, day)
        self._story()
        return self.queries

    def _q(self, p: Person, text: str, query_type: str, start: datetime, shape: str, exec_ms: int, *,
           compute: bool = True, scanned: int = 0, **extra: int) -> SimQuery:
        query = SimQuery(
            query_id=self.factory.query_id(start), text=text, query_type=query_type, user=p.username, role=p.role,
            warehouse="ADHOC", warehouse_size="X-Small", start=round_ms(start),
            compile_ms=self.rng.randint(50, 900), exec_ms=exec_ms, session_id=self.sessions[p.username], shape=shape,
            schema="PUBLIC", bytes_scanned=scanned, partitions_scanned=partitions(scanned) if scanned else 0,
            partitions_total=partitions(scanned) if scanned else 0, uses_compute=compute,
            cache_pct=round(self.rng.uniform(0, 0.9), 4) if scanned else 0.0,
        )
        with_volumes(query, extra)
        self.queries.append(query)
        return query

    def _day(self, p: Person, day: date) -> None:
        weekend = day.weekday() >= 5
        count = self.rng.choice((0, 0, 0, 2)) if weekend else self.rng.randint(8, 20)
        first, last = WORK_HOURS[p.team]
        templates = TEMPLATES[p.team]
        for _ in range(count):
            at = datetime(day.year, day.month, day.day, self.rng.randint(first, last - 1), self.rng.randint(0, 59),
                          self.rng.randint(0, 59), self.rng.randint(0, 999) * 1000)
            roll = self.rng.random()
            if roll < 0.03:
                shape, qtype, make = self.rng.choice(ODD)
                self._q(p, make(self.rng, day), qtype, at, shape, self.rng.randint(20, 400),
                        compute=qtype in ("UNKNOWN", "CALL"))
            elif roll < 0.045:
                code, message, text = self.rng.choice(ERRORS)
                timeout = code == "000630"
                q = self._q(p, text, "SELECT" if timeout else "UNKNOWN", at, f"error:{code}",
                            900_000 if timeout else 0, compute=timeout)
                q.status, q.error_code, q.error_message = "FAIL", code, message
                if not timeout:
                    q.exec_ms = 0
            else:
                shape, table, make = self.rng.choice(templates)
                nbytes = table_bytes(self.rows.get(table, 20000))
                self._q(p, make(self.rng, day), "SELECT", at, f"adhoc:{p.team}:{shape}",
                        self.factory.jitter_ms(4000 + nbytes / 1.0e6, 0.5), scanned=nbytes,
                        rows_produced=self.rng.randint(1, 500))
        if not weekend and p.username == "ALICE" and day.weekday() == 0:
            self._q(p, "create or replace table analytics.scratch.alice_promo_uplift as\n"
                       "select discount_code, count(*) as orders, avg(total_price) as avg_order_value\n"
                       "from analytics.marts.fct_orders\ngroup by discount_code",
                    "CREATE_TABLE_AS_SELECT", datetime(day.year, day.month, day.day, 15, 12, 5), "scratch:alice_promo",
                    self.factory.jitter_ms(14_000), scanned=table_bytes(self.rows.get("marts.fct_orders", 15000)),
                    rows_inserted=6)
        if not weekend and p.username == "FARID" and day.weekday() == 2:
            self._q(p, "create or replace table analytics.scratch.farid_funnel_experiment as\n"
                       "select session_date, sessions, with_order, conversion_rate\nfrom analytics.marts.pa_funnel_daily",
                    "CREATE_TABLE_AS_SELECT", datetime(day.year, day.month, day.day, 11, 40, 30), "scratch:farid_funnel",
                    self.factory.jitter_ms(6_000), scanned=table_bytes(200), rows_inserted=61)

    def _story(self) -> None:
        hugo = next(p for p in PEOPLE if p.username == "HUGO")
        resize = self.timeline.spend_incident_start.replace(tzinfo=None) - timedelta(minutes=4, seconds=17)
        self._q(hugo, "ALTER WAREHOUSE REPORTING SET WAREHOUSE_SIZE = 'LARGE'", "ALTER", resize,
                "admin:resize_reporting", 0, compute=False)
        rename = self.timeline.schema_change_at.replace(tzinfo=None) - timedelta(minutes=12, seconds=41)
        self._q(hugo, "alter table analytics.raw.shopify_orders rename column discount_code to promo_code",
                "RENAME_COLUMN", rename, "admin:rename_discount_code", 0, compute=False)
