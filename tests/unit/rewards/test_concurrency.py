"""Redemptions racing each other: real threads, each with its own connection and transaction,
on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from readtoearn.accounts.models import User
from readtoearn.db import Database
from readtoearn.errors import ReadToEarnError
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import AccountSpec, TransferSpec
from readtoearn.ledger.models import AccountCode, AccountFlags, TransferCode
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft

READERS = 200
STOCK = 10
WORKERS = 16


@pytest.fixture(scope="module")
def db(committing_database: Database) -> Database:
    """A database of its own that really commits (not the rolled-back test transaction)."""
    return committing_database


def readers(db: Database, count: int, points: int) -> list[uuid.UUID]:
    """`count` readers with `points` each, made in a few batched statements."""
    tag = uuid.uuid4().hex[:8]
    users = [User(email=f"r{i}-{tag}@example.org", display_name=f"r{i}") for i in range(count)]
    with db.session(write=True) as s:
        s.add_all(users)
        s.flush()
        ledger.fund_budget(s, count * points, ledger.transfer_id(f"fund:{tag}"))
        budget = ledger.programme_budget(s)
        specs = [
            AccountSpec(
                id=ledger.account_id(AccountCode.WALLET, owner_id=u.id),
                code=AccountCode.WALLET,
                owner_id=u.id,
                flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
            )
            for u in users
        ]
        assert all(r.ok for r in ledger.create_accounts(s, specs))
        grants = [
            TransferSpec(
                id=ledger.transfer_id(f"grant:{tag}:{spec.id}"),
                debit_account_id=budget,
                credit_account_id=spec.id,
                amount=points,
                code=TransferCode.ADJUSTMENT,
            )
            for spec in specs
        ]
        assert all(r.created for r in ledger.create_transfers(s, grants))
    return [u.id for u in users]


def reward(db: Database, kind: RewardKind, cost: int, stock: int | None) -> str:
    with db.session(write=True) as s:
        name = f"{kind} {uuid.uuid4().hex[:8]}"
        if kind is RewardKind.CODE:
            slug = rewards.create_reward(s, RewardDraft(kind=kind, name_en=name, cost=cost)).slug
            rewards.import_codes(s, slug, [f"CODE-{slug}-{i}" for i in range(stock or 0)])
            return slug
        return rewards.create_reward(
            s, RewardDraft(kind=kind, name_en=name, cost=cost, stock=stock)
        ).slug


def attempt(db: Database, reader: uuid.UUID, slug: str, key: str) -> Any:
    """One redemption in its own transaction: (redemption id, code) or the refusal's code."""

    def work(s: Any) -> tuple[str, str | None]:
        done = rewards.redeem(s, reader, slug, key)
        return str(done.redemption.id), done.code

    try:
        return ledger.run_in_transaction(db, work)
    except ReadToEarnError as exc:
        return exc.code


def audit_clean(db: Database) -> None:
    with db.session() as s:
        report = ledger.audit(s)
        assert report.ok, report.render()
        for bal in ledger.list_accounts(s, code=AccountCode.WALLET):
            assert bal.available >= 0


def points_of(db: Database, people: list[uuid.UUID]) -> list[int]:
    with db.session() as s:
        return [
            ledger.balance(s, ledger.account_id(AccountCode.WALLET, owner_id=r)).available
            for r in people
        ]


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same moment."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.parametrize("kind", [RewardKind.CODE, RewardKind.PHYSICAL])
def test_200_readers_race_for_10_units(db: Database, kind: RewardKind) -> None:
    cost = 30
    people = readers(db, READERS, 50)
    slug = reward(db, kind, cost, STOCK)
    if kind is RewardKind.PHYSICAL:
        # A physical item needs an address; the service checks it before anything moves.
        address = {"name": "A", "line1": "1 St", "postal_code": "1", "city": "C", "country": "FR"}

        def one(reader: uuid.UUID) -> Any:
            def work(s: Any) -> tuple[str, str | None]:
                done = rewards.redeem(s, reader, slug, "k", shipping_address=address)
                return str(done.redemption.id), done.code

            try:
                return ledger.run_in_transaction(db, work)
            except ReadToEarnError as exc:
                return exc.code
    else:

        def one(reader: uuid.UUID) -> Any:
            return attempt(db, reader, slug, "k")

    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(one, people))
    wins = [o for o in outcomes if isinstance(o, tuple)]
    refusals = Counter(o for o in outcomes if not isinstance(o, tuple))
    assert len(wins) == STOCK
    assert refusals == Counter({"out_of_stock": READERS - STOCK})
    if kind is RewardKind.CODE:
        assert len({code for _id, code in wins}) == STOCK  # every code given once
    balances = Counter(points_of(db, people))
    assert balances == Counter({50: READERS - STOCK, 50 - cost: STOCK})
    with db.session() as s:
        assert rewards.stock_left(s, rewards.get_reward(s, slug)) == 0
    audit_clean(db)


def test_same_key_twice_at_once_is_charged_once(db: Database) -> None:
    people = readers(db, 5, 100)
    slug = reward(db, RewardKind.CODE, 40, 20)
    for reader in people:
        first, second = together(
            lambda r=reader: attempt(db, r, slug, "double-click"),
            lambda r=reader: attempt(db, r, slug, "double-click"),
        )
        assert isinstance(first, tuple) and first == second  # same redemption, same code
        assert points_of(db, [reader]) == [60]
    audit_clean(db)


def test_racing_two_rewards_with_points_for_one(db: Database) -> None:
    people = readers(db, 5, 100)
    a = reward(db, RewardKind.CODE, 80, 10)
    b = reward(db, RewardKind.DRAW, 70, None)
    for reader in people:
        results = together(
            lambda r=reader: attempt(db, r, a, "a"), lambda r=reader: attempt(db, r, b, "b")
        )
        assert sum(isinstance(x, tuple) for x in results) == 1
        assert [x for x in results if not isinstance(x, tuple)] == ["not_enough_points"]
        assert points_of(db, [reader])[0] in (20, 30)
    audit_clean(db)
