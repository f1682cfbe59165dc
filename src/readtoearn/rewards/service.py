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
- `store`: the catalogue as one reader sees it; `points`: operators' grants, history notes;
- `editing`: the console's work on the catalogue, recorded; `images`: a reward's uploaded picture.
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
from readtoearn.rewards.editing import (
    EDITABLE,
    CodePreview,
    add_codes,
    add_reward,
    count_entries,
    deliver_item,
    edit_reward,
    list_to_fulfil,
    list_winners,
    preview_codes,
    read_codes_csv,
    restore_reward,
    run_draw,
    ship_item,
    withdraw_reward,
)
from readtoearn.rewards.fulfil import fulfil, lock_profile
from readtoearn.rewards.images import image_path, store_image
from readtoearn.rewards.kinds import KINDS, Kind, kind_of
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.points import (
    Grant,
    adjust_points,
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
    "EDITABLE",
    "KINDS",
    "Awaiting",
    "CodeImport",
    "CodePreview",
    "Decided",
    "DrawResult",
    "Grant",
    "Kind",
    "Redeemed",
    "RewardDraft",
    "RewardKind",
    "Store",
    "StoreItem",
    "add_codes",
    "add_reward",
    "adjust_points",
    "approve",
    "cancel",
    "check_available",
    "clean_address",
    "count_awaiting",
    "count_entries",
    "count_redemptions",
    "create_reward",
    "decision_of",
    "deliver_item",
    "describe_entries",
    "draw",
    "edit_reward",
    "fulfil",
    "get_premium_until",
    "get_redemption",
    "get_reward",
    "get_store",
    "get_store_item",
    "grant_by_operator",
    "grant_points",
    "grant_transfer_id",
    "image_path",
    "import_codes",
    "kind_of",
    "list_awaiting",
    "list_decided",
    "list_redemptions",
    "list_rewards",
    "list_to_fulfil",
    "list_winners",
    "lock_profile",
    "preview_codes",
    "read_codes_csv",
    "redeem",
    "redemption_transfer_ids",
    "refuse",
    "restock",
    "restore_reward",
    "run_draw",
    "ship",
    "ship_item",
    "stock_by_reward",
    "stock_left",
    "store_image",
    "why_blocked",
    "withdraw_reward",
]
