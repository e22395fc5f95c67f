"""Lines of a JSON Lines file → OpenLineage events (pure); validation of each event is
:func:`observer.openlineage.parse_run_event`'s job."""

from __future__ import annotations

import json
from typing import Any

from observer.errors import InputError


def parse_line(text: str, file: str, line: int) -> dict[str, Any] | None:
    """The event on one line, ``None`` for a blank line; a broken line raises naming file and line."""
    stripped = text.strip()
    if not stripped:
        return None
    try:
        event = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg}, column {exc.colno})", file=file, line=line) from None
    if not isinstance(event, dict):
        raise InputError("expected one JSON object per line", file=file, line=line)
    return event
