"""The demo store: stocked once, with one reward of every kind."""

from __future__ import annotations

from readtoearn.rewards import demo
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind


def test_the_demo_store_has_every_kind_once(session) -> None:
    assert demo.load(session) == 4
    assert demo.load(session) == 0
    catalogue = rewards.list_rewards(session)
    assert {r.kind for r in catalogue} == set(RewardKind)
    assert len(catalogue) == 4
    voucher = rewards.get_reward(session, "bookshop-voucher")
    assert all(r.name_fr for r in catalogue)
    assert voucher.kind == RewardKind.CODE
