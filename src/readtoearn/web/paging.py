"""Page numbers of the readers' listings (home, categories, authors, search results)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from readtoearn.errors import NotFound

PAGE_SIZE = 10
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


@dataclass(frozen=True)
class Pagination:
    page: int
    pages: int
    total: int

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def paginate(page: int, total: int) -> Pagination:
    """Page numbers for a listing; NotFound past the last page (page 1 always exists)."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        raise NotFound("there is no such page in this list")
    return Pagination(page=page, pages=pages, total=total)
