"""What an article page shows: the article, its reading panel or page-view token, its summary and
key figures written in the article's language, and the reader's premium access."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.articles import service as articles
from readtoearn.articles import text as textlib
from readtoearn.articles.models import Article
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.reading import tokens
from readtoearn.reading.panel import Panel, get_panel, view_token_for
from readtoearn.rewards import service as rewards
from readtoearn.summaries import service as summaries
from readtoearn.summaries.figures import format_figure, hedge_label
from readtoearn.summaries.models import ArticleSummary
from readtoearn.summaries.service import SummaryView

MAX_PAGE_FIGURES = 12


@dataclass(frozen=True)
class PageFigure:
    """A key figure as the page's table shows it."""

    display: str  # the value in the reader's locale
    text: str  # as the article wrote it
    unit: str
    hedges: list[str]  # in the article's language
    subject: str
    sentence: str


@dataclass(frozen=True)
class ArticlePage:
    """Everything the article page shows; `moved` when the slug asked for is not the article's."""

    article: Article
    moved: bool = False
    body_html: str = ""
    panel: Panel | None = None
    device_view_token: str | None = None
    digest: SummaryView | None = None
    figures: list[PageFigure] = field(default_factory=list)
    premium_until: datetime | None = None


def get_article_page(
    session: Session,
    database: Database,
    settings: Settings,
    clock: Clock,
    *,
    article_id: str | uuid.UUID,
    slug: str | None,
    reader_id: uuid.UUID | None,
    device_id: str | None,
    language: str,
    with_summary: bool = False,
) -> ArticlePage:
    """The article page for a reader (or, signed out, a browser's device) in `language`.

    The stored summary and key figures show when there are some; `with_summary` computes them
    when there are none yet. NotFound for an unknown article.
    """
    article = articles.get_article(session, article_id)
    if slug != article.slug:
        return ArticlePage(article=article, moved=True)
    panel = (
        get_panel(session, settings, clock, reader_id=reader_id, article=article)
        if reader_id is not None
        else None
    )
    device_view_token = (
        view_token_for(settings, clock, article.id, tokens.device_subject(device_id))
        if reader_id is None and device_id
        else None
    )
    digest = summaries.cached_summary(session, article, settings)
    if digest is None and with_summary:
        digest = summaries.get_summary(database, article.id, settings)
    figures = [
        PageFigure(
            # The table sits in the article, in its language: its numbers are written that way.
            display=format_figure(f, article.language),
            text=f.text,
            unit=f.unit if f.kind == "count" else "",
            hedges=[hedge_label(h, article.language) for h in f.hedges],
            subject=f.subject or "",
            sentence=f.sentence,
        )
        for f in (digest.figures if digest else [])[:MAX_PAGE_FIGURES]
    ]
    return ArticlePage(
        article=article,
        # The lead, when there is one, is paragraph 0 (the template numbers it).
        body_html=textlib.index_paragraphs(article.html, 1 if article.lead else 0),
        panel=panel,
        device_view_token=device_view_token,
        digest=digest,
        figures=figures,
        premium_until=rewards.get_premium_until(session, reader_id) if reader_id else None,
    )


def get_pages_version(session: Session) -> tuple[object, ...]:
    """The catalogue's version: changes with every article saved (imported, edited, removed) and
    every summary stored, which is when a page shared by anonymous readers must be rendered
    again. Read from the database, so every worker and node sees the same."""
    articles_row = session.execute(select(func.count(Article.id), func.max(Article.updated_at)))
    summaries_row = session.execute(
        select(func.count(ArticleSummary.id), func.max(ArticleSummary.created_at))
    )
    return (*articles_row.one(), *summaries_row.one())


@dataclass(frozen=True)
class ReaderView:
    """What an article page shows that depends on who reads it (the tracker's JSON call)."""

    article: Article
    view_token: str
    panel: Panel | None
    premium_until: datetime | None


def get_reader_view(
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    article_id: str | uuid.UUID,
    reader_id: uuid.UUID | None,
    device_id: str | None,
) -> ReaderView:
    """The reader's part of an article page: a signed-in reader's panel and premium access, or
    for a visitor a page-view token bound to their browser. NotFound for an unknown article."""
    article = articles.get_article(session, article_id)
    if reader_id is not None:
        return get_reader_part(session, settings, clock, article=article, reader_id=reader_id)
    subject = tokens.device_subject(device_id or "")
    return ReaderView(article, view_token_for(settings, clock, article.id, subject), None, None)


def get_reader_part(
    session: Session, settings: Settings, clock: Clock, *, article: Article, reader_id: uuid.UUID
) -> ReaderView:
    """A signed-in reader's part of the page of an article already loaded (the rest of the page
    may come from a cache): their panel and premium access."""
    panel = get_panel(session, settings, clock, reader_id=reader_id, article=article)
    premium = rewards.get_premium_until(session, reader_id)
    return ReaderView(article, panel.view_token, panel, premium)
