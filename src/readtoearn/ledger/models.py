"""Ledger accounts and transfers, modelled on TigerBeetle (see docs/ledger.md)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from readtoearn.db import Base, JSONType, UTCDateTime, utcnow

POINTS = "points"


def stock_ledger(reward_id: object) -> str:
    """The ledger that counts the stock of one reward."""
    return f"stock:{reward_id}"


class AccountCode(enum.StrEnum):
    """What an account is for."""

    FUNDING = "funding"  # the operator's outside money: the source of every point
    BUDGET = "budget"  # the programme budget that rewards are paid from
    WALLET = "wallet"  # one per reader
    REDEMPTION = "redemption"  # points spent on rewards end here
    EXPIRY = "expiry"  # points that expired end here
    STOCK = "stock"  # units of a reward on the shelf (one stock ledger per reward)
    STOCK_SUPPLY = "stock_supply"  # where restocked units come from
    STOCK_ISSUED = "stock_issued"  # units handed out
    ADJUSTMENT = "adjustment"  # manual corrections
    SPONSOR = "sponsor"  # a quest sponsor's own budget (one per sponsor, owner_id = sponsor)


class TransferCode(enum.StrEnum):
    """Why a transfer happened."""

    FUNDING = "funding"
    READ_REWARD = "read_reward"
    QUIZ_BONUS = "quiz_bonus"
    REDEMPTION = "redemption"
    RESTOCK = "restock"
    EXPIRY = "expiry"
    PENDING_TIMEOUT = "pending_timeout"
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"
    DAILY_CHECKIN = "daily_checkin"
    STREAK_BONUS = "streak_bonus"
    QUEST_REWARD = "quest_reward"
    SPONSOR_FUNDING = "sponsor_funding"


# What each kind of movement is called in a reader's history: English msgids, translated in
# web/translations/<language>/LC_MESSAGES/ledger.po.
ENTRY_LABELS: dict[TransferCode, str] = {
    TransferCode.FUNDING: "Budget funding",
    TransferCode.READ_REWARD: "Reading reward",
    TransferCode.QUIZ_BONUS: "Quiz bonus",
    TransferCode.REDEMPTION: "Reward redeemed",
    TransferCode.RESTOCK: "Restock",
    TransferCode.EXPIRY: "Points expired",
    TransferCode.PENDING_TIMEOUT: "Hold expired",
    TransferCode.ADJUSTMENT: "Adjustment",
    TransferCode.REVERSAL: "Reversal",
    TransferCode.DAILY_CHECKIN: "Daily check-in",
    TransferCode.STREAK_BONUS: "Streak bonus",
    TransferCode.QUEST_REWARD: "Quest completed",
    TransferCode.SPONSOR_FUNDING: "Sponsor funding",
}


class AccountFlags(enum.IntFlag):
    NONE = 0
    DEBITS_MUST_NOT_EXCEED_CREDITS = 1
    CREDITS_MUST_NOT_EXCEED_DEBITS = 2


class TransferFlags(enum.IntFlag):
    NONE = 0
    LINKED = 1  # succeeds or fails with the next transfer of the batch
    PENDING = 2  # a hold: reserved, not yet posted
    POST_PENDING = 4  # posts (part of) a pending transfer
    VOID_PENDING = 8  # cancels a pending transfer


# A transfer moves posted balances unless it is a hold or the cancellation of one.
NOT_POSTED = int(TransferFlags.PENDING | TransferFlags.VOID_PENDING)


class Account(Base):
    """An account: four balances, cached, always equal to the sum of its transfers."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(
            "debits_pending >= 0 AND debits_posted >= 0 "
            "AND credits_pending >= 0 AND credits_posted >= 0",
            name="balances_not_negative",
        ),
        CheckConstraint(
            "NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)",
            name="flags_exclusive",
        ),
        CheckConstraint(
            "NOT debits_must_not_exceed_credits "
            "OR debits_pending + debits_posted <= credits_posted",
            name="debits_within_credits",
        ),
        CheckConstraint(
            "NOT credits_must_not_exceed_debits "
            "OR credits_pending + credits_posted <= debits_posted",
            name="credits_within_debits",
        ),
        Index("ix_ledger_accounts_owner_id", "owner_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    ledger: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[uuid.UUID | None] = mapped_column()
    debits_must_not_exceed_credits: Mapped[bool] = mapped_column(Boolean, default=False)
    credits_must_not_exceed_debits: Mapped[bool] = mapped_column(Boolean, default=False)
    # A frozen account takes part in no new transfer, but for the few that docs/ledger.md lists
    # (a hold voided, points expired, an operator taking points back, a reversal).
    frozen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    debits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    debits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_pending: Mapped[int] = mapped_column(BigInteger, default=0)
    credits_posted: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Transfer(Base):
    """An immutable movement of points; the database refuses UPDATE and DELETE (triggers)."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="accounts_differ"),
        Index("ix_ledger_transfers_debit", "debit_account_id", "created_at"),
        Index("ix_ledger_transfers_credit", "credit_account_id", "created_at"),
        # A pending transfer is resolved (posted, voided or timed out) at most once, and a
        # transfer is reversed at most once: the database itself says so.
        Index(
            "uq_ledger_transfers_pending_id",
            "pending_id",
            unique=True,
            sqlite_where=text("pending_id IS NOT NULL"),
            postgresql_where=text("pending_id IS NOT NULL"),
        ),
        Index(
            "uq_ledger_transfers_reversal_of",
            "reversal_of",
            unique=True,
            sqlite_where=text("reversal_of IS NOT NULL"),
            postgresql_where=text("reversal_of IS NOT NULL"),
        ),
        Index(
            "ix_ledger_transfers_expires_at",
            "expires_at",
            sqlite_where=text("expires_at IS NOT NULL"),
            postgresql_where=text("expires_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    debit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    credit_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    ledger: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(32))
    flags: Mapped[int] = mapped_column(Integer, default=0)
    pending_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    reversal_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    timeout_s: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
