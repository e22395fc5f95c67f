"""Export files read in byte chunks (for parsing in worker processes) give exactly the rows, bad lines
and line numbers the sequential reader gives — whatever the chunk size and wherever quotes, newlines
and broken records fall."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from observer.errors import InputError
from observer.exports import BadLine, ExportReader, chunk_rows, read_chunks

REQUIRED = ("QUERY_ID", "QUERY_TEXT")
OPTIONAL = ("USER_NAME", "ABSENT")


def _sequential(path: Path) -> list[object]:
    with ExportReader(path) as reader:
        return list(reader.rows(reader.columns(REQUIRED, OPTIONAL)))


def _chunked(path: Path, size: int) -> list[object]:
    columns, chunks = read_chunks(path, REQUIRED, OPTIONAL, size=size)
    with ExportReader(path) as reader:
        assert columns == reader.columns(REQUIRED, OPTIONAL)
    return [row for chunk in chunks for row in chunk_rows(chunk)]


def _csv_text(rng: random.Random, rows: int, newline: str) -> str:
    lines = ["\ufeffquery_id,Query_Text,USER_NAME,EXTRA"]
    for i in range(rows):
        kind = rng.random()
        text = rng.choice([
            "select 1",
            '"select ""quoted""\nfrom t\nwhere a = \'x,y\'"',
            '"-- comment with ""quotes"" and, commas\n\ninsert into t values (1)\n"',
            '"' + "\n" * rng.randint(1, 5) + '"',
        ])
        if kind < 0.05:
            lines.append(f"q{i},{text}")  # too few fields
        elif kind < 0.08:
            lines.append("")  # blank line
        else:
            lines.append(f"q{i},{text},user{i % 7},{'é' * rng.randint(0, 3)}")
    return newline.join(lines) + (newline if rng.random() < 0.5 else "")


@pytest.mark.parametrize("seed", range(6))
def test_csv_chunks_match_the_sequential_reader(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / ("qh.csv.gz" if seed % 2 else "qh.csv")
    text = _csv_text(rng, 300, "\r\n" if seed % 3 == 0 else "\n")
    data = text.encode()
    path.write_bytes(gzip.compress(data) if seed % 2 else data)
    expected = _sequential(path)
    assert any(isinstance(r, BadLine) for r in expected) and len(expected) > 250
    for size in (1, 7, 64, 1000, 1 << 20):
        assert _chunked(path, size) == expected, size


def test_an_unclosed_quote_reads_as_the_sequential_reader_does(tmp_path: Path) -> None:
    path = tmp_path / "qh.csv"
    path.write_text('QUERY_ID,QUERY_TEXT\nq1,select 1\nq2,"select\nq3,select 3\nq4,select 4\n')
    assert _chunked(path, 5) == _sequential(path)


def test_json_lines_chunks_match(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_text(
        '{"query_id": "a", "query_text": "select\\n1"}\n\n{"QUERY_ID": "b"}\nnot json\n[1]\n{"query_id": "c", "user_name": "x"}'
    )
    expected = _sequential(path)
    assert [r.line if isinstance(r, BadLine) else r[0] for r in expected] == [1, 3, 4, 5, 6]  # type: ignore[union-attr,index]
    for size in (1, 10, 1 << 20):
        assert _chunked(path, size) == expected


def test_a_wrong_header_fails_before_any_chunk(tmp_path: Path) -> None:
    path = tmp_path / "qh.csv"
    path.write_text("QUERY_ID,TEXT\nq1,select 1\n")
    with pytest.raises(InputError, match="QUERY_TEXT"):
        read_chunks(path, REQUIRED)


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "qh.csv"
    path.write_text('QUERY_ID,QUERY_TEXT,"NOTE\nX"\n')
    assert _chunked(path, 3) == []
    path.write_text('QUERY_ID,QUERY_TEXT,"NOTE\nX"\nq1,"a\nb",c\n')
    assert _chunked(path, 3) == _sequential(path) == [(3, ["q1", "a\nb"])]


def test_worker_processes_read_what_the_ingesting_process_reads() -> None:
    # Each export collector's row maker goes to the workers pickled (RowMaker in a partial); the
    # records, their analysis and the bad-row report must not depend on where the rows were read.
    import functools

    from collectors.bigquery.parse import OPTIONAL as BQ_OPTIONAL
    from collectors.bigquery.parse import REQUIRED as BQ_REQUIRED
    from collectors.bigquery.parse import job_record
    from observer.history_analysis import HistoryAnalyzer, RowMaker
    from observer.plugins import IngestReport

    jobs = Path(__file__).parent / "collectors" / "bigquery" / "fixtures" / "jobs.jsonl"
    factory = functools.partial(RowMaker, job_record, source="bq", platform="bigquery")
    results = []
    for workers in (0, 2):
        report = IngestReport()
        with HistoryAnalyzer(None, "bigquery", workers=workers) as analyzer:  # type: ignore[arg-type]
            batches = list(analyzer.read([jobs], BQ_REQUIRED, BQ_OPTIONAL, factory, report, batch_size=3))
        results.append((batches, report.rows_read, report.rows_bad, report.errors))
    assert results[0] == results[1]
    batches = results[0][0]
    assert sum(len(records) for records, _ in batches) > 3 and all(len(r) == len(t) for r, t in batches)
