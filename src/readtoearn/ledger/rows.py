"""The ledger's two tables as its modules read them: rows, columns, loading and locking.

The lowest layer of the ledger (above models and interfaces): accounts.py, transfers.py,
queries.py, expiry.py and audit.py build on it, and it imports none of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select

from readtoearn.ledger.models import Account, AccountFlags, Transfer

ACCOUNTS = cast(Table, Account.__table__)
TRANSFERS = cast(Table, Transfer.__table__)


@dataclass(slots=True)
class TransferRow:
    """A transfer as the ledger's code sees it (stored, or created earlier in a batch)."""

    id: uuid.UUID
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: int
    ledger: str
    code: str
    flags: int
    pending_id: uuid.UUID | None
    reversal_of: uuid.UUID | None
    timeout_s: int | None
    expires_at: datetime | None
    metadata: dict[str, Any]
    created_at: datetime

    def as_insert(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "debit_account_id": self.debit_account_id,
            "credit_account_id": self.credit_account_id,
            "amount": self.amount,
            "ledger": self.ledger,
            "code": self.code,
            "flags": self.flags,
            "pending_id": self.pending_id,
            "reversal_of": self.reversal_of,
            "timeout_s": self.timeout_s,
            "expires_at": self.expires_at,
            "metadata": self.metadata,
            "created_at": self.created_at,
        }


TRANSFER_COLUMNS = [
    TRANSFERS.c.id,
    TRANSFERS.c.debit_account_id,
    TRANSFERS.c.credit_account_id,
    TRANSFERS.c.amount,
    TRANSFERS.c.ledger,
    TRANSFERS.c.code,
    TRANSFERS.c.flags,
    TRANSFERS.c.pending_id,
    TRANSFERS.c.reversal_of,
    TRANSFERS.c.timeout_s,
    TRANSFERS.c.expires_at,
    TRANSFERS.c.metadata,
    TRANSFERS.c.created_at,
]
SELECT_TRANSFERS = select(*TRANSFER_COLUMNS).where(
    TRANSFERS.c.id.in_(bindparam("ids", expanding=True))
)


def load_transfers(conn: Connection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, TransferRow]:
    """The stored transfers among these ids, by id."""
    id_list = list(ids)
    if not id_list:
        return {}
    return {r.id: TransferRow(*r) for r in conn.execute(SELECT_TRANSFERS, {"ids": id_list})}


def load_accounts(conn: Connection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The stored account rows among these ids, by id (no lock)."""
    rows = conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.id.in_(list(ids))))
    return {row.id: row for row in rows}


def flags_of(row: Any) -> AccountFlags:
    """An account row's flags."""
    flags = AccountFlags.NONE
    if row.debits_must_not_exceed_credits:
        flags |= AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    if row.credits_must_not_exceed_debits:
        flags |= AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
    return flags


_LOCK_COLUMNS = (
    ACCOUNTS.c.id,
    ACCOUNTS.c.ledger,
    ACCOUNTS.c.debits_must_not_exceed_credits,
    ACCOUNTS.c.credits_must_not_exceed_debits,
    ACCOUNTS.c.debits_pending,
    ACCOUNTS.c.debits_posted,
    ACCOUNTS.c.credits_pending,
    ACCOUNTS.c.credits_posted,
    ACCOUNTS.c.frozen,
)
# Small lists get a statement of their own (no IN-list expansion at each call).
_LOCK_SMALL = {
    n: select(*_LOCK_COLUMNS)
    .where(ACCOUNTS.c.id.in_([bindparam(f"a{i}", type_=ACCOUNTS.c.id.type) for i in range(n)]))
    .order_by(ACCOUNTS.c.id)
    .with_for_update()
    for n in range(1, 5)
}


def lock_accounts(conn: Connection, ids: list[uuid.UUID]) -> Any:
    """Lock accounts (PostgreSQL: FOR UPDATE, in id order) and read their balances."""
    if len(ids) in _LOCK_SMALL:
        return conn.execute(_LOCK_SMALL[len(ids)], {f"a{i}": v for i, v in enumerate(ids)})
    return conn.execute(_LOCK_ACCOUNTS, {"ids": ids})


_LOCK_ACCOUNTS = (
    select(*_LOCK_COLUMNS)
    .where(ACCOUNTS.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(ACCOUNTS.c.id)
    .with_for_update()
)
