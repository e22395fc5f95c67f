"""Paging shared by every list endpoint: ``?limit=&offset=`` in, ``{items, total, limit, offset}`` out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")

MAX_LIMIT = 500


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


async def page_params(
    limit: int = Query(50, ge=1, le=MAX_LIMIT, description="items per page"),
    offset: int = Query(0, ge=0, description="items to skip"),
) -> PageParams:
    return PageParams(limit, offset)


class Page(BaseModel, Generic[T]):
    """One page of a list; ``total`` counts every match, not just this page."""

    items: list[T]
    total: int
    limit: int
    offset: int
