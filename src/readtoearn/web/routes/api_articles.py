"""JSON API v1: articles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from readtoearn.articles import service as articles
from readtoearn.sites import service as sites
from readtoearn.web.deps import SessionDep, SettingsDep
from readtoearn.web.schemas import ArticleOut, ArticleSummaryOut, ErrorOut, Page

router = APIRouter(prefix="/api/v1", tags=["articles"])


@router.get("/articles", summary="Articles, newest first")
def list_articles(
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    category: Annotated[str | None, Query(max_length=120)] = None,
    author: Annotated[str | None, Query(max_length=120)] = None,
    url: Annotated[str | None, Query(max_length=2000)] = None,
) -> Page[ArticleSummaryOut]:
    if url is not None:  # the article at a canonical URL: one item, or none
        found = sites.find_articles_by_url(session, url)
        return Page[ArticleSummaryOut](
            items=[ArticleSummaryOut.of(a, settings.base_url) for a in found],
            total=len(found),
            limit=limit,
            offset=0,
            next_offset=None,
        )
    items, total = articles.list_articles(
        session, limit=limit, offset=offset, category_slug=category, author_slug=author
    )
    next_offset = offset + limit if offset + limit < total else None
    return Page[ArticleSummaryOut](
        items=[ArticleSummaryOut.of(a, settings.base_url) for a in items],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=next_offset,
    )


@router.get(
    "/articles/{article_id}",
    summary="One article, with its text and key points",
    responses={404: {"model": ErrorOut}},
)
def get_article(article_id: str, session: SessionDep, settings: SettingsDep) -> ArticleOut:
    return ArticleOut.of(articles.get_article(session, article_id), settings.base_url)
