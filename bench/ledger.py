"""Ledger throughput against a raw-SQL baseline on the same database, in the same run.

Both sides hold one connection per worker and run each unit of work in its own transaction
(BEGIN IMMEDIATE on SQLite), retried on serialization failures and deadlocks. Ours:
`ledger.create_transfers` through the public API, on a Session bound to the worker's connection
(as a request already holds one), `with session.begin():` per unit of work. Raw: on tables of
the same shape (columns, indexes, foreign keys, CHECK constraints) in the same database, a
conditional UPDATE of the debit row and of the credit row (in account-id order) and an INSERT
per transfer; batched, the raw side sums the changes per account and runs one conditional
UPDATE per account (executemany) plus one INSERT of every row.

Cases: zipf-distributed wallets paying each other, and a hot account (every transfer from the
budget); single transfers per transaction and batches; 1, 4 and 16 worker threads, each with its
own connection. Prints transfers/s and p50/p99 latency per transaction for both, and ours/raw;
the last line is `ratio single=… batched=…` (geometric means over the cases).

Group commit (readtoearn.batch), on each database: 64 request threads each paying one transfer
from the budget (what a completion does), once with one transaction per transfer and once through
the group committer, where waiting units share a transaction and a commit; prints both rates, the
p50/p99 of one request, and group/single.

    .venv/bin/python bench/ledger.py --quick                       # SQLite, < 1 minute
    .venv/bin/python bench/ledger.py --quick --pg postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/ledger.py                               # longer, batches of 100 and 1000
    .venv/bin/python bench/ledger.py --group-only --seconds 2 --rounds 3 --pg postgresql://...

PostgreSQL is used when --pg or READTOEARN_BENCH_DATABASE_URL is given; the benchmark works in a
schema of its own and drops it afterwards.
"""

from __future__ import annotations

import argparse
import bisect
import math
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    insert,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from readtoearn import migrations
from readtoearn.batch import GroupCommitter
from readtoearn.config import normalise_database_url
from readtoearn.db import Database, JSONType, UTCDateTime, make_engine, new_id
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import AccountSpec, TransferSpec
from readtoearn.ledger.models import Account, AccountCode, AccountFlags, TransferCode

ACCOUNTS = 1000
GROUP_CALLERS = 64
ZIPF_S = 1.1
START = 10**12

