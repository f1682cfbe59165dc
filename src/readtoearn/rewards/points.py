"""Points an operator grants a reader, and what a reader's history says about its entries.

A grant is an `adjustment` credited through the ledger's `credit_reader`, like every point source.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.accounts.trail import record_action
from readtoearn.errors import Conflict, InvalidInput, NotFound, Unprocessable
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferResultCode, TransferSpec
from readtoearn.ledger.models import TransferCode
from readtoearn.rewards.models import Reward


def grant_transfer_id(key: str) -> uuid.UUID:
    """The transfer of the grant made with `key`: the same key can never grant twice."""
    return ledger.transfer_id(f"grant:{key}")


def grant_points(
    session: Session,
    reader_id: uuid.UUID,
    points: int,
    reason: str,
    *,
    key: str | None = None,
    by: uuid.UUID | None = None,
) -> bool:
    """An adjustment from the programme budget to a reader's wallet (by the operator `by`, when
    one made it); False when the key was used before for the same grant (nothing granted twice),
    Conflict when it was used for another."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("give a reason: the reader sees it in their history")
    if len(reason) > 200:
        raise InvalidInput("the reason is at most 200 characters")
    if not 1 <= points <= 10**9:
        raise InvalidInput("grant at least 1 point")
    try:
        credit = ledger.credit_reader(
            session,
            reader_id=reader_id,
            amount=points,
            code=TransferCode.ADJUSTMENT,
            transfer_id=grant_transfer_id(key or str(uuid.uuid4())),
            metadata={"reason": reason, **({"by": str(by)} if by else {})},
        )
    except ledger.LedgerError as refused:
        if refused.result.code.value.startswith("exists_with_different"):
            raise Conflict(
                "this key was already used for another grant: use a new key for a new grant",
                code="idempotency_key_reused",
            ) from None
        raise
    if credit.budget_empty:
        available = ledger.balance(session, ledger.programme_budget(session)).available
        raise Unprocessable(
            f"the programme budget holds {available} point(s): fund it first "
            "(readtoearn budget fund N)",
            code="budget_empty",
        )
    if credit.created:
        record_action(
            session,
            by,
            "points.grant",
            target=("user", reader_id),
            after={"points": points, "transfer_id": credit.transfer_id},
            note=reason,
        )
    return credit.created


@dataclass(frozen=True)
class Grant:
    """An operator's grant: its transfer, the reader credited, and whether it was made now (False:
    the same key had made it before)."""

    transfer_id: uuid.UUID
    reader_id: uuid.UUID
    created: bool


def grant_by_operator(
    session: Session,
    operator_id: uuid.UUID,
    *,
    key: str,
    points: int,
    reason: str,
    reader_id: str | None = None,
    email: str | None = None,
) -> Grant:
    """An operator credits a reader, named by id or by e-mail, from the budget. The key is the
    operator's own (two operators cannot collide on one): the same key again grants nothing."""
    if (reader_id is None) == (email is None):
        raise InvalidInput("name the reader by reader_id or by email (one of them)")
    if reader_id is not None:
        reader = accounts.get_user(session, reader_id)
    else:
        found = accounts.get_user_by_email(session, email or "")
        if found is None:
            raise NotFound("no reader has this e-mail", code="reader_not_found")
        reader = found
    scoped = f"api:{operator_id}:{key}"
    created = grant_points(session, reader.id, points, reason, key=scoped, by=operator_id)
    return Grant(grant_transfer_id(scoped), reader.id, created)


def describe_entries(
    session: Session, transfer_ids: Iterable[uuid.UUID], language: str = "en"
) -> dict[uuid.UUID, str]:
    """What a reader's history should say about some transfers: the reward, the reason."""
    notes: dict[uuid.UUID, str] = {}
    reward_ids: dict[uuid.UUID, uuid.UUID] = {}
    for transfer in ledger.list_transfers(session, transfer_ids):
        tid = transfer.id
        meta = transfer.meta or {}
        if meta.get("reason"):
            notes[tid] = str(meta["reason"])
        elif meta.get("reward_id"):
            try:
                reward_ids[tid] = uuid.UUID(str(meta["reward_id"]))
            except ValueError:
                continue
    if reward_ids:
        rows = session.scalars(select(Reward).where(Reward.id.in_(set(reward_ids.values()))))
        names = {r.id: r.name(language) for r in rows}
        for tid, rid in reward_ids.items():
            if rid in names:
                notes[tid] = names[rid]
    return notes


def adjust_points(
    session: Session, reader_id: uuid.UUID, points: int, reason: str, *, key: str, by: Any
) -> bool:
    """An operator's correction of a reader's points, with a reason the reader sees: a grant from
    the budget when positive, a transfer back to the budget when negative (never below what the
    reader can spend). Recorded in the audit trail; the same key again changes nothing."""
    if points > 0:
        return grant_points(session, reader_id, points, reason, key=key, by=getattr(by, "id", by))
    reason = reason.strip()
    if not reason:
        raise InvalidInput("give a reason: the reader sees it in their history", code="reason")
    if len(reason) > 200:
        raise InvalidInput("the reason is at most 200 characters", code="reason")
    if not 1 <= -points <= 10**9:
        raise InvalidInput("adjust by a whole number of points other than 0", code="points")
    wallet = ledger.get_or_create_wallet(session, reader_id)
    spec = TransferSpec(
        id=grant_transfer_id(key),
        debit_account_id=wallet,
        credit_account_id=ledger.programme_budget(session),
        amount=-points,
        code=TransferCode.ADJUSTMENT,
        metadata={"reason": reason, **({"by": str(by.id)} if hasattr(by, "id") else {})},
    )
    result = ledger.create_transfers(session, [spec])[0]
    if result.code is TransferResultCode.EXCEEDS_CREDITS:
        available = ledger.balance(session, wallet).available
        raise Unprocessable(
            f"the reader can spend {available} point(s): take back at most that",
            code="wallet_short",
        )
    if not result.ok:
        raise Conflict(
            "this adjustment was already made with other values", code="idempotency_key_reused"
        )
    if result.created:
        record_action(
            session,
            by,
            "points.adjust",
            target=("user", reader_id),
            after={"points": points, "transfer_id": spec.id},
            note=reason,
        )
    return result.created
