"""A PostgreSQL 15 server of our own, logging every statement (csvlog + jsonlog, duration 0) with
pg_stat_statements loaded — the settings the PostgreSQL collector's docs ask users for."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{data}'
shared_preload_libraries = 'pg_stat_statements'
compute_query_id = on
logging_collector = on
log_destination = 'csvlog,jsonlog'
log_directory = 'log'
log_min_duration_statement = 0
fsync = off
synchronous_commit = off
"""


@dataclass(frozen=True)
class LoggingServer:
    port: int
    data: Path

    @property
    def log_dir(self) -> Path:
        return self.data / "log"

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def run(self, sql: str, *, database: str = "shop", user: str = "postgres", params: tuple[object, ...] | None = None) -> None:
        with psycopg.connect(self.url(database, user), autocommit=True) as conn:
            conn.execute(sql, params)  # type: ignore[arg-type]

    def wait_for_log(self, marker: str, timeout: float = 20.0) -> None:
        """The logging collector writes asynchronously: wait until ``marker`` is in a csv log file."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(marker in p.read_text(errors="replace") for p in self.log_dir.glob("*.csv")):
                json_ok = any(marker in p.read_text(errors="replace") for p in self.log_dir.glob("*.json"))
                if json_ok:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{marker!r} never reached the server log")


def _bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL binaries not found (scripts/pg installs Debian's postgresql)")
    return found[-1].parent


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def logging_server() -> Iterator[LoggingServer]:
    bin_dir = _bin()
    root = Path(tempfile.mkdtemp(prefix="observer-pglog-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
                   check=True, capture_output=True)
    port = _free_port()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(SETTINGS.format(port=port, data=data))
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "start"]),
                   check=True, capture_output=True)
    server = LoggingServer(port, data)
    try:
        server.run("CREATE DATABASE shop", database="postgres")
        server.run("CREATE ROLE alice LOGIN; CREATE ROLE dbt_prod LOGIN", database="postgres")
        server.run("CREATE EXTENSION pg_stat_statements; GRANT ALL ON SCHEMA public TO alice, dbt_prod")
        server.run("ALTER DEFAULT PRIVILEGES FOR ROLE dbt_prod IN SCHEMA public GRANT SELECT ON TABLES TO alice")
        yield server
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
