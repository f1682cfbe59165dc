"""What callers hand the ledger and what it answers: plain dataclasses and result codes."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from readtoearn.ledger.models import POINTS, AccountCode, AccountFlags, TransferCode, TransferFlags


class TransferResultCode(enum.StrEnum):
    """The outcome of one transfer, after TigerBeetle's result codes."""

    OK = "ok"
    EXISTS = "exists"
    EXISTS_WITH_DIFFERENT_FLAGS = "exists_with_different_flags"
    EXISTS_WITH_DIFFERENT_PENDING_ID = "exists_with_different_pending_id"
    EXISTS_WITH_DIFFERENT_TIMEOUT = "exists_with_different_timeout"
    EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID = "exists_with_different_debit_account_id"
    EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID = "exists_with_different_credit_account_id"
    EXISTS_WITH_DIFFERENT_AMOUNT = "exists_with_different_amount"
    EXISTS_WITH_DIFFERENT_LEDGER = "exists_with_different_ledger"
    EXISTS_WITH_DIFFERENT_CODE = "exists_with_different_code"
    EXISTS_WITH_DIFFERENT_METADATA = "exists_with_different_metadata"
    EXISTS_WITH_DIFFERENT_REVERSAL_OF = "exists_with_different_reversal_of"
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    ID_MUST_NOT_BE_ZERO = "id_must_not_be_zero"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO = "debit_account_id_must_not_be_zero"
    CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO = "credit_account_id_must_not_be_zero"
    ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
    PENDING_ID_MUST_BE_ZERO = "pending_id_must_be_zero"
    PENDING_ID_MUST_NOT_BE_ZERO = "pending_id_must_not_be_zero"
    PENDING_ID_MUST_BE_DIFFERENT = "pending_id_must_be_different"
    REVERSAL_OF_MUST_BE_DIFFERENT = "reversal_of_must_be_different"
    TIMEOUT_RESERVED_FOR_PENDING_TRANSFER = "timeout_reserved_for_pending_transfer"
    TIMEOUT_MUST_BE_POSITIVE = "timeout_must_be_positive"
    AMOUNT_MUST_BE_POSITIVE = "amount_must_be_positive"
    AMOUNT_TOO_LARGE = "amount_too_large"
    CODE_MUST_NOT_BE_ZERO = "code_must_not_be_zero"
    CODE_UNKNOWN = "code_unknown"
    METADATA_MUST_BE_AN_OBJECT = "metadata_must_be_an_object"
    DEBIT_ACCOUNT_NOT_FOUND = "debit_account_not_found"
    CREDIT_ACCOUNT_NOT_FOUND = "credit_account_not_found"
    ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER = "accounts_must_have_the_same_ledger"
    TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS = (
        "transfer_must_have_the_same_ledger_as_accounts"
    )
    PENDING_TRANSFER_NOT_FOUND = "pending_transfer_not_found"
    PENDING_TRANSFER_NOT_PENDING = "pending_transfer_not_pending"
    PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID = (
        "pending_transfer_has_different_debit_account_id"
    )
    PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID = (
        "pending_transfer_has_different_credit_account_id"
    )
    PENDING_TRANSFER_HAS_DIFFERENT_LEDGER = "pending_transfer_has_different_ledger"
    PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT = "pending_transfer_has_different_amount"
    EXCEEDS_PENDING_TRANSFER_AMOUNT = "exceeds_pending_transfer_amount"
    PENDING_TRANSFER_ALREADY_POSTED = "pending_transfer_already_posted"
    PENDING_TRANSFER_ALREADY_VOIDED = "pending_transfer_already_voided"
    PENDING_TRANSFER_EXPIRED = "pending_transfer_expired"
    PENDING_TRANSFER_NOT_EXPIRED = "pending_transfer_not_expired"
    REVERSED_TRANSFER_NOT_FOUND = "reversed_transfer_not_found"
    REVERSED_TRANSFER_NOT_POSTED = "reversed_transfer_not_posted"
    REVERSED_TRANSFER_ALREADY_REVERSED = "reversed_transfer_already_reversed"
    REVERSAL_HAS_DIFFERENT_ACCOUNTS = "reversal_has_different_accounts"
    REVERSAL_HAS_DIFFERENT_AMOUNT = "reversal_has_different_amount"
    REVERSAL_HAS_DIFFERENT_LEDGER = "reversal_has_different_ledger"
    DEBIT_ACCOUNT_FROZEN = "debit_account_frozen"
    CREDIT_ACCOUNT_FROZEN = "credit_account_frozen"
    EXCEEDS_CREDITS = "exceeds_credits"
    EXCEEDS_DEBITS = "exceeds_debits"
    OVERFLOWS_BALANCE = "overflows_balance"


