"""The store: the catalogue as one reader sees it (what they can afford, what blocks them, the
trust gates still ahead), and their premium access.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.db import utcnow
from readtoearn.errors import Conflict, NotFound
from readtoearn.fraud import trust
from readtoearn.fraud.trust import Trust, TrustRules
from readtoearn.ledger import service as ledger
from readtoearn.rewards.catalogue import check_available, get_reward, list_rewards
from readtoearn.rewards.kinds import Kind, kind_of
from readtoearn.rewards.models import LIVE_STATUSES, Redemption, Reward, RewardProfile
from readtoearn.rewards.stock import stock_by_reward


def get_premium_until(
    session: Session, reader_id: uuid.UUID, now: datetime | None = None
) -> datetime | None:
    """When a reader's premium access ends, or None when they have none now."""
    until = session.scalar(
        select(RewardProfile.premium_until).where(RewardProfile.user_id == reader_id)
    )
    if until is None or until <= (now or utcnow()):
        return None
    return until


@dataclass(frozen=True)
class StoreItem:
    """A reward as one reader sees it in the store."""

    reward: Reward
    stock_left: int | None
    affordable: bool
    blocked: str | None  # why this reader cannot redeem it now, in plain words
    untrusted: bool = False  # blocked only because the reader is not trusted yet (Store.trust)

    @property
    def kind(self) -> Kind:
        """The reward's kind: what the reader gets, what the form asks for."""
        return kind_of(self.reward)


@dataclass(frozen=True)
class Store:
    available: int  # the reader's spendable points (0 when anonymous)
    lifetime: int
    items: list[StoreItem]
    # What the reader still needs before redeeming anything (None: anonymous, or no rules).
    trust: Trust | None = None


def get_store(
    session: Session,
    reader_id: uuid.UUID | None,
    *,
    now: datetime | None = None,
    rules: TrustRules | None = None,
    as_of: datetime | None = None,
) -> Store:
    """The catalogue with stock left and, for a reader, what they can afford and whether the
    trust gates let them redeem yet (judged at `as_of`, the app's clock; default `now`)."""
    now = now or utcnow()
    standing = None
    rewards = list_rewards(session)
    stock = stock_by_reward(session, rewards)
    available = lifetime = 0
    held: dict[uuid.UUID, int] = {}
    if reader_id is not None:
        bal = ledger.balance(session, ledger.get_or_create_wallet(session, reader_id))
        available, lifetime = bal.available, bal.credits_posted
        rows = session.execute(
            select(Redemption.reward_id, func.count())
            .where(Redemption.reader_id == reader_id, Redemption.status.in_(LIVE_STATUSES))
            .group_by(Redemption.reward_id)
        )
        held = {row[0]: row[1] for row in rows}
        if rules is not None:
            standing = trust.get_trust(session, reader_id, rules, as_of or now)
    items = []
    for reward in rewards:
        left = stock[reward.id]
        blocked = why_blocked(reward, left, now, held.get(reward.id, 0), lifetime, reader_id)
        untrusted = blocked is None and standing is not None and not standing.trusted
        items.append(
            StoreItem(
                reward=reward,
                stock_left=left,
                affordable=reader_id is not None and available >= reward.cost,
                blocked=standing.message() if untrusted and standing else blocked,
                untrusted=untrusted,
            )
        )
    return Store(available=available, lifetime=lifetime, items=items, trust=standing)


def why_blocked(
    reward: Reward,
    left: int | None,
    now: datetime,
    held: int,
    lifetime: int,
    reader_id: uuid.UUID | None,
) -> str | None:
    """Why a reader (or a visitor) cannot redeem a reward now, in plain words; None: they can."""
    try:
        check_available(reward, now)
    except Conflict as exc:
        return exc.message
    if left is not None and left <= 0:
        return "Out of stock"
    if reader_id is not None:
        if reward.per_reader_limit is not None and held >= reward.per_reader_limit:
            return "You have reached the limit for this reward"
        if reward.min_lifetime_points and lifetime < reward.min_lifetime_points:
            return "For readers who have earned more points"
    return None


def get_store_item(
    session: Session,
    reader_id: uuid.UUID | None,
    ref: str,
    *,
    now: datetime | None = None,
    rules: TrustRules | None = None,
    as_of: datetime | None = None,
) -> tuple[Store, StoreItem]:
    """One reward as a reader sees it (its page)."""
    reward = get_reward(session, ref)
    store = get_store(session, reader_id, now=now, rules=rules, as_of=as_of)
    for item in store.items:
        if item.reward.id == reward.id:
            return store, item
    raise NotFound(f"no reward {ref}", code="reward_not_found")
