"""Points expire: lots, oldest spent first, and the sweep that moves expired remainders out.

Every posted credit to a wallet is a lot dated by its UTC day. Spending consumes the oldest lot
first, so what is left of each lot follows from two sums: the credits up to that lot and the
wallet's posted debits (first in, first out). No lot row needs updating when points are spent,
and the expiry sweep writes ordinary transfers through `create_transfers`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.orm import Session

from readtoearn.db import utcnow
from readtoearn.ledger.accounts import system_account
from readtoearn.ledger.interfaces import ExpiryReport, Lot, TransferResultCode, TransferSpec
from readtoearn.ledger.models import NOT_POSTED, AccountCode, TransferCode, TransferFlags
from readtoearn.ledger.queries import balance
from readtoearn.ledger.rows import ACCOUNTS, TRANSFERS, lock_accounts
from readtoearn.ledger.transfers import create_transfers, transfer_id

R = TransferResultCode


def _posted_credits(conn: Connection, wallet_id: uuid.UUID) -> list[tuple[datetime, int]]:
    c = TRANSFERS.c
    stmt = (
        select(c.created_at, c.amount)
        .where(c.credit_account_id == wallet_id, c.flags.op("&")(NOT_POSTED) == 0)
        .order_by(c.created_at)
    )
    return [(r[0], r[1]) for r in conn.execute(stmt)]


def _lot_expiry(day: date, expiry_days: int | None) -> datetime | None:
    if expiry_days is None:
        return None
    return datetime.combine(day, dtime(), UTC) + timedelta(days=1 + expiry_days)


def fifo_lots(
    credits: list[tuple[datetime, int]], debits_posted: int, expiry_days: int | None
) -> list[Lot]:
    by_day: dict[date, int] = {}
    for created_at, amount in credits:
        day = created_at.astimezone(UTC).date()
        by_day[day] = by_day.get(day, 0) + amount
    lots = []
    consumed = debits_posted
    for day in sorted(by_day):
        amount = by_day[day]
        used = min(amount, max(consumed, 0))
        consumed -= used
        lots.append(Lot(day, amount, amount - used, _lot_expiry(day, expiry_days)))
    return lots


def list_lots(session: Session, wallet_id: uuid.UUID, expiry_days: int | None = None) -> list[Lot]:
    """A wallet's lots, oldest first, with what remains of each and when it expires."""
    bal = balance(session, wallet_id)
    credits = _posted_credits(session.connection(), wallet_id)
    return fifo_lots(credits, bal.debits_posted, expiry_days)


def list_expiring(
    session: Session, wallet_id: uuid.UUID, expiry_days: int | None
) -> list[tuple[datetime, int]]:
    """How many points of a wallet expire when: (expires_at, points), soonest first."""
    if expiry_days is None:
        return []
    lots = list_lots(session, wallet_id, expiry_days)
    return [(lot.expires_at, lot.remaining) for lot in lots if lot.remaining and lot.expires_at]


def expiry_cutoff(now: datetime, expiry_days: int) -> datetime:
    """Credits made before this instant have expired (a lot lives its whole last day)."""
    day = (now - timedelta(days=expiry_days)).astimezone(UTC).date()
    return datetime.combine(day, dtime(), UTC)


def expire(
    session: Session,
    now: datetime | None = None,
    expiry_days: int | None = None,
    *,
    chunk: int = 500,
) -> ExpiryReport:
    """Move the expired remainder of every wallet's lots to the expiry sink."""
    if expiry_days is None:
        return ExpiryReport(0, 0)
    now = now or utcnow()
    conn = session.connection()
    sink = system_account(session, AccountCode.EXPIRY)
    cutoff = expiry_cutoff(now, expiry_days)
    candidates = _expiry_candidates(conn, cutoff)
    accounts = points = 0
    for start in range(0, len(candidates), chunk):
        ids = sorted(candidates[start : start + chunk])
        # Lock first, then measure again: a concurrent spend may have consumed old lots.
        list(lock_accounts(conn, sorted([*ids, sink])))
        specs = []
        for wid, old_credits, debits_posted, credits_posted, debits_pending in _expiry_rows(
            conn, cutoff, ids
        ):
            amount = min(
                old_credits - debits_posted, credits_posted - debits_posted - debits_pending
            )
            if amount <= 0:
                continue
            specs.append(
                TransferSpec(
                    id=transfer_id(f"expiry:{wid}:{old_credits}:{debits_posted}"),
                    debit_account_id=wid,
                    credit_account_id=sink,
                    amount=amount,
                    code=TransferCode.EXPIRY,
                    metadata={"before": cutoff.isoformat()},
                )
            )
        for spec, result in zip(specs, create_transfers(session, specs, now=now), strict=True):
            if result.code is R.OK:
                accounts += 1
                points += spec.amount or 0
    return ExpiryReport(accounts, points)


def _expiry_query(cutoff: datetime) -> Any:
    a, t = ACCOUNTS.c, TRANSFERS.c
    old = func.sum(t.amount)
    return (
        select(a.id, old, a.debits_posted, a.credits_posted, a.debits_pending)
        .join_from(
            ACCOUNTS,
            TRANSFERS,
            and_(
                t.credit_account_id == a.id,
                t.flags.op("&")(NOT_POSTED) == 0,
                t.created_at < cutoff,
            ),
        )
        .where(a.code == str(AccountCode.WALLET))
        .group_by(a.id, a.debits_posted, a.credits_posted, a.debits_pending)
        .having(old > a.debits_posted)
    )


def _expiry_candidates(conn: Connection, cutoff: datetime) -> list[uuid.UUID]:
    return [r[0] for r in conn.execute(_expiry_query(cutoff))]


def _expiry_rows(conn: Connection, cutoff: datetime, ids: list[uuid.UUID]) -> list[Any]:
    stmt = _expiry_query(cutoff).where(ACCOUNTS.c.id.in_(ids))
    return list(conn.execute(stmt))


def void_expired_pending(session: Session, now: datetime | None = None, *, chunk: int = 500) -> int:
    """Void every pending transfer whose timeout has passed; the number voided."""
    now = now or utcnow()
    conn = session.connection()
    c = TRANSFERS.c
    r = TRANSFERS.alias("r")
    stmt = (
        select(c.id)
        .where(
            c.expires_at.is_not(None),
            c.expires_at <= now,
            ~select(r.c.id).where(r.c.pending_id == c.id).exists(),
        )
        .order_by(c.expires_at)
    )
    ids = [row[0] for row in conn.execute(stmt)]
    voided = 0
    for start in range(0, len(ids), chunk):
        specs = [
            TransferSpec(
                id=transfer_id(f"timeout:{pid}"),
                flags=TransferFlags.VOID_PENDING,
                pending_id=pid,
                code=TransferCode.PENDING_TIMEOUT,
            )
            for pid in ids[start : start + chunk]
        ]
        voided += sum(r.code is R.OK for r in create_transfers(session, specs, now=now))
    return voided
