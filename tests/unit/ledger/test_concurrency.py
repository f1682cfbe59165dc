"""Real threads, each with its own connection, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from readtoearn.db import Database, new_id
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferResultCode as R
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import AccountCode, TransferCode, TransferFlags

K = 12


@pytest.fixture(scope="module")
def db(committing_database: Database) -> Database:
    """A database of its own that really commits (not the rolled-back test transaction)."""
    return committing_database


def race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Start every worker at the same moment; their results, or the first error."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = workers[i]()
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def one(db: Database, spec: TransferSpec) -> R:
    return ledger.run_in_transaction(db, lambda s: ledger.create_transfers(s, [spec])[0].code)


def funded_wallet(db: Database, points: int) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    def setup(s):  # type: ignore[no-untyped-def]
        budget = ledger.programme_budget(s)
        wallet = ledger.get_or_create_wallet(s, new_id())
        sink = ledger.system_account(s, AccountCode.REDEMPTION)
        if points:
            ledger.fund_budget(s, points, new_id())
            spec = TransferSpec(new_id(), budget, wallet, points, TransferCode.READ_REWARD)
            assert ledger.create_transfers(s, [spec])[0].code is R.OK
        return budget, wallet, sink

    return ledger.run_in_transaction(db, setup)


def audit_ok(db: Database) -> None:
    with db.session() as s:
        report = ledger.audit(s)
    assert report.ok, report.render()


def balance(db: Database, account: uuid.UUID) -> int:
    with db.session() as s:
        return ledger.balance(s, account).available


def test_concurrent_spends_never_overdraw(db: Database) -> None:
    _, wallet, sink = funded_wallet(db, 100)
    spend = 15

    def worker() -> R:
        spec = TransferSpec(new_id(), wallet, sink, spend, TransferCode.REDEMPTION)
        return one(db, spec)

    codes = Counter(race([worker] * K))
    assert codes == {R.OK: 100 // spend, R.EXCEEDS_CREDITS: K - 100 // spend}
    assert balance(db, wallet) == 100 % spend
    audit_ok(db)


def test_copies_of_one_transfer_create_it_once(db: Database) -> None:
    budget, wallet, _ = funded_wallet(db, 10)
    ledger.run_in_transaction(db, lambda s: ledger.fund_budget(s, 7, new_id()))
    spec = TransferSpec(new_id(), budget, wallet, 7, TransferCode.QUIZ_BONUS)
    # Some copies name the accounts the other way round: they do not lock the same rows first.
    twin = TransferSpec(spec.id, wallet, budget, 7, TransferCode.QUIZ_BONUS)
    codes = Counter(race([lambda: one(db, spec)] * (K - 2) + [lambda: one(db, twin)] * 2))
    assert codes[R.OK] == 1, codes
    assert codes[R.OK] + codes[R.EXISTS] + codes[R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID] == K, (
        codes
    )
    assert balance(db, wallet) in (17, 3)
    audit_ok(db)


def test_post_and_void_race_and_one_wins(db: Database) -> None:
    budget, wallet, _ = funded_wallet(db, 0)
    holds = [
        TransferSpec(
            new_id(), budget, wallet, 1, TransferCode.READ_REWARD, flags=TransferFlags.PENDING
        )
        for _ in range(6)
    ]
    ledger.run_in_transaction(db, lambda s: ledger.fund_budget(s, 6, new_id()))
    ledger.run_in_transaction(db, lambda s: ledger.create_transfers(s, holds))
    for hold in holds:
        post = TransferSpec(new_id(), flags=TransferFlags.POST_PENDING, pending_id=hold.id)
        void = TransferSpec(new_id(), flags=TransferFlags.VOID_PENDING, pending_id=hold.id)
        codes = race([lambda p=post: one(db, p), lambda v=void: one(db, v)] * 2)
        assert codes.count(R.OK) == 1, codes
        # Each side is sent twice: its twin answers `exists` when it won.
        assert set(codes) - {R.OK} <= {
            R.EXISTS,
            R.PENDING_TRANSFER_ALREADY_POSTED,
            R.PENDING_TRANSFER_ALREADY_VOIDED,
        }
    with db.session() as s:
        assert ledger.balance(s, wallet).pending == 0
    audit_ok(db)


def test_opposite_transfers_on_hot_accounts_do_not_deadlock(db: Database) -> None:
    wallets = [funded_wallet(db, 1000)[1] for _ in range(4)]

    def worker(seed: int) -> int:
        rng = random.Random(seed)
        done = 0
        for _ in range(8):
            batch = []
            for _ in range(5):
                a, b = rng.sample(wallets, 2)
                batch.append(
                    TransferSpec(new_id(), a, b, rng.randint(1, 5), TransferCode.ADJUSTMENT)
                )
            results = ledger.run_in_transaction(
                db, lambda s, b=batch: ledger.create_transfers(s, b)
            )
            done += sum(r.code is R.OK for r in results)
        return done

    moved = race([lambda i=i: worker(i) for i in range(8)])
    assert sum(moved) == 8 * 8 * 5
    assert sum(balance(db, w) for w in wallets) == 4000
    audit_ok(db)


def test_a_client_retrying_after_a_lost_answer_makes_no_duplicate(db: Database) -> None:
    budget, wallet, _ = funded_wallet(db, 0)
    ledger.run_in_transaction(db, lambda s: ledger.fund_budget(s, 100, new_id()))

    def client() -> list[R]:
        spec = TransferSpec(
            ledger.transfer_id(f"read:{uuid.uuid4()}"), budget, wallet, 5, TransferCode.READ_REWARD
        )
        answers = []
        for attempt in range(3):
            try:
                code = one(db, spec)
                if attempt < 2:  # the commit happened; the answer is lost on the way back
                    raise ConnectionResetError("answer lost")
                answers.append(code)
            except ConnectionResetError:
                continue
        return answers

    results = race([client] * 6)
    assert all(answers == [R.EXISTS] for answers in results)
    assert balance(db, wallet) == 30
    audit_ok(db)
