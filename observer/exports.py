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
import functools
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
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
        return _csv_records(self._csv, len(self.header.names), picks, 0)

    def _json_rows(self, names: list[str]) -> Iterator[tuple[int, list[Any]] | BadLine]:
        assert self._first is not None
        yield self._first_line, [self._first.get(n) for n in names]
        yield from _json_records(self._fh, names, self._first_line + 1)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> ExportReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _csv_records(reader: Any, width: int, picks: list[int], offset: int) -> Iterator[tuple[int, list[Any]] | BadLine]:
    """Rows of a ``csv.reader`` whose first line is line ``offset + 1`` of the file (plus what the
    reader has consumed already)."""
    line = offset + reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadLine(line, f"unreadable CSV: {exc}")
            line = offset + reader.line_num + 1
            continue
        if values and len(values) != width:
            yield BadLine(line, f"expected {width} fields, found {len(values)}")
        elif values:
            yield line, [values[i] for i in picks]
        line = offset + reader.line_num + 1


def _json_records(lines: Iterable[str], names: list[str], first: int) -> Iterator[tuple[int, list[Any]] | BadLine]:
    for number, text in enumerate(lines, start=first):
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


# ── whole records in byte chunks, for parsing in other processes ──────────────────────────────────────


@dataclass(frozen=True)
class Chunk:
    """Consecutive whole records of an export file, as the file's bytes, with what is needed to turn
    them into rows anywhere (:func:`chunk_rows`) — e.g. in a worker process, while the reading process
    goes on with the next chunk."""

    label: str
    """The file's name, for messages."""
    json: bool
    width: int
    """CSV: the header's number of fields."""
    picks: tuple[int, ...]
    """CSV: the positions of the wanted columns in the header."""
    names: tuple[str, ...]
    """The wanted columns (upper-cased)."""
    first_line: int
    """The file line the chunk starts on."""
    data: bytes


def read_chunks(path: Path, required: Sequence[str], optional: Sequence[str] = (), size: int = 4 << 20) -> tuple[tuple[str, ...], Iterator[Chunk]]:
    """The columns rows will hold (as :meth:`ExportReader.columns`; a wrong header raises at once) and
    the file's records in chunks of about ``size`` bytes, each ending where a record ends.

    A CSV record ends at a newline outside double quotes — query texts hold newlines, quoted — which
    an even count of quote characters before it tells (an escaped quote is two). The bytes are not
    decoded here; each chunk is decoded where it is parsed, so the reading process only decompresses,
    counts and cuts. :func:`chunk_rows` turns a chunk into exactly the rows and bad lines
    :meth:`ExportReader.rows` gives for the same records.
    """
    with ExportReader(path) as reader:
        columns = reader.columns(required, optional)
        header = reader.header
    jsonl = is_jsonl(path)
    positions = {n: i for i, n in enumerate(header.names)}
    picks = () if jsonl else tuple(positions[c.upper()] for c in columns)
    names = tuple(c.upper() for c in columns)
    return columns, _chunks(path, header.file, jsonl, len(header.names), picks, names, size)


def _chunks(path: Path, label: str, jsonl: bool, width: int, picks: tuple[int, ...], names: tuple[str, ...], size: int) -> Iterator[Chunk]:
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    with gzip.open(path, "rb") if gzipped else path.open("rb") as raw:
        buf = b""
        line = 1
        scanned = quotes = 0  # bytes of buf searched for a record end, and the quotes among them
        header_done = jsonl
        while True:
            block = raw.read(size)
            if block:
                buf += block
            if not header_done:
                end = _first_record_end(buf)
                if end < 0 and block:
                    continue
                end = len(buf) if end < 0 else end
                line += buf.count(b"\n", 0, end)
                buf, header_done = buf[end:], True
                scanned = quotes = 0
            if not block:
                if buf:
                    yield Chunk(label, jsonl, width, picks, names, line, buf)
                return
            cut = buf.rfind(b"\n") + 1 if jsonl else _last_record_end(buf, scanned, quotes)
            if cut <= 0:
                if not jsonl:
                    quotes += buf.count(b'"', scanned)
                    scanned = len(buf)
                continue
            data, buf = buf[:cut], buf[cut:]
            scanned = quotes = 0
            yield Chunk(label, jsonl, width, picks, names, line, data)
            line += data.count(b"\n")


def _first_record_end(buf: bytes) -> int:
    """The position after the first newline outside quotes (-1: none yet)."""
    p = buf.find(b"\n")
    while p >= 0:
        if buf.count(b'"', 0, p) % 2 == 0:
            return p + 1
        p = buf.find(b"\n", p + 1)
    return -1


def _last_record_end(buf: bytes, scanned: int, quotes: int) -> int:
    """The position after the last newline outside quotes at or beyond ``scanned`` (-1: none), given
    the count of quotes in ``buf[:scanned]``; buf starts at a record start. Linear: quotes are
    counted once, backwards from the end between newlines."""
    total = quotes + buf.count(b'"', scanned)
    after = 0  # quotes from the newline under test to the end
    p, stop = buf.rfind(b"\n", scanned), len(buf)
    while p >= 0:
        after += buf.count(b'"', p, stop)
        if (total - after) % 2 == 0:
            return p + 1
        stop = p
        p = buf.rfind(b"\n", scanned, p)
    return -1


def chunk_rows(chunk: Chunk) -> Iterator[tuple[int, list[Any]] | BadLine]:
    """``(line, values)`` and :class:`BadLine` for a chunk's records (see :func:`read_chunks`)."""
    text = chunk.data.decode("utf-8", errors="replace")
    if chunk.json:
        return _json_records(io.StringIO(text), list(chunk.names), chunk.first_line)
    return _csv_records(csv.reader(io.StringIO(text, newline="")), chunk.width, list(chunk.picks), chunk.first_line - 1)


def make_records(
    label: str, items: Iterable[tuple[int, list[Any]] | BadLine], make: Callable[[list[Any]], T], report: IngestReport
) -> list[T]:
    """Records made from ``items`` (rows and bad lines of file ``label``), bad ones counted in ``report``
    with their line and field, as :func:`read_batches` does."""
    return list(_records(label, items, make, report))


def _with_layout(make: Callable[[list[Any], Layout], T], layout: Layout, values: list[Any]) -> T:
    return make(values, layout)


def _records(
    label: str, items: Iterable[tuple[int, list[Any]] | BadLine], make: Callable[[list[Any]], T], report: IngestReport
) -> Iterator[T]:
    for item in items:
        report.rows_read += 1
        if isinstance(item, BadLine):
            report.bad(f"{label}:{item.line}: {item.message}")
            continue
        line, values = item
        try:
            yield make(values)
        except FieldError as exc:
            report.bad(f"{label}:{line} [{exc.field}]: {exc.message}")


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
            for record in _records(reader.label, reader.rows(columns), functools.partial(_with_layout, make, layout), report):
                batch.append(record)
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
            if batch:
                yield batch
