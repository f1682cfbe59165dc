"""Draws: the operator picks the winners among a draw's entries, with a recorded seed.

The entries are taken in id order (ids are time-ordered) and the winners drawn with
`random.Random(seed).sample`, so anyone can redo the draw from the seed stored on the reward.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.db import utcnow
from readtoearn.errors import Conflict, InvalidInput
from readtoearn.rewards.catalogue import get_reward
from readtoearn.rewards.kinds import kind_of
from readtoearn.rewards.models import Redemption, RedemptionStatus, Reward


@dataclass(frozen=True)
class DrawResult:
    reward: Reward
    seed: str
    entries: int
    winners: list[Redemption] = field(default_factory=list)


def draw(session: Session, ref: str, winners: int, *, seed: str | None = None) -> DrawResult:
    """Run a draw: pick winners among the entries (in id order) with a recorded seed."""
    reward = get_reward(session, ref)
    if not kind_of(reward).has_draw:
        raise InvalidInput(f"{reward.slug} is not a draw")
    if reward.drawn_at is not None:
        raise Conflict(f"this draw was run on {reward.drawn_at:%Y-%m-%d} (seed {reward.draw_seed})")
    if winners < 1:
        raise InvalidInput("draw at least one winner")
    seed = seed or secrets.token_hex(8)
    entries = list(
        session.scalars(
            select(Redemption)
            .where(
                Redemption.reward_id == reward.id,
                Redemption.status == RedemptionStatus.ENTERED,
            )
            .order_by(Redemption.id)
            .with_for_update(of=Redemption)
        )
    )
    chosen = random.Random(seed).sample(range(len(entries)), min(winners, len(entries)))
    won = [entries[i] for i in sorted(chosen)]
    for entry in entries:
        entry.status = str(RedemptionStatus.NOT_WON)
    for entry in won:
        entry.status = str(RedemptionStatus.WON)
    reward.draw_seed = seed
    reward.drawn_at = utcnow()
    session.flush()
    return DrawResult(reward=reward, seed=seed, entries=len(entries), winners=won)
