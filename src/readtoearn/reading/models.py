"""Reads of articles by readers, and the beats the tracker sent for them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readtoearn.db import Base, JSONType, UTCDateTime, new_id, utcnow


class Read(Base):
    """One reader reading one article: open until a verdict closes it."""

    __tablename__ = "reads"
    __table_args__ = (
        Index("ix_reads_reader_id_started_at", "reader_id", "started_at"),
        Index("ix_reads_device_completed_at", "device", "completed_at"),
        Index("ix_reads_address_completed_at", "address", "completed_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    # "open" while reading; then the verdict: credited, held or rejected.
    status: Mapped[str] = mapped_column(String(12), default="open")
    # Unique while open: one open read per reader and article.
    open_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    # Unique once credited or held: one rewarded read per reader and article, ever.
    reward_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    nonce: Mapped[str] = mapped_column(String(16))
    active_ms: Mapped[int] = mapped_column(Integer, default=0)
    beats_total: Mapped[int] = mapped_column(Integer, default=0)
    beats_credited: Mapped[int] = mapped_column(Integer, default=0)
    paragraphs_seen: Mapped[list[int]] = mapped_column(JSONType, default=list)
    words_seen: Mapped[int] = mapped_column(Integer, default=0)
    scroll_max: Mapped[float] = mapped_column(Float, default=0.0)
    allowance_words: Mapped[int] = mapped_column(Integer, default=0)
    page_view: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    verdict: Mapped[str | None] = mapped_column(String(12))
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    points: Mapped[int] = mapped_column(Integer, default=0)
    transfer_id: Mapped[uuid.UUID | None] = mapped_column()
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    # Who is behind the read, as keyed hashes (docs/privacy.md): the device cookie and the
    # client's address group. Cleared after the retention period.
    device: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(32))
    # The risk score (0-100) of the signals that fired, and what each one found (docs/fraud.md).
    risk: Mapped[int] = mapped_column(Integer, default=0)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The reader's own draw of the article's quiz (answers included: it never leaves the server).
    quiz: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    quiz_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    quiz_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    quiz_correct: Mapped[int | None] = mapped_column(Integer)
    quiz_points: Mapped[int] = mapped_column(Integer, default=0)

    beats: Mapped[list[ReadBeat]] = relationship(
        back_populates="read", order_by="ReadBeat.seq", cascade="all, delete-orphan"
    )


class ReadBeat(Base):
    """One beat of the tracker, as received and as credited."""

    __tablename__ = "read_beats"

    read_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reads.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_ms: Mapped[int] = mapped_column(Integer)
    credited_ms: Mapped[int] = mapped_column(Integer)
    scroll_max: Mapped[float] = mapped_column(Float)
    new_paragraphs: Mapped[int] = mapped_column(Integer)
    new_words: Mapped[int] = mapped_column(Integer)
    visible: Mapped[bool] = mapped_column(Boolean)
    focused: Mapped[bool] = mapped_column(Boolean)
    webdriver: Mapped[bool] = mapped_column(Boolean, default=False)
    # Another read of the same reader was credited time during this beat's interval.
    overlap: Mapped[bool] = mapped_column(Boolean, default=False)
    events: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    read: Mapped[Read] = relationship(back_populates="beats")


class ArticleView(Base):
    """How many times an article's page was shown on a (UTC) day: counted in each server
    process's memory and added here by its sweep (reading/views.py)."""

    __tablename__ = "article_views"

    article_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
