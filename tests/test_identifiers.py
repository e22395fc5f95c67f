from __future__ import annotations

import pytest

from observer.identifiers import normalize_qualified_name
from observer.model import AssetKey


@pytest.mark.parametrize(
    ("name", "dialect", "expected"),
    [
        ("ANALYTICS.MARTS.ORDERS", "snowflake", "analytics.marts.orders"),
        ('"ANALYTICS"."MARTS"."ORDERS"', "snowflake", "analytics.marts.orders"),
        ('analytics.marts."Orders"', "snowflake", 'analytics.marts."Orders"'),
        ('"orders"', "snowflake", '"orders"'),  # quoted lower-case is a different Snowflake object
        ('"orders"', "postgres", "orders"),
        ('"Orders"', "postgres", '"Orders"'),
        ("`my-proj`.sales.orders", "bigquery", '"my-proj".sales.orders'),
        ("[dbo].[Orders]", "tsql", "dbo.orders"),
        ('main."Orders"', "duckdb", "main.orders"),
        ("Main.Orders", None, "main.orders"),
    ],
)
def test_normalize(name: str, dialect: str | None, expected: str) -> None:
    assert normalize_qualified_name(name, dialect) == expected


def test_same_asset_from_history_and_dbt() -> None:
    assert AssetKey.of("snowflake", "ANALYTICS.MARTS.ORDERS") == AssetKey.of("snowflake", "analytics.marts.orders")
    assert str(AssetKey.parse("snowflake://ANALYTICS.MARTS.ORDERS")) == "snowflake://analytics.marts.orders"


def test_bad_key() -> None:
    with pytest.raises(ValueError, match="platform://name"):
        AssetKey.parse("analytics.marts.orders")
