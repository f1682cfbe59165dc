"""Ledger accounts: their deterministic ids, creation, and the well-known accounts.

Part of the ledger's service API (re-exported by ledger/service.py); accounts hold no points
until ledger/transfers.py writes transfers to them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from readtoearn.db import dialect_insert, utcnow
from readtoearn.errors import Conflict, NotFound
from readtoearn.ledger.interfaces import AccountResult, AccountResultCode, AccountSpec
from readtoearn.ledger.models import POINTS, Account, AccountCode, AccountFlags
from readtoearn.ledger.rows import ACCOUNTS, flags_of, load_accounts

# uuid5 namespace of every id the ledger derives from a business key.
NAMESPACE = uuid.UUID("5d3c1f0e-8a4b-5e62-9c1d-7f2a0b3e4d51")
KNOWN_ACCOUNT_CODES = frozenset(AccountCode)

# Accounts that must never go below zero, by code (what ensure_account gives them by default).
DEFAULT_FLAGS = {
    AccountCode.BUDGET: AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
    AccountCode.WALLET: AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
    AccountCode.REDEMPTION: AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
    AccountCode.EXPIRY: AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
    AccountCode.STOCK: AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
    AccountCode.STOCK_ISSUED: AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
}


def account_id(
    code: AccountCode, ledger: str = POINTS, owner_id: uuid.UUID | None = None
) -> uuid.UUID:
    """The deterministic id of the account (code, ledger, owner), as ensure_account makes it."""
    return uuid.uuid5(NAMESPACE, f"account:{ledger}:{code}:{owner_id or ''}")


# --------------------------------------------------------------------------- accounts


def create_accounts(
    session: Session, specs: Sequence[AccountSpec], *, now: datetime | None = None
) -> list[AccountResult]:
    """Create accounts; one result per spec (creating one again answers `exists`)."""
    conn = session.connection()
    now = now or utcnow()
    results: dict[int, AccountResultCode] = {}
    rows: dict[uuid.UUID, dict[str, Any]] = {}
    for i, spec in enumerate(specs):
        if spec.id.int == 0:
            results[i] = AccountResultCode.ID_MUST_NOT_BE_ZERO
        elif not spec.ledger:
            results[i] = AccountResultCode.LEDGER_MUST_NOT_BE_EMPTY
        elif spec.code not in KNOWN_ACCOUNT_CODES:
            results[i] = AccountResultCode.CODE_UNKNOWN
        elif spec.flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS and (
            spec.flags & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
        ):
            results[i] = AccountResultCode.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        elif spec.id not in rows:
            rows[spec.id] = _account_row(spec, now)
    inserted: set[uuid.UUID] = set()
    if rows:
        stmt = (
            dialect_insert(conn)(ACCOUNTS)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(ACCOUNTS.c.id)
        )
        for row in rows.values():
            if conn.execute(stmt, row).first() is not None:
                inserted.add(row["id"])
    stored = load_accounts(conn, rows.keys()) if rows else {}
    out: list[AccountResult] = []
    seen: set[uuid.UUID] = set()
    for i, spec in enumerate(specs):
        if i in results:
            out.append(AccountResult(spec.id, results[i]))
            continue
        code = _compare_account(spec, stored[spec.id])
        if code is AccountResultCode.EXISTS and spec.id in inserted and spec.id not in seen:
            code = AccountResultCode.OK
        seen.add(spec.id)
        out.append(AccountResult(spec.id, code))
    return out


def _account_row(spec: AccountSpec, now: datetime) -> dict[str, Any]:
    return {
        "id": spec.id,
        "code": str(spec.code),
        "ledger": spec.ledger,
        "owner_id": spec.owner_id,
        "debits_must_not_exceed_credits": bool(
            spec.flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
        ),
        "credits_must_not_exceed_debits": bool(
            spec.flags & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
        ),
        "debits_pending": 0,
        "debits_posted": 0,
        "credits_pending": 0,
        "credits_posted": 0,
        "created_at": now,
    }


def _compare_account(spec: AccountSpec, row: Any) -> AccountResultCode:
    if row.code != spec.code:
        return AccountResultCode.EXISTS_WITH_DIFFERENT_CODE
    if row.ledger != spec.ledger:
        return AccountResultCode.EXISTS_WITH_DIFFERENT_LEDGER
    if row.owner_id != spec.owner_id:
        return AccountResultCode.EXISTS_WITH_DIFFERENT_OWNER_ID
    if flags_of(row) != spec.flags:
        return AccountResultCode.EXISTS_WITH_DIFFERENT_FLAGS
    return AccountResultCode.EXISTS


def ensure_account(
    session: Session,
    code: AccountCode,
    ledger: str = POINTS,
    owner_id: uuid.UUID | None = None,
    flags: AccountFlags | None = None,
) -> uuid.UUID:
    """The id of the account (code, ledger, owner), created with default flags when missing."""
    spec = AccountSpec(
        id=account_id(code, ledger, owner_id),
        code=code,
        ledger=ledger,
        owner_id=owner_id,
        flags=DEFAULT_FLAGS.get(code, AccountFlags.NONE) if flags is None else flags,
    )
    conn = session.connection()
    existing = load_accounts(conn, [spec.id]).get(spec.id)
    result = _compare_account(spec, existing) if existing else None
    if result is None:
        result = create_accounts(session, [spec])[0].code
    if result not in (AccountResultCode.OK, AccountResultCode.EXISTS):
        raise Conflict(f"account {spec.id} exists with other fields ({result})")
    return spec.id


def get_or_create_wallet(session: Session, reader_id: uuid.UUID) -> uuid.UUID:
    """The id of a reader's points wallet."""
    return ensure_account(session, AccountCode.WALLET, POINTS, reader_id)


