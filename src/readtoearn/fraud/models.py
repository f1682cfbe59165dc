"""Operators' decisions on held reads: who approved or rejected which read, when, and why."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from readtoearn.db import Base, JSONType, UTCDateTime, new_id, utcnow


class Decision(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class ReadReview(Base):
    """The one decision on a held read; a second decision on the same read is refused."""

    __tablename__ = "read_reviews"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    read_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reads.id", ondelete="CASCADE"), unique=True
    )
    decision: Mapped[str] = mapped_column(String(12))
    # Kept when the operator's account is deleted: the decision stays on record.
    operator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    # The read as it was when decided: its points and why it had been held.
    points: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The ledger transfer the decision made (post, void or a fresh credit); None when none was due.
    transfer_id: Mapped[uuid.UUID | None] = mapped_column()
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
