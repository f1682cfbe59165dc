"""The catalogue: rewards made from an operator's draft, found, listed, stocked and offered.

What depends on a reward's kind (its draft's rules, its stock, when it can be redeemed) is asked
of its strategy (rewards/kinds.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.articles.text import slugify
from readtoearn.errors import Conflict, InvalidInput, NotFound
from readtoearn.rewards.kinds import kind_of
from readtoearn.rewards.models import Reward, RewardCode, RewardKind
from readtoearn.rewards.stock import move_stock, stock_accounts, stock_left

MAX_CODE_LENGTH = 200


@dataclass(frozen=True)
class RewardDraft:
    """What an operator gives to create a reward."""

    kind: RewardKind
    name_en: str
    cost: int
    name_fr: str = ""
    description_en: str = ""
    description_fr: str = ""
    image_url: str | None = None
    stock: int | None = None  # None: unlimited (code rewards: the pool is the stock)
    per_reader_limit: int | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    min_lifetime_points: int | None = None
    premium_days: int | None = None
    slug: str | None = None


def check_draft(draft: RewardDraft) -> None:
    """Refuse a draft that does not make a reward, saying why."""
    if draft.kind not in set(RewardKind):
        raise InvalidInput(f"unknown kind {draft.kind!r}: choose code, premium, physical or draw")
    kind = kind_of(draft.kind)
    if not draft.name_en.strip():
        raise InvalidInput("a reward needs an English name")
    if len(draft.name_en) > 200 or len(draft.name_fr) > 200:
        raise InvalidInput("a reward's name is at most 200 characters")
    if not 1 <= draft.cost <= 10**9:
        raise InvalidInput("the cost must be a whole number of points, at least 1")
    if draft.stock is not None and draft.stock < 0:
        raise InvalidInput("the stock cannot be negative")
    kind.check_stock(draft.stock)
    if draft.per_reader_limit is not None and draft.per_reader_limit < 1:
        raise InvalidInput("the limit per reader must be at least 1")
    if draft.min_lifetime_points is not None and draft.min_lifetime_points < 0:
        raise InvalidInput("the minimum of lifetime points cannot be negative")
    kind.check_days(draft.premium_days)
    start, end = draft.available_from, draft.available_until
    if start and end and end <= start:
        raise InvalidInput("the availability window ends before it starts")
    if draft.image_url and not draft.image_url.startswith(("https://", "http://", "/")):
        raise InvalidInput("the image must be an http(s) URL or a local path")


def create_reward(session: Session, draft: RewardDraft) -> Reward:
    """Add a reward to the catalogue, with its stock ledger and its first stock."""
    check_draft(draft)
    slug = slugify(draft.slug or draft.name_en)[:80] or "reward"
    if session.scalar(select(Reward.id).where(Reward.slug == slug)) is not None:
        raise Conflict(f"a reward with the slug {slug!r} exists already", code="slug_taken")
    limited = kind_of(draft.kind).limited(draft.stock)
    reward = Reward(
        slug=slug,
        kind=str(draft.kind),
        name_en=draft.name_en.strip(),
        name_fr=draft.name_fr.strip(),
        description_en=draft.description_en.strip(),
        description_fr=draft.description_fr.strip(),
        image_url=draft.image_url or None,
        cost=draft.cost,
        limited=limited,
        per_reader_limit=draft.per_reader_limit,
        available_from=draft.available_from,
        available_until=draft.available_until,
        min_lifetime_points=draft.min_lifetime_points,
        premium_days=draft.premium_days,
    )
    session.add(reward)
    session.flush()
    if limited:
        stock_accounts(session, reward)
        if draft.stock:
            move_stock(session, reward, draft.stock, f"initial:{reward.id}")
    return reward


def get_reward(session: Session, ref: str | uuid.UUID) -> Reward:
    """A reward by id or slug; NotFound otherwise."""
    reward: Reward | None = None
    try:
        reward = session.get(Reward, uuid.UUID(str(ref)))
    except ValueError:
        reward = session.scalar(select(Reward).where(Reward.slug == str(ref)))
    if reward is None:
        raise NotFound(f"no reward {ref}", code="reward_not_found")
    return reward


def list_rewards(session: Session, *, include_inactive: bool = False) -> list[Reward]:
    """The catalogue, cheapest first: what is offered (not withdrawn, no draw already run), or
    with `include_inactive` everything."""
    stmt = select(Reward).order_by(Reward.cost, Reward.name_en)
    if not include_inactive:
        stmt = stmt.where(Reward.active.is_(True), Reward.drawn_at.is_(None))
    return list(session.scalars(stmt))


def restock(session: Session, ref: str, units: int, *, key: str | None = None) -> int:
    """Add (or, negative, remove) units of a limited reward; the units left."""
    reward = get_reward(session, ref)
    kind_of(reward).check_restock()
    if not reward.limited:
        raise InvalidInput("this reward is unlimited: it has no stock")
    if units == 0:
        raise InvalidInput("give a number of units other than 0")
    move_stock(session, reward, units, key or str(uuid.uuid4()))
    return stock_left(session, reward) or 0


@dataclass(frozen=True)
class CodeImport:
    added: int
    duplicates: int
    stock: int


def import_codes(session: Session, ref: str, codes: Iterable[str]) -> CodeImport:
    """Add codes to a code reward's pool (each once) and as many units to its stock."""
    reward = get_reward(session, ref)
    if not kind_of(reward).stocked_by_codes:
        raise InvalidInput(f"{reward.slug} is a {reward.kind} reward, not a code reward")
    fresh: list[str] = []
    seen: set[str] = set()
    duplicates = 0
    for number, raw in enumerate(codes, start=1):
        code = raw.strip()
        if not code:
            continue
        if len(code) > MAX_CODE_LENGTH or any(ord(c) < 32 for c in code):
            raise InvalidInput(f"code {number}: not a usable code (at most 200 characters)")
        if code in seen:
            duplicates += 1
            continue
        seen.add(code)
        fresh.append(code)
    if seen:
        known = set(
            session.scalars(
                select(RewardCode.code).where(
                    RewardCode.reward_id == reward.id, RewardCode.code.in_(seen)
                )
            )
        )
        duplicates += len(known)
        fresh = [c for c in fresh if c not in known]
    if fresh:
        session.add_all(RewardCode(reward_id=reward.id, code=c) for c in fresh)
        session.flush()
        move_stock(session, reward, len(fresh), f"codes:{uuid.uuid4()}")
    return CodeImport(
        added=len(fresh), duplicates=duplicates, stock=stock_left(session, reward) or 0
    )


def check_available(reward: Reward, now: datetime) -> None:
    """Refuse a redemption of a reward that is not offered now, saying why."""
    if not reward.active:
        raise Conflict("this reward is no longer offered", code="reward_unavailable")
    if reward.available_from and now < reward.available_from:
        raise Conflict("this reward is not available yet", code="reward_not_yet_available")
    if reward.available_until and now >= reward.available_until:
        raise Conflict("this reward is no longer available", code="reward_unavailable")
    kind_of(reward).check_available(reward)
