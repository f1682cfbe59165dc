"""Rewards: the catalogue, code pools, redemptions, and each reader's premium access."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from readtoearn.db import Base, JSONType, UTCDateTime, new_id, utcnow


class RewardKind(enum.StrEnum):
    CODE = "code"  # a code from a pool: voucher, discount, premium code
    PREMIUM = "premium"  # premium access for some days
    PHYSICAL = "physical"  # an item shipped by hand
    DRAW = "draw"  # an entry into a draw


class CodeStatus(enum.StrEnum):
    AVAILABLE = "available"
    ISSUED = "issued"
    BURNED = "burned"


class RedemptionStatus(enum.StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  # above the cost threshold: an operator decides
    DONE = "done"  # a code given, premium access granted
    AWAITING_SHIPMENT = "awaiting_shipment"
    SHIPPED = "shipped"
    DELIVERED = "delivered"  # the operator heard it arrived
    ENTERED = "entered"  # in a draw not yet run
    WON = "won"
    NOT_WON = "not_won"
    CANCELLED = "cancelled"


# A reader holds a reward in every state but cancelled (the per-reader limit counts these).
LIVE_STATUSES = tuple(s.value for s in RedemptionStatus if s is not RedemptionStatus.CANCELLED)

# What each state of a redemption is called under "My rewards": English msgids, translated in
# web/translations/<language>/LC_MESSAGES/rewards.po and trust.po.
REDEMPTION_LABELS: dict[RedemptionStatus, str] = {
    RedemptionStatus.AWAITING_APPROVAL: "Waiting for approval",
    RedemptionStatus.DONE: "Handed over",
    RedemptionStatus.AWAITING_SHIPMENT: "To be shipped",
    RedemptionStatus.SHIPPED: "Shipped",
    RedemptionStatus.DELIVERED: "Delivered",
    RedemptionStatus.ENTERED: "Entered in the draw",
    RedemptionStatus.WON: "Won",
    RedemptionStatus.NOT_WON: "Not drawn",
    RedemptionStatus.CANCELLED: "Cancelled",
}


class Reward(Base):
    """Something readers can spend points on; its stock lives in the ledger."""

    __tablename__ = "rewards"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_en: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(2000))
    cost: Mapped[int] = mapped_column(Integer)
    # False: unlimited, no stock ledger. Code rewards are always limited by their pool.
    limited: Mapped[bool] = mapped_column(Boolean, default=True)
    per_reader_limit: Mapped[int | None] = mapped_column(Integer)
    available_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    available_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    min_lifetime_points: Mapped[int | None] = mapped_column(Integer)
    premium_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    draw_seed: Mapped[str | None] = mapped_column(String(100))
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def name(self, language: str) -> str:
        return (self.name_fr if language == "fr" else "") or self.name_en

    def description(self, language: str) -> str:
        return (self.description_fr if language == "fr" else "") or self.description_en


class RewardCode(Base):
    """One code of a reward's pool, given to one reader at most."""

    __tablename__ = "reward_codes"
    __table_args__ = (
        UniqueConstraint("reward_id", "code"),
        Index("ix_reward_codes_reward_id_status", "reward_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reward_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rewards.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default=CodeStatus.AVAILABLE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Redemption(Base):
    """A reader spending points on a reward; unique per (reader, Idempotency-Key)."""

    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("reader_id", "idempotency_key"),
        Index("ix_redemptions_reward_id_reader_id", "reward_id", "reader_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reward_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rewards.id"))
    reader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    cost: Mapped[int] = mapped_column(Integer)
    code_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reward_codes.id"))
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    points_transfer_id: Mapped[uuid.UUID] = mapped_column()
    stock_transfer_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the operator says of the parcel when they ship it (a carrier and tracking number).
    tracking_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_burned: Mapped[bool] = mapped_column(Boolean, default=False)
    # The risk score and the signals behind it (docs/fraud.md), and who is behind the redemption
    # as keyed hashes (docs/privacy.md).
    risk: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    device: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(32))
    # An operator's decision on a redemption that waited for approval.
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")

    reward: Mapped[Reward] = relationship(lazy="joined")
    code: Mapped[RewardCode | None] = relationship(lazy="joined")


class RewardProfile(Base):
    """A reader's standing in the rewards programme; its row also serialises their redemptions."""

    __tablename__ = "reward_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    premium_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
