"""Redemption: a reader spends points on a reward, once per Idempotency-Key; cancelling and
shipping it.

A redemption is one linked ledger operation: one unit out of the reward's stock ledger and the
points out of the reader's wallet into the redemption sink, together or not at all. Before it, the
trust gates (fraud/trust.py); with it, a risk score (fraud/redemptions.py); one that costs more
than the operator's threshold, or is too risky, holds both as pending transfers and waits for an
operator (rewards/approval.py). A reader's redemptions are serialised on their profile row (so an
Idempotency-Key replay and the per-reader limit are exact); a reward's redemptions are serialised
on its stock account, which the ledger locks, and a code is taken from the pool after that, with
SKIP LOCKED on PostgreSQL. What each kind gives, asks for and takes back is its strategy's
(rewards/kinds.py).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.db import utcnow
from readtoearn.errors import Conflict, InvalidInput, NotFound, Unprocessable
from readtoearn.fraud import notices, sightings, trust
from readtoearn.fraud import redemptions as risks
from readtoearn.fraud.notices import Notifier
from readtoearn.fraud.sightings import Seen
from readtoearn.fraud.trust import TrustRules
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferResultCode, TransferSpec
from readtoearn.ledger.models import AccountCode, TransferCode, TransferFlags
from readtoearn.rewards.catalogue import check_available, get_reward
from readtoearn.rewards.fulfil import fulfil, lock_profile
from readtoearn.rewards.kinds import kind_of
from readtoearn.rewards.models import LIVE_STATUSES, Redemption, RedemptionStatus
from readtoearn.rewards.stock import stock_accounts

MAX_KEY_LENGTH = 200
KEY_SHAPE = re.compile(r"^[\x21-\x7e]{1,200}$")


@dataclass(frozen=True)
class Redeemed:
    redemption: Redemption
    created: bool  # False: an earlier request with the same Idempotency-Key

    @property
    def code(self) -> str | None:
        return self.redemption.code.code if self.redemption.code else None


def redemption_transfer_ids(reader_id: uuid.UUID, key: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The points and stock transfers of a redemption, derived from the reader and the key."""
    base = f"redeem:{reader_id}:{key}"
    return ledger.transfer_id(base), ledger.transfer_id(f"{base}:stock")


def count_redemptions(session: Session, reward_id: uuid.UUID, reader_id: uuid.UUID) -> int:
    """How many times a reader holds a reward (cancelled redemptions do not count)."""
    stmt = select(func.count()).where(
        Redemption.reward_id == reward_id,
        Redemption.reader_id == reader_id,
        Redemption.status.in_(LIVE_STATUSES),
    )
    return session.scalar(stmt) or 0


def redeem(
    session: Session,
    reader_id: uuid.UUID,
    reward_ref: str | uuid.UUID,
    idempotency_key: str,
    *,
    shipping_address: dict[str, Any] | None = None,
    now: datetime | None = None,
    rules: TrustRules | None = None,
    seen: Seen | None = None,
    as_of: datetime | None = None,
    notifier: Notifier | None = None,
) -> Redeemed:
    """Spend a reader's points on a reward, once per Idempotency-Key.

    `rules` are the operator's trust gates and review threshold (None: none, as for the command
    line's own redemptions), judged at `as_of` (the app's clock; default `now`); `seen` is who the
    request came from (device, address group); `notifier` e-mails the reader of an item to ship."""
    # A savepoint: a refusal leaves nothing behind (the sighting, the profile row, a code taken),
    # so the caller's transaction goes on and a page can still say why.
    with session.begin_nested():
        done = _redeem(
            session,
            reader_id,
            reward_ref,
            idempotency_key,
            shipping_address=shipping_address,
            now=now,
            rules=rules,
            seen=seen,
            as_of=as_of,
        )
    # An item to ship: the reader hears of it now, then when it ships and when it arrives.
    to_ship = done.redemption.status == RedemptionStatus.AWAITING_SHIPMENT
    if notifier is not None and done.created and to_ship:
        what = done.redemption.reward.name
        notifier.send_after_commit(session, reader_id, notices.ITEM_TO_SHIP, what=what)
    return done


