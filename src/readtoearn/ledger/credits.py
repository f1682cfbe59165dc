"""Points into the programme and out to readers: funding the budget, crediting a reader.

Every point source (reads, quiz bonuses, grants, appeals, and whatever comes next) credits a
reader through `credit_reader`: a new source is one `TransferCode` and one call.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from readtoearn.ledger.accounts import get_or_create_wallet, programme_budget, system_account
from readtoearn.ledger.interfaces import Credit, TransferResult, TransferResultCode, TransferSpec
from readtoearn.ledger.models import AccountCode, TransferCode, TransferFlags
from readtoearn.ledger.transfers import LedgerError, create_transfers


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
) -> Credit:
    """Credit a reader's wallet from the programme budget (or the account `source`, e.g. a
    sponsor's), posted or pending; raise LedgerError unless credited or the source is empty."""
    spec = TransferSpec(
        id=transfer_id,
        debit_account_id=programme_budget(session) if source is None else source,
        credit_account_id=get_or_create_wallet(session, reader_id),
        amount=amount,
        code=code,
        flags=TransferFlags.PENDING if pending else TransferFlags.NONE,
        metadata=metadata,
    )
    result = create_transfers(session, [spec])[0]
    if result.ok or result.code is TransferResultCode.EXCEEDS_CREDITS:
        return Credit(transfer_id, result.code)
    raise LedgerError(result)
