"""Giving a reader what they redeemed: a code, premium days, a place in the shipping or draw queue.

Shared by a redemption fulfilled at once and by one an operator approves later; both run with the
reader's profile row locked (it serialises a reader's redemptions) and the reward's stock moved.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from readtoearn.db import dialect_insert
from readtoearn.errors import Conflict
from readtoearn.rewards.models import (
    CodeStatus,
    Redemption,
    RedemptionStatus,
    Reward,
    RewardCode,
    RewardKind,
    RewardProfile,
)


def lock_profile(session: Session, reader_id: uuid.UUID) -> RewardProfile:
    """The reader's profile row, created if need be and locked for this transaction."""
    conn = session.connection()
    table = cast(Table, RewardProfile.__table__)
    conn.execute(dialect_insert(conn)(table).values(user_id=reader_id).on_conflict_do_nothing())
    stmt = (
        select(RewardProfile)
        .where(RewardProfile.user_id == reader_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    profile = session.scalar(stmt)
    assert profile is not None
    return profile


def take_code(session: Session, reward: Reward) -> RewardCode:
    """The next available code of a code reward, marked issued."""
    # The stock account is locked by now, so codes of this reward are taken one at a time;
    # SKIP LOCKED keeps PostgreSQL from queueing on a row another transaction holds anyway.
    stmt = (
        select(RewardCode)
        .where(RewardCode.reward_id == reward.id, RewardCode.status == CodeStatus.AVAILABLE)
        .order_by(RewardCode.created_at, RewardCode.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    code = session.scalar(stmt)
    if code is None:
        raise Conflict("this reward is out of stock", code="out_of_stock")
    code.status = str(CodeStatus.ISSUED)
    return code


def status_after_fulfilment(reward: Reward) -> RedemptionStatus:
    """Where a fulfilled redemption of this kind stands."""
    return {
        RewardKind.PHYSICAL: RedemptionStatus.AWAITING_SHIPMENT,
        RewardKind.DRAW: RedemptionStatus.ENTERED,
    }.get(RewardKind(reward.kind), RedemptionStatus.DONE)


def fulfil(
    session: Session,
    redemption: Redemption,
    reward: Reward,
    profile: RewardProfile,
    now: datetime,
) -> None:
    """Give the reader what the reward is (its points and stock already moved)."""
    if reward.kind == RewardKind.CODE:
        code = take_code(session, reward)
        redemption.code_id = code.id
        redemption.code = code
    if reward.kind == RewardKind.PREMIUM and reward.premium_days:
        start = max(now, profile.premium_until or now)
        profile.premium_until = start + timedelta(days=reward.premium_days)
    redemption.status = str(status_after_fulfilment(reward))
