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

from readtoearn.batch import GroupCommitter, Later
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

        @rule(data=st.data(), units=st.integers(2, 6))
        def in_two_halves(self, data: st.DataObject, units: int) -> None:
            """Units of three kinds queued together: a plain unit making its own ledger call, a
            unit whose transfers wait for the batch's one call (`Later`), and a unit doing some
            transfers itself, then leaving more to that call. Any may fail, in either half."""
            plan: list[tuple[str, list[TransferSpec], list[TransferSpec], str | None]] = []
            for _ in range(units):
                kind = data.draw(st.sampled_from(["plain", "later", "both"]))
                first = [] if kind == "later" else self.draw_batch(data)
                second = [] if kind == "plain" else self.draw_batch(data)
                fails = data.draw(st.sampled_from([None, None, None, "first", "second"]))
                if kind == "plain" and fails == "second":
                    fails = "first"
                if kind == "later" and fails == "first":
                    fails = "second"
                plan.append((kind, first, second, fails))
            # The committer runs every first half, then every unit's transfers in one call: the
            # model applies the units that succeed in that order.
            survivors = [p for p in plan if p[3] is None]
            expected_first = {id(p): self.model.apply_batch(p[1], self.now) for p in survivors}
            expected_second = {
                id(p): self.model.apply_batch(p[2], self.now) for p in survivors if p[0] != "plain"
            }
            now = self.now
            calls: list[int] = []

            def apply(session: Session, groups: list[Any]) -> list[list[Any]]:
                calls.append(len(groups))
                return ledger.create_transfer_groups(session, groups, now=now)

            def then(fails: bool, first: list[Any]) -> Any:
                def finish(_session: Session, results: list[Any]) -> Any:
                    if fails:
                        raise UnitFailed
                    return first, [r.code for r in results]

                return finish

            def unit(kind: str, first: list[TransferSpec], second: list[Any], fails: Any) -> Any:
                if kind == "later":
                    return Later(tuple(second), then(fails == "second", []), apply)

                def work(session: Session) -> Any:
                    codes = [r.code for r in ledger.create_transfers(session, first, now=now)]
                    if fails == "first":
                        raise UnitFailed
                    if kind == "plain":
                        return codes, []
                    return Later(tuple(second), then(fails == "second", codes), apply)

                return work

            # The first unit's batch is formed once it runs: every unit queued after that
            # shares the next batch, whose one ledger call is checked below.
            gate, running = threading.Event(), threading.Event()

            def hold(_session: Session) -> bool:
                running.set()
                return gate.wait(10)

            held = self.committer.submit(hold)
            assert running.wait(10)
            futures = [self.committer.submit(unit(*p)) for p in plan]
            gate.set()
            assert held.result(timeout=30)
            for p, future in zip(plan, futures, strict=True):
                if p[3] is not None:
                    with pytest.raises(UnitFailed):
                        future.result(timeout=30)
                    continue
                got = future.result(timeout=30)
                assert got == (expected_first[id(p)], expected_second.get(id(p), [])), p
                self.submitted.extend(p[1] + p[2])
            waiting = sum(1 for p in survivors if p[0] != "plain")
            if waiting:
                assert calls[-1] == waiting  # the batch that committed made one ledger call

        def draw_batch(self, data: st.DataObject) -> list[TransferSpec]:
            return [self.draw_spec(data) for _ in range(data.draw(st.integers(1, 3)))]

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


def _pay_later(key: str, debit: uuid.UUID, credit: uuid.UUID, amount: int) -> Later[bool]:
    """`pay` in two halves: the transfer waits for the batch's one ledger call."""
    spec = TransferSpec(ledger.transfer_id(key), debit, credit, amount, TransferCode.ADJUSTMENT)
    return ledger.transfers_later([spec], lambda _s, results: results[0].ok)


