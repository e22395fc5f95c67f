"""Reading vendor export files: CSV with a header row, or JSON Lines; gzip accepted.

Warehouses export their history views with their own column names — Snowflake's
``COPY INTO … HEADER = TRUE`` writes ``QUERY_ID,QUERY_TEXT,…``, BigQuery and Databricks exports are
JSON Lines with the schema's field names. This module turns such a file into a header and rows of
values in that header's order, each with the line it started on, so a bad row can be reported as
``query_history.csv.gz:1234`` and a wrong header can name the missing columns. Column names are
matched case-insensitively (an export through another tool may lower-case them).

The format is chosen by the file name (``.jsonl``/``.ndjson``/``.json`` → JSON Lines, else CSV)
and gzip by the file's magic bytes, so a misnamed ``.csv`` that is really gzipped still reads.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar

from observer.errors import InputError
from observer.fields import FieldError, Layout
from observer.plugins import IngestReport

T = TypeVar("T")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # query texts run to 100K+ characters

JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class Header:
    """Column names of an export, upper-cased, with their positions."""

    file: str
    names: tuple[str, ...]

    def index(self, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, int]:
        """Positions of ``required`` and present ``optional`` columns; a missing required column is
        an :class:`InputError` naming every missing one (and what was found instead)."""
        positions = {n: i for i, n in enumerate(self.names)}
        missing = [c for c in required if c.upper() not in positions]
        if missing:
            found = ", ".join(self.names[:12]) + (", …" if len(self.names) > 12 else "")
            raise InputError(
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (found: {found or 'nothing'})",
                file=self.file,
                line=1,
            )
        wanted = list(required) + [c for c in optional if c.upper() in positions]
        return {c.upper(): positions[c.upper()] for c in wanted}


@dataclass(frozen=True)
class BadLine:
    """A line that is not a row at all (broken JSON); reported, then skipped."""

    line: int
    message: str


def _open_text(path: Path) -> TextIO:
    with path.open("rb") as probe:
        magic = probe.read(2)
    raw = gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")  # type: ignore[arg-type]


def is_jsonl(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return name.endswith(JSON_SUFFIXES)


class ExportReader:
    """Iterate an export file's rows as ``(line, values)`` after reading its header.

    CSV: the first row is the header; ``\\N`` and empty fields are NULL. JSON Lines: each line is an
    object; the header is the keys of the first object (later objects are read by name, so key order
    and missing keys do not matter). Nested JSON values (structs, arrays) are kept as Python values.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.label = self.path.name
        if not self.path.exists():
            raise InputError("file not found", file=str(self.path))
        self._fh = _open_text(self.path)
        self._json = is_jsonl(self.path)
        self._first: dict[str, Any] | None = None
        self._first_line = 0
        self.header = self._read_header()

    def _read_header(self) -> Header:
        if not self._json:
            reader = csv.reader(self._fh)
            try:
                names = next(reader)
            except StopIteration:
                raise InputError("empty file (no header row)", file=self.label, line=1) from None
            except csv.Error as exc:
                raise InputError(f"not a CSV header: {exc}", file=self.label, line=1) from None
            self._csv = reader
            return Header(self.label, tuple(n.strip().strip("\ufeff").upper() for n in names))
        for number, line in enumerate(self._fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"not JSON Lines: {exc.msg}", file=self.label, line=number) from None
            if not isinstance(obj, dict):
                raise InputError("not JSON Lines: expected one object per line", file=self.label, line=number)
            self._first, self._first_line = {k.upper(): v for k, v in obj.items()}, number
            return Header(self.label, tuple(self._first))
        raise InputError("empty file (no rows)", file=self.label, line=1)

    def columns(self, required: Sequence[str], optional: Sequence[str] = ()) -> tuple[str, ...]:
        """The columns :meth:`rows` will return, after checking ``required`` are all in the header.

        CSV: the required ones plus the optional ones present. JSON Lines: every requested column
        (objects may omit null fields, so an optional key absent from the first line is still read).
        """
        present = self.header.index(required, optional)
        if self._json:
            return tuple(c.upper() for c in (*required, *optional))
        return tuple(present)

    def rows(self, columns: Sequence[str]) -> Iterator[tuple[int, list[Any]] | BadLine]:
        """``(line, values)`` with values in ``columns`` order; :class:`BadLine` for unreadable lines."""
        if not self._json:
            positions = {n: i for i, n in enumerate(self.header.names)}
            yield from self._csv_rows([positions[c.upper()] for c in columns])
        else:
            yield from self._json_rows([c.upper() for c in columns])

    def _csv_rows(self, picks: list[int]) -> Iterator[tuple[int, list[Any]] | BadLine]:
        reader = self._csv
        width = len(self.header.names)
        line = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield BadLine(line, f"unreadable CSV: {exc}")
                line = reader.line_num + 1
                continue
            if values and len(values) != width:
                yield BadLine(line, f"expected {width} fields, found {len(values)}")
            elif values:
                yield line, [values[i] for i in picks]
            line = reader.line_num + 1

    def _json_rows(self, names: list[str]) -> Iterator[tuple[int, list[Any]] | BadLine]:
        assert self._first is not None
        yield self._first_line, [self._first.get(n) for n in names]
        for number, text in enumerate(self._fh, start=self._first_line + 1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield BadLine(number, f"not JSON: {exc.msg}")
                continue
            if not isinstance(obj, dict):
                yield BadLine(number, "expected a JSON object")
                continue
            upper = {k.upper(): v for k, v in obj.items()}
            yield number, [upper.get(n) for n in names]

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> ExportReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def expand_paths(patterns: Sequence[str | Path], base_dir: Path) -> list[Path]:
    """Files named by ``patterns`` (globs allowed, relative to ``base_dir``), in name order.

    A pattern matching no file is an :class:`InputError` naming it.
    """
    out: list[Path] = []
    for pattern in patterns:
        p = Path(pattern).expanduser()
        p = p if p.is_absolute() else base_dir / p
        if any(ch in str(pattern) for ch in "*?["):
            matches = sorted(p.parent.glob(p.name))
            if not matches:
                raise InputError(f"no file matches {pattern}", file=str(pattern))
            out.extend(matches)
        else:
            if not p.exists():
                raise InputError("file not found", file=str(p))
            out.append(p)
    return out


def read_batches(
    paths: Sequence[Path],
    required: Sequence[str],
    optional: Sequence[str],
    make: Callable[[list[Any], Layout], T],
    report: IngestReport,
    batch_size: int = 20_000,
) -> Iterator[list[T]]:
    """Records made from every row of ``paths``, in batches.

    ``make(values, layout)`` builds one record and raises :class:`~observer.fields.FieldError` for a
    bad value; such rows (and unreadable lines) are counted in ``report`` as ``file:line [FIELD]:
    message`` and skipped. A file whose header lacks a required column raises :class:`InputError`.
    """
    for path in paths:
        with ExportReader(path) as reader:
            columns = reader.columns(required, optional)
            layout = Layout.of(columns)
            batch: list[T] = []
            for item in reader.rows(columns):
                if isinstance(item, BadLine):
                    report.rows_read += 1
                    report.bad(f"{reader.label}:{item.line}: {item.message}")
                    continue
                line, values = item
                report.rows_read += 1
                try:
                    batch.append(make(values, layout))
                except FieldError as exc:
                    report.bad(f"{reader.label}:{line} [{exc.field}]: {exc.message}")
                    continue
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
            if batch:
                yield batch
