"""The points ledger: the only code that writes transfers (see docs/ledger.md).

Every function takes the caller's session and works inside the caller's transaction. On SQLite
that transaction must be a write one (BEGIN IMMEDIATE); on PostgreSQL the accounts a batch touches
are locked with SELECT ... FOR UPDATE in id order, and `run_in_transaction` retries a unit of
work when the database reports a serialization failure or a deadlock.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from readtoearn.db import Database, utcnow
from readtoearn.errors import Conflict, NotFound, Unprocessable
from readtoearn.ledger.interfaces import (
    AccountResult,
    AccountResultCode,
    AccountSpec,
    AuditProblem,
    AuditReport,
    Balance,
    ExpiryReport,
    Lot,
    Statement,
    StatementLine,
    TransferResult,
    TransferResultCode,
    TransferSpec,
)
from readtoearn.ledger.models import (
    NOT_POSTED,
    POINTS,
    Account,
    AccountCode,
    AccountFlags,
    Transfer,
    TransferCode,
    TransferFlags,
)

R = TransferResultCode
T = TypeVar("T")

ACCOUNTS = cast(Table, Account.__table__)
TRANSFERS = cast(Table, Transfer.__table__)

# uuid5 namespace of every id the ledger derives from a business key.
NAMESPACE = uuid.UUID("5d3c1f0e-8a4b-5e62-9c1d-7f2a0b3e4d51")
MAX_AMOUNT = 10**15
MAX_BALANCE = 2**62
EXCLUSIVE = TransferFlags.PENDING | TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING
RESOLVING = TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING
KNOWN_CODES = frozenset(TransferCode)
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


class LedgerError(Unprocessable):
    """A transfer the ledger refused; `result` says why."""

    def __init__(self, result: TransferResult) -> None:
        super().__init__(f"transfer {result.id} refused: {result.code}", code=str(result.code))
        self.result = result


# --------------------------------------------------------------------------- ids


def transfer_id(key: str) -> uuid.UUID:
    """A deterministic transfer id from a business key, e.g. transfer_id(f"read:{read_id}")."""
    return uuid.uuid5(NAMESPACE, f"transfer:{key}")


def account_id(
    code: AccountCode, ledger: str = POINTS, owner_id: uuid.UUID | None = None
) -> uuid.UUID:
    """The deterministic id of the account (code, ledger, owner), as ensure_account makes it."""
    return uuid.uuid5(NAMESPACE, f"account:{ledger}:{code}:{owner_id or ''}")


# --------------------------------------------------------------------------- accounts


def _insert(conn: Connection) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert


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
            _insert(conn)(ACCOUNTS)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(ACCOUNTS.c.id)
        )
        for row in rows.values():
            if conn.execute(stmt, row).first() is not None:
                inserted.add(row["id"])
    stored = _load_accounts(conn, rows.keys()) if rows else {}
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
    if _flags_of(row) != spec.flags:
        return AccountResultCode.EXISTS_WITH_DIFFERENT_FLAGS
    return AccountResultCode.EXISTS


def _flags_of(row: Any) -> AccountFlags:
    flags = AccountFlags.NONE
    if row.debits_must_not_exceed_credits:
        flags |= AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    if row.credits_must_not_exceed_debits:
        flags |= AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
    return flags


def _load_accounts(conn: Connection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Any]:
    rows = conn.execute(select(ACCOUNTS).where(ACCOUNTS.c.id.in_(list(ids))))
    return {row.id: row for row in rows}


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
    existing = _load_accounts(conn, [spec.id]).get(spec.id)
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


def system_account(session: Session, code: AccountCode, ledger: str = POINTS) -> uuid.UUID:
    """The id of a ledger's single account of a kind (funding, redemption, expiry...)."""
    return ensure_account(session, code, ledger)


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


def transfer(
    session: Session, spec: TransferSpec, *, now: datetime | None = None
) -> TransferResult:
    """Create one transfer; raise LedgerError unless it is in the ledger (ok or exists)."""
    result = create_transfers(session, [spec], now=now)[0]
    if not result.ok:
        raise LedgerError(result)
    return result


