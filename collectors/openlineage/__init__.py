"""The OpenLineage file collector: RunEvents from JSON Lines files, applied exactly like events
POSTed to the receiver (:func:`observer.store.openlineage.ingest_event`).

Incremental: a watermark per file remembers how many lines were read, so the next run reads only
what was appended (a file that shrank, e.g. rotated, is read again from the top; events already
stored are recognised by their hash and skipped). A bad line is counted and reported with file and
line; the rest are ingested.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from collectors.openlineage.client import event_files, read_lines
from collectors.openlineage.config import OpenLineageConfig
from collectors.openlineage.parse import parse_line
from observer.errors import InputError
from observer.plugins import IngestReport, RunContext
from observer.store.openlineage import ingest_event
from observer.store.watermarks import get_watermark, set_watermark

__all__ = ["OpenLineageCollector", "OpenLineageConfig"]

BATCH = 500


class OpenLineageCollector:
    name: ClassVar[str] = "openlineage"
    config_model: ClassVar[type[OpenLineageConfig]] = OpenLineageConfig

    def __init__(self, config: OpenLineageConfig, source_name: str) -> None:
        self.config = config
        self.source_name = source_name

    def collect(self, ctx: RunContext) -> IngestReport:
        report = IngestReport()
        for path in event_files(self.config.events_file, ctx.settings.base_dir):
            stream = "file:" + hashlib.sha1(str(path).encode()).hexdigest()[:20]
            with ctx.store.read() as conn:
                mark = get_watermark(conn, self.source_name, stream)
            done = int(mark) if mark else 0
            lines = sum(1 for _ in read_lines(path))
            if lines < done:
                done = 0
            pending = list(read_lines(path, done))
            for start in range(0, len(pending), BATCH):
                chunk = pending[start : start + BATCH]
                with ctx.store.transaction() as conn:
                    for number, text in chunk:
                        try:
                            event = parse_line(text, str(path), number)
                            if event is None:
                                continue
                            report.rows_read += 1
                            outcome = ingest_event(conn, event, ctx.now, source=self.source_name)
                        except InputError as exc:
                            where = f"{path}:{number}"
                            report.bad(f"{where} [{exc.field}]: {exc.reason}" if exc.field else f"{where}: {exc.reason}")
                            continue
                        report.rows_written += 0 if outcome.duplicate else 1
                    set_watermark(conn, self.source_name, str(chunk[-1][0]), ctx.now, stream)
                ctx.progress(start + len(chunk), len(pending))
        return report
