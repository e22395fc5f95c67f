"""Byte-stable file writers: the same content always gives the same bytes.

JSON is written with sorted keys and a fixed layout; gzip members carry no file name and mtime 0,
so two generations of the demo can be compared byte for byte.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def write_json(path: Path, payload: Any, *, indent: int | None = 2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=indent, sort_keys=True, ensure_ascii=False,
                      separators=(",", ": ") if indent else (",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n")
    return path


def write_gzip_lines(path: Path, lines: Iterable[str], *, level: int = 6) -> Path:
    """Gzip text lines with a fixed header (no name, mtime 0) so output is reproducible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                               compresslevel=level) as gz:
        buffer: list[str] = []
        size = 0
        for line in lines:
            buffer.append(line)
            size += len(line)
            if size > 1 << 20:
                gz.write("".join(buffer).encode("utf-8"))
                buffer, size = [], 0
        gz.write("".join(buffer).encode("utf-8"))
    return path


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
