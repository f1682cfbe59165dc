"""Appeals: a reader asks once, with a message, for another look at a held or rejected read.

Within `appeal_days` of the read's completion, the read's owner (nobody else) may appeal it once.
An operator approves or rejects the appeal with a note:

- approving the appeal of a **held** read decides the held read as approved (the review queue's
  own path: its pending credit is posted, or it is paid now when nothing was reserved);
- approving the appeal of a **rejected** read credits its points from the programme budget, with
  a transfer id derived from the read (`read:<id>` when the read was never paid, `appeal:<id>`
  when a pending credit of it was voided), so a repeated decision pays once;
- rejecting leaves the read as it is.

The read is locked, then the appeal, in every path that touches both, so two operators (or an
operator and the held-read timeout) decide one after the other; deciding the same way again changes
nothing, deciding the other way is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.db import utcnow
from readtoearn.errors import Conflict, InvalidInput, NotFound, Unprocessable
from readtoearn.fraud import notices
from readtoearn.fraud import service as reviews
from readtoearn.fraud.models import Decision, ReadAppeal, ReadReview
from readtoearn.fraud.notices import Notifier
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import TransferCode
from readtoearn.reading import payout
from readtoearn.reading import service as reading
from readtoearn.reading.models import Read

MAX_MESSAGE = 2000
APPEALABLE = ("held", "rejected")


def appeal_transfer_id(read_id: uuid.UUID) -> uuid.UUID:
    """The credit an approved appeal makes when the read's own credit was voided before."""
    return ledger.transfer_id(f"appeal:{read_id}")


def appeal_deadline(read: Read, appeal_days: int) -> datetime | None:
    """Until when a read can be appealed (None: it cannot be)."""
    if read.status not in APPEALABLE or read.completed_at is None:
        return None
    return read.completed_at + timedelta(days=appeal_days)


def _clean_message(message: str | None) -> str:
    text = (message or "").strip()
    if not text:
        raise Unprocessable(
            "say in a few words why this read should be rewarded", code="appeal_message_required"
        )
    if len(text) > MAX_MESSAGE:
        raise Unprocessable(
            f"the message is too long (at most {MAX_MESSAGE} characters)",
            code="appeal_message_too_long",
        )
    return text


def file_appeal(
    session: Session,
    reader_id: uuid.UUID,
    read_id: str | uuid.UUID,
    message: str | None,
    *,
    appeal_days: int,
    now: datetime,
) -> ReadAppeal:
    """A reader appeals their own held or rejected read, once, before the deadline."""
    text = _clean_message(message)
    read = reading.owned_read(session, reader_id, read_id)  # locked; 404 for anyone else's
    if read.status not in APPEALABLE:
        raise Conflict(
            "only a read held for review or not rewarded can be appealed", code="not_appealable"
        )
    if session.scalar(select(ReadAppeal.id).where(ReadAppeal.read_id == read.id)) is not None:
        raise Conflict("this read has already been appealed", code="already_appealed")
    deadline = appeal_deadline(read, appeal_days)
    if deadline is None or now > deadline:
        when = f" on {deadline:%Y-%m-%d %H:%M} UTC" if deadline else ""
        raise Conflict(
            f"the time to appeal this read ran out{when} ({appeal_days} days after it ended)",
            code="appeal_too_late",
        )
    appeal = ReadAppeal(read_id=read.id, reader_id=reader_id, message=text, created_at=now)
    try:
        with session.begin_nested():
            session.add(appeal)
            session.flush()
    except IntegrityError:  # the same reader, twice at once
        raise Conflict("this read has already been appealed", code="already_appealed") from None
    return appeal


@dataclass(frozen=True)
class AppealDecided:
    """An operator's answer to an appeal; `created` is False when it had been given before."""

    appeal: ReadAppeal
    read: Read
    created: bool


