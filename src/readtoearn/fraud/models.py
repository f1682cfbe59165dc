"""Operators' decisions on held reads: who approved or rejected which read, when, and why."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from readtoearn.db import Base, JSONType, UTCDateTime, new_id, utcnow


class Decision(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"  # nobody decided within the deadline: the held points were voided


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


class SightingKind(enum.StrEnum):
    DEVICE = "device"
    ADDRESS = "address"


class Sighting(Base):
    """An account seen on a device or from an address group (both as keyed hashes).

    One row per account, kind and value, with the first and last time: enough to count the
    accounts of a device or an address, and to know which came first (docs/fraud.md).
    """

    __tablename__ = "sightings"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "value"),
        Index("ix_sightings_kind_value", "kind", "value"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(32))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ReadAppeal(Base):
    """A reader's one appeal of a held or rejected read, and the operator's answer to it."""

    __tablename__ = "read_appeals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    read_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reads.id", ondelete="CASCADE"), unique=True
    )
    reader_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # approved or rejected (Decision); None while it waits.
    decision: Mapped[str | None] = mapped_column(String(12))
    operator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProgrammeRule(Base):
    """A rule of the programme set from the console (fraud/programme.py), over its default."""

    __tablename__ = "programme_rules"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class ReaderFreeze(Base):
    """A reader frozen by the console (fraud/freezes.py): who, when and why. The row lives while
    the reader is frozen; the trail keeps every freeze and unfreeze."""

    __tablename__ = "reader_freezes"

    reader_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(Text)
    frozen_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
