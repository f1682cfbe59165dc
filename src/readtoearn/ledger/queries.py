"""Reading the ledger: balances, accounts, statements."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from readtoearn.errors import NotFound
from readtoearn.ledger.interfaces import Balance, Statement, StatementLine
from readtoearn.ledger.models import NOT_POSTED, AccountCode, Transfer, TransferFlags
from readtoearn.ledger.rows import (
    ACCOUNTS,
    TRANSFER_COLUMNS,
    TRANSFERS,
    TransferRow,
    flags_of,
    load_accounts,
)


def balance(session: Session, account_id: uuid.UUID) -> Balance:
    """An account's balances; NotFound when there is no such account."""
    row = load_accounts(session.connection(), [account_id]).get(account_id)
    if row is None:
        raise NotFound(f"no ledger account {account_id}")
    return _balance(row)


def _balance(row: Any) -> Balance:
    return Balance(
        account_id=row.id,
        code=row.code,
        ledger=row.ledger,
        owner_id=row.owner_id,
        flags=flags_of(row),
        debits_pending=row.debits_pending,
        debits_posted=row.debits_posted,
        credits_pending=row.credits_pending,
        credits_posted=row.credits_posted,
        created_at=row.created_at,
        frozen=bool(row.frozen),
    )


def list_accounts(
    session: Session, *, owner_id: uuid.UUID | None = None, code: AccountCode | None = None
) -> list[Balance]:
    """Accounts (with balances), filtered by owner and/or code."""
    stmt = select(ACCOUNTS).order_by(ACCOUNTS.c.ledger, ACCOUNTS.c.code, ACCOUNTS.c.id)
    if owner_id is not None:
        stmt = stmt.where(ACCOUNTS.c.owner_id == owner_id)
    if code is not None:
        stmt = stmt.where(ACCOUNTS.c.code == str(code))
    return [_balance(row) for row in session.connection().execute(stmt)]


def get_transfer(session: Session, transfer_id: uuid.UUID) -> Transfer | None:
    """A stored transfer, or None."""
    return session.get(Transfer, transfer_id)


def list_transfers(session: Session, transfer_ids: Iterable[uuid.UUID]) -> list[Transfer]:
    """The stored transfers among these ids, in one query."""
    ids = set(transfer_ids)
    if not ids:
        return []
    return list(session.scalars(select(Transfer).where(Transfer.id.in_(ids))))


def statement(session: Session, account_id: uuid.UUID, limit: int = 50) -> Statement:
    """An account's balances and its latest transfers, newest first."""
    conn = session.connection()
    bal = balance(session, account_id)
    c = TRANSFERS.c
    stmt = (
        select(*TRANSFER_COLUMNS)
        .where(or_(c.debit_account_id == account_id, c.credit_account_id == account_id))
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(limit)
    )
    lines = []
    for r in conn.execute(stmt):
        row = TransferRow(*r)
        incoming = row.credit_account_id == account_id
        if row.flags & TransferFlags.PENDING:
            kind = "pending"
        elif row.flags & TransferFlags.POST_PENDING:
            kind = "post_pending"
        elif row.flags & TransferFlags.VOID_PENDING:
            kind = "void_pending"
        else:
            kind = "posted"
        lines.append(
            StatementLine(
                transfer_id=row.id,
                created_at=row.created_at,
                code=row.code,
                kind=kind,
                amount=row.amount if incoming else -row.amount,
                counterparty_id=row.debit_account_id if incoming else row.credit_account_id,
                pending_id=row.pending_id,
                reversal_of=row.reversal_of,
                metadata=row.metadata or {},
            )
        )
    return Statement(balance=bal, lines=lines)


def _posted_into(account_id: uuid.UUID) -> Any:
    """Transfers that moved posted points into an account (holds and voids excluded)."""
    c = TRANSFERS.c
    return and_(c.credit_account_id == account_id, c.flags.op("&")(NOT_POSTED) == 0)


def get_credits_by_code(
    session: Session, account_id: uuid.UUID, *, since: datetime | None = None
) -> dict[str, int]:
    """Posted points that came into an account, summed per transfer code (since a time, or
    ever): what a reader earned from each source."""
    c = TRANSFERS.c
    stmt = select(c.code, func.sum(c.amount)).where(_posted_into(account_id)).group_by(c.code)
    if since is not None:
        stmt = stmt.where(c.created_at >= since)
    return {code: int(total) for code, total in session.connection().execute(stmt)}


def list_credits(
    session: Session, account_id: uuid.UUID, *, since: datetime
) -> list[tuple[datetime, str, int]]:
    """The posted credits into an account since a time, oldest first: (when, code, points)."""
    c = TRANSFERS.c
    stmt = (
        select(c.created_at, c.code, c.amount)
        .where(_posted_into(account_id), c.created_at >= since)
        .order_by(c.created_at)
    )
    return [(row[0], row[1], int(row[2])) for row in session.connection().execute(stmt)]


def _earnings(
    since: datetime, until: datetime, codes: Iterable[str], owners: Any
) -> tuple[Any, Any]:
    c, a = TRANSFERS.c, ACCOUNTS.c
    total = func.sum(c.amount)
    stmt = (
        select(a.owner_id, total)
        .select_from(ACCOUNTS.join(TRANSFERS, c.credit_account_id == a.id))
        .where(
            a.code == str(AccountCode.WALLET),
            a.owner_id.in_(owners),
            c.flags.op("&")(NOT_POSTED) == 0,
            c.code.in_(list(codes)),
            c.created_at >= since,
            c.created_at < until,
        )
        .group_by(a.owner_id)
    )
    return stmt, total


def list_top_earners(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    codes: Iterable[str],
    owners: Any,
    limit: int | None = None,
) -> list[tuple[uuid.UUID, int]]:
    """Posted points credited to readers' wallets from these sources in [since, until), per
    reader, highest first: `owners` (ids, or a select of them) are the readers counted."""
    stmt, total = _earnings(since, until, codes, owners)
    stmt = stmt.order_by(total.desc(), ACCOUNTS.c.owner_id).limit(limit)
    return [(row[0], int(row[1])) for row in session.connection().execute(stmt)]


def count_earners_above(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    codes: Iterable[str],
    owners: Any,
    points: int,
) -> int:
    """How many of `owners` earned more than `points` from these sources in [since, until)."""
    stmt, total = _earnings(since, until, codes, owners)
    counted = select(func.count()).select_from(stmt.having(total > points).subquery())
    return int(session.connection().execute(counted).scalar_one())


def list_wallet_owners_credited(
    session: Session, *, since: datetime, until: datetime
) -> list[uuid.UUID]:
    """The readers whose wallets received posted points between two times."""
    c, a = TRANSFERS.c, ACCOUNTS.c
    stmt = (
        select(a.owner_id)
        .distinct()
        .select_from(TRANSFERS.join(ACCOUNTS, a.id == c.credit_account_id))
        .where(
            a.code == str(AccountCode.WALLET),
            c.flags.op("&")(NOT_POSTED) == 0,
            c.created_at >= since,
            c.created_at < until,
        )
    )
    return [row[0] for row in session.connection().execute(stmt) if row[0] is not None]
