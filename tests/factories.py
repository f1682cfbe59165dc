"""Builders of test data, each saved through the real services."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.articles.models import Article
from readtoearn.config import Settings

ENGLISH_SENTENCE = (
    "The board approved a plan worth $50bn on Tuesday, and about 16,000 jobs could follow "
    "in the fourth quarter of 2026."
)
FRENCH_SENTENCE = (
    "Le conseil a approuvé mardi un plan de 50 milliards de dollars, et environ 16 000 postes "
    "pourraient suivre au quatrième trimestre 2026."
)


def article_html(paragraphs: int = 6, language: str = "en") -> str:
    sentence = FRENCH_SENTENCE if language == "fr" else ENGLISH_SENTENCE
    heading = "Le contexte" if language == "fr" else "The background"
    body = "".join(f"<p>{sentence} ({i})</p>" for i in range(paragraphs))
    return f"<h2>{heading}</h2>{body}"


def make_article(
    session: Session,
    settings: Settings,
    *,
    title: str = "Markets brace for a record funding round",
    language: str = "en",
    paragraphs: int = 6,
    url: str | None = "https://news.example/markets/record-round",
    author: str = "Ada Lovelace",
    categories: tuple[str, ...] = ("Economy", "Artificial intelligence"),
    published_at: datetime | None = None,
    key_points: tuple[str, ...] = ("First point", "Second point"),
    lead: str = "A lead paragraph.",
    image_url: str | None = None,
    image_alt: str = "",
    image_caption: str = "",
    bio: str | None = None,
) -> Article:
    draft = ArticleDraft(
        title=title,
        html=article_html(paragraphs, language),
        canonical_url=url,
        language=language,
        published_at=published_at or datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        authors=[
            AuthorDraft(name=author, bio=f"{author} writes about markets." if bio is None else bio)
        ],
        categories=list(categories),
        lead=lead,
        key_points=list(key_points),
        image_url=image_url,
        image_alt=image_alt,
        image_caption=image_caption,
    )
    return articles.save_article(session, draft, settings).article