def programme_budget(session: Session) -> uuid.UUID:
    """The id of the programme budget that rewards are paid from."""
    return ensure_account(session, AccountCode.BUDGET)


def lock_programme_budget(session: Session) -> None:
    """Take the programme budget's row lock now (PostgreSQL; SQLite has one writer anyway).

    Almost every credit debits the budget, so it is the row that transactions queue on. A batch
    of units (readtoearn.batch) takes it first: batches then wait for each other before holding
    anything else, and two batches can never deadlock over a read row on one side and the budget
    on the other (a completion retried on another worker while the first try waits).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    budget = programme_budget(session)
    session.execute(select(Account.id).where(Account.id == budget).with_for_update())


def system_account(session: Session, code: AccountCode, ledger: str = POINTS) -> uuid.UUID:
    """The id of a ledger's single account of a kind (funding, redemption, expiry...)."""
    return ensure_account(session, code, ledger)


# --------------------------------------------------------------------------- freezing


def freeze_account(session: Session, account: uuid.UUID) -> bool:
    """Freeze an account: new transfers debiting or crediting it are refused with
    `debit_account_frozen` / `credit_account_frozen` (docs/ledger.md lists the few that pass).
    True when it was not frozen before; NotFound when there is no such account."""
    return _set_frozen(session, account, True)


def unfreeze_account(session: Session, account: uuid.UUID) -> bool:
    """Let a frozen account move points again; True when it was frozen."""
    return _set_frozen(session, account, False)


def is_frozen(session: Session, account: uuid.UUID) -> bool:
    """Whether an account is frozen (False when there is no such account yet)."""
    return bool(session.scalar(select(ACCOUNTS.c.frozen).where(ACCOUNTS.c.id == account)))


def _set_frozen(session: Session, account: uuid.UUID, frozen: bool) -> bool:
    # The same row lock as a transfer's: a freeze waits for the transfers in flight, and every
    # transfer after it sees the flag.
    conn = session.connection()
    stmt = select(ACCOUNTS.c.frozen).where(ACCOUNTS.c.id == account).with_for_update()
    before = conn.execute(stmt).scalar_one_or_none()
    if before is None:
        raise NotFound(f"no ledger account {account}")
    if bool(before) == frozen:
        return False
    conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account).values(frozen=frozen))
    return True
