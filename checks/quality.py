"""``quality``: expectations declared per asset, run by Great Expectations inside the warehouse.

Expectations (observer.yaml)::

    - type: quality
      asset: analytics.marts.fct_orders
      expectations:
        - {expect: not_null, column: order_id}
        - {expect: unique, column: order_id}
        - {expect: accepted_values, column: status, values: [paid, refunded]}
        - {expect: between, column: total_price, min: 0, max: 5000}
        - {expect: row_count_between, min: 1000}
        - {expect: custom_sql, name: no negative revenue, sql: "select count(*) from … where net < 0"}

Great Expectations runs on a SQL data source over the warehouse's own SQLAlchemy engine, so every
metric is an aggregate query executed by the warehouse (``COUNT``, ``SUM(CASE …)``, ``MIN/MAX``);
only a handful of example failing values come back, never the table. ``custom_sql`` counts failing
rows: a ``select count(*) … where <bad>`` is rewritten (sqlglot) into ``select * … where <bad>`` so Great
Expectations can count and sample it; any other query's rows are the failing rows.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from checks.metadata import TableRef, table_columns
from checks.targets import asset_key
from checks.warehouse import Warehouse, resolve_warehouse
from observer.errors import ConfigError
from observer.model import CheckResult, CheckStatus, Severity
from observer.plugins import RunContext

log = logging.getLogger(__name__)
SAMPLE = 10
Kind = Literal["not_null", "unique", "accepted_values", "between", "row_count_between", "custom_sql"]


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expect: Kind
    column: str | None = None
    values: list[Any] | None = None
    min: float | None = None
    max: float | None = None
    sql: str | None = None
    name: str | None = None
    severity: Severity = Severity.MEDIUM
    mostly: float = Field(1.0, gt=0, le=1, description="share of rows that must pass")

    @model_validator(mode="after")
    def _complete(self) -> Expectation:
        needs_column = self.expect in ("not_null", "unique", "accepted_values", "between")
        if needs_column and not self.column:
            raise ValueError(f"{self.expect} needs column:")
        if self.expect == "accepted_values" and not self.values:
            raise ValueError("accepted_values needs values:")
        if self.expect in ("between", "row_count_between") and self.min is None and self.max is None:
            raise ValueError(f"{self.expect} needs min: and/or max:")
        if self.expect == "custom_sql" and not self.sql:
            raise ValueError("custom_sql needs sql:")
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return f"{self.expect}({self.column})" if self.column else self.expect


class QualityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asset: str = Field(description="catalog.schema.table of the table to check")
    expectations: list[Expectation] = Field(min_length=1)
    source: str | None = None
    url: SecretStr | None = None
    platform: str | None = None


_BATCH_TOKEN = "observer_batch_table"


def failing_rows_query(sql: str, dialect: str, table: str | None = None) -> str:
    """A query returning the failing rows: ``select count(*) from t where bad`` → ``select * from t where bad``.

    When ``table`` (the checked table's name) is the query's only table, it becomes Great Expectations'
    ``{batch}`` placeholder, so the query reads exactly the batch being validated.
    """
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.ParseError as exc:
        raise ConfigError(f"custom_sql does not parse: {str(exc).splitlines()[0]}") from None
    changed = False
    if isinstance(tree, exp.Select) and len(tree.expressions) == 1 and not tree.args.get("group"):
        only = tree.expressions[0].unalias()
        if isinstance(only, exp.Count):
            tree = tree.copy()
            tree.set("expressions", [exp.Star()])
            changed = True
    tables = list(tree.find_all(exp.Table))
    if table and len(tables) == 1 and tables[0].name.lower() == table.lower():
        tables[0].replace(exp.to_table(_BATCH_TOKEN))
        return tree.sql(dialect=dialect).replace(_BATCH_TOKEN, "{batch}")
    return tree.sql(dialect=dialect) if changed else sql


def _expectation(e: Expectation, dialect: str, table: str) -> Any:
    import great_expectations.expectations as gxe

    if e.expect == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=e.column, mostly=e.mostly)
    if e.expect == "unique":
        return gxe.ExpectColumnValuesToBeUnique(column=e.column, mostly=e.mostly)
    if e.expect == "accepted_values":
        return gxe.ExpectColumnValuesToBeInSet(column=e.column, value_set=e.values, mostly=e.mostly)
    if e.expect == "between":
        return gxe.ExpectColumnValuesToBeBetween(
            column=e.column, min_value=e.min, max_value=e.max, mostly=e.mostly
        )
    if e.expect == "row_count_between":
        return gxe.ExpectTableRowCountToBeBetween(
            min_value=int(e.min) if e.min is not None else None,
            max_value=int(e.max) if e.max is not None else None,
        )
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=failing_rows_query(e.sql or "", dialect, table)
    )


def _observed(result: dict[str, Any], custom: bool) -> dict[str, Any]:
    keep = ("observed_value", "element_count", "unexpected_count", "unexpected_percent", "missing_count")
    out = {k: result[k] for k in keep if k in result and result[k] is not None}
    sample = [v for v in result.get("partial_unexpected_list") or () if v is not None]
    if sample:
        out["failing_examples"] = [
            v if isinstance(v, int | float | str | bool) else str(v) for v in sample[:SAMPLE]
        ]
    if custom and isinstance(result.get("observed_value"), int):
        out["unexpected_count"] = result["observed_value"]
    return out


class QualityCheck:
    name: ClassVar[str] = "quality"
    config_model: ClassVar[type[QualityConfig]] = QualityConfig

    def __init__(self, config: QualityConfig, check_name: str) -> None:
        self.config = config
        self.check_name = check_name

    def run(self, ctx: RunContext) -> list[CheckResult]:
        cfg = self.config
        warehouse = resolve_warehouse(
            ctx.settings,
            source=cfg.source,
            url=cfg.url,
            platform=cfg.platform,
            where=f"checks[{self.check_name}]",
        )
        table, columns = self._locate(warehouse)
        key = asset_key(warehouse, table)
        batch = self._batch(warehouse, table)
        results = []
        for e in cfg.expectations:
            base = {
                "check": f"{self.check_name}:{e.label}",
                "check_type": "quality",
                "asset": key,
                "evaluated_at": ctx.now,
                "run_key": ctx.now.isoformat(),
            }
            expected = e.model_dump(exclude_none=True, exclude={"severity", "name"}, mode="json")
            if e.column and e.column.lower() not in columns:
                results.append(
                    CheckResult(
                        status=CheckStatus.ERROR,
                        severity=Severity.HIGH,
                        expected=expected,
                        message=f"column {e.column!r} is not in {table.qualified}",
                        **base,
                    )
                )
                continue
            try:
                outcome = batch.validate(
                    _expectation(e, warehouse.dialect, table.name),
                    result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE},
                )
            except Exception as exc:  # noqa: BLE001 - a broken expectation is an error result, not a crash
                results.append(
                    CheckResult(
                        status=CheckStatus.ERROR,
                        severity=Severity.HIGH,
                        expected=expected,
                        message=f"could not evaluate: {str(exc).splitlines()[0]}",
                        **base,
                    )
                )
                continue
            results.append(self._result(e, outcome, expected, base))
        return results

    def _locate(self, warehouse: Warehouse) -> tuple[TableRef, set[str]]:
        engine = warehouse.engine()
        try:
            with engine.connect() as conn:
                catalog = table_columns(conn, warehouse.dialect)
        finally:
            engine.dispose()
        wanted = self.config.asset.strip().lower()
        for table, cols in catalog.items():
            name = asset_key(warehouse, table).name
            if name == wanted or name.endswith("." + wanted):
                return table, {c.name.lower() for c in cols}
        raise ConfigError(
            f"table {self.config.asset!r} not found in {warehouse.label}",
            path=f"checks[{self.check_name}].asset",
        )

    def _batch(self, warehouse: Warehouse, table: TableRef) -> Any:
        import great_expectations as gx

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        kwargs = {"connect_args": {"options": "-c timezone=UTC"}} if warehouse.dialect == "postgres" else {}
        source = context.data_sources.add_sql(
            name=f"wh_{self.check_name}", connection_string=warehouse.url, kwargs=kwargs
        )
        schema = None if warehouse.dialect == "sqlite" else table.schema
        data = source.add_table_asset(name=table.name, table_name=table.name, schema_name=schema)
        return data.add_batch_definition_whole_table("all").get_batch()

    def _result(
        self, e: Expectation, outcome: Any, expected: dict[str, Any], base: dict[str, Any]
    ) -> CheckResult:
        info = outcome.exception_info or {}
        raised = [
            v
            for v in (info.values() if isinstance(info, dict) else [])
            if isinstance(v, dict) and v.get("raised_exception")
        ]
        if info.get("raised_exception") or raised:
            message = info.get("exception_message") or (
                raised[0].get("exception_message") if raised else "failed to run"
            )
            return CheckResult(
                status=CheckStatus.ERROR,
                severity=Severity.HIGH,
                expected=expected,
                message=f"could not evaluate: {message}",
                **base,
            )
        observed = _observed(dict(outcome.result or {}), custom=e.expect == "custom_sql")
        if outcome.success:
            return CheckResult(
                status=CheckStatus.PASS,
                severity=Severity.LOW,
                observed=observed,
                expected=expected,
                message=f"{e.label}: passed",
                **base,
            )
        if "unexpected_count" in observed:
            detail = f"{observed['unexpected_count']:,} failing rows"
            if "element_count" in observed:
                detail += f" of {observed['element_count']:,}"
        else:
            detail = f"observed {observed.get('observed_value')}"
        return CheckResult(
            status=CheckStatus.FAIL,
            severity=e.severity,
            observed=observed,
            expected=expected,
            message=f"{e.label}: {detail}",
            **base,
        )