# The raw side's tables have the same columns, indexes, foreign keys and CHECK constraints as
# the ledger's (only the triggers are missing), so the comparison measures the code, not the schema.
raw_meta = MetaData(naming_convention={"ck": "ck_%(table_name)s_%(constraint_name)s"})
raw_accounts = Table(
    "bench_raw_accounts",
    raw_meta,
    Column("id", Uuid, primary_key=True),
    Column("code", String(32), nullable=False),
    Column("ledger", String(100), nullable=False),
    Column("owner_id", Uuid),
    Column("debits_must_not_exceed_credits", Boolean, nullable=False),
    Column("credits_must_not_exceed_debits", Boolean, nullable=False),
    Column("debits_pending", BigInteger, nullable=False, default=0),
    Column("debits_posted", BigInteger, nullable=False, default=0),
    Column("credits_pending", BigInteger, nullable=False, default=0),
    Column("credits_posted", BigInteger, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    *[
        CheckConstraint(c.sqltext, name=str(c.name).replace("ck_ledger_accounts_", ""))
        for c in Account.__table__.constraints
        if isinstance(c, CheckConstraint)
    ],
    Index("ix_bench_raw_accounts_owner_id", "owner_id"),
)
raw_transfers = Table(
    "bench_raw_transfers",
    raw_meta,
    Column("id", Uuid, primary_key=True),
    Column("debit_account_id", Uuid, ForeignKey("bench_raw_accounts.id"), nullable=False),
    Column("credit_account_id", Uuid, ForeignKey("bench_raw_accounts.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("ledger", String(100), nullable=False),
    Column("code", String(32), nullable=False),
    Column("flags", Integer, nullable=False),
    Column("pending_id", Uuid, ForeignKey("bench_raw_transfers.id")),
    Column("reversal_of", Uuid, ForeignKey("bench_raw_transfers.id")),
    Column("timeout_s", Integer),
    Column("expires_at", UTCDateTime),
    Column("metadata", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("debit_account_id <> credit_account_id", name="accounts_differ"),
    Index("ix_bench_raw_debit", "debit_account_id", "created_at"),
    Index("ix_bench_raw_credit", "credit_account_id", "created_at"),
    *[
        Index(
            f"ix_bench_raw_{column}",
            column,
            unique=unique,
            sqlite_where=text(f"{column} IS NOT NULL"),
            postgresql_where=text(f"{column} IS NOT NULL"),
        )
        for column, unique in (("pending_id", True), ("reversal_of", True), ("expires_at", False))
    ],
)
RAW_DEBIT = text(
    "UPDATE bench_raw_accounts SET debits_posted = debits_posted + :a WHERE id = :id "
    "AND (NOT debits_must_not_exceed_credits "
    "OR debits_pending + debits_posted + :a <= credits_posted)"
).bindparams(bindparam("id", type_=Uuid))
RAW_CREDIT = text(
    "UPDATE bench_raw_accounts SET credits_posted = credits_posted + :a WHERE id = :id "
    "AND (NOT credits_must_not_exceed_debits "
    "OR credits_pending + credits_posted + :a <= debits_posted)"
).bindparams(bindparam("id", type_=Uuid))
RAW_NET = text(
    "UPDATE bench_raw_accounts SET debits_posted = debits_posted + :d, "
    "credits_posted = credits_posted + :c WHERE id = :id "
    "AND (NOT debits_must_not_exceed_credits "
    "OR debits_pending + debits_posted + :d <= credits_posted + :c)"
).bindparams(bindparam("id", type_=Uuid))


class Refused(Exception):
    """The raw baseline's conditional UPDATE matched no row (not enough funds)."""


@dataclass
class Env:
    name: str
    engine: Engine
    database: Database
    wallets: list[uuid.UUID]
    budget: uuid.UUID
    raw_wallets: list[uuid.UUID]
    raw_budget: uuid.UUID
    cleanup: Callable[[], None]
    committer: GroupCommitter


@dataclass
class Run:
    transfers: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.transfers / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies) or [0.0]
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


class Zipf:
    """Account indices drawn with probability proportional to 1 / rank^s."""

    def __init__(self, n: int, s: float, seed: int) -> None:
        weights = [1 / (k**s) for k in range(1, n + 1)]
        total = sum(weights)
        acc = 0.0
        self.cumulative = []
        for w in weights:
            acc += w / total
            self.cumulative.append(acc)
        self.rng = random.Random(seed)
        self.n = n

    def draw(self) -> int:
        return min(bisect.bisect_left(self.cumulative, self.rng.random()), self.n - 1)

    def pair(self) -> tuple[int, int]:
        a = self.draw()
        b = self.draw()
        while b == a:
            b = self.draw()
        return a, b


# --------------------------------------------------------------------------- setup


def setup(name: str, url: str) -> Env:
    cleanup: Callable[[], None]
    if name == "postgresql":
        schema = f"rte_bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(url, pool_size=1, max_overflow=0)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(
            url,
            pool_size=70,  # 64 request threads in the group-commit case, one connection each
            max_overflow=10,
            pool_pre_ping=False,
            connect_args={"options": f"-csearch_path={schema}"},
        )

        def cleanup() -> None:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()

    else:
        folder = tempfile.TemporaryDirectory(prefix="rte-bench-")
        os.environ.setdefault("READTOEARN_SQLITE_POOL", "queue")
        engine = make_engine(f"sqlite:///{Path(folder.name) / 'bench.sqlite3'}", pool_size=70)

        def cleanup() -> None:
            engine.dispose()
            folder.cleanup()

    migrations.upgrade(engine)
    raw_meta.create_all(engine)
    database = Database(engine)
    with database.session(write=True) as s:
        budget = ledger.programme_budget(s)
        assert ledger.fund_budget(s, START, new_id()).created
        specs = [
            AccountSpec(
                new_id(),
                AccountCode.WALLET,
                owner_id=new_id(),
                flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
            )
            for _ in range(ACCOUNTS)
        ]
        assert all(r.ok for r in ledger.create_accounts(s, specs))
        wallets = [spec.id for spec in specs]
        gifts = [
            TransferSpec(new_id(), budget, w, START // (10 * ACCOUNTS), TransferCode.ADJUSTMENT)
            for w in wallets
        ]
        assert all(r.created for r in ledger.create_transfers(s, gifts))
    raw_wallets = [new_id() for _ in range(ACCOUNTS)]
    raw_budget = new_id()
    with engine.begin() as conn:
        now = datetime.now(UTC)
        each = START // (10 * ACCOUNTS)
        rows = [
            {
                "id": a,
                "code": "wallet",
                "ledger": "points",
                "owner_id": new_id(),
                "debits_must_not_exceed_credits": True,
                "credits_must_not_exceed_debits": False,
                "credits_posted": START if a == raw_budget else each,
                "created_at": now,
            }
            for a in [*raw_wallets, raw_budget]
        ]
        conn.execute(insert(raw_accounts), rows)
    committer = GroupCommitter(database)
    return Env(name, engine, database, wallets, budget, raw_wallets, raw_budget, cleanup, committer)


# --------------------------------------------------------------------------- the two sides


def _specs(env: Env, batch: list[tuple[int, int]], hot: bool) -> list[TransferSpec]:
    """One-point transfers between the drawn wallets (from the budget in the hot case)."""
    return [
        TransferSpec(
            new_id(),
            env.budget if hot else env.wallets[a],
            env.wallets[b],
            1,
            TransferCode.ADJUSTMENT,
        )
        for a, b in batch
    ]


def ours(env: Env, session: Session, batch: list[tuple[int, int]], hot: bool) -> None:
    specs = _specs(env, batch, hot)
    for attempt in range(20):
        try:
            with session.begin():
                results = ledger.create_transfers(session, specs)
            break
        except DBAPIError as exc:
            if not ledger.is_retryable(exc) or attempt == 19:
                raise
    if not all(r.created for r in results):
        raise RuntimeError(f"a transfer was refused: {results[0].code}")


def raw(env: Env, conn: Any, batch: list[tuple[int, int]], hot: bool) -> None:
    pairs = [(env.raw_budget if hot else env.raw_wallets[a], env.raw_wallets[b]) for a, b in batch]
    now = datetime.now(UTC)
    rows = [
        {
            "id": new_id(),
            "debit_account_id": d,
            "credit_account_id": c,
            "amount": 1,
            "ledger": "points",
            "code": "adjustment",
            "flags": 0,
            "pending_id": None,
            "reversal_of": None,
            "timeout_s": None,
            "expires_at": None,
            "metadata": {},
            "created_at": now,
        }
        for d, c in pairs
    ]
    for attempt in range(20):
        try:
            with conn.begin():
                if len(pairs) == 1:
                    debit, credit = pairs[0]
                    steps = sorted([(debit, RAW_DEBIT), (credit, RAW_CREDIT)], key=lambda x: x[0])
                    for account, stmt in steps:
                        if conn.execute(stmt, {"id": account, "a": 1}).rowcount != 1:
                            raise Refused
                else:
                    net: dict[uuid.UUID, list[int]] = {}
                    for debit, credit in pairs:
                        net.setdefault(debit, [0, 0])[0] += 1
                        net.setdefault(credit, [0, 0])[1] += 1
                    params = [{"id": k, "d": v[0], "c": v[1]} for k, v in sorted(net.items())]
                    if conn.execute(RAW_NET, params).rowcount not in (len(params), -1):
                        raise Refused
                conn.execute(insert(raw_transfers), rows)
            return
        except DBAPIError as exc:
            if not ledger.is_retryable(exc) or attempt == 19:
                raise


def _all_ok(_session: Session | None, results: list[Any]) -> list[Any]:
    if not all(r.ok for r in results):
        raise AssertionError(results)
    return results


def grouped(env: Env, batch: list[tuple[int, int]], hot: bool) -> None:
    """A request's transfers handed to the group committer in two halves, as a completion's
    credit is: every waiting unit's transfers go into one ledger call, one commit for all."""
    specs = _specs(env, batch, hot)
    env.committer.run_blocking(ledger.transfers_later(specs, _all_ok))


def savepoints(env: Env, batch: list[tuple[int, int]], hot: bool) -> None:
    """The same, as one unit of work making its own ledger call in a savepoint of the shared
    transaction (what every unit did before units came in two halves)."""
    specs = _specs(env, batch, hot)
    results = env.committer.run_blocking(lambda s: ledger.create_transfers(s, specs))
    _all_ok(None, results)


# --------------------------------------------------------------------------- driving


def measure(env: Env, side: str, workers: int, size: int, hot: bool, seconds: float) -> Run:
    stop = time.perf_counter() + seconds
    runs = [Run() for _ in range(workers)]
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        zipf = Zipf(ACCOUNTS, ZIPF_S, seed=i * 7919 + size)
        run = runs[i]
        conn = env.engine.execution_options(sqlite_immediate=True).connect()
        session = Session(bind=conn)
        try:
            barrier.wait()
            begin = time.perf_counter()
            while time.perf_counter() < stop:
                batch = [zipf.pair() for _ in range(size)]
                t0 = time.perf_counter()
                if side == "ours":
                    ours(env, session, batch, hot)
                elif side == "group":
                    grouped(env, batch, hot)
                elif side == "savepoints":
                    savepoints(env, batch, hot)
                else:
                    raw(env, conn, batch, hot)
                run.latencies.append(time.perf_counter() - t0)
                run.transfers += size
            run.seconds = time.perf_counter() - begin
        except BaseException as exc:
            errors.append(exc)
        finally:
            session.close()
            conn.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    total = Run()
    total.transfers = sum(r.transfers for r in runs)
    total.seconds = max(r.seconds for r in runs)
    total.latencies = [x for r in runs for x in r.latencies]
    return total


def rate(run: Run) -> float:
    return run.rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs (under a minute)")
    parser.add_argument("--pg", default=os.environ.get("READTOEARN_BENCH_DATABASE_URL", ""))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--seconds", type=float, default=None, help="per measurement")
    parser.add_argument("--workers", default="1,4,16")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds per side")
    parser.add_argument(
        "--group-only", action="store_true", help="only the group-commit case (64 callers)"
    )
    args = parser.parse_args()

    seconds = args.seconds or (0.3 if args.quick else 1.5)
    if args.quick and args.pg and not args.no_sqlite and not args.seconds:
        seconds = 0.2
    rounds = args.rounds or 2
    sizes = [1, 100] if args.quick else [1, 100, 1000]
    workers_list = [int(w) for w in args.workers.split(",")]
    targets = [] if args.no_sqlite else [("sqlite", "")]
    if args.pg:
        targets.append(("postgresql", normalise_database_url(args.pg)))

    ratios: dict[str, list[float]] = {"single": [], "batched": []}
    print(
        f"{'db':<10} {'case':<5} {'batch':>5} {'workers':>7} {'ours/s':>9} {'raw/s':>9} "
        f"{'ours/raw':>8}  {'ours p50/p99 ms':>16}  {'raw p50/p99 ms':>16}"
    )
    started = time.perf_counter()
    for name, url in targets:
        env = setup(name, url)
        try:
            for hot in () if args.group_only else (False, True):
                for size in sizes:
                    for workers in workers_list:
                        # Alternate the two sides and keep each one's best round: other
                        # processes on the machine slow some rounds down, not the code.
                        r = o = Run()
                        for _ in range(rounds):
                            r = max(r, measure(env, "raw", workers, size, hot, seconds), key=rate)
                            o = max(o, measure(env, "ours", workers, size, hot, seconds), key=rate)
                        ratio = o.rate / r.rate if r.rate else 0.0
                        ratios["single" if size == 1 else "batched"].append(ratio)
                        print(
                            f"{name:<10} {'hot' if hot else 'zipf':<5} {size:>5} {workers:>7} "
                            f"{o.rate:>9.0f} {r.rate:>9.0f} {ratio:>8.2f}  "
                            f"{o.percentile(0.5):>7.2f}/{o.percentile(0.99):<8.2f}  "
                            f"{r.percentile(0.5):>7.2f}/{r.percentile(0.99):<8.2f}",
                            flush=True,
                        )
            # Group commit: 64 request threads, each paying one transfer from the budget (a
            # completion), one transaction per transfer against units sharing commits: in two
            # halves (one ledger call per batch), and each in a savepoint of its own.
            b = g = p = Run()
            for _ in range(rounds):
                b = max(b, measure(env, "ours", GROUP_CALLERS, 1, True, seconds * 2), key=rate)
                g = max(g, measure(env, "group", GROUP_CALLERS, 1, True, seconds * 2), key=rate)
                p = max(
                    p, measure(env, "savepoints", GROUP_CALLERS, 1, True, seconds * 2), key=rate
                )
            gain = g.rate / b.rate if b.rate else 0.0
            for label, run in (
                ("one transaction per transfer", b),
                ("group commit, a savepoint per unit", p),
                ("group commit, one ledger call per batch", g),
            ):
                print(
                    f"{name}: {GROUP_CALLERS} callers, {label}: {run.rate:.0f}/s "
                    f"(p50 {run.percentile(0.5):.1f} ms, p99 {run.percentile(0.99):.1f} ms)"
                )
            print(
                f"{name}: group commit, {GROUP_CALLERS} callers, one transfer each: "
                f"group/single={gain:.1f} (savepoints/single="
                f"{p.rate / b.rate if b.rate else 0.0:.1f}), "
                f"p99 {g.percentile(0.99):.1f} ms; load average {os.getloadavg()[0]:.1f} "
                f"on {os.cpu_count()} cores",
                flush=True,
            )
            env.committer.close()
            with env.database.session() as s:
                report = ledger.audit(s)
            print(f"{name}: {report.render()} ({time.perf_counter() - started:.0f} s so far)")
            if not report.ok:
                raise SystemExit(1)
        finally:
            env.cleanup()

    def geomean(values: list[float]) -> float:
        return math.exp(statistics.fmean(math.log(v) for v in values)) if values else 0.0

    if not args.group_only:
        single, batched = geomean(ratios["single"]), geomean(ratios["batched"])
        print(f"ratio single={single:.2f} batched={batched:.2f}")


if __name__ == "__main__":
    main()
