"""Paying for a read: one ledger transfer from the programme budget to the reader's wallet."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from readtoearn.batch import Later
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import TransferCode
from readtoearn.reading.models import Read

T = TypeVar("T")


@dataclass(frozen=True)
class Payment:
    ok: bool
    transfer_id: uuid.UUID | None
    # Not paid because the reader's wallet is frozen (fraud/freezes.py), not for want of budget.
    frozen: bool = False


def read_transfer_id(read_id: uuid.UUID) -> uuid.UUID:
    """The transfer that pays a read: derived from the read, so it can never be made twice."""
    return ledger.transfer_id(f"read:{read_id}")


def quiz_transfer_id(read_id: uuid.UUID) -> uuid.UUID:
    """The transfer that pays a read's quiz bonus: derived from the read, so it is paid once."""
    return ledger.transfer_id(f"quiz:{read_id}")


def pay_read(
    session: Session, read: Read, points: int, *, pending: bool, frozen_ok: bool = False
) -> Payment:
    """Credit a read (posted, or pending when held); not ok when the budget cannot pay, and
    ReaderFrozen raised when the reader is frozen (unless `frozen_ok`: `Payment.frozen`)."""
    return _paid(
        ledger.credit_reader(
            session,
            reader_id=read.reader_id,
            amount=points,
            code=TransferCode.READ_REWARD,
            transfer_id=read_transfer_id(read.id),
            pending=pending,
            metadata={"read_id": str(read.id), "article_id": str(read.article_id)},
            frozen_ok=frozen_ok,
        )
    )


def pay_read_later(
    session: Session,
    read: Read,
    points: int,
    *,
    pending: bool,
    then: Callable[[Session, Payment], T],
) -> Later[T]:
    """`pay_read` in two halves: the credit goes into the batch's one ledger call (see
    readtoearn.batch), then `then` hears whether it was paid (or refused: a frozen reader)."""
    return ledger.credit_reader_later(
        session,
        lambda s, credit: then(s, _paid(credit)),
        reader_id=read.reader_id,
        amount=points,
        code=TransferCode.READ_REWARD,
        transfer_id=read_transfer_id(read.id),
        pending=pending,
        metadata={"read_id": str(read.id), "article_id": str(read.article_id)},
        frozen_ok=True,
    )


def pay_quiz_bonus(session: Session, read: Read, points: int) -> Payment:
    """Credit a passed quiz's bonus from the budget; not ok when the budget cannot pay."""
    return _paid(
        ledger.credit_reader(
            session,
            reader_id=read.reader_id,
            amount=points,
            code=TransferCode.QUIZ_BONUS,
            transfer_id=quiz_transfer_id(read.id),
            metadata={"read_id": str(read.id), "article_id": str(read.article_id)},
        )
    )


def pay_quiz_bonus_later(
    session: Session, read: Read, points: int, *, then: Callable[[Session, Payment], T]
) -> Later[T]:
    """`pay_quiz_bonus` in two halves (see `pay_read_later`)."""
    return ledger.credit_reader_later(
        session,
        lambda s, credit: then(s, _paid(credit)),
        reader_id=read.reader_id,
        amount=points,
        code=TransferCode.QUIZ_BONUS,
        transfer_id=quiz_transfer_id(read.id),
        metadata={"read_id": str(read.id), "article_id": str(read.article_id)},
        frozen_ok=True,
    )


def _paid(credit: ledger.Credit) -> Payment:
    if credit.ok:
        return Payment(ok=True, transfer_id=credit.transfer_id)
    return Payment(ok=False, transfer_id=None, frozen=credit.frozen)
