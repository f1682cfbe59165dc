"""Frozen accounts: what a frozen wallet refuses, what still passes, and that a frozen reader's
transfer fails alone in a shared ledger call."""

from __future__ import annotations

import pytest

from readtoearn.db import new_id
from readtoearn.errors import NotFound
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferResultCode as R
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import AccountCode, TransferCode, TransferFlags
from tests.unit.ledger.test_service import bal, codes, spec


@pytest.fixture
def accts(session):
    """A funded budget of 1,000 points, two empty wallets and the redemption sink."""
    assert ledger.fund_budget(session, 1000, new_id()).ok
    return {
        "budget": ledger.programme_budget(session),
        "alice": ledger.get_or_create_wallet(session, new_id()),
        "bob": ledger.get_or_create_wallet(session, new_id()),
        "sink": ledger.system_account(session, AccountCode.REDEMPTION),
    }


def test_a_frozen_wallet_earns_and_spends_nothing(session, accts) -> None:
    budget, alice, sink = accts["budget"], accts["alice"], accts["sink"]
    assert ledger.transfer(session, spec(budget, alice, 100)).ok
    assert ledger.freeze_account(session, alice) is True
    assert ledger.freeze_account(session, alice) is False  # already frozen: nothing changes
    assert bal(session, alice).frozen and ledger.is_frozen(session, alice)

    refused = ledger.create_transfers(
        session,
        [
            spec(budget, alice, 10),  # a read's reward
            spec(budget, alice, 10, flags=TransferFlags.PENDING),  # a held read
            spec(alice, sink, 10, code=TransferCode.REDEMPTION),  # a reward
            spec(alice, sink, 10, code=TransferCode.REDEMPTION, flags=TransferFlags.PENDING),
            spec(budget, alice, 10, code=TransferCode.ADJUSTMENT),  # a grant
        ],
    )
    assert codes(refused) == [
        R.CREDIT_ACCOUNT_FROZEN,
        R.CREDIT_ACCOUNT_FROZEN,
        R.DEBIT_ACCOUNT_FROZEN,
        R.DEBIT_ACCOUNT_FROZEN,
        R.CREDIT_ACCOUNT_FROZEN,
    ]
    b = bal(session, alice)
    assert (b.posted, b.pending, b.debits_pending) == (100, 0, 0)

    # An operator taking points back, and the clock's expiry, still pass.
    back = spec(alice, budget, 30, code=TransferCode.ADJUSTMENT)
    gone = spec(alice, accts["sink"], 20, code=TransferCode.EXPIRY)
    assert codes(ledger.create_transfers(session, [back])) == [R.OK]
    assert codes(ledger.create_transfers(session, [gone])) == [R.OK]
    assert bal(session, alice).posted == 50

    assert ledger.unfreeze_account(session, alice) is True
    assert ledger.unfreeze_account(session, alice) is False
    assert codes(ledger.create_transfers(session, [spec(budget, alice, 10)])) == [R.OK]
    assert bal(session, alice).posted == 60
    assert ledger.audit(session).ok


def test_a_hold_on_a_frozen_wallet_can_be_voided_not_posted(session, accts) -> None:
    budget, alice = accts["budget"], accts["alice"]
    held = spec(budget, alice, 40, flags=TransferFlags.PENDING)
    assert ledger.transfer(session, held).ok
    ledger.freeze_account(session, alice)
    post = TransferSpec(new_id(), flags=TransferFlags.POST_PENDING, pending_id=held.id)
    assert codes(ledger.create_transfers(session, [post])) == [R.CREDIT_ACCOUNT_FROZEN]
    assert bal(session, alice).pending == 40
    void = TransferSpec(new_id(), flags=TransferFlags.VOID_PENDING, pending_id=held.id)
    assert codes(ledger.create_transfers(session, [void])) == [R.OK]
    assert bal(session, alice).pending == 0


def test_a_reversal_passes_a_frozen_wallet(session, accts) -> None:
    budget, alice, sink = accts["budget"], accts["alice"], accts["sink"]
    assert ledger.transfer(session, spec(budget, alice, 50)).ok
    spent = spec(alice, sink, 20, code=TransferCode.REDEMPTION)
    assert ledger.transfer(session, spent).ok
    ledger.freeze_account(session, alice)
    # A redemption cancelled by an operator gives the points back, frozen or not.
    assert ledger.reverse(session, spent.id, new_id()).code is R.OK
    assert bal(session, alice).posted == 50


def test_an_earlier_transfer_repeated_is_still_there(session, accts) -> None:
    budget, alice = accts["budget"], accts["alice"]
    paid = spec(budget, alice, 10)
    assert ledger.transfer(session, paid).ok
    ledger.freeze_account(session, alice)
    assert codes(ledger.create_transfers(session, [paid])) == [R.EXISTS]


def test_a_frozen_reader_fails_alone_in_a_shared_call(session, accts) -> None:
    budget, alice, bob = accts["budget"], accts["alice"], accts["bob"]
    ledger.freeze_account(session, alice)
    groups = [[spec(budget, alice, 10)], [spec(budget, bob, 10)], [spec(budget, alice, 5)]]
    results = ledger.create_transfer_groups(session, groups)
    assert [codes(g) for g in results] == [
        [R.CREDIT_ACCOUNT_FROZEN],
        [R.OK],
        [R.CREDIT_ACCOUNT_FROZEN],
    ]
    assert bal(session, bob).posted == 10 and bal(session, alice).posted == 0


def test_crediting_a_frozen_reader_raises_reader_frozen(session, accts) -> None:
    reader = new_id()
    wallet = ledger.get_or_create_wallet(session, reader)
    ledger.freeze_account(session, wallet)
    kw = {"reader_id": reader, "amount": 5, "code": TransferCode.QUIZ_BONUS}
    with pytest.raises(ledger.ReaderFrozen) as refused:
        ledger.credit_reader(session, transfer_id=new_id(), **kw)
    assert refused.value.code == "reader_frozen"
    credit = ledger.credit_reader(session, transfer_id=new_id(), frozen_ok=True, **kw)
    assert credit.frozen and not credit.ok and not credit.budget_empty


def test_freezing_an_unknown_account_is_not_found(session) -> None:
    with pytest.raises(NotFound):
        ledger.freeze_account(session, ledger.account_id(AccountCode.WALLET, owner_id=new_id()))
