"""A reward's stock: its accounts on its own ledger, units moved and counted, codes taken.

The stock lives in the ledger (docs/rewards.md): one `stock:<reward id>` ledger per limited
reward, with a shelf, a supply and an issued account; a code reward's stock is its pool of codes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.errors import Conflict
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferResultCode, TransferSpec
from readtoearn.ledger.models import AccountCode, TransferCode, stock_ledger
from readtoearn.rewards.models import CodeStatus, Reward, RewardCode


def stock_accounts(session: Session, reward: Reward) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """The reward's shelf, supply and issued accounts, created if need be."""
    name = stock_ledger(reward.id)
    return (
        ledger.ensure_account(session, AccountCode.STOCK, name),
        ledger.ensure_account(session, AccountCode.STOCK_SUPPLY, name),
        ledger.ensure_account(session, AccountCode.STOCK_ISSUED, name),
    )


def move_stock(session: Session, reward: Reward, units: int, key: str) -> None:
    """Put units on the shelf (or, negative, take them off), once per key."""
    shelf, supply, _issued = stock_accounts(session, reward)
    debit, credit = (supply, shelf) if units > 0 else (shelf, supply)
    spec = TransferSpec(
        id=ledger.transfer_id(f"restock:{reward.id}:{key}"),
        debit_account_id=debit,
        credit_account_id=credit,
        amount=abs(units),
        code=TransferCode.RESTOCK,
        metadata={"reward_id": str(reward.id)},
    )
    result = ledger.create_transfers(session, [spec])[0]
    if result.code is TransferResultCode.EXCEEDS_CREDITS:
        raise Conflict(f"cannot remove {-units} unit(s): fewer are left", code="not_enough_stock")
    if not result.ok:
        raise ledger.LedgerError(result)


def stock_left(session: Session, reward: Reward) -> int | None:
    """Units on the shelf, or None for an unlimited reward."""
    if not reward.limited:
        return None
    account = ledger.account_id(AccountCode.STOCK, stock_ledger(reward.id))
    return ledger.balance(session, account).available


def stock_by_reward(session: Session, rewards: Iterable[Reward]) -> dict[uuid.UUID, int | None]:
    """Units left of several rewards (None when unlimited), in one query."""
    wanted = {stock_ledger(r.id): r for r in rewards}
    left: dict[uuid.UUID, int | None] = {r.id: None for r in wanted.values()}
    for bal in ledger.list_accounts(session, code=AccountCode.STOCK):
        reward = wanted.get(bal.ledger)
        if reward is not None and reward.limited:
            left[reward.id] = bal.available
    for reward in wanted.values():
        if reward.limited and left[reward.id] is None:
            left[reward.id] = 0
    return left


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