def reverse(
    session: Session,
    transfer_id: uuid.UUID,
    new_id: uuid.UUID,
    *,
    metadata: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> TransferResult:
    """Reverse a posted transfer with a new transfer the other way (at most once)."""
    spec = TransferSpec(
        id=new_id, reversal_of=transfer_id, code=TransferCode.REVERSAL, metadata=metadata
    )
    return create_transfers(session, [spec], now=now)[0]


# --------------------------------------------------------------------------- transfers


@dataclass(slots=True)
class _Row:
    """A transfer as the batch sees it (stored, or created earlier in the batch)."""

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


@dataclass(slots=True)
class _Acct:
    id: uuid.UUID
    ledger: str
    dflag: bool
    cflag: bool
    dp: int
    dpo: int
    cp: int
    cpo: int
    start: tuple[int, int, int, int]

    def violation(self) -> TransferResultCode | None:
        if self.dflag and self.dp + self.dpo > self.cpo:
            return R.EXCEEDS_CREDITS
        if self.cflag and self.cp + self.cpo > self.dpo:
            return R.EXCEEDS_DEBITS
        if max(self.dp, self.dpo, self.cp, self.cpo) > MAX_BALANCE:
            return R.OVERFLOWS_BALANCE
        return None


_TRANSFER_COLUMNS = [
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
_SELECT_TRANSFERS = select(*_TRANSFER_COLUMNS).where(
    TRANSFERS.c.id.in_(bindparam("ids", expanding=True))
)
_LOCK_ACCOUNTS = (
    select(
        ACCOUNTS.c.id,
        ACCOUNTS.c.ledger,
        ACCOUNTS.c.debits_must_not_exceed_credits,
        ACCOUNTS.c.credits_must_not_exceed_debits,
        ACCOUNTS.c.debits_pending,
        ACCOUNTS.c.debits_posted,
        ACCOUNTS.c.credits_pending,
        ACCOUNTS.c.credits_posted,
    )
    .where(ACCOUNTS.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(ACCOUNTS.c.id)
    .with_for_update()
)
_RESOLUTIONS = select(
    TRANSFERS.c.id,
    TRANSFERS.c.pending_id,
    TRANSFERS.c.reversal_of,
    TRANSFERS.c.flags,
    TRANSFERS.c.code,
).where(
    or_(
        TRANSFERS.c.pending_id.in_(bindparam("pids", expanding=True)),
        TRANSFERS.c.reversal_of.in_(bindparam("rids", expanding=True)),
    )
)
_UPDATE_BALANCES = (
    update(ACCOUNTS)
    .where(ACCOUNTS.c.id == bindparam("aid"))
    .values(
        debits_pending=ACCOUNTS.c.debits_pending + bindparam("d_dp"),
        debits_posted=ACCOUNTS.c.debits_posted + bindparam("d_dpo"),
        credits_pending=ACCOUNTS.c.credits_pending + bindparam("d_cp"),
        credits_posted=ACCOUNTS.c.credits_posted + bindparam("d_cpo"),
    )
)


def _load_rows(conn: Connection, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, _Row]:
    id_list = list(ids)
    if not id_list:
        return {}
    return {r.id: _Row(*r) for r in conn.execute(_SELECT_TRANSFERS, {"ids": id_list})}


def _static_check(spec: TransferSpec) -> TransferResultCode | None:
    """Checks that need no database: the shape of the transfer."""
    flags = spec.flags
    if spec.id.int == 0:
        return R.ID_MUST_NOT_BE_ZERO
    if bin(int(flags & EXCLUSIVE)).count("1") > 1 or (spec.reversal_of and flags & EXCLUSIVE):
        return R.FLAGS_ARE_MUTUALLY_EXCLUSIVE
    if spec.metadata is not None and not isinstance(spec.metadata, dict):
        return R.METADATA_MUST_BE_AN_OBJECT
    if spec.code is not None and spec.code not in KNOWN_CODES:
        return R.CODE_UNKNOWN
    if spec.amount is not None and spec.amount > MAX_AMOUNT:
        return R.AMOUNT_TOO_LARGE
    if flags & RESOLVING:
        if spec.pending_id is None or spec.pending_id.int == 0:
            return R.PENDING_ID_MUST_NOT_BE_ZERO
        if spec.pending_id == spec.id:
            return R.PENDING_ID_MUST_BE_DIFFERENT
        if spec.timeout_s is not None:
            return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if spec.amount is not None and spec.amount <= 0:
            return R.AMOUNT_MUST_BE_POSITIVE
        return None
    if spec.pending_id is not None:
        return R.PENDING_ID_MUST_BE_ZERO
    if spec.reversal_of is not None:
        if spec.reversal_of == spec.id:
            return R.REVERSAL_OF_MUST_BE_DIFFERENT
        if spec.timeout_s is not None:
            return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if spec.amount is not None and spec.amount <= 0:
            return R.AMOUNT_MUST_BE_POSITIVE
        return None
    if spec.debit_account_id is None or spec.debit_account_id.int == 0:
        return R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
    if spec.credit_account_id is None or spec.credit_account_id.int == 0:
        return R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
    if spec.debit_account_id == spec.credit_account_id:
        return R.ACCOUNTS_MUST_BE_DIFFERENT
    if spec.amount is None or spec.amount <= 0:
        return R.AMOUNT_MUST_BE_POSITIVE
    if spec.code is None:
        return R.CODE_MUST_NOT_BE_ZERO
    if spec.timeout_s is not None:
        if not flags & TransferFlags.PENDING:
            return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if spec.timeout_s <= 0:
            return R.TIMEOUT_MUST_BE_POSITIVE
    return None


def _compare(spec: TransferSpec, row: _Row) -> TransferResultCode:
    """`exists` when a transfer with this id carries the same fields, else what differs."""
    if int(spec.flags) != row.flags:
        return R.EXISTS_WITH_DIFFERENT_FLAGS
    if spec.pending_id != row.pending_id:
        return R.EXISTS_WITH_DIFFERENT_PENDING_ID
    if spec.timeout_s != row.timeout_s:
        return R.EXISTS_WITH_DIFFERENT_TIMEOUT
    if spec.debit_account_id is not None and spec.debit_account_id != row.debit_account_id:
        return R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID
    if spec.credit_account_id is not None and spec.credit_account_id != row.credit_account_id:
        return R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID
    if spec.amount is not None and spec.amount != row.amount:
        return R.EXISTS_WITH_DIFFERENT_AMOUNT
    if spec.ledger is not None and spec.ledger != row.ledger:
        return R.EXISTS_WITH_DIFFERENT_LEDGER
    if spec.code is not None and spec.code != row.code:
        return R.EXISTS_WITH_DIFFERENT_CODE
    if (spec.metadata or {}) != (row.metadata or {}):
        return R.EXISTS_WITH_DIFFERENT_METADATA
    if spec.reversal_of != row.reversal_of:
        return R.EXISTS_WITH_DIFFERENT_REVERSAL_OF
    return R.EXISTS


class _Batch:
    """One call's view of the ledger: locked accounts, and the transfers it adds, in order."""

    def __init__(
        self,
        accounts: dict[uuid.UUID, _Acct],
        existing: dict[uuid.UUID, _Row],
        refs: dict[uuid.UUID, _Row],
        resolutions: dict[uuid.UUID, tuple[int, str]],
        reversed_ids: set[uuid.UUID],
        now: datetime,
    ) -> None:
        self.accounts = accounts
        self.existing = existing
        self.refs = refs
        self.resolutions = resolutions
        self.reversed = reversed_ids
        self.now = now
        self.new: list[_Row] = []
        self.created: dict[uuid.UUID, _Row] = {}

    # A linked chain is undone by restoring balances and dropping what it added.
    def mark(self) -> tuple[int, dict[uuid.UUID, tuple[int, int, int, int]]]:
        return len(self.new), {k: (a.dp, a.dpo, a.cp, a.cpo) for k, a in self.accounts.items()}

    def rollback(self, mark: tuple[int, dict[uuid.UUID, tuple[int, int, int, int]]]) -> None:
        length, balances = mark
        for row in self.new[length:]:
            del self.created[row.id]
            if row.pending_id is not None:
                self.resolutions.pop(row.pending_id, None)
            if row.reversal_of is not None:
                self.reversed.discard(row.reversal_of)
        del self.new[length:]
        for key, (dp, dpo, cp, cpo) in balances.items():
            acct = self.accounts[key]
            acct.dp, acct.dpo, acct.cp, acct.cpo = dp, dpo, cp, cpo

    def apply(self, spec: TransferSpec, index: int) -> TransferResultCode:
        row = self.created.get(spec.id) or self.existing.get(spec.id)
        if row is not None:
            return _compare(spec, row)
        if spec.flags & RESOLVING:
            return self._resolve(spec, index)
        if spec.reversal_of is not None:
            return self._reverse(spec, index)
        debit = self.accounts.get(spec.debit_account_id)  # type: ignore[arg-type]
        credit = self.accounts.get(spec.credit_account_id)  # type: ignore[arg-type]
        if debit is None:
            return R.DEBIT_ACCOUNT_NOT_FOUND
        if credit is None:
            return R.CREDIT_ACCOUNT_NOT_FOUND
        if debit.ledger != credit.ledger:
            return R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
        if spec.ledger is not None and spec.ledger != debit.ledger:
            return R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS
        amount = spec.amount or 0
        pending = bool(spec.flags & TransferFlags.PENDING)
        code = self._move(debit, credit, amount, pending=pending)
        if code is not R.OK:
            return code
        created_at = self._stamp(index)
        expires_at = None
        if pending and spec.timeout_s:
            expires_at = created_at + timedelta(seconds=spec.timeout_s)
        self._add(
            _Row(
                spec.id,
                debit.id,
                credit.id,
                amount,
                debit.ledger,
                str(spec.code),
                int(spec.flags),
                None,
                None,
                spec.timeout_s,
                expires_at,
                dict(spec.metadata or {}),
                created_at,
            )
        )
        return R.OK

    def _resolve(self, spec: TransferSpec, index: int) -> TransferResultCode:
        assert spec.pending_id is not None
        pend = self.created.get(spec.pending_id) or self.refs.get(spec.pending_id)
        if pend is None:
            return R.PENDING_TRANSFER_NOT_FOUND
        if not pend.flags & TransferFlags.PENDING:
            return R.PENDING_TRANSFER_NOT_PENDING
        if spec.debit_account_id is not None and spec.debit_account_id != pend.debit_account_id:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID
        if spec.credit_account_id is not None and spec.credit_account_id != pend.credit_account_id:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID
        if spec.ledger is not None and spec.ledger != pend.ledger:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER
        post = bool(spec.flags & TransferFlags.POST_PENDING)
        amount = pend.amount if spec.amount is None else spec.amount
        if post and amount > pend.amount:
            return R.EXCEEDS_PENDING_TRANSFER_AMOUNT
        if not post and amount != pend.amount:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
        resolution = self.resolutions.get(pend.id)
        if resolution is not None:
            flags, code = resolution
            if flags & TransferFlags.POST_PENDING:
                return R.PENDING_TRANSFER_ALREADY_POSTED
            if code == TransferCode.PENDING_TIMEOUT:
                return R.PENDING_TRANSFER_EXPIRED
            return R.PENDING_TRANSFER_ALREADY_VOIDED
        expired = pend.expires_at is not None and pend.expires_at <= self.now
        timeout_void = not post and spec.code == TransferCode.PENDING_TIMEOUT
        if expired and not timeout_void:
            return R.PENDING_TRANSFER_EXPIRED
        if timeout_void and not expired:
            return R.PENDING_TRANSFER_NOT_EXPIRED
        debit = self.accounts[pend.debit_account_id]
        credit = self.accounts[pend.credit_account_id]
        debit.dp -= pend.amount
        credit.cp -= pend.amount
        if post:
            code = self._move(debit, credit, amount, pending=False)
            if code is not R.OK:
                debit.dp += pend.amount
                credit.cp += pend.amount
                return code
        self._add(
            _Row(
                spec.id,
                debit.id,
                credit.id,
                amount,
                pend.ledger,
                str(spec.code or pend.code),
                int(spec.flags),
                pend.id,
                None,
                None,
                None,
                dict(spec.metadata or {}),
                self._stamp(index),
            )
        )
        return R.OK

    def _reverse(self, spec: TransferSpec, index: int) -> TransferResultCode:
        assert spec.reversal_of is not None
        orig = self.created.get(spec.reversal_of) or self.refs.get(spec.reversal_of)
        if orig is None:
            return R.REVERSED_TRANSFER_NOT_FOUND
        if orig.flags & NOT_POSTED:
            return R.REVERSED_TRANSFER_NOT_POSTED
        if (spec.debit_account_id not in (None, orig.credit_account_id)) or (
            spec.credit_account_id not in (None, orig.debit_account_id)
        ):
            return R.REVERSAL_HAS_DIFFERENT_ACCOUNTS
        if spec.amount is not None and spec.amount != orig.amount:
            return R.REVERSAL_HAS_DIFFERENT_AMOUNT
        if spec.ledger is not None and spec.ledger != orig.ledger:
            return R.REVERSAL_HAS_DIFFERENT_LEDGER
        if orig.id in self.reversed:
            return R.REVERSED_TRANSFER_ALREADY_REVERSED
        debit = self.accounts[orig.credit_account_id]
        credit = self.accounts[orig.debit_account_id]
        code = self._move(debit, credit, orig.amount, pending=False)
        if code is not R.OK:
            return code
        self._add(
            _Row(
                spec.id,
                debit.id,
                credit.id,
                orig.amount,
                orig.ledger,
                str(spec.code or TransferCode.REVERSAL),
                int(spec.flags),
                None,
                orig.id,
                None,
                None,
                dict(spec.metadata or {}),
                self._stamp(index),
            )
        )
        return R.OK

    @staticmethod
    def _move(debit: _Acct, credit: _Acct, amount: int, *, pending: bool) -> TransferResultCode:
        if pending:
            debit.dp += amount
            credit.cp += amount
        else:
            debit.dpo += amount
            credit.cpo += amount
        code = debit.violation() or credit.violation()
        if code is None:
            return R.OK
        if pending:
            debit.dp -= amount
            credit.cp -= amount
        else:
            debit.dpo -= amount
            credit.cpo -= amount
        return code

    def _stamp(self, index: int) -> datetime:
        # Server time, one microsecond apart within a batch so statements keep batch order.
        return self.now + timedelta(microseconds=index)

    def _add(self, row: _Row) -> None:
        self.new.append(row)
        self.created[row.id] = row
        if row.pending_id is not None:
            self.resolutions[row.pending_id] = (row.flags, row.code)
        if row.reversal_of is not None:
            self.reversed.add(row.reversal_of)


def create_transfers(
    session: Session, batch: Sequence[TransferSpec], *, now: datetime | None = None
) -> list[TransferResult]:
    """Create a batch of transfers; one result per transfer, TigerBeetle-style."""
    if not batch:
        return []
    conn = session.connection()
    now = now or utcnow()
    static = [_static_check(spec) for spec in batch]

    # Transfers referred to (pending, reversed) never change: read them before locking.
    ref_ids: set[uuid.UUID] = set()
    for spec, bad in zip(batch, static, strict=True):
        if bad is None:
            if spec.flags & RESOLVING and spec.pending_id is not None:
                ref_ids.add(spec.pending_id)
            elif spec.reversal_of is not None:
                ref_ids.add(spec.reversal_of)
    refs = _load_rows(conn, ref_ids)
    account_ids: set[uuid.UUID] = set()
    for spec in batch:
        if spec.debit_account_id is not None:
            account_ids.add(spec.debit_account_id)
        if spec.credit_account_id is not None:
            account_ids.add(spec.credit_account_id)
    for ref in refs.values():
        account_ids.add(ref.debit_account_id)
        account_ids.add(ref.credit_account_id)

    # Lock every account in id order; what follows reads the latest committed state.
    accounts: dict[uuid.UUID, _Acct] = {}
    if account_ids:
        for r in conn.execute(_LOCK_ACCOUNTS, {"ids": sorted(account_ids)}):
            start = (r[4], r[5], r[6], r[7])
            accounts[r[0]] = _Acct(r[0], r[1], bool(r[2]), bool(r[3]), *start, start)
    existing = _load_rows(conn, {spec.id for spec in batch})
    resolutions: dict[uuid.UUID, tuple[int, str]] = {}
    reversed_ids: set[uuid.UUID] = set()
    if refs:
        pids = [k for k, v in refs.items() if v.flags & TransferFlags.PENDING]
        params = {"pids": pids, "rids": list(refs)}
        for res in conn.execute(_RESOLUTIONS, params):
            if res.pending_id is not None:
                resolutions[res.pending_id] = (res.flags, res.code)
            if res.reversal_of is not None:
                reversed_ids.add(res.reversal_of)

    state = _Batch(accounts, existing, refs, resolutions, reversed_ids, now)
    codes = _run(state, batch, static)
    _write(conn, state)
    return [TransferResult(spec.id, code) for spec, code in zip(batch, codes, strict=True)]


def _run(
    state: _Batch, batch: Sequence[TransferSpec], static: list[TransferResultCode | None]
) -> list[TransferResultCode]:
    """Apply transfers in order; a linked chain succeeds or fails as one."""
    codes: list[TransferResultCode] = []
    chain_start: int | None = None
    mark = None
    last = len(batch) - 1
    for i, spec in enumerate(batch):
        linked = bool(spec.flags & TransferFlags.LINKED)
        if chain_start is None and linked:
            chain_start, mark = i, state.mark()
        if chain_start is not None and _chain_failed(codes[chain_start:]):
            codes.append(R.LINKED_EVENT_FAILED)
        else:
            codes.append(static[i] or state.apply(spec, i))
        if linked and i == last:
            codes[i] = R.LINKED_EVENT_CHAIN_OPEN
        if chain_start is not None and (not linked or i == last):
            chain = codes[chain_start:]
            if _chain_failed(chain) or (R.EXISTS in chain and R.OK in chain):
                assert mark is not None
                state.rollback(mark)
                for j in range(chain_start, i + 1):
                    if codes[j] is R.OK:
                        codes[j] = R.LINKED_EVENT_FAILED
            chain_start = mark = None
    return codes


def _chain_failed(codes: list[TransferResultCode]) -> bool:
    return any(c not in (R.OK, R.EXISTS, R.LINKED_EVENT_FAILED) for c in codes)


def _write(conn: Connection, state: _Batch) -> None:
    if not state.new:
        return
    conn.execute(TRANSFERS.insert(), [row.as_insert() for row in state.new])
    changes: list[dict[str, Any]] = []
    for acct in state.accounts.values():
        dp, dpo, cp, cpo = acct.start
        if (acct.dp, acct.dpo, acct.cp, acct.cpo) != acct.start:
            changes.append(
                {
                    "aid": acct.id,
                    "d_dp": acct.dp - dp,
                    "d_dpo": acct.dpo - dpo,
                    "d_cp": acct.cp - cp,
                    "d_cpo": acct.cpo - cpo,
                }
            )
    if changes:
        changes.sort(key=lambda c: c["aid"])
        conn.execute(_UPDATE_BALANCES, changes)


# --------------------------------------------------------------------------- retries


RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def is_retryable(exc: BaseException) -> bool:
    """True for the errors a fresh transaction can cure: serialization, deadlock, races."""
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None)
    if state in RETRYABLE_SQLSTATES:
        return True
    if state == "23505":  # a concurrent twin inserted the same id first
        name = getattr(getattr(orig, "diag", None), "constraint_name", "") or ""
        return name.startswith(("pk_ledger_", "uq_ledger_"))
    return "database is locked" in str(orig or "")


def run_in_transaction(
    database: Database, work: Callable[[Session], T], *, attempts: int = 10
) -> T:
    """Run work(session) in a write transaction, again in a fresh one when the database asks."""
    for attempt in range(attempts):
        try:
            with database.session(write=True) as session:
                return work(session)
        except DBAPIError as exc:
            if attempt == attempts - 1 or not is_retryable(exc):
                raise
            time.sleep(random.uniform(0, min(0.1, 0.002 * 2**attempt)))
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- reading


def balance(session: Session, account_id: uuid.UUID) -> Balance:
    """An account's balances; NotFound when there is no such account."""
    row = _load_accounts(session.connection(), [account_id]).get(account_id)
    if row is None:
        raise NotFound(f"no ledger account {account_id}")
    return _balance(row)


def _balance(row: Any) -> Balance:
    return Balance(
        account_id=row.id,
        code=row.code,
        ledger=row.ledger,
        owner_id=row.owner_id,
        flags=_flags_of(row),
        debits_pending=row.debits_pending,
        debits_posted=row.debits_posted,
        credits_pending=row.credits_pending,
        credits_posted=row.credits_posted,
        created_at=row.created_at,
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


def statement(session: Session, account_id: uuid.UUID, limit: int = 50) -> Statement:
    """An account's balances and its latest transfers, newest first."""
    conn = session.connection()
    bal = balance(session, account_id)
    c = TRANSFERS.c
    stmt = (
        select(*_TRANSFER_COLUMNS)
        .where(or_(c.debit_account_id == account_id, c.credit_account_id == account_id))
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(limit)
    )
    lines = []
    for r in conn.execute(stmt):
        row = _Row(*r)
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


# --------------------------------------------------------------------------- expiry

# Lots: every posted credit to a wallet is a lot dated by its UTC day. Spending consumes the
# oldest lot first, so what is left of the lots follows from two sums: the credits up to a
# lot and the wallet's posted debits (FIFO). No lot row needs updating when points are spent.


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


def _fifo_lots(
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
    return _fifo_lots(credits, bal.debits_posted, expiry_days)


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
        list(conn.execute(_LOCK_ACCOUNTS, {"ids": sorted([*ids, sink])}))
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


# --------------------------------------------------------------------------- audit


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
        lots = _fifo_lots(sorted(credits_by_wallet[w.id]), w.debits_posted, expiry_days)
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
