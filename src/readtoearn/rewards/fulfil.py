"""Giving a reader what they redeemed: a code, premium days, a place in the shipping or draw queue.

Shared by a redemption fulfilled at once and by one an operator approves later; both run with the
reader's profile row locked (it serialises a reader's redemptions) and the reward's stock moved.
What each kind gives is its strategy's (rewards/kinds.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from readtoearn.db import dialect_insert
from readtoearn.rewards.kinds import kind_of
from readtoearn.rewards.models import Redemption, Reward, RewardProfile


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


def fulfil(
    session: Session,
    redemption: Redemption,
    reward: Reward,
    profile: RewardProfile,
    now: datetime,
) -> None:
    """Give the reader what the reward is (its points and stock already moved)."""
    kind = kind_of(reward)
    kind.give(session, redemption, reward, profile, now)
    redemption.status = str(kind.fulfilled)