class AccountResultCode(enum.StrEnum):
    OK = "ok"
    EXISTS = "exists"
    EXISTS_WITH_DIFFERENT_CODE = "exists_with_different_code"
    EXISTS_WITH_DIFFERENT_LEDGER = "exists_with_different_ledger"
    EXISTS_WITH_DIFFERENT_OWNER_ID = "exists_with_different_owner_id"
    EXISTS_WITH_DIFFERENT_FLAGS = "exists_with_different_flags"
    ID_MUST_NOT_BE_ZERO = "id_must_not_be_zero"
    LEDGER_MUST_NOT_BE_EMPTY = "ledger_must_not_be_empty"
    CODE_UNKNOWN = "code_unknown"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """An account to create; creating it again with the same fields answers `exists`."""

    id: uuid.UUID
    code: AccountCode
    ledger: str = POINTS
    owner_id: uuid.UUID | None = None
    flags: AccountFlags = AccountFlags.NONE


@dataclass(frozen=True, slots=True)
class AccountResult:
    id: uuid.UUID
    code: AccountResultCode

    @property
    def ok(self) -> bool:
        return self.code in (AccountResultCode.OK, AccountResultCode.EXISTS)


@dataclass(frozen=True, slots=True)
class TransferSpec:
    """A transfer to create; `id` is the idempotency key (see docs/ledger.md).

    For post_pending / void_pending transfers, and for reversals (`reversal_of`), the accounts,
    amount, ledger and code may be left out: they are taken from the transfer referred to.
    """

    id: uuid.UUID
    debit_account_id: uuid.UUID | None = None
    credit_account_id: uuid.UUID | None = None
    amount: int | None = None
    code: TransferCode | None = None
    ledger: str | None = None
    flags: TransferFlags = TransferFlags.NONE
    pending_id: uuid.UUID | None = None
    reversal_of: uuid.UUID | None = None
    timeout_s: int | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class TransferResult:
    id: uuid.UUID
    code: TransferResultCode

    @property
    def ok(self) -> bool:
        """True when the transfer is in the ledger (created now, or by an earlier call)."""
        return self.code in (TransferResultCode.OK, TransferResultCode.EXISTS)

    @property
    def created(self) -> bool:
        return self.code is TransferResultCode.OK


@dataclass(frozen=True, slots=True)
class Credit:
    """What crediting a reader did: its transfer and the ledger's answer."""

    transfer_id: uuid.UUID
    code: TransferResultCode

    @property
    def ok(self) -> bool:
        """True when the reader is credited (now, or by an earlier call with the same id)."""
        return self.code in (TransferResultCode.OK, TransferResultCode.EXISTS)

    @property
    def created(self) -> bool:
        """True when this call made the credit."""
        return self.code is TransferResultCode.OK

    @property
    def budget_empty(self) -> bool:
        """True when the source (the budget, a sponsor) cannot pay: nothing was credited."""
        return self.code is TransferResultCode.EXCEEDS_CREDITS

    @property
    def frozen(self) -> bool:
        """True when the reader's wallet is frozen: nothing was credited."""
        return self.code is TransferResultCode.CREDIT_ACCOUNT_FROZEN


@dataclass(frozen=True, slots=True)
class Balance:
    """An account's four balances and what they mean for its owner."""

    account_id: uuid.UUID
    code: str
    ledger: str
    owner_id: uuid.UUID | None
    flags: AccountFlags
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    created_at: datetime
    frozen: bool = False

    @property
    def posted(self) -> int:
        """Posted credits minus posted debits."""
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        """What can be spent now: posted, less what is held by pending debits."""
        return self.credits_posted - self.debits_posted - self.debits_pending

    @property
    def pending(self) -> int:
        """Points on their way in (held credits)."""
        return self.credits_pending


@dataclass(frozen=True, slots=True)
class StatementLine:
    transfer_id: uuid.UUID
    created_at: datetime
    code: str
    kind: str  # posted, pending, post_pending, void_pending
    amount: int  # signed, from the account's side: credits are positive
    counterparty_id: uuid.UUID
    pending_id: uuid.UUID | None
    reversal_of: uuid.UUID | None
    metadata: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Statement:
    balance: Balance
    lines: list[StatementLine]


@dataclass(frozen=True, slots=True)
class Lot:
    """The points credited to a wallet on one day, and what is left of them (oldest spent first)."""

    day: date
    amount: int
    remaining: int
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    accounts: int
    points: int


@dataclass(frozen=True, slots=True)
class AuditProblem:
    check: str
    message: str


@dataclass
class AuditReport:
    """What `audit` checked and every broken invariant it found."""

    accounts: int = 0
    transfers: int = 0
    ledgers: int = 0
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        """A readable report, one line per problem."""
        head = (
            f"ledger audit: {self.accounts} accounts, {self.transfers} transfers, "
            f"{self.ledgers} ledgers"
        )
        if self.ok:
            return f"{head}: every invariant holds"
        lines = [f"{head}: {len(self.problems)} problem(s)"]
        lines += [f"  [{p.check}] {p.message}" for p in self.problems]
        return "\n".join(lines)
