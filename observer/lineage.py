"""Observer's public lineage API: what a SQL text reads and writes, table by table and column by column.

A stable contract to script against::

    from observer.lineage import extract_lineage
    r = extract_lineage(sql, dialect=None, schema=None)  # dialect: sqlglot names; None = generic
    r.sources         # tables read, lower-cased, qualified as written ("db.schema.t", "schema.t", "t")
    r.targets         # tables written
    r.column_lineage  # {("src_table.col", "tgt_table.col"), ...}
    r.statement_types # ("CREATE TABLE AS", "INSERT", ...), one per statement
    r.error           # None, or why (part of) the text could not be read
    r.warnings        # e.g. ambiguous unqualified columns

``schema`` (optional) maps table → column names (``{"raw.orders": ["id", "amount"]}`` or nested
``{"raw": {"orders": {"id": "int"}}}``) and is used to expand ``*`` and resolve unqualified columns.
Multi-statement scripts are one result; temp tables are read through and appear in neither set.
See ``docs/lineage.md`` for what is supported.
"""

from __future__ import annotations

from observer.sql.lineage import LineageResult, extract_lineage, normalize_dialect
from observer.sql.names import qualify_name
from observer.sql.parse import Limits

__all__ = ["LineageResult", "Limits", "extract_lineage", "normalize_dialect", "qualify_name"]
