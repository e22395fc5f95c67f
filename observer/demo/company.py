"""Larkspur Goods: who works there, which warehouses they run, and the incidents hidden in their data.

Larkspur Goods is an online retailer of home and garden goods. Its data team runs Snowflake
(stood in for, in the demo, by a DuckDB file whose catalog is ``analytics``), dbt for modelling,
Airflow and Fivetran for loading, Looker for dashboards and a Spark job for churn scores.

This module is the single source of truth for names other engineers assert on: change a name here
and the generated files, docs/demo.md and the tests follow.
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAIN = "larkspur.example"
DATABASE = "ANALYTICS"  # Snowflake spelling; the DuckDB file is analytics.duckdb
DBT_PROJECT = "larkspur"
DBT_VERSION = "1.10.6"
ACCOUNT = "larkspur-prod"  # Snowflake <org>-<account>, used as the OpenLineage namespace
LOOKER_INSTANCE_SLUG = "8f3c2a61b7d94e0fa1c5d2e6b9a7c410"


@dataclass(frozen=True)
class Team:
    name: str
    slack_channel: str
    description: str
    dbt_group: str  # dbt group name whose owner is this team
    email: str


@dataclass(frozen=True)
class Person:
    username: str  # warehouse user name (upper case, as Snowflake stores it)
    display_name: str
    team: str
    role: str  # default Snowflake role
    looker_user_id: int

    @property
    def email(self) -> str:
        first, _, last = self.display_name.lower().partition(" ")
        return f"{first}.{last}@{DOMAIN}"

    @property
    def slack_handle(self) -> str:
        return "@" + self.display_name.split(" ")[0].lower()


@dataclass(frozen=True)
class ServiceUser:
    username: str
    role: str
    warehouse: str
    description: str


@dataclass(frozen=True)
class Warehouse:
    name: str
    warehouse_id: int
    size: str  # QUERY_HISTORY spelling: X-Small, Small, Medium, Large
    auto_suspend_s: int
    purpose: str


TEAMS: tuple[Team, ...] = (
    Team("growth", "#growth-data", "Acquisition, marketing attribution and paid media.", "growth",
         f"growth-data@{DOMAIN}"),
    Team("finance", "#finance-data", "Revenue, invoicing and the monthly close.", "finance",
         f"finance-data@{DOMAIN}"),
    Team("data-platform", "#data-platform", "Ingestion, dbt core models and the warehouse itself.",
         "data_platform", f"data-platform@{DOMAIN}"),
    Team("product-analytics", "#product-analytics", "Funnels, retention and experiments.",
         "product_analytics", f"product-analytics@{DOMAIN}"),
)

PEOPLE: tuple[Person, ...] = (
    Person("ALICE", "Alice Moreau", "growth", "ANALYST_GROWTH", 17),
    Person("BOB", "Bob Okafor", "growth", "ANALYST_GROWTH", 23),
    Person("CAROL", "Carol Jensen", "finance", "ANALYST_FINANCE", 31),
    Person("DMITRI", "Dmitri Volkov", "finance", "ANALYST_FINANCE", 34),
    Person("EMMA", "Emma Schulz", "product-analytics", "ANALYST_PRODUCT", 42),
    Person("FARID", "Farid Haddad", "product-analytics", "ANALYST_PRODUCT", 45),
    Person("GRACE", "Grace Lin", "data-platform", "SYSADMIN", 51),
    Person("HUGO", "Hugo Alvarez", "data-platform", "SYSADMIN", 53),
)

SERVICE_USERS: tuple[ServiceUser, ...] = (
    ServiceUser("DBT_PROD", "TRANSFORMER", "TRANSFORMING", "dbt production runs"),
    ServiceUser("AIRFLOW_SVC", "LOADER", "LOADING", "Airflow load DAGs"),
    ServiceUser("FIVETRAN_SVC", "LOADER", "LOADING", "Fivetran connectors (Stripe, products, Zendesk)"),
    ServiceUser("LOOKER_SVC", "REPORTER", "REPORTING", "Looker connection"),
)

WAREHOUSES: tuple[Warehouse, ...] = (
    Warehouse("TRANSFORMING", 101, "Medium", 60, "dbt"),
    Warehouse("LOADING", 102, "Small", 60, "Airflow and Fivetran loads"),
    Warehouse("REPORTING", 103, "Small", 60, "Looker"),
    Warehouse("ADHOC", 104, "X-Small", 60, "analysts"),
)

CREDITS_PER_HOUR = {"X-Small": 1.0, "Small": 2.0, "Medium": 4.0, "Large": 8.0, "X-Large": 16.0}

# The Looker user whose scheduled, auto-refreshing "Acquisition Live" dashboard drives the spend
# incident (a TV screen in the growth team's corner).
LIVE_DASHBOARD_LOOKER_USER = 181


@dataclass(frozen=True)
class Incidents:
    """The names of everything the demo's checks and cost reports must find."""

    late_table: str = "analytics.raw.stripe_payments"
    volume_drop_table: str = "analytics.raw.web_events"
    schema_change_table: str = "analytics.raw.shopify_orders"
    schema_change_old_column: str = "discount_code"
    schema_change_new_column: str = "promo_code"
    # downstream columns fed by the renamed one (column lineage)
    schema_change_impacted: tuple[str, ...] = (
        "analytics.staging.stg_orders.discount_code",
        "analytics.marts.fct_orders.discount_code",
        "analytics.marts.fct_orders.is_promo_order",
        "analytics.marts.fct_marketing_attribution.promo_orders",
    )
    weekend_off_table: str = "analytics.raw.erp_invoices"
    # spend incident
    resized_warehouse: str = "REPORTING"
    resized_from: str = "Small"
    resized_to: str = "Large"
    live_dashboard_exposure: str = "exposure.larkspur.growth_acquisition_live"
    live_dashboard_model: str = "analytics.marts.growth_acquisition_live"
    live_dashboard_team: str = "growth"
    full_refresh_model: str = "analytics.marts.fct_web_sessions"
    full_refresh_node: str = "model.larkspur.fct_web_sessions"
    full_refresh_team: str = "data-platform"
    unmodelled_table: str = "analytics.marts.customer_churn_scores"  # only OpenLineage describes it


INCIDENTS = Incidents()


def person(username: str) -> Person:
    for p in PEOPLE:
        if p.username == username:
            return p
    raise KeyError(username)


def team(name: str) -> Team:
    for t in TEAMS:
        if t.name == name:
            return t
    raise KeyError(name)


def warehouse(name: str) -> Warehouse:
    for w in WAREHOUSES:
        if w.name == name:
            return w
    raise KeyError(name)
