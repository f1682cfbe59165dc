"""Paying for a read: one ledger transfer from the programme budget to the reader's wallet."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferResultCode, TransferSpec
from readtoearn.ledger.models import TransferCode, TransferFlags
from readtoearn.reading.models import Read

NOT_ENOUGH_BUDGET = frozenset({TransferResultCode.EXCEEDS_CREDITS})


@dataclass(frozen=True)
class Payment:
    ok: bool
    transfer_id: uuid.UUID | None


def read_transfer_id(read_id: uuid.UUID) -> uuid.UUID:
    """The transfer that pays a read: derived from the read, so it can never be made twice."""
    return ledger.transfer_id(f"read:{read_id}")


def quiz_transfer_id(read_id: uuid.UUID) -> uuid.UUID:
    """The transfer that pays a read's quiz bonus: derived from the read, so it is paid once."""
    return ledger.transfer_id(f"quiz:{read_id}")


def pay_read(session: Session, read: Read, points: int, *, pending: bool) -> Payment:
    """Credit a read (posted, or pending when held); not ok when the budget cannot pay."""
    transfer_id = read_transfer_id(read.id)
    spec = TransferSpec(
        id=transfer_id,
        debit_account_id=ledger.programme_budget(session),
        credit_account_id=ledger.get_or_create_wallet(session, read.reader_id),
        amount=points,
        code=TransferCode.READ_REWARD,
        flags=TransferFlags.PENDING if pending else TransferFlags.NONE,
        metadata={"read_id": str(read.id), "article_id": str(read.article_id)},
    )
    result = ledger.create_transfers(session, [spec])[0]
    if result.ok:
        return Payment(ok=True, transfer_id=transfer_id)
    if result.code in NOT_ENOUGH_BUDGET:
        return Payment(ok=False, transfer_id=None)
    raise ledger.LedgerError(result)


def pay_quiz_bonus(session: Session, read: Read, points: int) -> Payment:
    """Credit a passed quiz's bonus from the budget; not ok when the budget cannot pay."""
    transfer_id = quiz_transfer_id(read.id)
    spec = TransferSpec(
        id=transfer_id,
        debit_account_id=ledger.programme_budget(session),
        credit_account_id=ledger.get_or_create_wallet(session, read.reader_id),
        amount=points,
        code=TransferCode.QUIZ_BONUS,
        metadata={"read_id": str(read.id), "article_id": str(read.article_id)},
    )
    result = ledger.create_transfers(session, [spec])[0]
    if result.ok:
        return Payment(ok=True, transfer_id=transfer_id)
    if result.code in NOT_ENOUGH_BUDGET:
        return Payment(ok=False, transfer_id=None)
    raise ledger.LedgerError(result)