def _redeem(
    session: Session,
    reader_id: uuid.UUID,
    reward_ref: str | uuid.UUID,
    idempotency_key: str,
    *,
    shipping_address: dict[str, Any] | None = None,
    now: datetime | None = None,
    rules: TrustRules | None = None,
    seen: Seen | None = None,
    as_of: datetime | None = None,
) -> Redeemed:
    if not KEY_SHAPE.match(idempotency_key or ""):
        raise InvalidInput(
            "the Idempotency-Key must be 1 to 200 visible ASCII characters",
            code="idempotency_key_invalid",
        )
    now = now or utcnow()
    profile = lock_profile(session, reader_id)
    earlier = session.scalar(
        select(Redemption).where(
            Redemption.reader_id == reader_id, Redemption.idempotency_key == idempotency_key
        )
    )
    reward = get_reward(session, reward_ref)
    if earlier is not None:
        if earlier.reward_id != reward.id:
            raise Conflict(
                "this Idempotency-Key was already used for another reward: use a new key",
                code="idempotency_key_reused",
            )
        return Redeemed(earlier, created=False)

    # A frozen reader is told so first (the ledger would refuse the points anyway).
    if ledger.is_frozen(session, ledger.account_id(AccountCode.WALLET, owner_id=reader_id)):
        raise ledger.ReaderFrozen()
    if rules is not None:
        trust.check_trust(session, reader_id, rules, as_of or now)
    check_available(reward, now)
    address = kind_of(reward).shipping_address(shipping_address)
    if reward.per_reader_limit is not None:
        held = count_redemptions(session, reward.id, reader_id)
        if held >= reward.per_reader_limit:
            raise Conflict(
                f"you have reached the limit of {reward.per_reader_limit} for this reward",
                code="limit_reached",
            )
    wallet = ledger.get_or_create_wallet(session, reader_id)
    if reward.min_lifetime_points:
        lifetime = ledger.balance(session, wallet).credits_posted
        if lifetime < reward.min_lifetime_points:
            raise Unprocessable(
                f"this reward is for readers who have earned at least "
                f"{reward.min_lifetime_points} points; you have earned {lifetime}",
                code="not_enough_lifetime_points",
            )

    seen = seen or Seen()
    sightings.record(session, reader_id, seen, now)
    risk = risks.assess(session, reader_id, seen, now)
    threshold = rules.review_above_points if rules is not None else 0
    # Held for an operator: the points and the unit are reserved (pending), nothing is given yet.
    review = threshold > 0 and (reward.cost > threshold or risk.needs_review)
    hold = TransferFlags.PENDING if review else TransferFlags.NONE

    points_id, stock_id = redemption_transfer_ids(reader_id, idempotency_key)
    redemption_id = uuid.uuid4()
    meta = {"reward_id": str(reward.id), "redemption_id": str(redemption_id)}
    specs: list[TransferSpec] = []
    if reward.limited:
        shelf, _supply, issued = stock_accounts(session, reward)
        specs.append(
            TransferSpec(
                id=stock_id,
                debit_account_id=shelf,
                credit_account_id=issued,
                amount=1,
                code=TransferCode.REDEMPTION,
                flags=TransferFlags.LINKED | hold,
                metadata=meta,
            )
        )
    specs.append(
        TransferSpec(
            id=points_id,
            debit_account_id=wallet,
            credit_account_id=ledger.system_account(session, AccountCode.REDEMPTION),
            amount=reward.cost,
            code=TransferCode.REDEMPTION,
            flags=hold,
            metadata=meta,
        )
    )
    results = ledger.create_transfers(session, specs, now=now)
    if any(r.code in ledger.FROZEN_CODES for r in results):
        raise ledger.ReaderFrozen()
    for spec, result in zip(specs, results, strict=True):
        if result.ok or result.code is TransferResultCode.LINKED_EVENT_FAILED:
            continue
        if result.code is TransferResultCode.EXCEEDS_CREDITS and spec.id == stock_id:
            raise Conflict("this reward is out of stock", code="out_of_stock")
        if result.code is TransferResultCode.EXCEEDS_CREDITS:
            available = ledger.balance(session, wallet).available
            raise Unprocessable(
                f"not enough points: this reward costs {reward.cost}, you have {available}",
                code="not_enough_points",
            )
        raise ledger.LedgerError(result)

    redemption = Redemption(
        id=redemption_id,
        reward_id=reward.id,
        reader_id=reader_id,
        idempotency_key=idempotency_key,
        status=str(RedemptionStatus.AWAITING_APPROVAL),
        cost=reward.cost,
        shipping_address=address,
        points_transfer_id=points_id,
        stock_transfer_id=stock_id if reward.limited else None,
        created_at=now,
        risk=risk.score,
        reasons=risk.reasons,
        device=seen.device,
        address=seen.address,
    )
    if not review:
        fulfil(session, redemption, reward, profile, now)
    session.add(redemption)
    session.flush()
    return Redeemed(redemption, created=True)


