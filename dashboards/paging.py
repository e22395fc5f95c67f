"""Paging links shared by list pages: previous/next offsets that keep the page's filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass(frozen=True)
class Pager:
    total: int
    offset: int
    limit: int
    params: dict[str, str] = field(default_factory=dict)
    """The page's filters, kept in every link (empty values are left out)."""

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def last_shown(self) -> int:
        return min(self.offset + self.limit, self.total)

    def link(self, offset: int) -> str:
        query = {k: v for k, v in self.params.items() if v}
        if offset:
            query["offset"] = str(offset)
        return "?" + urlencode(query) if query else "?"
