"""Cached summaries: one row per article version (content hash) and backend."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from readtoearn.db import Base, JSONType, UTCDateTime, new_id, utcnow


class ArticleSummary(Base):
    """A summary, "In brief" bullets and key figures computed for one version of an article."""

    __tablename__ = "article_summaries"
    __table_args__ = (UniqueConstraint("article_id", "content_hash", "backend"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    content_hash: Mapped[str] = mapped_column(String(64))
    backend: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(Text)
    in_brief: Mapped[list[str]] = mapped_column(JSONType, default=list)
    figures: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
