"""Articles, their authors and categories."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readtoearn.db import Base, JSONType, UTCDateTime, new_id, utcnow

article_authors = Table(
    "article_authors",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("author_id", ForeignKey("authors.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)

article_categories = Table(
    "article_categories",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The default bio, shown when none is written in the page's language.
    bio: Mapped[str] = mapped_column(Text, default="")
    # Bios by language ({"en": ..., "fr": ...}): articles/bios.py picks the one a page shows.
    bios: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    articles: Mapped[list[Article]] = relationship(
        secondary=article_authors, back_populates="authors", order_by="Article.published_at.desc()"
    )


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    articles: Mapped[list[Article]] = relationship(
        secondary=article_categories,
        back_populates="categories",
        order_by="Article.published_at.desc()",
    )


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("content_hash"),
        # Readers' lists: the published articles, newest first (articles/service.py).
        Index("ix_articles_status_published_at", "status", "published_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(200), index=True)
    canonical_url: Mapped[str | None] = mapped_column(String(2000), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Shared by the editions of one article in different languages (articles/search.py).
    translation_group: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The publication time's own UTC offset in minutes, so pages can show the publisher's zone.
    published_offset_min: Mapped[int | None] = mapped_column(Integer)
    # When the article's content last changed, as its publisher's page says (or as a re-import
    # saw); `updated_at` is when our row last changed.
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    image_alt: Mapped[str] = mapped_column(Text, default="")
    image_caption: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    key_points: Mapped[list[str]] = mapped_column(JSONType, default=list)
    word_count: Mapped[int] = mapped_column(Integer)
    image_count: Mapped[int] = mapped_column(Integer, default=0)
    paragraph_count: Mapped[int] = mapped_column(Integer)
    reading_seconds: Mapped[int] = mapped_column(Integer)
    reading_minutes: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="import")
    # published, unpublished or deleted (from the console); only published ones reach readers.
    status: Mapped[str] = mapped_column(String(12), default="published", server_default="published")
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    authors: Mapped[list[Author]] = relationship(
        secondary=article_authors, back_populates="articles", order_by=article_authors.c.position
    )
    categories: Mapped[list[Category]] = relationship(
        secondary=article_categories,
        back_populates="articles",
        order_by=article_categories.c.position,
    )


class ImportJob(Base):
    """One import started from the console (articles/jobs.py): its source, its counts so far, and
    the heartbeat of the worker process whose thread runs it."""

    __tablename__ = "import_jobs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source: Mapped[str] = mapped_column(String(2000))  # the URL, or the uploaded file's name
    kind: Mapped[str] = mapped_column(String(8))  # url or file
    by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The process running it (host:pid), for whoever looks into an interrupted import.
    worker: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Moved on while the thread runs: not finished and not moved on lately means interrupted.
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int | None] = mapped_column(Integer)  # known once the source is read
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class ImportJobOutcome(Base):
    """What happened to one item of an import (the first KEEP_OUTCOMES of them): one small row
    written with the item, rather than a growing list written again after each one."""

    __tablename__ = "import_job_outcomes"

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONType)  # ImportOutcome.as_json()