@pytest.mark.parametrize("halves", [False, True], ids=["savepoints", "two-halves"])
def test_sixty_four_callers_share_commits_and_each_gets_its_own_answer(
    committing_database: Database, halves: bool
) -> None:
    """64 threads, 10 transfers each, some refused for want of budget: every caller hears its own
    result, nothing is paid twice or lost, and commits were shared."""
    database = committing_database
    budget, wallet = _wallet_and_budget(database, 500)
    committer = GroupCommitter(database)
    keys = [f"pay:{new_id()}" for _ in range(640)]

    def pay_one(key: str) -> bool:
        if halves:
            return committer.run_blocking(_pay_later(key, budget, wallet, 1))
        return committer.run_blocking(lambda s: pay(s, key, budget, wallet, 1))

    from readtoearn.batch import BATCH_SIZE, SHARED_CALL

    units_before = BATCH_SIZE._sum.get()
    batches_before = sum(b.get() for b in BATCH_SIZE._buckets)
    shared_before = SHARED_CALL._sum.get()
    calls_before = sum(b.get() for b in SHARED_CALL._buckets)
    try:
        with ThreadPoolExecutor(64) as pool:
            paid = list(pool.map(pay_one, keys))
    finally:
        committer.close()
    batches = sum(b.get() for b in BATCH_SIZE._buckets) - batches_before
    assert BATCH_SIZE._sum.get() - units_before == 640
    assert batches < 640  # some units shared a commit
    calls = sum(b.get() for b in SHARED_CALL._buckets) - calls_before
    if halves:  # every unit's transfer went into a ledger call shared with others'
        assert SHARED_CALL._sum.get() - shared_before == 640
        assert calls < 640
    else:
        assert calls == 0
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


def test_a_unit_failing_in_its_second_half_takes_nothing_of_its_own_or_of_the_others(
    committing_database: Database,
) -> None:
    """Its transfers went into the batch's one ledger call with the others': the batch is run
    again without it, so it leaves no point, no row and no after-commit action behind."""
    database = committing_database
    budget, wallet = _wallet_and_budget(database, 100)
    committer = GroupCommitter(database)
    ran: list[str] = []
    firsts: list[str] = []

    def unit(name: str, fails: bool) -> Any:
        def work(session: Session) -> Later[str]:
            firsts.append(name)
            assert pay(session, f"first:{name}:{wallet}", budget, wallet, 1)
            after_commit(session, lambda: ran.append(name))

            def then(session: Session, results: list[Any]) -> str:
                assert results[0].created
                after_commit(session, lambda: ran.append(f"{name} then"))
                if fails:
                    raise UnitFailed(name)
                return name

            spec = TransferSpec(
                ledger.transfer_id(f"second:{name}:{wallet}"),
                budget,
                wallet,
                10,
                TransferCode.ADJUSTMENT,
            )
            return ledger.transfers_later([spec], then)

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
    assert firsts == ["a", "b", "c", "a", "c"]  # the batch ran again without b
    assert ran == ["a", "c", "a then", "c then"]
    with database.session() as session:
        assert ledger.balance(session, wallet).posted == 22
        for name, paid in (("a", True), ("b", False), ("c", True)):
            for half in ("first", "second"):
                key = ledger.transfer_id(f"{half}:{name}:{wallet}")
                assert (ledger.get_transfer(session, key) is not None) is paid
        assert ledger.audit(session).ok


def test_a_credit_in_two_halves_answers_as_credit_reader_does(
    committing_database: Database,
) -> None:
    """credit_reader_later, through the committer or finished at once, gives credit_reader's
    answers: credited, already credited, and the budget empty as a normal outcome."""
    from readtoearn.batch import finish_now

    database = committing_database
    with database.session(write=True) as session:
        budget = ledger.programme_budget(session)
        drained = ledger.balance(session, budget).available
        if drained:  # other tests of the module funded it: empty it for this one
            sink = ledger.get_or_create_wallet(session, new_id())
            ledger.transfer(
                session,
                TransferSpec(new_id(), budget, sink, drained, TransferCode.ADJUSTMENT),
            )
        ledger.fund_budget(session, 15, ledger.transfer_id(f"later-fund:{new_id()}"))
    reader = new_id()
    committer = GroupCommitter(database)

    def credit(key: str) -> Any:
        def work(session: Session) -> Any:
            return ledger.credit_reader_later(
                session,
                lambda _s, c: c,
                reader_id=reader,
                amount=10,
                code=TransferCode.READ_REWARD,
                transfer_id=ledger.transfer_id(key),
            )

        return work

    try:
        first = committer.run_blocking(credit("later:1"))
        again = committer.run_blocking(credit("later:1"))
        broke = committer.run_blocking(credit("later:2"))
    finally:
        committer.close()
    assert first.created and again.ok and not again.created
    assert broke.budget_empty and not broke.ok
    with database.session(write=True) as session:
        at_once = finish_now(session, credit("later:3")(session))
        assert at_once.budget_empty
        assert ledger.balance(session, ledger.get_or_create_wallet(session, reader)).posted == 10
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