def _appeal_uuid(appeal_id: str | uuid.UUID) -> uuid.UUID:
    try:
        return appeal_id if isinstance(appeal_id, uuid.UUID) else uuid.UUID(str(appeal_id))
    except ValueError:
        raise NotFound(f"no appeal {appeal_id}", code="appeal_not_found") from None


def _locked_pair(session: Session, appeal_id: str | uuid.UUID) -> tuple[ReadAppeal, Read]:
    aid = _appeal_uuid(appeal_id)
    read_id = session.scalar(select(ReadAppeal.read_id).where(ReadAppeal.id == aid))
    if read_id is None:
        raise NotFound(f"no appeal {appeal_id}", code="appeal_not_found")
    # The read first, then the appeal: the order every path that takes both follows.
    read = session.scalar(
        select(Read)
        .where(Read.id == read_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    appeal = session.scalar(
        select(ReadAppeal)
        .where(ReadAppeal.id == aid)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if read is None or appeal is None:
        raise NotFound(f"no appeal {appeal_id}", code="appeal_not_found")
    return appeal, read


def _points_due(session: Session, read: Read, settings: Settings) -> int:
    """What a rejected read would have earned: what its review recorded, else the article's."""
    review = session.scalar(select(ReadReview).where(ReadReview.read_id == read.id))
    if review is not None and review.points > 0:
        return review.points
    article = session.get_one(Article, read.article_id)
    return int(reading.requirements(article, settings)["points"])


def _credit_rejected(
    session: Session, read: Read, settings: Settings, metadata: dict[str, str]
) -> None:
    """Credit a rejected read from the budget, once (the transfer id comes from the read)."""
    key = f"{read.reader_id}:{read.article_id}"
    if read.reward_key is None:
        rewarded = session.scalar(select(Read.id).where(Read.reward_key == key))
        if rewarded is not None:
            raise Conflict(
                "the reader has since been rewarded for this article: nothing more is due",
                code="already_rewarded",
            )
    points = _points_due(session, read, settings)
    if read.transfer_id is None:
        paid = payout.pay_read(session, read, points, pending=False)
        transfer_id, ok = paid.transfer_id, paid.ok
    else:  # its own credit was a pending one, voided: a fresh credit of its own
        credit = ledger.credit_reader(
            session,
            reader_id=read.reader_id,
            amount=points,
            code=TransferCode.READ_REWARD,
            transfer_id=appeal_transfer_id(read.id),
            metadata={**metadata, "article_id": str(read.article_id)},
        )
        transfer_id, ok = credit.transfer_id, credit.ok
    if not ok or transfer_id is None:
        raise Unprocessable(
            f"the budget cannot pay this read's {points} point(s) yet: fund the budget first "
            "(readtoearn budget fund)",
            code="budget_empty",
        )
    reading.settle_held(read, approved=True)
    read.points = points
    read.transfer_id = transfer_id
    read.reward_key = key


def _decide(
    session: Session,
    appeal_id: str | uuid.UUID,
    operator_id: uuid.UUID | None,
    note: str,
    decision: Decision,
    settings: Settings,
    now: datetime,
) -> AppealDecided:
    appeal, read = _locked_pair(session, appeal_id)
    if appeal.decision is not None:
        if appeal.decision == decision.value:
            return AppealDecided(appeal, read, created=False)
        raise Conflict(f"this appeal was already {appeal.decision}", code="already_decided")
    status_before = read.status
    if decision is Decision.APPROVED:
        if read.status == "held":
            reviews.approve(session, read.id, operator_id, note or "appeal approved", now=now)
        elif read.status == "rejected":
            metadata = {"read_id": str(read.id), "appeal_id": str(appeal.id)}
            if operator_id is not None:
                metadata["operator_id"] = str(operator_id)
            _credit_rejected(session, read, settings, metadata)
        # A read credited meanwhile (an operator approved it in the queue) needs nothing more.
    appeal.decision = decision.value
    appeal.operator_id = operator_id
    appeal.note = note
    appeal.decided_at = now
    session.flush()
    record_action(
        session,
        operator_id,
        f"appeal.{'approve' if decision is Decision.APPROVED else 'reject'}",
        target=("appeal", appeal.id),
        before={"read": read.id, "read_status": status_before},
        after={"decision": appeal.decision, "read_status": read.status},
        note=note,
        now=now,
    )
    return AppealDecided(appeal, read, created=True)


def decide_appeal(
    session: Session,
    appeal_id: str | uuid.UUID,
    operator_id: uuid.UUID | None,
    *,
    approve: bool,
    note: str | None,
    settings: Settings,
    now: datetime | None = None,
    notifier: Notifier | None = None,
) -> AppealDecided:
    """An operator's answer to an appeal, recorded with who, when and why; the reader is told."""
    text = (note or "").strip()
    if len(text) > reviews.MAX_NOTE:
        raise InvalidInput(
            f"the note is too long (at most {reviews.MAX_NOTE} characters)", code="note"
        )
    decision = Decision.APPROVED if approve else Decision.REJECTED
    # A savepoint: a refused decision (the budget cannot pay) leaves nothing behind.
    with session.begin_nested():
        done = _decide(session, appeal_id, operator_id, text, decision, settings, now or utcnow())
    if done.created and notifier is not None:
        title = session.scalar(select(Article.title).where(Article.id == done.read.article_id))
        kind = notices.APPEAL_APPROVED if approve else notices.APPEAL_REJECTED
        notifier.send_after_commit(session, done.read.reader_id, kind, what=title or "", note=text)
    return done


@dataclass(frozen=True)
class OpenAppeal:
    """An appeal waiting for an operator, with the read and who made it."""

    appeal: ReadAppeal
    read: Read
    reader_email: str
    article_title: str


def list_open(session: Session, *, limit: int = 200) -> list[OpenAppeal]:
    """Appeals waiting for a decision, oldest first."""
    stmt = (
        select(ReadAppeal, Read, User.email, Article.title)
        .join(Read, Read.id == ReadAppeal.read_id)
        .join(User, User.id == ReadAppeal.reader_id)
        .join(Article, Article.id == Read.article_id)
        .where(ReadAppeal.decision.is_(None))
        .order_by(ReadAppeal.created_at, ReadAppeal.id)
        .limit(limit)
    )
    return [OpenAppeal(*row) for row in session.execute(stmt)]


def list_decided(session: Session, *, limit: int = 20) -> list[tuple[ReadAppeal, str | None, str]]:
    """The latest answers to appeals, newest first: each with the operator's e-mail (None: from
    the command line) and the article's title."""
    stmt = (
        select(ReadAppeal, User.email, Article.title)
        .join(Read, Read.id == ReadAppeal.read_id)
        .join(Article, Article.id == Read.article_id)
        .outerjoin(User, User.id == ReadAppeal.operator_id)
        .where(ReadAppeal.decided_at.is_not(None))
        .order_by(ReadAppeal.decided_at.desc(), ReadAppeal.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(stmt)]


def count_open(session: Session) -> int:
    """How many appeals wait for a decision."""
    stmt = select(func.count()).select_from(ReadAppeal).where(ReadAppeal.decision.is_(None))
    return session.execute(stmt).scalar_one()


def appeals_of(session: Session, read_ids: list[uuid.UUID]) -> dict[uuid.UUID, ReadAppeal]:
    """The appeal of each of these reads that has one."""
    if not read_ids:
        return {}
    stmt = select(ReadAppeal).where(ReadAppeal.read_id.in_(read_ids))
    return {a.read_id: a for a in session.scalars(stmt)}


def reviews_of(session: Session, read_ids: list[uuid.UUID]) -> dict[uuid.UUID, ReadReview]:
    """The review decision of each of these reads that has one (approved, rejected, expired)."""
    if not read_ids:
        return {}
    stmt = select(ReadReview).where(ReadReview.read_id.in_(read_ids))
    return {r.read_id: r for r in session.scalars(stmt)}
