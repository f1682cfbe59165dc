"""The review queue: held reads, and an operator's decision on each (see docs/operations.md).

A held read is either a pending credit in the ledger (suspicious: an operator posts or voids it) or
no transfer at all (the budget was empty when it was earned: it is paid once the budget is funded).
Every decision is one row of `read_reviews` and at most one ledger transfer, with ids derived from
the read, so repeating a decision changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.articles.models import Article
from readtoearn.db import utcnow
from readtoearn.errors import Conflict, InvalidInput, NotFound, Unprocessable
from readtoearn.fraud.models import Decision, ReadReview
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferResultCode, TransferSpec
from readtoearn.ledger.models import AccountCode, TransferFlags
from readtoearn.reading import payout
from readtoearn.reading import service as reading
from readtoearn.reading.models import Read
from readtoearn.reading.rules import Reason, Verdict

HELD = Verdict.HELD.value
BUDGET_EMPTY = Reason.BUDGET_EMPTY.value
MAX_NOTE = 2000
R = TransferResultCode


@dataclass(frozen=True)
class HeldRead:
    """A read waiting for a decision, with what an operator needs to make it."""

    read: Read
    reader_email: str
    reader_name: str
    article_title: str

    @property
    def budget_empty(self) -> bool:
        """Held only for want of budget: no points are reserved for it yet."""
        return self.read.transfer_id is None


@dataclass(frozen=True)
class Release:
    """What release_budget_holds paid, and what still waits for budget."""

    reads: int
    points: int
    waiting: int


def _read_uuid(read_id: str | uuid.UUID) -> uuid.UUID:
    if isinstance(read_id, uuid.UUID):
        return read_id
    try:
        return uuid.UUID(str(read_id).strip())
    except ValueError:
        raise NotFound(f"no read {read_id!r}", code="read_not_found") from None


def _clean_note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"the note is too long (at most {MAX_NOTE} characters)", code="note")
    return text


def list_held(session: Session, *, limit: int = 500) -> list[HeldRead]:
    """Held reads waiting for a decision, oldest first."""
    stmt = (
        select(Read, User.email, User.display_name, Article.title)
        .join(User, User.id == Read.reader_id)
        .join(Article, Article.id == Read.article_id)
        .where(Read.status == HELD)
        .order_by(Read.completed_at, Read.id)
        .limit(limit)
    )
    return [HeldRead(row[0], row[1], row[2], row[3]) for row in session.execute(stmt)]


def count_held(session: Session) -> int:
    """How many reads wait for a decision."""
    stmt = select(func.count()).select_from(Read).where(Read.status == HELD)
    return session.execute(stmt).scalar_one()


def list_reviews(session: Session, *, limit: int = 20) -> list[tuple[ReadReview, str | None]]:
    """The latest decisions, newest first, each with the deciding operator's e-mail."""
    stmt = (
        select(ReadReview, User.email)
        .outerjoin(User, User.id == ReadReview.operator_id)
        .order_by(ReadReview.decided_at.desc(), ReadReview.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def get_review(session: Session, read_id: str | uuid.UUID) -> ReadReview | None:
    """The decision on a read, if one was made."""
    rid = _read_uuid(read_id)
    return session.scalar(select(ReadReview).where(ReadReview.read_id == rid))


def _locked_read(session: Session, rid: uuid.UUID) -> Read:
    # FOR UPDATE on PostgreSQL: two operators deciding the same read queue up here.
    stmt = select(Read).where(Read.id == rid).with_for_update()
    read = session.scalar(stmt.execution_options(populate_existing=True))
    if read is None:
        raise NotFound(f"no read {rid}", code="read_not_found")
    return read


def _decide(
    session: Session,
    read_id: str | uuid.UUID,
    operator_id: uuid.UUID | None,
    note: str | None,
    decision: Decision,
    now: datetime | None,
) -> ReadReview:
    rid = _read_uuid(read_id)
    text = _clean_note(note)
    # A savepoint: a refused decision leaves nothing behind, even in the caller's transaction.
    with session.begin_nested():
        return _decide_locked(session, rid, operator_id, text, decision, now)


def _decide_locked(
    session: Session,
    rid: uuid.UUID,
    operator_id: uuid.UUID | None,
    text: str,
    decision: Decision,
    now: datetime | None,
) -> ReadReview:
    read = _locked_read(session, rid)
    earlier = session.scalar(select(ReadReview).where(ReadReview.read_id == rid))
    if earlier is not None:
        if earlier.decision == decision:
            return earlier
        raise Conflict(f"read {rid} was already {earlier.decision}", code="already_decided")
    if read.status != HELD:
        raise Conflict(f"read {rid} is not held for review (it is {read.status})", code="not_held")
    review = ReadReview(
        read_id=rid,
        decision=decision.value,
        operator_id=operator_id,
        note=text,
        points=read.points,
        reasons=list(read.reasons),
        decided_at=now or utcnow(),
    )
    metadata = {"read_id": str(rid), "review": decision.value}
    if operator_id is not None:
        metadata["operator_id"] = str(operator_id)
    approved = decision is Decision.APPROVED
    pay_or_void = _pay if approved else _void
    review.transfer_id = pay_or_void(session, read, metadata)
    reading.settle_held(read, approved=approved)
    session.add(review)
    session.flush()
    # Expiry is the clock's doing, not an operator's: the trail holds decisions only.
    if decision is not Decision.EXPIRED:
        record_action(
            session,
            operator_id,
            "read.approve" if approved else "read.reject",
            target=("read", rid),
            before={"status": HELD, "points": read.points, "reasons": list(read.reasons)},
            after={"status": read.status, "transfer_id": review.transfer_id},
            note=text,
        )
    return review


def _pay(session: Session, read: Read, metadata: dict[str, str]) -> uuid.UUID:
    """Post the read's pending credit, or credit it now when nothing was reserved."""
    if read.transfer_id is None:
        paid = payout.pay_read(session, read, read.points, pending=False)
        if not paid.ok or paid.transfer_id is None:
            available = _budget_available(session)
            raise Unprocessable(
                f"the budget holds {available} point(s), this read needs {read.points}: "
                "fund the budget first (readtoearn budget fund)",
                code="budget_empty",
            )
        reading.record_funding(read, paid.transfer_id)
        return paid.transfer_id
    spec = TransferSpec(
        id=ledger.transfer_id(f"review:{read.id}:post"),
        flags=TransferFlags.POST_PENDING,
        pending_id=read.transfer_id,
        metadata=metadata,
    )
    result = ledger.create_transfers(session, [spec])[0]
    if result.code in ledger.FROZEN_CODES:
        raise ledger.ReaderFrozen()  # approve once unfrozen, or reject: voiding passes
    if not result.ok:
        raise Conflict(
            f"the read's pending credit cannot be posted ({result.code})", code=str(result.code)
        )
    return spec.id


def _void(session: Session, read: Read, metadata: dict[str, str]) -> uuid.UUID | None:
    """Void the read's pending credit (nothing to do when nothing was reserved)."""
    if read.transfer_id is None:
        return None
    spec = TransferSpec(
        id=ledger.transfer_id(f"review:{read.id}:void"),
        flags=TransferFlags.VOID_PENDING,
        pending_id=read.transfer_id,
        metadata=metadata,
    )
    result = ledger.create_transfers(session, [spec])[0]
    if result.ok:
        return spec.id
    if result.code in (R.PENDING_TRANSFER_ALREADY_VOIDED, R.PENDING_TRANSFER_EXPIRED):
        return None  # the hold is already gone: the points are back in the budget
    raise Conflict(
        f"the read's pending credit cannot be voided ({result.code})", code=str(result.code)
    )


def approve(
    session: Session,
    read_id: str | uuid.UUID,
    operator_id: uuid.UUID | None,
    note: str | None = "",
    *,
    now: datetime | None = None,
) -> ReadReview:
    """Approve a held read: its points become spendable. Approving again changes nothing."""
    return _decide(session, read_id, operator_id, note, Decision.APPROVED, now)


def reject(
    session: Session,
    read_id: str | uuid.UUID,
    operator_id: uuid.UUID | None,
    note: str | None = "",
    *,
    now: datetime | None = None,
) -> ReadReview:
    """Reject a held read: its pending points go back to the budget. Rejecting again is a no-op."""
    return _decide(session, read_id, operator_id, note, Decision.REJECTED, now)


def expire(
    session: Session, read_id: str | uuid.UUID, *, now: datetime | None = None
) -> ReadReview | None:
    """Void a held read nobody decided in time, with no operator on the decision (see
    fraud/timeouts.py); None when it is no longer held (decided meanwhile, by anyone)."""
    rid = _read_uuid(read_id)
    with session.begin_nested():
        read = _locked_read(session, rid)
        if read.status != HELD or get_review(session, rid) is not None:
            return None
        return _decide_locked(session, rid, None, "", Decision.EXPIRED, now)


def _budget_available(session: Session) -> int:
    try:
        return ledger.balance(session, ledger.account_id(AccountCode.BUDGET)).available
    except NotFound:
        return 0


def release_budget_holds(
    session: Session, *, by: uuid.UUID | None = None, trail: bool = True
) -> Release:
    """Pay the reads held for want of budget, oldest first, while the budget lasts (recorded in
    the audit trail, by an operator or, with `by=None`, the command line, unless `trail=False`).

    A read held only for the empty budget is credited; one that was also suspicious gets its
    pending credit now and stays in the queue for an operator. The oldest read waits first: a
    younger one is never paid ahead of it.
    """
    stmt = (
        select(Read)
        .where(Read.status == HELD, Read.transfer_id.is_(None))
        .order_by(Read.completed_at, Read.id)
        .with_for_update()
    )
    waiting = list(session.scalars(stmt))
    paid_reads = points = 0
    for read in waiting:
        suspicious = [r for r in read.reasons if r != BUDGET_EMPTY]
        paid = payout.pay_read(session, read, read.points, pending=bool(suspicious), frozen_ok=True)
        if paid.frozen:
            continue  # a frozen reader's read waits, still held, until they are unfrozen
        if not paid.ok or paid.transfer_id is None:
            break
        reading.record_funding(read, paid.transfer_id)
        paid_reads += 1
        points += read.points
    session.flush()
    done = Release(reads=paid_reads, points=points, waiting=len(waiting) - paid_reads)
    if trail:
        record_action(
            session,
            by,
            "budget.release",
            before={"waiting": len(waiting)},
            after={"paid_reads": paid_reads, "points": points, "waiting": done.waiting},
        )
    return done
