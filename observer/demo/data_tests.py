"""The dbt project's data tests: generic tests on keys and values, and one singular test.

Their compiled SQL is portable (Snowflake and DuckDB), so the generator runs each against the demo
warehouse and reports the real number of failing rows in ``run_results.json``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from observer.demo.project import MODELS_BY_NAME


@dataclass(frozen=True)
class DataTest:
    kind: str  # unique | not_null | accepted_values | relationships | singular
    model: str
    column: str | None = None
    values: tuple[str, ...] = ()
    to_model: str | None = None
    to_column: str | None = None
    severity: str = "ERROR"
    singular_sql: str = ""
    singular_name: str = ""

    @property
    def name(self) -> str:
        if self.kind == "singular":
            return self.singular_name
        if self.kind == "accepted_values":
            return f"accepted_values_{self.model}_{self.column}__" + "__".join(self.values)
        if self.kind == "relationships":
            return f"relationships_{self.model}_{self.column}__{self.to_column}__ref_{self.to_model}_"
        return f"{self.kind}_{self.model}_{self.column}"

    @property
    def unique_id(self) -> str:
        if self.kind == "singular":
            return f"test.larkspur.{self.name}"
        digest = hashlib.md5(self.name.encode()).hexdigest()[:10]
        return f"test.larkspur.{self.name}.{digest}"

    @property
    def depends_on(self) -> list[str]:
        nodes = {MODELS_BY_NAME[self.model].unique_id}
        if self.to_model:
            nodes.add(MODELS_BY_NAME[self.to_model].unique_id)
        return sorted(nodes)

    @property
    def original_file_path(self) -> str:
        if self.kind == "singular":
            return f"tests/{self.name}.sql"
        return f"models/{MODELS_BY_NAME[self.model].folder}/schema.yml"

    @property
    def raw_code(self) -> str:
        if self.kind == "singular":
            return self.singular_sql
        return "{{ test_" + self.kind + "(**_dbt_generic_test_kwargs) }}"

    @property
    def kwargs(self) -> dict[str, object]:
        model_ref = f"{{{{ get_where_subquery(ref('{self.model}')) }}}}"
        out: dict[str, object] = {"model": model_ref}
        if self.column:
            out["column_name"] = self.column
        if self.values:
            out["values"] = list(self.values)
        if self.to_model:
            out["to"] = f"ref('{self.to_model}')"
            out["field"] = self.to_column
        return out

    def compiled(self) -> str:
        rel = MODELS_BY_NAME[self.model].relation
        col = self.column
        if self.kind == "unique":
            return (f"select\n    {col} as unique_field,\n    count(*) as n_records\nfrom {rel}\n"
                    f"where {col} is not null\ngroup by {col}\nhaving count(*) > 1\n")
        if self.kind == "not_null":
            return f"select {col}\nfrom {rel}\nwhere {col} is null\n"
        if self.kind == "accepted_values":
            values = ",".join(f"'{v}'" for v in self.values)
            return (f"with all_values as (\n    select\n        {col} as value_field,\n        count(*) as n_records\n"
                    f"    from {rel}\n    group by {col}\n)\nselect *\nfrom all_values\n"
                    f"where value_field not in (\n    {values}\n)\n")
        if self.kind == "relationships":
            parent = MODELS_BY_NAME[self.to_model or ""].relation
            return (f"with child as (\n    select {col} as from_field\n    from {rel}\n    where {col} is not null\n),\n"
                    f"parent as (\n    select {self.to_column} as to_field\n    from {parent}\n)\n"
                    "select\n    from_field\nfrom child\nleft join parent\n    on child.from_field = parent.to_field\n"
                    "where parent.to_field is null\n")
        return self.singular_sql.replace("{{ ref('" + self.model + "') }}", rel)


TESTS: tuple[DataTest, ...] = (
    DataTest("unique", "stg_customers", "customer_id"),
    DataTest("not_null", "stg_customers", "customer_id"),
    DataTest("unique", "stg_orders", "order_id"),
    DataTest("not_null", "stg_orders", "order_id"),
    DataTest("unique", "stg_payments", "payment_id"),
    DataTest("accepted_values", "stg_payments", "status", values=("succeeded", "failed", "refunded")),
    DataTest("unique", "stg_web_events", "event_id"),
    DataTest("not_null", "stg_web_events", "occurred_at"),
    DataTest("unique", "dim_customers", "customer_id"),
    DataTest("not_null", "dim_customers", "email"),
    DataTest("unique", "dim_products", "product_id"),
    DataTest("unique", "fct_orders", "order_id"),
    DataTest("not_null", "fct_orders", "customer_id"),
    DataTest("relationships", "fct_orders", "customer_id", to_model="dim_customers", to_column="customer_id"),
    DataTest("unique", "fct_web_sessions", "session_id"),
    DataTest("not_null", "fct_payments", "payment_id"),
    DataTest("not_null", "fin_revenue_daily", "revenue_date"),
    DataTest("unique", "fin_revenue_daily", "revenue_date"),
    DataTest("not_null", "pa_funnel_daily", "session_date"),
    DataTest("not_null", "fct_marketing_attribution", "channel"),
    DataTest(
        "singular", "fin_invoice_reconciliation", severity="WARN", singular_name="assert_invoices_match_orders",
        singular_sql="-- Invoices whose amount differs from the order by more than a cent.\n"
                     "select invoice_id, order_id, difference\n"
                     "from {{ ref('fin_invoice_reconciliation') }}\n"
                     "where reconciliation_status = 'mismatch'\n",
    ),
)


def tests_for(model: str) -> list[DataTest]:
    return [t for t in TESTS if t.model == model]