def get_redemption(session: Session, redemption_id: str | uuid.UUID) -> Redemption:
    """A redemption by id, locked for this transaction; NotFound otherwise."""
    try:
        rid = uuid.UUID(str(redemption_id))
    except ValueError:
        raise NotFound(f"no redemption {redemption_id}", code="redemption_not_found") from None
    stmt = select(Redemption).where(Redemption.id == rid).with_for_update(of=Redemption)
    redemption = session.scalar(stmt)
    if redemption is None:
        raise NotFound(f"no redemption {redemption_id}", code="redemption_not_found")
    return redemption


def cancel(
    session: Session, redemption_id: str | uuid.UUID, *, burn_code: bool = False
) -> Redemption:
    """Undo a redemption: points back by reversal, the unit back on the shelf, the code back
    in the pool (or burned)."""
    redemption = get_redemption(session, redemption_id)
    profile = lock_profile(session, redemption.reader_id)
    if redemption.status == RedemptionStatus.CANCELLED:
        raise Conflict("this redemption is already cancelled", code="already_cancelled")
    if redemption.status == RedemptionStatus.AWAITING_APPROVAL:
        raise Conflict(
            "this redemption waits for approval: refuse it instead (rewards refuse)",
            code="awaiting_approval",
        )
    reward = redemption.reward
    kind = kind_of(reward)
    kind.check_cancel(redemption)
    base = f"cancel:{redemption.id}"
    meta = {"reward_id": str(reward.id), "redemption_id": str(redemption.id)}
    specs = [
        TransferSpec(
            id=ledger.transfer_id(f"{base}:points"),
            reversal_of=redemption.points_transfer_id,
            code=TransferCode.REVERSAL,
            metadata=meta,
        )
    ]
    burned = burn_code and redemption.code is not None
    if redemption.stock_transfer_id is not None and not burned:
        specs.insert(
            0,
            TransferSpec(
                id=ledger.transfer_id(f"{base}:stock"),
                reversal_of=redemption.stock_transfer_id,
                code=TransferCode.REVERSAL,
                flags=TransferFlags.LINKED,
                metadata=meta,
            ),
        )
    for result in ledger.create_transfers(session, specs):
        if not result.ok:
            raise ledger.LedgerError(result)
    kind.take_back(redemption, reward, profile, burn_code=burned)
    redemption.status = str(RedemptionStatus.CANCELLED)
    redemption.cancelled_at = utcnow()
    session.flush()
    return redemption


def ship(session: Session, redemption_id: str | uuid.UUID) -> Redemption:
    """Mark a physical item as shipped."""
    redemption = get_redemption(session, redemption_id)
    if redemption.status != RedemptionStatus.AWAITING_SHIPMENT:
        raise Conflict(
            f"this redemption is {redemption.status.replace('_', ' ')}: nothing to ship",
            code="not_awaiting_shipment",
        )
    redemption.status = str(RedemptionStatus.SHIPPED)
    redemption.shipped_at = utcnow()
    return redemption


def list_redemptions(
    session: Session,
    *,
    reader_id: uuid.UUID | None = None,
    reward_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[Redemption]:
    """Redemptions, newest first, of a reader and/or a reward."""
    stmt = select(Redemption).order_by(Redemption.created_at.desc(), Redemption.id.desc())
    if reader_id is not None:
        stmt = stmt.where(Redemption.reader_id == reader_id)
    if reward_id is not None:
        stmt = stmt.where(Redemption.reward_id == reward_id)
    return list(session.scalars(stmt.limit(limit)).unique())
