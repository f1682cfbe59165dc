"""Search: the /search page and GET /api/v1/search.

Results come from both language editions unless the reader picks one (`language=en|fr`; `lang`
stays the interface language's switch). Search pages are not kept in the anonymous page cache
nor by shared caches: queries are endless and a reader's own (`Cache-Control: private, no-store`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from readtoearn.articles import search
from readtoearn.errors import InvalidInput
from readtoearn.web import pagecache
from readtoearn.web.deps import SessionDep, SettingsDep
from readtoearn.web.paging import PAGE_SIZE, PageNumber, paginate
from readtoearn.web.schemas import ArticleSummaryOut, ErrorOut
from readtoearn.web.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["articles"])

Edition = Literal["en", "fr"]
# Longer than the service's limit, so that the page says "too long" itself rather than refusing.
QueryText = Annotated[str, Query(max_length=2000)]


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    q: QueryText = "",
    language: Annotated[str, Query(max_length=8)] = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    """Articles matching the reader's words, best first, with highlighted snippets."""
    edition = language if language in search.STEMMER_NAMES else ""
    context: dict[str, object] = {"q": q, "edition": edition, "results": None, "problem": None}
    if q.strip():
        try:
            results = search.search(
                session,
                q,
                language=edition or None,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
        except InvalidInput:
            too_long = len(q.strip()) > search.MAX_QUERY_CHARS
            context["problem"] = "too_long" if too_long else "no_words"
        else:
            context["results"] = results
            context["pagination"] = paginate(page, results.total)
    response = render(request, "articles/search.html", context)
    response.headers["Cache-Control"] = pagecache.PRIVATE
    return response


class SegmentOut(BaseModel):
    text: str
    match: bool


class SearchHitOut(ArticleSummaryOut):
    # The passage that matched, as plain-text pieces; `match` marks the words of the query.
    snippet: list[SegmentOut]


class SearchOut(BaseModel):
    query: str
    terms: list[str]
    items: list[SearchHitOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


@api_router.get(
    "/search",
    summary="Full-text search over the articles, best match first",
    responses={400: {"model": ErrorOut}},
)
def search_api(
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=search.MAX_QUERY_CHARS)],
    language: Edition | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> SearchOut:
    """Every word of `q` must match (French and English stemming; operators are read as words)."""
    results = search.search(session, q, language=language, limit=limit, offset=offset)
    items = [
        SearchHitOut(
            **ArticleSummaryOut.of(hit.article, settings.base_url).model_dump(),
            snippet=[SegmentOut(text=t, match=m) for t, m in hit.snippet],
        )
        for hit in results.hits
    ]
    next_offset = offset + limit if offset + limit < results.total else None
    return SearchOut(
        query=results.query,
        terms=results.terms,
        items=items,
        total=results.total,
        limit=limit,
        offset=offset,
        next_offset=next_offset,
    )
