"""Rewards' public face (docs/rewards.md): routes and commands call this module only.

Its parts, each importing only what is below it:
- `models`: rewards, codes, redemptions, profiles, and the labels of redemption states;
- `stock`: a reward's stock accounts, units moved and counted, codes taken from the pool;
- `shipping`: a shipping address and its checks;
- `kinds`: each reward kind as a strategy (code, premium, physical, draw);
- `fulfil`: the reader's profile lock, and giving a reader what they redeemed;
- `catalogue`: drafts, rewards created, found, listed, restocked, codes imported;
- `redemption`: redeeming once per Idempotency-Key, cancelling, shipping;
- `approval`: redemptions that wait for an operator; `draws`: running a draw;
- `store`: the catalogue as one reader sees it; `points`: operators' grants, history notes.
"""

from __future__ import annotations

from readtoearn.rewards.approval import (
    Awaiting,
    Decided,
    approve,
    count_awaiting,
    decision_of,
    list_awaiting,
    list_decided,
    refuse,
)
from readtoearn.rewards.catalogue import (
    CodeImport,
    RewardDraft,
    check_available,
    create_reward,
    get_reward,
    import_codes,
    list_rewards,
    restock,
)
from readtoearn.rewards.draws import DrawResult, draw
from readtoearn.rewards.fulfil import fulfil, lock_profile
from readtoearn.rewards.kinds import KINDS, Kind, kind_of
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.points import (
    Grant,
    describe_entries,
    grant_by_operator,
    grant_points,
    grant_transfer_id,
)
from readtoearn.rewards.redemption import (
    Redeemed,
    cancel,
    count_redemptions,
    get_redemption,
    list_redemptions,
    redeem,
    redemption_transfer_ids,
    ship,
)
from readtoearn.rewards.shipping import clean_address
from readtoearn.rewards.stock import stock_by_reward, stock_left
from readtoearn.rewards.store import (
    Store,
    StoreItem,
    get_premium_until,
    get_store,
    get_store_item,
    why_blocked,
)

__all__ = [
    "KINDS",
    "Awaiting",
    "CodeImport",
    "Decided",
    "DrawResult",
    "Grant",
    "Kind",
    "Redeemed",
    "RewardDraft",
    "RewardKind",
    "Store",
    "StoreItem",
    "approve",
    "cancel",
    "check_available",
    "clean_address",
    "count_awaiting",
    "count_redemptions",
    "create_reward",
    "decision_of",
    "describe_entries",
    "draw",
    "fulfil",
    "get_premium_until",
    "get_redemption",
    "get_reward",
    "get_store",
    "get_store_item",
    "grant_by_operator",
    "grant_points",
    "grant_transfer_id",
    "import_codes",
    "kind_of",
    "list_awaiting",
    "list_decided",
    "list_redemptions",
    "list_rewards",
    "lock_profile",
    "redeem",
    "redemption_transfer_ids",
    "refuse",
    "restock",
    "ship",
    "stock_by_reward",
    "stock_left",
    "why_blocked",
]
