"""The tables of quests, sponsors, check-ins, streaks and leaderboard profiles."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readtoearn.db import Base, JSONType, UTCDateTime, new_id, utcnow

# --- quests and sponsors (0009_quests) ---


class StepKind(enum.StrEnum):
    """What a step of a quest asks of a reader."""

    READ = "read"  # a verified, credited read of an article
    ARTICLE_QUIZ = "article_quiz"  # the per-read quiz of the step's article, passed
    QUIZ = "quiz"  # the quest's own quiz (written by the operator, or from the steps' figures)
    LINK = "link"  # open a link (through our redirect, which records the click)


class TrustLevel(enum.StrEnum):
    """Who may complete a quest (fraud/trust.py: the gates before a redemption)."""

    ANYONE = "anyone"
    VERIFIED = "verified"  # a verified e-mail address
    TRUSTED = "trusted"  # every gate of the redemption trust rules passed


class QuestStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Sponsor(Base):
    """A partner who funds quests from a ledger account of its own."""

    __tablename__ = "sponsors"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    logo_url: Mapped[str | None] = mapped_column(String(2000))
    link_url: Mapped[str | None] = mapped_column(String(2000))
    # The secret part of the sponsor's report link (/sponsors/report/<token>).
    report_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Quest(Base):
    """An ordered set of steps; points once per reader when every step is done."""

    __tablename__ = "quests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title_en: Mapped[str] = mapped_column(String(200))
    title_fr: Mapped[str] = mapped_column(String(200), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(Integer)
    # A partner quest pays from its sponsor's account; a classic one from the programme budget.
    sponsor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sponsors.id", ondelete="RESTRICT"), index=True
    )
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_completions: Mapped[int | None] = mapped_column(Integer)
    # Kept beside the cap and raised in the same statement that checks it (never past the cap).
    completions: Mapped[int] = mapped_column(Integer, default=0)
    min_trust: Mapped[str] = mapped_column(String(12), default=TrustLevel.ANYONE)
    status: Mapped[str] = mapped_column(String(8), default=QuestStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str] = mapped_column(String(200), default="")

    steps: Mapped[list[QuestStep]] = relationship(
        back_populates="quest", order_by="QuestStep.position", cascade="all, delete-orphan"
    )
    sponsor: Mapped[Sponsor | None] = relationship(lazy="joined")

    def title(self, language: str) -> str:
        return (self.title_fr if language == "fr" else "") or self.title_en

    def description(self, language: str) -> str:
        return (self.description_fr if language == "fr" else "") or self.description_en


class QuestStep(Base):
    """One step of a quest, at its position (1, 2, ...)."""

    __tablename__ = "quest_steps"
    __table_args__ = (UniqueConstraint("quest_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    quest_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quests.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    article_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("articles.id", ondelete="RESTRICT"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(2000))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    label_fr: Mapped[str] = mapped_column(String(200), default="")
    # A quiz step's questions written by the operator (None: drawn from the steps' key figures).
    quiz: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    quest: Mapped[Quest] = relationship(back_populates="steps")

    def label(self, language: str) -> str:
        return (self.label_fr if language == "fr" else "") or self.label_en


class QuestStepState(Base):
    """A reader's own state of a quiz or link step: the quiz drawn, attempts, when done."""

    __tablename__ = "quest_step_states"

    step_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("quest_steps.id", ondelete="CASCADE"), primary_key=True
    )
    reader_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    quiz: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuestCompletion(Base):
    """A reader's completion of a quest, paid once: unique per (quest, reader)."""

    __tablename__ = "quest_completions"
    __table_args__ = (
        UniqueConstraint("quest_id", "reader_id"),
        Index("ix_quest_completions_sponsor_id_completed_at", "sponsor_id", "completed_at"),
        Index("ix_quest_completions_reader_id", "reader_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    quest_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quests.id", ondelete="CASCADE"))
    reader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sponsor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("sponsors.id", ondelete="RESTRICT")
    )
    points: Mapped[int] = mapped_column(Integer)
    transfer_id: Mapped[uuid.UUID] = mapped_column()
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- check-ins, streaks, freezes, leaderboard profiles (0010_engagement) ---


class CheckIn(Base):
    """A reader's one check-in of a calendar day (their own time zone's), and what it paid.

    The unique (reader, day) pair is what makes a day pay once, whatever races to check in.
    """

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("reader_id", "day"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    # The time zone the day was reckoned in (the reader's at the time).
    time_zone: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer, default=0)
    # A streak milestone's bonus paid with this check-in (the milestone reached, its points).
    milestone: Mapped[int | None] = mapped_column(Integer)
    bonus: Mapped[int] = mapped_column(Integer, default=0)
    # The streak's length once this check-in counted.
    streak: Mapped[int] = mapped_column(Integer, default=0)
    # Why no points were paid, when none were (a stable code; docs/engagement.md).
    unpaid_reason: Mapped[str | None] = mapped_column(String(32))
    transfer_id: Mapped[uuid.UUID | None] = mapped_column()
    bonus_transfer_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LeaderboardProfile(Base):
    """A reader's public face on the leaderboards: a pseudonym of their choosing, and the opt-in."""

    __tablename__ = "leaderboard_profiles"

    reader_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    pseudonym: Mapped[str] = mapped_column(String(24))
    # The pseudonym folded (NFKC, case-folded): two readers never share one that looks the same.
    pseudonym_key: Mapped[str] = mapped_column(String(96), unique=True)
    opted_in: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
