"""Redemptions that wait for an operator: approve (post the held points, then fulfil) or refuse
(void them, give the unit back).

A redemption waits when it costs more than READTOEARN_REDEEM_REVIEW_ABOVE_POINTS or its risk
reaches fraud.redemptions.REVIEW_RISK: its points and its stock unit are pending transfers. Each
decision is one linked pair of post (or void) transfers with ids derived from the redemption, made
with the redemption's row locked, so two operators, a double click or a retried request decide once;
deciding the same way again changes nothing, deciding the other way is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.db import utcnow
from readtoearn.errors import Conflict, InvalidInput, NotFound
from readtoearn.fraud import notices
from readtoearn.fraud import redemptions as risks
from readtoearn.fraud.notices import Notifier
from readtoearn.fraud.sightings import Seen
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import TransferCode, TransferFlags
from readtoearn.rewards.fulfil import fulfil, lock_profile
from readtoearn.rewards.kinds import kind_of
from readtoearn.rewards.models import Redemption, RedemptionStatus

MAX_NOTE = 2000
APPROVED = "approved"
REFUSED = "refused"


@dataclass(frozen=True)
class Decided:
    """An operator's decision on a redemption; `created` is False when it had been made before."""

    redemption: Redemption
    decision: str
    created: bool


def decision_transfer_ids(redemption_id: uuid.UUID, decision: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The points and stock transfers that carry out a decision (post or void)."""
    base = f"redemption:{redemption_id}:{decision}"
    return ledger.transfer_id(f"{base}:points"), ledger.transfer_id(f"{base}:stock")


def _locked(session: Session, redemption_id: str | uuid.UUID) -> Redemption:
    try:
        rid = uuid.UUID(str(redemption_id).strip())
    except ValueError:
        raise NotFound(f"no redemption {redemption_id}", code="redemption_not_found") from None
    # FOR UPDATE on PostgreSQL: two operators deciding the same redemption queue up here.
    stmt = (
        select(Redemption)
        .where(Redemption.id == rid)
        .with_for_update(of=Redemption)
        .execution_options(populate_existing=True)
    )
    redemption = session.scalar(stmt)
    if redemption is None:
        raise NotFound(f"no redemption {redemption_id}", code="redemption_not_found")
    return redemption


def decision_of(session: Session, redemption: Redemption) -> str | None:
    """approved or refused when an operator decided this redemption; None otherwise."""
    if redemption.reviewed_at is None:
        return None
    refused_id, _stock = decision_transfer_ids(redemption.id, REFUSED)
    return REFUSED if ledger.get_transfer(session, refused_id) is not None else APPROVED


def _clean_note(note: str | None, *, required: bool) -> str:
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"the note is too long (at most {MAX_NOTE} characters)", code="note")
    if required and not text:
        raise InvalidInput("give a reason: the reader receives it", code="note_required")
    return text


def _settle(redemption: Redemption, decision: str, flag: TransferFlags) -> list[TransferSpec]:
    points_id, stock_id = decision_transfer_ids(redemption.id, decision)
    meta = {"reward_id": str(redemption.reward_id), "redemption_id": str(redemption.id)}
    specs = []
    if redemption.stock_transfer_id is not None:
        specs.append(
            TransferSpec(
                id=stock_id,
                pending_id=redemption.stock_transfer_id,
                flags=flag | TransferFlags.LINKED,
                code=TransferCode.REDEMPTION,
                metadata=meta,
            )
        )
    specs.append(
        TransferSpec(
            id=points_id,
            pending_id=redemption.points_transfer_id,
            flags=flag,
            code=TransferCode.REDEMPTION,
            metadata=meta,
        )
    )
    return specs


def _apply(session: Session, specs: list[TransferSpec]) -> None:
    results = ledger.create_transfers(session, specs)
    if any(r.code in ledger.FROZEN_CODES for r in results):
        raise ledger.ReaderFrozen()  # approving spends the points: refuse it instead
    for result in results:
        if not result.ok:
            raise Conflict(
                f"the redemption's held points cannot be settled ({result.code})",
                code=str(result.code),
            )


def _decide(
    session: Session,
    redemption_id: str | uuid.UUID,
    operator_id: uuid.UUID | None,
    note: str,
    decision: str,
    now: datetime,
    notifier: Notifier | None,
) -> Decided:
    redemption = _locked(session, redemption_id)
    if redemption.status != RedemptionStatus.AWAITING_APPROVAL:
        earlier = decision_of(session, redemption)
        if earlier == decision:
            return Decided(redemption, decision, created=False)
        if earlier is not None:
            raise Conflict(f"this redemption was already {earlier}", code="already_decided")
        raise Conflict("this redemption is not waiting for approval", code="not_awaiting_approval")
    profile = lock_profile(session, redemption.reader_id)
    reward = redemption.reward
    if decision == APPROVED:
        kind_of(reward).check_approval(reward)
        specs = _settle(redemption, APPROVED, TransferFlags.POST_PENDING)
        _apply(session, specs)
        # Cancelling later reverses what was posted, so the redemption points at the posts now.
        redemption.points_transfer_id = specs[-1].id
        if redemption.stock_transfer_id is not None:
            redemption.stock_transfer_id = specs[0].id
        fulfil(session, redemption, reward, profile, now)
    else:
        _apply(session, _settle(redemption, REFUSED, TransferFlags.VOID_PENDING))
        redemption.status = str(RedemptionStatus.CANCELLED)
        redemption.cancelled_at = now
    redemption.reviewed_by = operator_id
    redemption.reviewed_at = now
    redemption.review_note = note
    session.flush()
    record_action(
        session,
        operator_id,
        f"redemption.{'approve' if decision == APPROVED else 'refuse'}",
        target=("redemption", redemption.id),
        before={"status": str(RedemptionStatus.AWAITING_APPROVAL), "reward": reward.name_en},
        after={"status": redemption.status, "cost": redemption.cost},
        note=note,
        now=now,
    )
    if notifier is not None:
        notifier.send_after_commit(
            session,
            redemption.reader_id,
            _notice(redemption, decision),
            what=reward.name,
            note=note,
        )
    return Decided(redemption, decision, created=True)


def _notice(redemption: Redemption, decision: str) -> str:
    """The mail a decision sends: an approved item to ship says it will be shipped, as it does
    to a reader whose redemption went through at once (rewards/redemption.py)."""
    if decision != APPROVED:
        return notices.REDEMPTION_REFUSED
    if redemption.status == RedemptionStatus.AWAITING_SHIPMENT:
        return notices.ITEM_APPROVED_TO_SHIP
    return notices.REDEMPTION_APPROVED


def approve(
    session: Session,
    redemption_id: str | uuid.UUID,
    operator_id: uuid.UUID | None,
    note: str | None = "",
    *,
    now: datetime | None = None,
    notifier: Notifier | None = None,
) -> Decided:
    """Approve a redemption that waits: its points are spent and the reader gets the reward."""
    text = _clean_note(note, required=False)
    # A savepoint: a refused decision (a code pool emptied meanwhile) leaves nothing behind.
    with session.begin_nested():
        return _decide(
            session, redemption_id, operator_id, text, APPROVED, now or utcnow(), notifier
        )


def refuse(
    session: Session,
    redemption_id: str | uuid.UUID,
    operator_id: uuid.UUID | None,
    note: str | None,
    *,
    now: datetime | None = None,
    notifier: Notifier | None = None,
) -> Decided:
    """Refuse a redemption that waits, saying why: the points and the unit are released."""
    text = _clean_note(note, required=True)
    with session.begin_nested():
        return _decide(
            session, redemption_id, operator_id, text, REFUSED, now or utcnow(), notifier
        )


@dataclass(frozen=True)
class Awaiting:
    """A redemption waiting for a decision, with what an operator needs to make it."""

    redemption: Redemption
    reader_email: str
    reader_name: str
    linked: risks.Linked


def list_awaiting(session: Session, *, limit: int = 200) -> list[Awaiting]:
    """Redemptions waiting for an operator, oldest first, with the accounts linked to each."""
    stmt = (
        select(Redemption, User.email, User.display_name)
        .join(User, User.id == Redemption.reader_id)
        .where(Redemption.status == RedemptionStatus.AWAITING_APPROVAL)
        .order_by(Redemption.created_at, Redemption.id)
        .limit(limit)
    )
    rows = session.execute(stmt).unique().all()
    return [
        Awaiting(
            redemption=r,
            reader_email=email,
            reader_name=name,
            linked=risks.linked_accounts(session, r.reader_id, Seen(r.device, r.address)),
        )
        for r, email, name in rows
    ]


def count_awaiting(session: Session) -> int:
    """How many redemptions wait for an operator."""
    stmt = (
        select(func.count())
        .select_from(Redemption)
        .where(Redemption.status == RedemptionStatus.AWAITING_APPROVAL)
    )
    return session.execute(stmt).scalar_one()


def list_decided(session: Session, *, limit: int = 20) -> list[tuple[Redemption, str | None]]:
    """The latest decisions on redemptions, newest first, each with the operator's e-mail."""
    stmt = (
        select(Redemption, User.email)
        .outerjoin(User, User.id == Redemption.reviewed_by)
        .where(Redemption.reviewed_at.is_not(None))
        .order_by(Redemption.reviewed_at.desc(), Redemption.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(stmt).unique()]
