"""The tables of quests, sponsors, check-ins, streaks and leaderboard profiles."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from readtoearn.db import Base, UTCDateTime, new_id, utcnow

# --- quests and sponsors (0009_quests) ---

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
