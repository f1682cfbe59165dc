"""The audit: every invariant of the ledger, checked from the stored rows."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from readtoearn.ledger.expiry import fifo_lots
from readtoearn.ledger.interfaces import AuditProblem, AuditReport
from readtoearn.ledger.models import NOT_POSTED, AccountCode, TransferFlags
from readtoearn.ledger.rows import ACCOUNTS, TRANSFERS


def audit(session: Session, *, expiry_days: int | None = None) -> AuditReport:
    """Check every invariant of the ledger; the report lists each one that fails."""
    conn = session.connection()
    report = AuditReport()
    a, t = ACCOUNTS.c, TRANSFERS.c
    accounts = {row.id: row for row in conn.execute(select(ACCOUNTS))}
    report.accounts = len(accounts)
    report.transfers = conn.execute(select(func.count()).select_from(TRANSFERS)).scalar_one()
    problems = report.problems

    # 1. Per ledger, debits equal credits, posted and pending.
    ledgers: dict[str, list[int]] = {}
    for row in accounts.values():
        sums = ledgers.setdefault(row.ledger, [0, 0, 0, 0])
        sums[0] += row.debits_posted
        sums[1] += row.credits_posted
        sums[2] += row.debits_pending
        sums[3] += row.credits_pending
    report.ledgers = len(ledgers)
    for name, (dpo, cpo, dp, cp) in sorted(ledgers.items()):
        if dpo != cpo:
            problems.append(
                AuditProblem(
                    "ledger_posted", f"ledger {name}: posted debits {dpo} != credits {cpo}"
                )
            )
        if dp != cp:
            problems.append(
                AuditProblem(
                    "ledger_pending", f"ledger {name}: pending debits {dp} != credits {cp}"
                )
            )

    # 2. Cached balances equal the sums of the transfers.
    recomputed: dict[uuid.UUID, list[int]] = {k: [0, 0, 0, 0] for k in accounts}
    posted = t.flags.op("&")(NOT_POSTED) == 0
    for side, col in ((0, t.debit_account_id), (2, t.credit_account_id)):
        stmt = select(col, func.sum(t.amount)).where(posted).group_by(col)
        for acct, total in conn.execute(stmt):
            recomputed.setdefault(acct, [0, 0, 0, 0])[side + 1] += int(total)
    r = TRANSFERS.alias("r")
    open_pending = (
        t.flags.op("&")(int(TransferFlags.PENDING)) != 0,
        ~select(r.c.id).where(r.c.pending_id == t.id).exists(),
    )
    for side, col in ((0, t.debit_account_id), (2, t.credit_account_id)):
        stmt = select(col, func.sum(t.amount)).where(*open_pending).group_by(col)
        for acct, total in conn.execute(stmt):
            recomputed.setdefault(acct, [0, 0, 0, 0])[side] += int(total)
    names = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
    for acct, sums in recomputed.items():
        cached = accounts.get(acct)
        if cached is None:
            problems.append(AuditProblem("orphan", f"transfers name unknown account {acct}"))
            continue
        for name, value in zip(names, sums, strict=True):
            if getattr(cached, name) != value:
                problems.append(
                    AuditProblem(
                        "cached_balance",
                        f"account {acct} ({cached.code}): {name} cached {getattr(cached, name)}, "
                        f"transfers say {value}",
                    )
                )

    # 3. No flag broken, no negative balance.
    for row in accounts.values():
        if min(row.debits_pending, row.debits_posted, row.credits_pending, row.credits_posted) < 0:
            problems.append(AuditProblem("negative", f"account {row.id}: a negative balance"))
        if row.debits_must_not_exceed_credits and (
            row.debits_pending + row.debits_posted > row.credits_posted
        ):
            problems.append(
                AuditProblem("flag", f"account {row.id} ({row.code}): debits exceed credits")
            )
        if row.credits_must_not_exceed_debits and (
            row.credits_pending + row.credits_posted > row.debits_posted
        ):
            problems.append(
                AuditProblem("flag", f"account {row.id} ({row.code}): credits exceed debits")
            )

    # 4. Transfers are well formed: same ledger as their accounts, resolutions point at
    # pending transfers, each pending resolved and each transfer reversed at most once.
    for row in conn.execute(
        select(t.id, t.ledger, t.debit_account_id, t.credit_account_id)
        .join(ACCOUNTS, a.id == t.debit_account_id)
        .where(or_(a.ledger != t.ledger))
    ):
        problems.append(AuditProblem("ledger_mismatch", f"transfer {row.id}: ledger differs"))
    for col, what in ((t.pending_id, "pending transfer resolved"), (t.reversal_of, "reversed")):
        stmt = (
            select(col, func.count()).where(col.is_not(None)).group_by(col).having(func.count() > 1)
        )
        for ref, count in conn.execute(stmt):
            problems.append(AuditProblem("at_most_once", f"transfer {ref} {what} {count} times"))
    p = TRANSFERS.alias("p")
    bad_resolutions = (
        select(t.id)
        .join(p, p.c.id == t.pending_id)
        .where(
            or_(
                p.c.flags.op("&")(int(TransferFlags.PENDING)) == 0,
                p.c.debit_account_id != t.debit_account_id,
                p.c.credit_account_id != t.credit_account_id,
                t.amount > p.c.amount,
            )
        )
    )
    for (tid,) in conn.execute(bad_resolutions):
        problems.append(AuditProblem("resolution", f"transfer {tid} resolves a transfer badly"))

    # 5. Lots add up: what remains of a wallet's lots is its posted balance, and covers holds.
    wallets = [row for row in accounts.values() if row.code == AccountCode.WALLET]
    credits_by_wallet: dict[uuid.UUID, list[tuple[datetime, int]]] = {w.id: [] for w in wallets}
    if wallets:
        credit_rows = select(t.credit_account_id, t.created_at, t.amount).where(
            posted, t.credit_account_id.in_([w.id for w in wallets])
        )
        for acct, created_at, amount in conn.execute(credit_rows):
            credits_by_wallet[acct].append((created_at, amount))
    for w in wallets:
        lots = fifo_lots(sorted(credits_by_wallet[w.id]), w.debits_posted, expiry_days)
        remaining = sum(lot.remaining for lot in lots)
        if remaining != w.credits_posted - w.debits_posted:
            problems.append(
                AuditProblem(
                    "lots",
                    f"wallet {w.id}: lots hold {remaining}, posted balance is "
                    f"{w.credits_posted - w.debits_posted}",
                )
            )
        elif remaining < w.debits_pending:
            problems.append(
                AuditProblem("lots", f"wallet {w.id}: holds of {w.debits_pending} exceed lots")
            )
    return report
