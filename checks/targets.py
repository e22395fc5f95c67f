"""Which warehouse tables a check covers, and the options every warehouse check shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy import Connection

from checks.metadata import TableRef, TableStats, table_columns, table_stats
from checks.warehouse import Warehouse, matches, resolve_warehouse
from observer.errors import TerminalSourceError
from observer.model import AssetKey, Column
from observer.plugins import RunContext


class WarehouseScope(BaseModel):
    """Options shared by checks that read a warehouse."""

    model_config = ConfigDict(extra="forbid")

    assets: str | list[str] = Field(
        "*", description="globs over catalog.schema.table, e.g. 'analytics.raw.*'"
    )
    exclude: list[str] = Field(default_factory=list, description="globs to leave out")
    source: str | None = Field(
        None, description="name of the warehouse source in sources: (default: the only one)"
    )
    url: SecretStr | None = Field(None, description="SQLAlchemy URL instead of a source")
    platform: str | None = Field(None, description="asset platform (default: the source's)")


@dataclass
class Targets:
    """The warehouse, and the tables in scope keyed by asset."""

    warehouse: Warehouse
    tables: dict[AssetKey, TableRef]
    stats: dict[TableRef, TableStats] = field(default_factory=dict)
    columns: dict[TableRef, list[Column]] = field(default_factory=dict)


def open_targets(ctx: RunContext, scope: WarehouseScope, check_name: str) -> Warehouse:
    return resolve_warehouse(
        ctx.settings,
        source=scope.source,
        url=scope.url,
        platform=scope.platform,
        where=f"checks[{check_name}]",
    )


def asset_key(warehouse: Warehouse, table: TableRef) -> AssetKey:
    return AssetKey.of(warehouse.platform, table.qualified, warehouse.dialect)


def discover(
    conn: Connection,
    warehouse: Warehouse,
    scope: WarehouseScope,
    *,
    with_stats: bool = True,
    views: bool = False,
    with_columns: bool = True,
) -> Targets:
    """Read the catalog once and keep the tables (and views, if asked) in scope.

    ``with_columns=False`` skips ``information_schema.columns`` (slow on PostgreSQL with many tables)
    when a check needs only row counts.
    """
    try:
        columns = table_columns(conn, warehouse.dialect) if with_columns or not with_stats else {}
        stats = {s.table: s for s in table_stats(conn, warehouse.dialect)} if with_stats else {}
    except NotImplementedError as exc:
        raise TerminalSourceError(str(exc)) from None
    candidates = set(columns) if views or not with_stats else set(stats)
    tables: dict[AssetKey, TableRef] = {}
    for table in sorted(candidates):
        key = asset_key(warehouse, table)
        if matches(key.name, scope.assets) and not (scope.exclude and matches(key.name, scope.exclude)):
            tables[key] = table
    return Targets(warehouse, tables, stats, columns)
