"""The points ledger's public face (see docs/ledger.md): other domains call this module only.

Its parts, each importing only what is below it:
- `rows`: the two tables as the code reads them (lowest);
- `accounts`: deterministic ids, creation, the well-known accounts;
- `transfers`: the write path, the only code that writes transfers;
- `credits`: funding the budget and crediting a reader (every point source), at once or in two
  halves for the group committer (`credit_reader_later`, `transfers_later`);
- `queries`: balances and statements; `expiry`: lots and the expiry sweep; `audit`: invariants.
"""

from __future__ import annotations

from readtoearn.db import is_retryable, run_in_transaction
from readtoearn.ledger.accounts import (
    account_id,
    create_accounts,
    ensure_account,
    freeze_account,
    get_or_create_wallet,
    is_frozen,
    lock_programme_budget,
    programme_budget,
    system_account,
    unfreeze_account,
)
from readtoearn.ledger.audit import audit
from readtoearn.ledger.credits import (
    credit_of,
    credit_reader,
    credit_reader_later,
    fund_budget,
    plan_credit,
    transfers_later,
)
from readtoearn.ledger.expiry import (
    expire,
    expiry_cutoff,
    list_expiring,
    list_lots,
    void_expired_pending,
)
from readtoearn.ledger.interfaces import Credit
from readtoearn.ledger.models import AccountCode, AccountFlags, TransferCode, TransferFlags
from readtoearn.ledger.queries import (
    balance,
    count_earners_above,
    get_credits_by_code,
    get_transfer,
    list_accounts,
    list_credits,
    list_top_earners,
    list_transfers,
    list_wallet_owners_credited,
    statement,
)
from readtoearn.ledger.transfers import (
    FROZEN_CODES,
    LedgerError,
    ReaderFrozen,
    create_transfer_groups,
    create_transfers,
    refusal,
    reverse,
    transfer,
    transfer_id,
)

__all__ = [
    "FROZEN_CODES",
    "AccountCode",
    "AccountFlags",
    "Credit",
    "LedgerError",
    "ReaderFrozen",
    "TransferCode",
    "TransferFlags",
    "account_id",
    "audit",
    "balance",
    "count_earners_above",
    "create_accounts",
    "create_transfer_groups",
    "create_transfers",
    "credit_of",
    "credit_reader",
    "credit_reader_later",
    "ensure_account",
    "expire",
    "expiry_cutoff",
    "freeze_account",
    "fund_budget",
    "get_credits_by_code",
    "get_or_create_wallet",
    "get_transfer",
    "is_frozen",
    "is_retryable",
    "list_accounts",
    "list_credits",
    "list_expiring",
    "list_lots",
    "list_top_earners",
    "list_transfers",
    "list_wallet_owners_credited",
    "lock_programme_budget",
    "plan_credit",
    "programme_budget",
    "refusal",
    "reverse",
    "run_in_transaction",
    "statement",
    "system_account",
    "transfer",
    "transfer_id",
    "transfers_later",
    "unfreeze_account",
    "void_expired_pending",
]
