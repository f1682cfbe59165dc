"""Pydantic shapes of the public JSON API v1."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from readtoearn.articles.models import Article

T = TypeVar("T")


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class AuthorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str
    bio: str
    url: str | None


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str


class ImageOut(BaseModel):
    url: str
    alt: str
    caption: str


class ArticleSummaryOut(BaseModel):
    id: uuid.UUID
    url: str | None
    page_url: str
    title: str
    description: str
    authors: list[AuthorOut]
    published_at: datetime | None
    # The publisher's last change to the article, when its page said (docs/quality.md).
    modified_at: datetime | None
    language: str
    categories: list[CategoryOut]
    word_count: int
    reading_minutes: int
    image: ImageOut | None

    @classmethod
    def of(cls, article: Article, base_url: str) -> ArticleSummaryOut:
        return cls(**_common(article, base_url))


class ArticleOut(ArticleSummaryOut):
    lead: str
    key_points: list[str]
    text: str
    paragraphs: int
    reading_seconds: int

    @classmethod
    def of(cls, article: Article, base_url: str) -> ArticleOut:
        return cls(
            **_common(article, base_url),
            lead=article.lead,
            key_points=list(article.key_points or []),
            text=article.text,
            paragraphs=article.paragraph_count,
            reading_seconds=article.reading_seconds,
        )


def _common(article: Article, base_url: str) -> dict[str, object]:
    image = None
    if article.image_url:
        image = ImageOut(
            url=article.image_url, alt=article.image_alt, caption=article.image_caption
        )
    return {
        "id": article.id,
        "url": article.canonical_url,
        "page_url": f"{base_url.rstrip('/')}/articles/{article.id}/{article.slug}",
        "title": article.title,
        "description": article.description,
        "authors": [AuthorOut.model_validate(a) for a in article.authors],
        "published_at": article.published_at,
        "modified_at": article.modified_at,
        "language": article.language,
        "categories": [CategoryOut.model_validate(c) for c in article.categories],
        "word_count": article.word_count,
        "reading_minutes": article.reading_minutes,
        "image": image,
    }


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None
