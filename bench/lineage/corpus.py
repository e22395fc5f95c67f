"""The labelled lineage corpus: loading and scoring. Standard library only.

This module is imported both by Observer's benchmark and by the peers' runner, which runs in the
peers' own virtualenv where Observer is not installed — so it must not import ``observer``.

Corpus files (``corpus/*.sql``) hold cases, each introduced by header comments::

    -- title: insert with column list          (starts a case)
    -- dialect: snowflake                       (optional; else the file's first dialect line)
    -- sources: raw.orders, raw.customers
    -- targets: marts.orders
    -- columns: raw.orders.id -> marts.orders.order_id, raw.customers.name -> marts.orders.name
    -- schema: {"raw.orders": ["id", "amount"]}  (optional, JSON: table -> columns)
    INSERT INTO marts.orders (order_id, name) SELECT ...;

``columns`` may repeat; an absent ``columns`` line means "no column pairs". Names are compared
lower-cased. The SQL is everything up to the next ``-- title:`` line (header lines removed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).with_name("corpus")
_HEADER = re.compile(r"^--\s*(title|dialect|sources|targets|columns|schema)\s*:(.*)$", re.I)


@dataclass
class Case:
    file: str
    line: int
    title: str
    dialect: str | None
    sql: str
    sources: frozenset[str]
    targets: frozenset[str]
    columns: frozenset[tuple[str, str]]
    schema: dict[str, list[str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line} {self.title}"


def _names(text: str) -> frozenset[str]:
    return frozenset(n.strip().lower() for n in text.split(",") if n.strip())


def _pairs(text: str, where: str) -> set[tuple[str, str]]:
    out = set()
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        if "->" not in item:
            raise ValueError(f"{where}: column pair {item!r} lacks '->'")
        src, tgt = (p.strip().lower() for p in item.split("->", 1))
        out.add((src, tgt))
    return out


def load_file(path: Path) -> list[Case]:
    """Parse one corpus file into cases; raises ValueError naming file and line on bad headers."""
    cases: list[Case] = []
    default_dialect: str | None = None
    current: dict | None = None

    def close() -> None:
        if current is None:
            return
        sql = "\n".join(current["sql"]).strip()
        where = f"{path.name}:{current['line']}"
        if not sql:
            raise ValueError(f"{where}: case {current['title']!r} has no SQL")
        if "sources" not in current["h"]:
            raise ValueError(f"{where}: case {current['title']!r} lacks a sources line")
        dialect = current["h"].get("dialect", default_dialect) or None
        schema = json.loads(current["h"]["schema"]) if current["h"].get("schema") else None
        cases.append(
            Case(
                file=path.name,
                line=current["line"],
                title=current["title"],
                dialect=None if dialect in (None, "", "generic") else dialect,
                sql=sql,
                sources=_names(current["h"].get("sources", "")),
                targets=_names(current["h"].get("targets", "")),
                columns=frozenset(_pairs(current["h"].get("columns", ""), where)),
                schema=schema,
                headers=dict(current["h"]),
            )
        )

    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        m = _HEADER.match(raw.strip())
        if m:
            key, value = m.group(1).lower(), m.group(2).strip()
            if key == "title":
                close()
                current = {"title": value, "line": lineno, "h": {}, "sql": []}
            elif current is None:
                if key == "dialect":
                    default_dialect = value
            elif key == "columns":
                prev = current["h"].get("columns", "")
                current["h"]["columns"] = f"{prev}, {value}" if prev else value
            else:
                current["h"][key] = value
            continue
        if current is not None:
            current["sql"].append(raw)
    close()
    return cases


def load_corpus(directory: Path = CORPUS_DIR) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.sql")):
        cases.extend(load_file(path))
    return cases


@dataclass
class Score:
    """Accuracy of one tool over the corpus."""

    cases: int = 0
    table_ok: int = 0
    column_cases: int = 0
    column_ok: int = 0
    pair_tp: int = 0
    pair_fp: int = 0
    pair_fn: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, case: Case, sources: set[str], targets: set[str], columns: set[tuple[str, str]]) -> None:
        sources = {s.lower() for s in sources}
        targets = {t.lower() for t in targets}
        columns = {(a.lower(), b.lower()) for a, b in columns}
        self.cases += 1
        table_ok = set(sources) == set(case.sources) and set(targets) == set(case.targets)
        self.table_ok += table_ok
        col_ok = True
        if case.columns:
            self.column_cases += 1
            col_ok = set(columns) == set(case.columns)
            self.column_ok += col_ok
            self.pair_tp += len(set(columns) & case.columns)
            self.pair_fp += len(set(columns) - case.columns)
            self.pair_fn += len(case.columns - set(columns))
        if not table_ok or not col_ok:
            self.failures.append(case.id)

    @property
    def table_accuracy(self) -> float:
        return self.table_ok / self.cases if self.cases else 0.0

    @property
    def column_accuracy(self) -> float:
        return self.column_ok / self.column_cases if self.column_cases else 0.0

    @property
    def pair_f1(self) -> float:
        p = self.pair_tp / (self.pair_tp + self.pair_fp) if self.pair_tp + self.pair_fp else 0.0
        r = self.pair_tp / (self.pair_tp + self.pair_fn) if self.pair_tp + self.pair_fn else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {
            "cases": self.cases,
            "table_accuracy": self.table_accuracy,
            "column_cases": self.column_cases,
            "column_accuracy": self.column_accuracy,
            "pair_f1": self.pair_f1,
            "failures": self.failures,
        }
