"""Reading event files: the only I/O of the OpenLineage collector."""

from __future__ import annotations

import glob
import gzip
from collections.abc import Iterator
from pathlib import Path

from observer.errors import InputError


def event_files(patterns: list[str], base_dir: Path) -> list[Path]:
    """Every file the patterns name, in a stable order; a named file that is missing is an error."""
    out: list[Path] = []
    for pattern in patterns:
        full = pattern if Path(pattern).expanduser().is_absolute() else str(base_dir / pattern)
        full = str(Path(full).expanduser())
        if glob.has_magic(full):
            out.extend(Path(p) for p in sorted(glob.glob(full)))
        elif Path(full).exists():
            out.append(Path(full))
        else:
            raise InputError("file not found", file=full)
    return out


def read_lines(path: Path, skip: int = 0) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of each line after the first ``skip`` lines (gzip read transparently)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if number > skip:
                yield number, line
