"""The write path of the ledger: the only code that writes transfers (see docs/ledger.md).

Validation, account locks, pending transfers posted or voided, reversals and linked chains.
Every function takes the caller's session and works inside the caller's transaction. On SQLite
that transaction must be a write one (BEGIN IMMEDIATE); on PostgreSQL the accounts a batch touches
are locked with SELECT ... FOR UPDATE in id order, and `run_in_transaction` (readtoearn.db)
retries a unit of work when the database reports a serialization failure or a deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, update
from sqlalchemy.orm import Session

from readtoearn.db import utcnow
from readtoearn.errors import Forbidden, ReadToEarnError, Unprocessable
from readtoearn.ledger.accounts import NAMESPACE
from readtoearn.ledger.interfaces import TransferResult, TransferResultCode, TransferSpec
from readtoearn.ledger.models import NOT_POSTED, TransferCode, TransferFlags
from readtoearn.ledger.rows import (
    ACCOUNTS,
    TRANSFER_COLUMNS,
    TRANSFERS,
    TransferRow,
    load_transfers,
    lock_accounts,
)

R = TransferResultCode

MAX_AMOUNT = 10**15
MAX_BALANCE = 2**62
# Plain ints: IntFlag arithmetic is slow on the hot path.
PENDING = int(TransferFlags.PENDING)
POST_PENDING = int(TransferFlags.POST_PENDING)
LINKED = int(TransferFlags.LINKED)
EXCLUSIVE = int(TransferFlags.PENDING | TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING)
RESOLVING = int(TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING)
KNOWN_CODES = frozenset(TransferCode)
# What may still take points out of a frozen account: the clock's expiry and an operator's
# adjustment (taking points back, an erasure). Nothing else moves a frozen account's points but
# a hold voided and a reversal (see docs/ledger.md, "Frozen accounts").
FROZEN_DEBIT_CODES = frozenset({TransferCode.EXPIRY.value, TransferCode.ADJUSTMENT.value})


class LedgerError(Unprocessable):
    """A transfer the ledger refused; `result` says why."""

    def __init__(self, result: TransferResult) -> None:
        super().__init__(f"transfer {result.id} refused: {result.code}", code=str(result.code))
        self.result = result


FROZEN_CODES = frozenset({R.DEBIT_ACCOUNT_FROZEN, R.CREDIT_ACCOUNT_FROZEN})
FROZEN_MESSAGE = "this reader's account is frozen: it earns and spends no points until unfrozen"


class ReaderFrozen(Forbidden):
    """A transfer refused because the reader's wallet is frozen (see fraud/freezes.py)."""

    code = "reader_frozen"

    def __init__(self, message: str = FROZEN_MESSAGE) -> None:
        super().__init__(message)


def refusal(result: TransferResult) -> ReadToEarnError:
    """The error for a refused transfer: ReaderFrozen for a frozen wallet, else LedgerError."""
    if result.code in FROZEN_CODES:
        return ReaderFrozen()
    return LedgerError(result)


# --------------------------------------------------------------------------- ids


def transfer_id(key: str) -> uuid.UUID:
    """A deterministic transfer id from a business key, e.g. transfer_id(f"read:{read_id}")."""
    return uuid.uuid5(NAMESPACE, f"transfer:{key}")


def transfer(
    session: Session, spec: TransferSpec, *, now: datetime | None = None
) -> TransferResult:
    """Create one transfer; raise LedgerError unless it is in the ledger (ok or exists)."""
    result = create_transfers(session, [spec], now=now)[0]
    if not result.ok:
        raise refusal(result)
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
    frozen: bool = False

    def violation(self) -> TransferResultCode | None:
        if self.dflag and self.dp + self.dpo > self.cpo:
            return R.EXCEEDS_CREDITS
        if self.cflag and self.cp + self.cpo > self.dpo:
            return R.EXCEEDS_DEBITS
        if max(self.dp, self.dpo, self.cp, self.cpo) > MAX_BALANCE:
            return R.OVERFLOWS_BALANCE
        return None


_INSERT_IF_NEW = (
    TRANSFERS.insert()
    .from_select(
        [c.name for c in TRANSFER_COLUMNS],
        select(*[bindparam(c.name, type_=c.type) for c in TRANSFER_COLUMNS]).where(
            ~select(TRANSFERS.c.id).where(TRANSFERS.c.id == bindparam("id")).exists()
        ),
    )
    .returning(TRANSFERS.c.id)
)


