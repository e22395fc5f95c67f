"""BigQuery I/O: ``INFORMATION_SCHEMA.JOBS`` through google-cloud-bigquery (JOBS exports are read
with :mod:`observer.exports`).

The SQL is BigQuery's own; it runs through a *runner* — ``runner(sql, params) -> batches`` — which
is the client library in production and, in tests, DuckDB executing the same statement transpiled
by sqlglot over a table laid out like the view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from collectors.bigquery.config import BigQueryConfig
from observer.dbapi import classify
from observer.errors import ConfigError

Batch = tuple[list[str], list[tuple[Any, ...]]]
Runner = Callable[[str, dict[str, Any]], Iterator[Batch]]

JOBS_SQL = """
SELECT job_id, project_id, user_email, creation_time, start_time, end_time, job_type, statement_type, state,
       query, total_bytes_processed, total_bytes_billed, total_slot_ms, cache_hit, reservation_id,
       labels, referenced_tables, destination_table, error_result, parent_job_id
FROM {table}
WHERE creation_time >= @since AND creation_time < @until
  AND job_type = 'QUERY' AND state = 'DONE' AND (statement_type IS NULL OR statement_type != 'SCRIPT')
ORDER BY creation_time, job_id
"""


TABLES_SQL = """
SELECT t.table_catalog, t.table_schema, t.table_name, t.table_type, s.total_rows, s.total_logical_bytes,
       o.option_value AS description
FROM {tables} t
LEFT JOIN {storage} s ON s.project_id = t.table_catalog AND s.table_schema = t.table_schema AND s.table_name = t.table_name
LEFT JOIN {options} o ON o.table_catalog = t.table_catalog AND o.table_schema = t.table_schema
  AND o.table_name = t.table_name AND o.option_name = 'description'
ORDER BY t.table_schema, t.table_name
"""

COLUMNS_SQL = """
SELECT table_catalog, table_schema, table_name, column_name, ordinal_position, data_type
FROM {columns}
ORDER BY table_schema, table_name, ordinal_position
"""


def view(config: BigQueryConfig, name: str) -> str:
    """A region-qualified INFORMATION_SCHEMA view of the configured project."""
    assert config.project is not None
    return f"`{config.project}`.`region-{config.region}`.INFORMATION_SCHEMA.{name}"


def jobs_table(config: BigQueryConfig) -> str:
    return view(config, "JOBS")


def library_runner(config: BigQueryConfig) -> Runner:
    """Run statements with google-cloud-bigquery (``pip install 'observer[bigquery]'``)."""
    try:
        from google.cloud import bigquery
    except ImportError:
        raise ConfigError("the bigquery source needs google-cloud-bigquery: pip install 'observer[bigquery]'") from None
    if config.credentials_file is not None:
        client = bigquery.Client.from_service_account_json(str(config.credentials_file), project=config.project)
    else:
        client = bigquery.Client(project=config.project)

    def run(sql: str, params: dict[str, Any]) -> Iterator[Batch]:
        job_config = bigquery.QueryJobConfig(
            query_parameters=[bigquery.ScalarQueryParameter(k, "TIMESTAMP", v) for k, v in params.items()],
            labels={"app": "observer"},
        )
        try:
            result = client.query(sql, job_config=job_config).result(page_size=config.batch_size)
            columns = [field.name.upper() for field in result.schema]
            for page in result.pages:
                yield columns, [tuple(row.values()) for row in page]
        except Exception as exc:  # noqa: BLE001 - google.api_core's error tree
            raise classify(exc, "reading INFORMATION_SCHEMA.JOBS") from None

    return run


class BigQueryClient:
    def __init__(self, config: BigQueryConfig, runner: Runner | None = None) -> None:
        self.config = config
        self._runner = runner

    @property
    def runner(self) -> Runner:
        if self._runner is None:
            self._runner = library_runner(self.config)
        return self._runner

    def jobs(self, since: datetime, until: datetime) -> Iterator[Batch]:
        """Finished query jobs created in ``[since, until)``, oldest first."""
        return self.runner(JOBS_SQL.format(table=jobs_table(self.config)), {"since": since, "until": until})

    def tables(self) -> Iterator[Batch]:
        """Tables and views of every dataset in the region, with row counts, sizes and descriptions."""
        c = self.config
        sql = TABLES_SQL.format(tables=view(c, "TABLES"), storage=view(c, "TABLE_STORAGE"), options=view(c, "TABLE_OPTIONS"))
        return self.runner(sql, {})

    def columns(self) -> Iterator[Batch]:
        return self.runner(COLUMNS_SQL.format(columns=view(self.config, "COLUMNS")), {})
