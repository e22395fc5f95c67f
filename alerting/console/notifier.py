"""Console delivery: prints each message as readable text (``--dry-run``, demos, local setups).

Used two ways: as the ``console`` channel type (rows are printed and marked sent), and by
``observer alerts deliver --dry-run`` to preview queued Slack messages without sending or marking
anything.
"""

from __future__ import annotations

import itertools
import sys
from typing import Any, ClassVar, TextIO

from observer.config import Settings


def _block_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [f"# {block['text']['text']}"]
    if kind == "section":
        out = [block["text"]["text"]] if block.get("text") else []
        out += [f["text"].replace("\n", ": ", 1) for f in block.get("fields", [])]
        return out
    if kind == "context":
        return ["  " + " | ".join(e.get("text", "") for e in block.get("elements", []))]
    if kind == "actions":
        return ["  [" + "] [".join(e["text"]["text"] for e in block.get("elements", [])) + "]"]
    if kind == "divider":
        return ["  ---"]
    return []


def format_payload(destination: str, operation: str, payload: dict[str, Any]) -> str:
    """A message as plain text: where it goes, then its blocks (or its text when it has none)."""
    head = {"post": "post to", "update": "edit in", "reply": "thread reply in"}.get(operation, operation)
    lines = [f"── {head} {destination} " + "─" * max(4, 60 - len(destination))]
    blocks = payload.get("blocks") or []
    if blocks:
        for block in blocks:
            lines += _block_lines(block)
    else:
        lines.append(str(payload.get("text", "")))
    return "\n".join(lines) + "\n"


class ConsoleNotifier:
    name: ClassVar[str] = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._ts = itertools.count(1)

    @classmethod
    def from_settings(cls, settings: Settings) -> ConsoleNotifier:
        return cls()

    def send(self, destination: str, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        stream = self.stream or sys.stdout
        stream.write(format_payload(destination, operation, payload))
        stream.flush()
        if operation == "update":
            return {"channel": payload.get("channel", destination), "ts": payload.get("ts")}
        return {"channel": destination, "ts": f"console.{next(self._ts)}"}