def _fast_update(debit: bool, pending: bool, undo: bool = False) -> Any:
    a = ACCOUNTS.c
    column = {
        (True, True): a.debits_pending,
        (True, False): a.debits_posted,
        (False, True): a.credits_pending,
        (False, False): a.credits_posted,
    }[(debit, pending)]
    amount = bindparam("amt", type_=a.debits_posted.type)
    stmt = update(ACCOUNTS).where(a.id == bindparam("aid", type_=a.id.type))
    if undo:
        return stmt.values({column: column - amount})
    # A frozen account never takes the fast path: the general one knows what still passes.
    if debit:
        guard = or_(
            ~a.debits_must_not_exceed_credits,
            a.debits_pending + a.debits_posted + amount <= a.credits_posted,
        )
    else:
        guard = or_(
            ~a.credits_must_not_exceed_debits,
            a.credits_pending + a.credits_posted + amount <= a.debits_posted,
        )
    return (
        stmt.where(guard, ~a.frozen, column + amount <= MAX_BALANCE)
        .values({column: column + amount})
        .returning(a.ledger)
    )


# One plain transfer is applied with conditional UPDATEs in account-id order (the row locks),
# then the row is inserted if its id is new; anything unusual is undone and takes the long way.
_FAST = {(d, p): _fast_update(d, p) for d in (True, False) for p in (True, False)}
_FAST_UNDO = {(d, p): _fast_update(d, p, undo=True) for d in (True, False) for p in (True, False)}


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


def _static_check(spec: TransferSpec) -> TransferResultCode | None:
    """Checks that need no database: the shape of the transfer."""
    flags = int(spec.flags)
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


