"""Points into the programme and out to readers: funding the budget, crediting a reader.

Every point source (reads, quiz bonuses, grants, appeals, and whatever comes next) credits a
reader through `credit_reader`: a new source is one `TransferCode` and one call.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from readtoearn.batch import Later
from readtoearn.ledger.accounts import get_or_create_wallet, programme_budget, system_account
from readtoearn.ledger.interfaces import Credit, TransferResult, TransferResultCode, TransferSpec
from readtoearn.ledger.models import AccountCode, TransferCode, TransferFlags
from readtoearn.ledger.transfers import (
    FROZEN_CODES,
    ReaderFrozen,
    create_transfer_groups,
    create_transfers,
    refusal,
)

T = TypeVar("T")


def fund_budget(
    session: Session, amount: int, transfer_id: uuid.UUID, *, metadata: dict[str, Any] | None = None
) -> TransferResult:
    """Move points from the operator's funding account into the programme budget."""
    spec = TransferSpec(
        id=transfer_id,
        debit_account_id=system_account(session, AccountCode.FUNDING),
        credit_account_id=programme_budget(session),
        amount=amount,
        code=TransferCode.FUNDING,
        metadata=metadata,
    )
    return create_transfers(session, [spec])[0]


def credit_reader(
    session: Session,
    *,
    reader_id: uuid.UUID,
    amount: int,
    code: TransferCode,
    transfer_id: uuid.UUID,
    pending: bool = False,
    source: uuid.UUID | None = None,
    metadata: dict[str, Any] | None = None,
    frozen_ok: bool = False,
) -> Credit:
    """Credit a reader's wallet from the programme budget (or the account `source`, e.g. a
    sponsor's), posted or pending; raise LedgerError unless credited or the source is empty
    (ReaderFrozen when the wallet is frozen, unless `frozen_ok`)."""
    spec = plan_credit(
        session,
        reader_id=reader_id,
        amount=amount,
        code=code,
        transfer_id=transfer_id,
        pending=pending,
        source=source,
        metadata=metadata,
    )
    return credit_of(create_transfers(session, [spec])[0], frozen_ok=frozen_ok)


def credit_reader_later(
    session: Session,
    then: Callable[[Session, Credit], T],
    *,
    reader_id: uuid.UUID,
    amount: int,
    code: TransferCode,
    transfer_id: uuid.UUID,
    pending: bool = False,
    source: uuid.UUID | None = None,
    metadata: dict[str, Any] | None = None,
    frozen_ok: bool = False,
) -> Later[T]:
    """`credit_reader` in two halves: the transfer goes in with the other waiting units' (see
    readtoearn.batch), then `then` gets this credit; `.now(session)` finishes it alone."""
    spec = plan_credit(
        session,
        reader_id=reader_id,
        amount=amount,
        code=code,
        transfer_id=transfer_id,
        pending=pending,
        source=source,
        metadata=metadata,
    )
    return transfers_later(
        [spec], lambda s, results: then(s, credit_of(results[0], frozen_ok=frozen_ok))
    )


def transfers_later(
    specs: Sequence[TransferSpec], then: Callable[[Session, list[TransferResult]], T]
) -> Later[T]:
    """Transfers to create with the other waiting units' in one call, then `then` with their
    own results (each as its own `create_transfers` call would have answered)."""
    return Later(tuple(specs), then, create_transfer_groups)


def plan_credit(
    session: Session,
    *,
    reader_id: uuid.UUID,
    amount: int,
    code: TransferCode,
    transfer_id: uuid.UUID,
    pending: bool = False,
    source: uuid.UUID | None = None,
    metadata: dict[str, Any] | None = None,
) -> TransferSpec:
    """The transfer that credits a reader (its wallet made if need be)."""
    return TransferSpec(
        id=transfer_id,
        debit_account_id=programme_budget(session) if source is None else source,
        credit_account_id=get_or_create_wallet(session, reader_id),
        amount=amount,
        code=code,
        flags=TransferFlags.PENDING if pending else TransferFlags.NONE,
        metadata=metadata,
    )


def credit_of(result: TransferResult, *, frozen_ok: bool = False) -> Credit:
    """A credit's outcome; raise LedgerError unless credited or the source is empty, and
    ReaderFrozen when the wallet is frozen (unless `frozen_ok`: then `Credit.frozen` says so)."""
    if result.ok or result.code is TransferResultCode.EXCEEDS_CREDITS:
        return Credit(result.id, result.code)
    if result.code is TransferResultCode.CREDIT_ACCOUNT_FROZEN and frozen_ok:
        return Credit(result.id, result.code)
    if result.code in FROZEN_CODES:
        raise ReaderFrozen()
    raise refusal(result)
