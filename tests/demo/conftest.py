"""One generated demo company shared by the demo tests (generation takes a few seconds)."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from observer.demo import DemoManifest, generate_demo

AS_OF = datetime(2025, 11, 22, 6, 0, tzinfo=UTC)  # a Saturday


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate_demo(tmp_path_factory.mktemp("larkspur"), AS_OF)


def read_export(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Read a Snowflake CSV export (gzip, header row) with the standard library's csv reader."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(io.StringIO(handle.read()))
        header = next(reader)
        return header, [dict(zip(header, row, strict=True)) for row in reader]


@pytest.fixture(scope="session")
def query_history(demo: DemoManifest) -> tuple[list[str], list[dict[str, str]]]:
    return read_export(demo.path("snowflake/query_history.csv.gz"))


@pytest.fixture(scope="session")
def metering(demo: DemoManifest) -> tuple[list[str], list[dict[str, str]]]:
    return read_export(demo.path("snowflake/warehouse_metering_history.csv.gz"))
