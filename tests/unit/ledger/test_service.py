"""The ledger's rules, transfer by transfer, on a real database (rolled back per test)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from readtoearn.db import new_id
from readtoearn.errors import NotFound
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import AccountResultCode, AccountSpec, TransferSpec
from readtoearn.ledger.interfaces import TransferResultCode as R
from readtoearn.ledger.models import AccountCode, AccountFlags, TransferCode, TransferFlags

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WALLET = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS


def spec(debit, credit, amount, code=TransferCode.READ_REWARD, **kw) -> TransferSpec:
    return TransferSpec(
        id=kw.pop("id", None) or new_id(),
        debit_account_id=debit,
        credit_account_id=credit,
        amount=amount,
        code=code,
        **kw,
    )


@pytest.fixture
def accts(session):
    """A funded budget of 1,000 points and two empty wallets."""
    budget = ledger.programme_budget(session)
    assert ledger.fund_budget(session, 1000, new_id()).ok
    alice = ledger.get_or_create_wallet(session, new_id())
    bob = ledger.get_or_create_wallet(session, new_id())
    sink = ledger.system_account(session, AccountCode.REDEMPTION)
    return {"budget": budget, "alice": alice, "bob": bob, "sink": sink}


def bal(session, account):
    return ledger.balance(session, account)


def codes(results):
    return [r.code for r in results]


def test_accounts_are_idempotent_and_refuse_other_fields(session) -> None:
    aid = new_id()
    first = ledger.create_accounts(session, [AccountSpec(aid, AccountCode.WALLET, flags=WALLET)])
    again = ledger.create_accounts(session, [AccountSpec(aid, AccountCode.WALLET, flags=WALLET)])
    other = ledger.create_accounts(session, [AccountSpec(aid, AccountCode.BUDGET, flags=WALLET)])
    both = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
    bad = ledger.create_accounts(session, [AccountSpec(new_id(), AccountCode.WALLET, flags=both)])
    assert codes(first) == [AccountResultCode.OK]
    assert codes(again) == [AccountResultCode.EXISTS]
    assert codes(other) == [AccountResultCode.EXISTS_WITH_DIFFERENT_CODE]
    assert codes(bad) == [AccountResultCode.FLAGS_ARE_MUTUALLY_EXCLUSIVE]
    reader = new_id()
    assert ledger.get_or_create_wallet(session, reader) == ledger.get_or_create_wallet(
        session, reader
    )


def test_a_transfer_moves_points_and_a_replay_changes_nothing(session, accts) -> None:
    s = spec(accts["budget"], accts["alice"], 30, metadata={"read_id": "r1"})
    assert codes(ledger.create_transfers(session, [s])) == [R.OK]
    assert codes(ledger.create_transfers(session, [s])) == [R.EXISTS]
    assert bal(session, accts["alice"]).available == 30
    assert bal(session, accts["budget"]).available == 970
    changed = TransferSpec(**{**_fields(s), "amount": 31})
    other_meta = TransferSpec(**{**_fields(s), "metadata": {"read_id": "r2"}})
    other_credit = TransferSpec(**{**_fields(s), "credit_account_id": accts["bob"]})
    assert codes(ledger.create_transfers(session, [changed, other_meta, other_credit])) == [
        R.EXISTS_WITH_DIFFERENT_AMOUNT,
        R.EXISTS_WITH_DIFFERENT_METADATA,
        R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID,
    ]
    assert bal(session, accts["alice"]).available == 30
    assert ledger.audit(session).ok


def _fields(s: TransferSpec) -> dict:
    return {name: getattr(s, name) for name in s.__dataclass_fields__}


def test_invalid_transfers_are_refused_with_a_reason(session, accts) -> None:
    b, a = accts["budget"], accts["alice"]
    stock = ledger.ensure_account(session, AccountCode.STOCK, "stock:r1")
    batch = [
        spec(b, a, 0),
        spec(b, b, 5),
        spec(b, a, 5, code=None),
        spec(new_id(), a, 5),
        spec(b, new_id(), 5),
        spec(b, stock, 5),
        spec(b, a, 5, ledger="stock:r1"),
        spec(b, a, 5, timeout_s=60),
        spec(b, a, 5, pending_id=new_id()),
        spec(b, a, 5, flags=TransferFlags.PENDING | TransferFlags.VOID_PENDING),
        TransferSpec(id=uuid.UUID(int=0), debit_account_id=b, credit_account_id=a, amount=1),
    ]
    assert codes(ledger.create_transfers(session, batch)) == [
        R.AMOUNT_MUST_BE_POSITIVE,
        R.ACCOUNTS_MUST_BE_DIFFERENT,
        R.CODE_MUST_NOT_BE_ZERO,
        R.DEBIT_ACCOUNT_NOT_FOUND,
        R.CREDIT_ACCOUNT_NOT_FOUND,
        R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER,
        R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS,
        R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER,
        R.PENDING_ID_MUST_BE_ZERO,
        R.FLAGS_ARE_MUTUALLY_EXCLUSIVE,
        R.ID_MUST_NOT_BE_ZERO,
    ]
    assert bal(session, b).available == 1000


def test_a_wallet_never_spends_more_than_it_holds(session, accts) -> None:
    b, a, sink = accts["budget"], accts["alice"], accts["sink"]
    assert ledger.create_transfers(session, [spec(b, a, 50)])[0].ok
    results = ledger.create_transfers(
        session,
        [spec(a, sink, 30, TransferCode.REDEMPTION), spec(a, sink, 30, TransferCode.REDEMPTION)],
    )
    assert codes(results) == [R.OK, R.EXCEEDS_CREDITS]
    assert bal(session, a).available == 20
    assert codes(ledger.create_transfers(session, [spec(b, a, 5000)])) == [R.EXCEEDS_CREDITS]


def test_pending_is_posted_once_partly_and_releases_the_rest(session, accts) -> None:
    b, a = accts["budget"], accts["alice"]
    hold = spec(b, a, 40, flags=TransferFlags.PENDING)
    assert ledger.create_transfers(session, [hold])[0].ok
    assert (bal(session, a).pending, bal(session, a).available) == (40, 0)
    assert bal(session, b).available == 960
    post = TransferSpec(new_id(), amount=25, flags=TransferFlags.POST_PENDING, pending_id=hold.id)
    void = TransferSpec(new_id(), flags=TransferFlags.VOID_PENDING, pending_id=hold.id)
    again = TransferSpec(new_id(), flags=TransferFlags.POST_PENDING, pending_id=hold.id)
    assert codes(ledger.create_transfers(session, [post, void, again])) == [
        R.OK,
        R.PENDING_TRANSFER_ALREADY_POSTED,
        R.PENDING_TRANSFER_ALREADY_POSTED,
    ]
    assert (bal(session, a).pending, bal(session, a).available) == (0, 25)
    assert bal(session, b).available == 975
    assert ledger.audit(session).ok


def test_void_then_post_is_refused(session, accts) -> None:
    b, a = accts["budget"], accts["alice"]
    hold = spec(b, a, 40, flags=TransferFlags.PENDING)
    too_much = TransferSpec(
        new_id(), amount=41, flags=TransferFlags.POST_PENDING, pending_id=hold.id
    )
    void = TransferSpec(new_id(), flags=TransferFlags.VOID_PENDING, pending_id=hold.id)
    post = TransferSpec(new_id(), flags=TransferFlags.POST_PENDING, pending_id=hold.id)
    assert codes(ledger.create_transfers(session, [hold, too_much, void, post])) == [
        R.OK,
        R.EXCEEDS_PENDING_TRANSFER_AMOUNT,
        R.OK,
        R.PENDING_TRANSFER_ALREADY_VOIDED,
    ]
    not_pending = spec(b, a, 1)
    ledger.create_transfers(session, [not_pending])
    post_plain = TransferSpec(new_id(), flags=TransferFlags.POST_PENDING, pending_id=not_pending.id)
    post_missing = TransferSpec(new_id(), flags=TransferFlags.POST_PENDING, pending_id=new_id())
    assert codes(ledger.create_transfers(session, [post_plain, post_missing])) == [
        R.PENDING_TRANSFER_NOT_PENDING,
        R.PENDING_TRANSFER_NOT_FOUND,
    ]
    assert (bal(session, a).pending, bal(session, a).available) == (0, 1)


def test_a_pending_transfer_times_out(session, accts) -> None:
    b, a = accts["budget"], accts["alice"]
    hold = spec(b, a, 40, flags=TransferFlags.PENDING, timeout_s=60)
    ledger.create_transfers(session, [hold], now=T0)
    post = TransferSpec(new_id(), flags=TransferFlags.POST_PENDING, pending_id=hold.id)
    assert ledger.void_expired_pending(session, T0 + timedelta(seconds=59)) == 0
    late = T0 + timedelta(seconds=61)
    assert codes(ledger.create_transfers(session, [post], now=late)) == [R.PENDING_TRANSFER_EXPIRED]
    assert ledger.void_expired_pending(session, late) == 1
    assert ledger.void_expired_pending(session, late) == 0
    assert codes(ledger.create_transfers(session, [post], now=late)) == [R.PENDING_TRANSFER_EXPIRED]
    assert bal(session, a).pending == 0
    assert bal(session, b).available == 1000
    assert ledger.audit(session).ok


def test_a_linked_chain_succeeds_or_fails_as_one(session, accts) -> None:
    b, a, bob = accts["budget"], accts["alice"], accts["bob"]
    ok_chain = [
        spec(b, a, 10, flags=TransferFlags.LINKED),
        spec(b, bob, 10),
    ]
    bad_chain = [
        spec(b, a, 10, flags=TransferFlags.LINKED),
        spec(b, bob, 10, flags=TransferFlags.LINKED),
        spec(a, bob, 500),  # alice has 10: fails, so the whole chain does
        spec(b, a, 1),  # not linked to the chain: still applied
    ]
    open_chain = [spec(b, a, 3, flags=TransferFlags.LINKED)]
    assert codes(ledger.create_transfers(session, ok_chain)) == [R.OK, R.OK]
    assert codes(ledger.create_transfers(session, bad_chain)) == [
        R.LINKED_EVENT_FAILED,
        R.LINKED_EVENT_FAILED,
        R.EXCEEDS_CREDITS,
        R.OK,
    ]
    assert codes(ledger.create_transfers(session, open_chain)) == [R.LINKED_EVENT_CHAIN_OPEN]
    assert (bal(session, a).available, bal(session, bob).available) == (11, 10)
    assert codes(ledger.create_transfers(session, ok_chain)) == [R.EXISTS, R.EXISTS]
    assert ledger.audit(session).ok


def test_a_posted_transfer_is_reversed_at_most_once(session, accts) -> None:
    b, a = accts["budget"], accts["alice"]
    reward = spec(b, a, 30)
    hold = spec(b, a, 5, flags=TransferFlags.PENDING)
    ledger.create_transfers(session, [reward, hold])
    first = ledger.reverse(session, reward.id, new_id())
    assert first.code is R.OK
    assert ledger.reverse(session, reward.id, first.id).code is R.EXISTS
    assert ledger.reverse(session, reward.id, new_id()).code is R.REVERSED_TRANSFER_ALREADY_REVERSED
    assert ledger.reverse(session, hold.id, new_id()).code is R.REVERSED_TRANSFER_NOT_POSTED
    assert ledger.reverse(session, new_id(), new_id()).code is R.REVERSED_TRANSFER_NOT_FOUND
    assert bal(session, a).available == 0
    assert bal(session, b).available == 995
    assert ledger.audit(session).ok


def test_a_reversal_cannot_take_points_already_spent(session, accts) -> None:
    b, a, sink = accts["budget"], accts["alice"], accts["sink"]
    reward = spec(b, a, 30)
    ledger.create_transfers(session, [reward, spec(a, sink, 20, TransferCode.REDEMPTION)])
    assert ledger.reverse(session, reward.id, new_id()).code is R.EXCEEDS_CREDITS


def test_the_database_refuses_edits_of_transfers(session, accts) -> None:
    s = spec(accts["budget"], accts["alice"], 30)
    ledger.create_transfers(session, [s])
    session.flush()
    for sql in (
        "UPDATE ledger_transfers SET amount = 3000 WHERE id = :id",
        "DELETE FROM ledger_transfers WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="immutable"), session.begin_nested():
            session.execute(text(sql), {"id": _db_id(session, s.id)})


def test_the_database_refuses_a_negative_wallet(session, accts) -> None:
    a = accts["alice"]
    sql = "UPDATE ledger_accounts SET debits_posted = debits_posted + 1 WHERE id = :id"
    with pytest.raises(DBAPIError, match=r"(?i)check"), session.begin_nested():
        session.execute(text(sql), {"id": _db_id(session, a)})


def _db_id(session, value: uuid.UUID) -> object:
    # SQLite stores UUIDs as 32 hex characters, PostgreSQL as uuid.
    return value.hex if session.bind.dialect.name == "sqlite" else value


def test_audit_reports_a_tampered_balance(session, accts) -> None:
    ledger.create_transfers(session, [spec(accts["budget"], accts["alice"], 30)])
    assert ledger.audit(session).ok
    session.execute(
        text("UPDATE ledger_accounts SET credits_posted = credits_posted + 7 WHERE id = :id"),
        {"id": _db_id(session, accts["alice"])},
    )
    report = ledger.audit(session)
    assert not report.ok
    checks = {p.check for p in report.problems}
    assert {"ledger_posted", "cached_balance", "lots"} <= checks
    assert "credits_posted cached 37, transfers say 30" in report.render()


def test_spending_consumes_the_oldest_lot_and_expiry_takes_the_rest(session, accts) -> None:
    b, a, sink = accts["budget"], accts["alice"], accts["sink"]
    day = timedelta(days=1)
    ledger.create_transfers(session, [spec(b, a, 10)], now=T0)
    ledger.create_transfers(session, [spec(b, a, 20)], now=T0 + day)
    ledger.create_transfers(session, [spec(a, sink, 4, TransferCode.REDEMPTION)], now=T0 + day)
    lots = ledger.list_lots(session, a, expiry_days=30)
    assert [(lot.amount, lot.remaining) for lot in lots] == [(10, 6), (20, 20)]
    assert ledger.list_expiring(session, a, 30) == [
        (datetime(2026, 12, 3, tzinfo=UTC), 6),
        (datetime(2026, 12, 4, tzinfo=UTC), 20),
    ]
    assert ledger.expire(session, T0 + 30 * day, expiry_days=30).points == 0
    report = ledger.expire(session, datetime(2026, 12, 3, tzinfo=UTC), expiry_days=30)
    assert (report.accounts, report.points) == (1, 6)
    assert ledger.expire(session, datetime(2026, 12, 3, 1, tzinfo=UTC), expiry_days=30).points == 0
    assert bal(session, a).available == 20
    expiry = ledger.system_account(session, AccountCode.EXPIRY)
    assert bal(session, expiry).posted == 6
    assert ledger.expire(session, datetime(2027, 1, 1, tzinfo=UTC), expiry_days=None).points == 0
    assert ledger.audit(session, expiry_days=30).ok


def test_expiry_leaves_points_held_by_a_pending_debit(session, accts) -> None:
    b, a, sink = accts["budget"], accts["alice"], accts["sink"]
    ledger.create_transfers(session, [spec(b, a, 10)], now=T0)
    hold = spec(a, sink, 8, TransferCode.REDEMPTION, flags=TransferFlags.PENDING)
    ledger.create_transfers(session, [hold], now=T0)
    later = T0 + timedelta(days=40)
    assert ledger.expire(session, later, expiry_days=30).points == 2
    void = TransferSpec(new_id(), flags=TransferFlags.VOID_PENDING, pending_id=hold.id)
    ledger.create_transfers(session, [void], now=later)
    assert ledger.expire(session, later, expiry_days=30).points == 8
    assert bal(session, a).available == 0
    assert ledger.audit(session, expiry_days=30).ok


def test_statement_lists_newest_first(session, accts) -> None:
    b, a, sink = accts["budget"], accts["alice"], accts["sink"]
    ledger.create_transfers(session, [spec(b, a, 10)], now=T0)
    ledger.create_transfers(
        session, [spec(a, sink, 4, TransferCode.REDEMPTION)], now=T0 + timedelta(1)
    )
    st = ledger.statement(session, a, limit=10)
    assert [(line.code, line.amount) for line in st.lines] == [
        ("redemption", -4),
        ("read_reward", 10),
    ]
    assert st.balance.available == 6
    with pytest.raises(NotFound):
        ledger.statement(session, new_id())


def test_transfer_raises_on_refusal(session, accts) -> None:
    with pytest.raises(ledger.LedgerError, match="exceeds_credits"):
        ledger.transfer(session, spec(accts["alice"], accts["sink"], 1, TransferCode.REDEMPTION))


def test_deterministic_ids() -> None:
    assert ledger.transfer_id("read:1") == ledger.transfer_id("read:1")
    assert ledger.transfer_id("read:1") != ledger.transfer_id("read:2")
