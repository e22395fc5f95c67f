"""People and dashboards reading the warehouse: Looker on REPORTING, analysts on ADHOC.

Looker statements end with Looker's context comment
(``-- Looker Query Context '{"user_id":…,"history_slug":…,"instance_slug":…}'``) and use quoted
upper-case identifiers. Analysts write lower-case SQL by hand, with different literals every time,
sometimes a CREATE TABLE AS into ``SCRATCH``, sometimes a typo that fails. The spend incident is
here: from ``timeline.spend_incident_start`` REPORTING is LARGE and the growth team's "Acquisition
Live" dashboard re-runs a full scan of ``MARTS.GROWTH_ACQUISITION_LIVE`` every five minutes.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from observer.demo.company import LIVE_DASHBOARD_LOOKER_USER, LOOKER_INSTANCE_SLUG, Person, person
from observer.demo.timeline import Timeline
from observer.demo.workload import QueryFactory, SimQuery, partitions, round_ms, scale_for_size, table_bytes

LIVE_DASHBOARD_PERIOD = timedelta(minutes=5)
LIVE_QUERY_SECONDS_ON_LARGE = 25.0
LIVE_SCREEN_HOURS = (13, 23)  # UTC: the TV in the growth team's office is on 8am–6pm Eastern

# (dashboard, team, viewers, tiles) — a tile is (table, alias, dimension, measures)
DASHBOARDS = (
    ("weekly_revenue", "finance", ("CAROL", "DMITRI"), (
        ("FIN_REVENUE_DAILY", "fin_revenue_daily", "REVENUE_DATE", ("NET_REVENUE", "GROSS_REVENUE")),
        ("FIN_REVENUE_DAILY", "fin_revenue_daily", "REVENUE_DATE", ("COLLECTED", "REFUNDED")),
        ("FIN_INVOICE_RECONCILIATION", "fin_invoice_reconciliation", "INVOICE_DATE", ("DIFFERENCE",)),
        ("FCT_PAYMENTS", "fct_payments", "PAYMENT_DATE", ("AMOUNT",)),
    )),
    ("marketing_attribution", "growth", ("ALICE", "BOB"), (
        ("FCT_MARKETING_ATTRIBUTION", "fct_marketing_attribution", "ACTIVITY_DATE", ("REVENUE", "SPEND")),
        ("FCT_MARKETING_ATTRIBUTION", "fct_marketing_attribution", "CHANNEL", ("SESSIONS", "ORDERS")),
        ("FCT_AD_PERFORMANCE", "fct_ad_performance", "CAMPAIGN_NAME", ("SPEND", "CLICKS")),
    )),
    ("product_funnel", "product-analytics", ("EMMA", "FARID"), (
        ("PA_FUNNEL_DAILY", "pa_funnel_daily", "SESSION_DATE", ("SESSIONS", "WITH_ORDER")),
        ("PA_CUSTOMER_RETENTION", "pa_customer_retention", "COHORT_MONTH", ("ACTIVE_CUSTOMERS",)),
    )),
)
DATE_DIMENSIONS = {"REVENUE_DATE", "INVOICE_DATE", "PAYMENT_DATE", "ACTIVITY_DATE", "SESSION_DATE", "COHORT_MONTH"}


def looker_context(user_id: int, slug: str) -> str:
    payload = json.dumps({"user_id": user_id, "history_slug": slug, "instance_slug": LOOKER_INSTANCE_SLUG},
                         separators=(",", ":"))
    return f"-- Looker Query Context '{payload}'"


def _tile_sql(table: str, alias: str, dimension: str, measures: tuple[str, ...], start: date, end: date,
              limit: int) -> str:
    dim = f'{alias}."{dimension}"'
    select = [f'    {dim} AS "{alias}.{dimension.lower()}"']
    select += [f'    COALESCE(SUM({alias}."{m}"), 0) AS "{alias}.total_{m.lower()}"' for m in measures]
    where = ""
    date_col = dimension if dimension in DATE_DIMENSIONS else None
    if date_col is None and alias == "fct_marketing_attribution":
        date_col = "ACTIVITY_DATE"
    if date_col is None and alias == "fct_ad_performance":
        date_col = "SPEND_DATE"
    if date_col:
        where = (f"\nWHERE (({alias}.\"{date_col}\") >= ((TO_DATE(TO_TIMESTAMP('{start:%Y-%m-%d}')))) AND "
                 f"({alias}.\"{date_col}\") < ((TO_DATE(TO_TIMESTAMP('{end:%Y-%m-%d}')))))")
    return ("SELECT\n" + ",\n".join(select) + f'\nFROM "MARTS"."{table}"\n     AS {alias}{where}\n'
            f"GROUP BY\n    1\nORDER BY\n    2 DESC\nFETCH NEXT {limit} ROWS ONLY")


def _live_sql(day: date) -> str:
    start = day - timedelta(days=29)
    return (
        "SELECT\n"
        '    growth_acquisition_live."SESSION_DATE" AS "growth_acquisition_live.session_date",\n'
        '    growth_acquisition_live."UTM_SOURCE" AS "growth_acquisition_live.utm_source",\n'
        '    growth_acquisition_live."UTM_CAMPAIGN" AS "growth_acquisition_live.utm_campaign",\n'
        '    COALESCE(SUM(growth_acquisition_live."SESSIONS"), 0) AS "growth_acquisition_live.total_sessions",\n'
        '    COALESCE(SUM(growth_acquisition_live."ORDERS"), 0) AS "growth_acquisition_live.total_orders",\n'
        '    COALESCE(SUM(growth_acquisition_live."REVENUE"), 0) AS "growth_acquisition_live.total_revenue"\n'
        'FROM "MARTS"."GROWTH_ACQUISITION_LIVE"\n     AS growth_acquisition_live\n'
        f"WHERE ((growth_acquisition_live.\"SESSION_DATE\") >= ((TO_DATE(TO_TIMESTAMP('{start:%Y-%m-%d}')))))\n"
        "GROUP BY\n    1,\n    2,\n    3\nORDER BY\n    1 DESC\nFETCH NEXT 5000 ROWS ONLY"
    )


class BiSimulator:
    def __init__(self, timeline: Timeline, seed: int, row_counts: dict[str, int]) -> None:
        self.timeline = timeline
        self.factory = QueryFactory(seed, "bi")
        self.rng = self.factory.rng
        self.rows = row_counts
        self.queries: list[SimQuery] = []
        self.looker_session = self.factory.session_id()

    def reporting_size(self, at: datetime) -> str:
        return "Large" if at >= self.timeline.spend_incident_start.replace(tzinfo=None) else "Small"

    def run(self) -> list[SimQuery]:
        from observer.demo.analysts import AnalystSimulator

        for day in self.timeline.days:
            self._dashboards(day)
        self._live_dashboard()
        analysts = AnalystSimulator(self.timeline, self.factory, self.rows)
        self.queries += analysts.run()
        as_of = self.timeline.as_of.replace(tzinfo=None)
        return [q for q in self.queries if q.end <= as_of]

    def _looker(self, text: str, start: datetime, user_id: int, shape: str, base_ms_on_small: float,
                scanned: int, rows: int) -> SimQuery:
        size = self.reporting_size(start)
        slug = f"{self.rng.getrandbits(80):020x}"
        query = SimQuery(
            query_id=self.factory.query_id(start), text=f"{text}\n{looker_context(user_id, slug)}",
            query_type="SELECT", user="LOOKER_SVC", role="REPORTER", warehouse="REPORTING", warehouse_size=size,
            start=round_ms(start), compile_ms=self.rng.randint(60, 420),
            exec_ms=self.factory.jitter_ms(scale_for_size(base_ms_on_small, "Small", size), 0.25),
            session_id=self.looker_session, shape=shape, schema="MARTS", bytes_scanned=scanned,
            rows_produced=rows, partitions_scanned=partitions(scanned), partitions_total=partitions(scanned),
            cache_pct=round(self.rng.uniform(0, 0.6), 4),
        )
        self.queries.append(query)
        return query

    def _dashboards(self, day: date) -> None:
        weekend = day.weekday() >= 5
        for name, _team, viewers, tiles in DASHBOARDS:
            views = self.rng.randint(2, 5) if weekend else self.rng.randint(10, 16)
            for _ in range(views):
                viewer: Person = person(self.rng.choice(viewers))
                at = datetime(day.year, day.month, day.day, self.rng.randint(13, 23), self.rng.randint(0, 59),
                              self.rng.randint(0, 59))
                window = self.rng.choice((7, 14, 28, 90))
                end = day + timedelta(days=1)
                for i, (table, alias, dim, measures) in enumerate(tiles):
                    rows = self.rows.get(f"marts.{alias}", 1000)
                    self._looker(
                        _tile_sql(table, alias, dim, measures, end - timedelta(days=window), end,
                                  self.rng.choice((500, 500, 5000))),
                        at + timedelta(milliseconds=150 * i + self.rng.randint(0, 400)), viewer.looker_user_id,
                        f"looker:{name}:{i}", 2500 + rows / 8, table_bytes(rows), min(rows, 500))

    def _live_dashboard(self) -> None:
        """The TV dashboard: one heavy query every five minutes while the office screen is on."""
        start = self.timeline.spend_incident_start.replace(tzinfo=None)
        as_of = self.timeline.as_of.replace(tzinfo=None)
        sessions = self.rows.get("marts.fct_web_sessions", 20000)
        orders = self.rows.get("marts.fct_orders", 15000)
        scanned = table_bytes(sessions, 900) + table_bytes(orders, 700)
        base_on_small = LIVE_QUERY_SECONDS_ON_LARGE * 1000 * (8 / 2) ** 0.75
        at = start
        while at <= as_of:
            if not LIVE_SCREEN_HOURS[0] <= at.hour < LIVE_SCREEN_HOURS[1]:
                at += LIVE_DASHBOARD_PERIOD
                continue
            self._looker(_live_sql(at.date()), at + timedelta(milliseconds=self.rng.randint(0, 2500)),
                         LIVE_DASHBOARD_LOOKER_USER, "looker:growth_acquisition_live", base_on_small, scanned, 5000)
            at += LIVE_DASHBOARD_PERIOD


__all__ = ["DASHBOARDS", "BiSimulator", "looker_context"]
