"""Group commit (readtoearn.batch): units of work from many callers share one transaction, each in
its own savepoint with its own result, and the ledger stays exactly what running them one by one
would have made of it."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from readtoearn.batch import GroupCommitter
from readtoearn.db import Database, after_commit, new_id
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import Account, TransferCode
from tests.unit.ledger.test_state_machine import EXAMPLES, PHASES, STEPS, make_machine


class UnitFailed(Exception):
    """A unit that did its transfers, then failed: none of them may remain."""


def make_grouped_machine(engine: Engine) -> type:
    base = make_machine(engine)

    class GroupedLedgerMachine(base):  # type: ignore[misc, valid-type]
        """The ledger's model checked over the batched path: several units (each a batch of
        transfers, some failing after their transfers) queued together, run in one transaction
        by the committer, compared with the model applying the successful units in order."""

        def __init__(self) -> None:
            super().__init__()
            factory = sessionmaker(
                bind=self.conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            self.committer = GroupCommitter(Database(engine, sessions=factory))

        def teardown(self) -> None:
            self.committer.close()
            super().teardown()

        @rule(data=st.data(), units=st.integers(2, 6))
        def grouped(self, data: st.DataObject, units: int) -> None:
            plan = []
            for _ in range(units):
                batch = [self.draw_spec(data) for _ in range(data.draw(st.integers(1, 3)))]
                plan.append((batch, data.draw(st.integers(0, 3)) == 0))
            expected = [
                None if fails else self.model.apply_batch(batch, self.now) for batch, fails in plan
            ]
            now = self.now

            def unit(batch: list[TransferSpec], fails: bool) -> Any:
                def work(session: Session) -> list[Any]:
                    codes = [r.code for r in ledger.create_transfers(session, batch, now=now)]
                    if fails:
                        raise UnitFailed
                    return codes

                return work

            # Hold the committer on a first unit until every other unit is queued: they then
            # share the next transaction.
            gate = threading.Event()
            held = self.committer.submit(lambda _s: gate.wait(10))
            futures = [self.committer.submit(unit(batch, fails)) for batch, fails in plan]
            gate.set()
            assert held.result(timeout=30)
            for (batch, fails), future, codes in zip(plan, futures, expected, strict=True):
                if fails:
                    with pytest.raises(UnitFailed):
                        future.result(timeout=30)
                else:
                    assert future.result(timeout=30) == codes, batch
                    self.submitted.extend(batch)

    return GroupedLedgerMachine


def test_the_ledger_matches_its_model_over_the_batched_path(engine) -> None:
    run_state_machine_as_test(
        make_grouped_machine(engine),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            phases=PHASES,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )


def pay(session: Session, key: str, debit: uuid.UUID, credit: uuid.UUID, amount: int) -> bool:
    """One plain transfer, its id derived from `key`; whether the ledger took it."""
    spec = TransferSpec(ledger.transfer_id(key), debit, credit, amount, TransferCode.ADJUSTMENT)
    return ledger.create_transfers(session, [spec])[0].ok


def _wallet_and_budget(database: Database, amount: int) -> tuple[uuid.UUID, uuid.UUID]:
    with database.session(write=True) as session:
        ledger.fund_budget(session, amount, ledger.transfer_id(f"group-fund:{new_id()}"))
        return ledger.programme_budget(session), ledger.get_or_create_wallet(session, new_id())


def test_sixty_four_callers_share_commits_and_each_gets_its_own_answer(
    committing_database: Database,
) -> None:
    """64 threads, 10 transfers each, some refused for want of budget: every caller hears its own
    result, nothing is paid twice or lost, and commits were shared."""
    database = committing_database
    budget, wallet = _wallet_and_budget(database, 500)
    committer = GroupCommitter(database)
    keys = [f"pay:{new_id()}" for _ in range(640)]

    def pay_one(key: str) -> bool:
        return committer.run_blocking(lambda s: pay(s, key, budget, wallet, 1))

    from readtoearn.batch import BATCH_SIZE

    units_before = BATCH_SIZE._sum.get()
    batches_before = sum(b.get() for b in BATCH_SIZE._buckets)
    try:
        with ThreadPoolExecutor(64) as pool:
            paid = list(pool.map(pay_one, keys))
    finally:
        committer.close()
    batches = sum(b.get() for b in BATCH_SIZE._buckets) - batches_before
    assert BATCH_SIZE._sum.get() - units_before == 640
    assert batches < 640  # some units shared a commit
    assert sum(paid) == 500  # the budget held 500: exactly that many were paid
    with database.session() as session:
        assert ledger.balance(session, wallet).posted == 500
        assert ledger.audit(session).ok
        again = [ledger.get_transfer(session, ledger.transfer_id(k)) is not None for k in keys]
    assert again == paid  # what each caller heard is what the ledger holds


def test_a_failing_unit_takes_only_itself_and_its_after_commit_actions(
    committing_database: Database,
) -> None:
    database = committing_database
    budget, wallet = _wallet_and_budget(database, 100)
    committer = GroupCommitter(database)
    ran: list[str] = []

    def unit(name: str, fails: bool) -> Any:
        def work(session: Session) -> str:
            assert pay(session, f"{name}:{wallet}", budget, wallet, 10)
            after_commit(session, lambda: ran.append(name))
            if fails:
                raise UnitFailed(name)
            return name

        return work

    gate = threading.Event()
    held = committer.submit(lambda _s: gate.wait(10))
    futures = [committer.submit(unit(n, n == "b")) for n in ("a", "b", "c")]
    gate.set()
    try:
        held.result(timeout=30)
        assert futures[0].result(timeout=30) == "a"
        with pytest.raises(UnitFailed):
            futures[1].result(timeout=30)
        assert futures[2].result(timeout=30) == "c"
    finally:
        committer.close()
    assert ran == ["a", "c"]
    with database.session() as session:
        assert ledger.balance(session, wallet).posted == 20
        assert ledger.audit(session).ok


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_a_unit_that_meets_a_deadlock_runs_again_and_is_applied_once(
    committing_database: Database,
) -> None:
    database = committing_database
    budget, wallet = _wallet_and_budget(database, 100)
    committer = GroupCommitter(database)
    attempts: list[int] = []

    def work(session: Session) -> bool:
        attempts.append(1)
        assert pay(session, f"deadlocked:{wallet}", budget, wallet, 7)
        if len(attempts) == 1:
            raise OperationalError("UPDATE ledger_accounts", {}, _Deadlock())
        return True

    try:
        assert committer.run_blocking(work) is True
    finally:
        committer.close()
    assert len(attempts) == 2
    with database.session() as session:
        assert ledger.balance(session, wallet).posted == 7
        assert ledger.audit(session).ok


def test_a_closed_committer_finishes_its_queue_and_starts_again_for_new_work(
    committing_database: Database,
) -> None:
    committer = GroupCommitter(committing_database)
    gate = threading.Event()
    held = committer.submit(lambda _s: gate.wait(10))
    queued = committer.submit(lambda _s: 1)
    threading.Timer(0.2, gate.set).start()
    committer.close()
    assert held.done() and queued.result(timeout=0) == 1  # nothing queued is dropped
    assert committer.run_blocking(lambda _s: 2) == 2
    committer.close()


def test_a_unit_not_begun_within_the_wait_is_refused_as_busy_and_never_runs(
    committing_database: Database,
) -> None:
    from readtoearn.errors import Busy

    committer = GroupCommitter(committing_database, wait_s=0.2)
    ran: list[int] = []
    gate = threading.Event()
    held = committer.submit(lambda _s: gate.wait(10))
    late = committer.submit(lambda _s: ran.append(1))
    try:
        threading.Timer(0.5, gate.set).start()  # the first unit holds the committer 0.5 s
        held.result(timeout=30)
        with pytest.raises(Busy):
            late.result(timeout=30)
        assert committer.run_blocking(lambda _s: 2) == 2  # a fresh unit goes through
    finally:
        gate.set()
        committer.close()
    assert ran == []


def test_every_batch_begins_with_the_prelude_then_two_committers_cannot_deadlock(
    committing_database: Database,
) -> None:
    """Two committers (two workers) whose units lock a row and then the budget, in opposite
    batches: with the budget locked first by the prelude, they queue instead of deadlocking."""
    database = committing_database
    budget, _ = _wallet_and_budget(database, 1000)
    preludes: list[int] = []

    def prelude(session: Session) -> None:
        preludes.append(1)
        ledger.lock_programme_budget(session)

    first = GroupCommitter(database, prelude=prelude)
    second = GroupCommitter(database, prelude=prelude)

    def paying(key: str) -> Any:
        def work(session: Session) -> bool:
            # A row of its own first (a reader's wallet, as a completion locks its read), then
            # the budget: without the prelude, two batches can each hold what the other needs.
            owner = uuid.uuid5(uuid.NAMESPACE_URL, f"owner:{int(key.rsplit(':', 1)[1]) % 5}")
            other = ledger.get_or_create_wallet(session, owner)
            session.execute(select(Account.id).where(Account.id == other).with_for_update())
            return pay(session, key, budget, other, 1)

        return work

    from readtoearn.batch import BATCH_RETRIES

    retries = BATCH_RETRIES._value.get()
    keys = [f"two-workers:{new_id()}:{i}" for i in range(120)]
    try:
        with ThreadPoolExecutor(32) as pool:
            answers = list(
                pool.map(
                    lambda ik: (first if ik[0] % 2 else second).run_blocking(paying(ik[1])),
                    enumerate(keys),
                )
            )
    finally:
        first.close()
        second.close()
    assert all(answers)
    assert 0 < len(preludes) <= 120
    assert BATCH_RETRIES._value.get() == retries  # no deadlock, nothing run twice
    with database.session() as session:
        assert ledger.audit(session).ok