def _compare(spec: TransferSpec, row: TransferRow) -> TransferResultCode:
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
        existing: dict[uuid.UUID, TransferRow],
        refs: dict[uuid.UUID, TransferRow],
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
        self.new: list[TransferRow] = []
        self.created: dict[uuid.UUID, TransferRow] = {}

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
        if int(spec.flags) & RESOLVING:
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
        pending = bool(int(spec.flags) & PENDING)
        if debit.frozen and (pending or str(spec.code) not in FROZEN_DEBIT_CODES):
            return R.DEBIT_ACCOUNT_FROZEN
        if credit.frozen:
            return R.CREDIT_ACCOUNT_FROZEN
        code = self._move(debit, credit, amount, pending=pending)
        if code is not R.OK:
            return code
        created_at = self._stamp(index)
        expires_at = None
        if pending and spec.timeout_s:
            expires_at = created_at + timedelta(seconds=spec.timeout_s)
        self._add(
            TransferRow(
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
        post = bool(int(spec.flags) & POST_PENDING)
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
        # Voiding a hold moves no posted points: it passes a frozen account; posting does not.
        if post and debit.frozen:
            return R.DEBIT_ACCOUNT_FROZEN
        if post and credit.frozen:
            return R.CREDIT_ACCOUNT_FROZEN
        debit.dp -= pend.amount
        credit.cp -= pend.amount
        if post:
            code = self._move(debit, credit, amount, pending=False)
            if code is not R.OK:
                debit.dp += pend.amount
                credit.cp += pend.amount
                return code
        self._add(
            TransferRow(
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
            TransferRow(
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

    def _add(self, row: TransferRow) -> None:
        self.new.append(row)
        self.created[row.id] = row
        if row.pending_id is not None:
            self.resolutions[row.pending_id] = (row.flags, row.code)
        if row.reversal_of is not None:
            self.reversed.add(row.reversal_of)


def _create_one(conn: Connection, spec: TransferSpec, now: datetime) -> TransferResult | None:
    """The fast path for one plain transfer; None when it must take the general path."""
    assert spec.debit_account_id and spec.credit_account_id and spec.amount
    pending = bool(int(spec.flags) & PENDING)
    steps = sorted([(spec.debit_account_id, True), (spec.credit_account_id, False)])
    done: list[tuple[uuid.UUID, bool]] = []
    ledgers: list[str] = []
    for aid, is_debit in steps:
        row = conn.execute(_FAST[(is_debit, pending)], {"aid": aid, "amt": spec.amount}).first()
        if row is None:
            break
        done.append((aid, is_debit))
        ledgers.append(row[0])
    else:
        if ledgers[0] == ledgers[1] and spec.ledger in (None, ledgers[0]):
            expires_at = None
            if pending and spec.timeout_s:
                expires_at = now + timedelta(seconds=spec.timeout_s)
            new = TransferRow(
                spec.id,
                spec.debit_account_id,
                spec.credit_account_id,
                spec.amount,
                ledgers[0],
                str(spec.code),
                int(spec.flags),
                None,
                None,
                spec.timeout_s,
                expires_at,
                dict(spec.metadata or {}),
                now,
            )
            if conn.execute(_INSERT_IF_NEW, new.as_insert()).first():
                return TransferResult(spec.id, R.OK)
    for aid, is_debit in done:
        conn.execute(_FAST_UNDO[(is_debit, pending)], {"aid": aid, "amt": spec.amount})
    return None


def create_transfers(
    session: Session, batch: Sequence[TransferSpec], *, now: datetime | None = None
) -> list[TransferResult]:
    """Create a batch of transfers; one result per transfer, TigerBeetle-style."""
    return create_transfer_groups(session, [batch], now=now)[0]


def create_transfer_groups(
    session: Session, groups: Sequence[Sequence[TransferSpec]], *, now: datetime | None = None
) -> list[list[TransferResult]]:
    """Create several callers' batches in one pass; each gets the results it would have had
    from its own `create_transfers` call made after the groups before it (a linked chain never
    runs on from one group into the next)."""
    batch = [spec for group in groups for spec in group]
    ends: set[int] = set()  # the index of each group's last transfer
    position = 0
    for group in groups:
        position += len(group)
        if group:
            ends.add(position - 1)
    results = _create(session, batch, ends, now)
    out: list[list[TransferResult]] = []
    start = 0
    for group in groups:
        out.append(results[start : start + len(group)])
        start += len(group)
    return out


def _create(
    session: Session, batch: list[TransferSpec], ends: set[int], now: datetime | None
) -> list[TransferResult]:
    if not batch:
        return []
    conn = session.connection()
    now = now or utcnow()
    static = [_static_check(spec) for spec in batch]
    first = batch[0]
    if (
        len(batch) == 1
        and static[0] is None
        and not int(first.flags) & (RESOLVING | LINKED)
        and first.reversal_of is None
    ):
        result = _create_one(conn, first, now)
        if result is not None:
            return [result]

    # Transfers referred to (pending, reversed) never change: read them before locking.
    ref_ids: set[uuid.UUID] = set()
    for spec, bad in zip(batch, static, strict=True):
        if bad is None:
            if int(spec.flags) & RESOLVING and spec.pending_id is not None:
                ref_ids.add(spec.pending_id)
            elif spec.reversal_of is not None:
                ref_ids.add(spec.reversal_of)
    refs = load_transfers(conn, ref_ids)
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
        for r in lock_accounts(conn, sorted(account_ids)):
            start = (r[4], r[5], r[6], r[7])
            accounts[r[0]] = _Acct(r[0], r[1], bool(r[2]), bool(r[3]), *start, start, bool(r[8]))
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

    if len(batch) == 1:
        # The common case, in one statement fewer: assume the id is new and insert the row
        # only if no transfer has that id; when one has, start again knowing it.
        state = _Batch(accounts, {}, refs, dict(resolutions), set(reversed_ids), now)
        codes = _run(state, batch, static, ends)
        if len(state.new) == 1 and conn.execute(_INSERT_IF_NEW, state.new[0].as_insert()).first():
            _update_balances(conn, state)
            return [TransferResult(batch[0].id, codes[0])]
        for acct in accounts.values():
            acct.dp, acct.dpo, acct.cp, acct.cpo = acct.start

    existing = load_transfers(conn, {spec.id for spec in batch})
    state = _Batch(accounts, existing, refs, resolutions, reversed_ids, now)
    codes = _run(state, batch, static, ends)
    if state.new:
        conn.execute(TRANSFERS.insert(), [row.as_insert() for row in state.new])
        _update_balances(conn, state)
    return [TransferResult(spec.id, code) for spec, code in zip(batch, codes, strict=True)]


def _run(
    state: _Batch,
    batch: Sequence[TransferSpec],
    static: list[TransferResultCode | None],
    ends: set[int],
) -> list[TransferResultCode]:
    """Apply transfers in order; a linked chain succeeds or fails as one, and is left open
    when its caller's group (`ends`: the index of each group's last transfer) ends in it."""
    codes: list[TransferResultCode] = []
    chain_start: int | None = None
    mark = None
    for i, spec in enumerate(batch):
        last = i in ends
        linked = bool(int(spec.flags) & LINKED)
        if chain_start is None and linked:
            chain_start, mark = i, state.mark()
        if chain_start is not None and _chain_failed(codes[chain_start:]):
            codes.append(R.LINKED_EVENT_FAILED)
        else:
            codes.append(static[i] or state.apply(spec, i))
        if linked and last:
            codes[i] = R.LINKED_EVENT_CHAIN_OPEN
        if chain_start is not None and (not linked or last):
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


def _update_balances(conn: Connection, state: _Batch) -> None:
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
