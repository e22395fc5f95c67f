"""Configuration of a ``type: openlineage`` source: events exported to files.

Live events need no source: producers POST them to ``/api/v1/lineage``. This source reads events
that were written to disk instead (openlineage-python's ``file`` transport, Marquez exports, the
demo), one JSON RunEvent per line::

    sources:
      - type: openlineage
        events_file: lineage/events.jsonl      # or a glob: lineage/*.jsonl
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class OpenLineageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events_file: list[str] = Field(..., min_length=1, description="JSON Lines files (or globs) of RunEvents")

    @field_validator("events_file", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value
