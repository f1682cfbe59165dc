"""Leaderboards and streaks: what a board and a streak cost, against a baseline in the same run.

Leaderboard. Ours: `engagement.get_leaderboard` (two grouped queries in the ledger over the
wallets of the opted-in readers of one edition, plus the asking reader's rank). Baseline: the
straightforward way through the ledger's existing public face, one query per opted-in reader
(`ledger.get_credits_by_code` since the period's start, summed over the sources that count),
then a sort in Python. Both give the same top ten (checked).

Streak. Ours: `engagement.get_streak` for a reader with two years of check-ins and reads
(loading the days, then the streak rule over them). Floor: loading the same days alone (the two
SELECTs and nothing else); the ratio says what the rule adds on top of reading the rows.

    .venv/bin/python bench/engagement.py --quick
    .venv/bin/python bench/engagement.py --readers 5000 --pg postgresql://postgres@127.0.0.1:5432/test

Prints milliseconds per call (best of the rounds) for each side, and `baseline/ours` and
`ours/floor`.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from readtoearn import migrations
from readtoearn.accounts.models import User
from readtoearn.articles.models import Article
from readtoearn.config import Settings, normalise_database_url
from readtoearn.db import Database, make_engine, new_id
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import TransferCode
from readtoearn.quests import engagement
from readtoearn.quests.models import CheckIn, LeaderboardProfile
from readtoearn.quests.streaks import StreakRules, list_counted_days
from readtoearn.reading.models import Read

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
SOURCES = (TransferCode.READ_REWARD, TransferCode.QUIZ_BONUS, TransferCode.DAILY_CHECKIN)


def open_database(url: str) -> tuple[Database, Callable[[], None]]:
    if url:
        schema = f"rte_bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(url, pool_size=1, max_overflow=0)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})

        def drop() -> None:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()

    else:
        folder = tempfile.TemporaryDirectory(prefix="rte-bench-engage-")
        engine = make_engine(f"sqlite:///{Path(folder.name) / 'bench.sqlite3'}")

        def drop() -> None:
            engine.dispose()
            folder.cleanup()

    migrations.upgrade(engine)
    return Database(engine), drop


def seed(db: Database, readers: int, credits_each: int, rng: random.Random) -> list[uuid.UUID]:
    """Readers (a third opted in), each credited at random times over the last 40 days."""
    ids: list[uuid.UUID] = []
    with db.session(write=True) as s:
        ledger.fund_budget(s, 10**12, new_id())
        budget = ledger.programme_budget(s)
        for n in range(readers):
            user = User(email=f"r{n}@bench.example", display_name=f"Reader {n}", language="en")
            s.add(user)
            s.flush()
            ids.append(user.id)
            if n % 3 == 0:
                s.add(
                    LeaderboardProfile(
                        reader_id=user.id,
                        pseudonym=f"Player {n}",
                        pseudonym_key=f"player {n}",
                        opted_in=True,
                        updated_at=NOW,
                    )
                )
            wallet = ledger.get_or_create_wallet(s, user.id)
            for _ in range(credits_each):
                when = NOW - timedelta(seconds=rng.uniform(0, 40 * 86400))
                spec = TransferSpec(
                    id=new_id(),
                    debit_account_id=budget,
                    credit_account_id=wallet,
                    amount=rng.randint(1, 30),
                    code=rng.choice(SOURCES),
                )
                ledger.create_transfers(s, [spec], now=when)
    return ids


def seed_history(db: Database, reader_id: uuid.UUID, days: int, rng: random.Random) -> None:
    """Two years of a reader's days: check-ins on most, credited reads on many."""
    with db.session(write=True) as s:
        article = Article(
            slug="bench",
            content_hash="bench",
            title="Bench",
            language="en",
            html="<p>Bench.</p>",
            text="Bench.",
            word_count=1,
            paragraph_count=1,
            reading_seconds=1,
            reading_minutes=1,
        )
        s.add(article)
        s.flush()
        for n in range(days):
            day = (NOW - timedelta(days=n)).date()
            if rng.random() < 0.8:
                s.add(CheckIn(reader_id=reader_id, day=day, time_zone="UTC", created_at=NOW))
            for _ in range(rng.choice((0, 1, 2))):
                s.add(
                    Read(
                        reader_id=reader_id,
                        article_id=article.id,
                        status="credited",
                        started_at=NOW - timedelta(days=n, minutes=5),
                        completed_at=NOW - timedelta(days=n),
                        nonce=uuid.uuid4().hex[:16],
                    )
                )


def best_ms(fn: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def baseline_board(s: Session, since: datetime, size: int) -> list[tuple[uuid.UUID, int]]:
    """One ledger query per opted-in reader, summed and sorted in Python."""
    readers = s.scalars(
        select(LeaderboardProfile.reader_id)
        .join(User, User.id == LeaderboardProfile.reader_id)
        .where(LeaderboardProfile.opted_in.is_(True), User.language == "en")
    ).all()
    totals = []
    for reader_id in readers:
        wallet = ledger.get_or_create_wallet(s, reader_id)
        by_code = ledger.get_credits_by_code(s, wallet, since=since)
        points = sum(v for k, v in by_code.items() if k in engagement.EARNING_CODES)
        if points:
            totals.append((reader_id, points))
    totals.sort(key=lambda t: (-t[1], t[0]))
    return totals[:size]


def run(name: str, url: str, readers: int, credits_each: int, rounds: int) -> None:
    rng = random.Random(13)
    db, drop = open_database(url)
    try:
        started = time.perf_counter()
        ids = seed(db, readers, credits_each, rng)
        seed_history(db, ids[1], 730, rng)
        print(
            f"{name}: {readers} readers ({len(ids[::3])} opted in), {readers * credits_each} "
            f"credits, seeded in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        settings = Settings(leaderboard_size=10)
        for period in ("week", "month"):
            with db.session() as s:
                board = engagement.get_leaderboard(
                    s, period=period, language="en", now=NOW, settings=settings, reader_id=ids[1]
                )
                since = board.starts_at
                base = baseline_board(s, since, 10)
                assert [e.points for e in board.entries] == [p for _, p in base], "boards differ"
                board_call = partial(
                    engagement.get_leaderboard,
                    s,
                    period=period,
                    language="en",
                    now=NOW,
                    settings=settings,
                    reader_id=ids[1],
                )
                ours = best_ms(board_call, rounds)
                theirs = best_ms(partial(baseline_board, s, since, 10), max(1, rounds // 2))
            print(
                f"{name}: leaderboard {period:<5} ours {ours:8.1f} ms  baseline {theirs:8.1f} ms  "
                f"baseline/ours={theirs / ours:.1f}",
                flush=True,
            )
        with db.session() as s:
            rules = StreakRules.of(settings)
            streak = engagement.get_streak(s, ids[1], NOW, settings)
            ours = best_ms(lambda: engagement.get_streak(s, ids[1], NOW, settings), rounds)
            floor = best_ms(lambda: list_counted_days(s, ids[1], "UTC", rules), rounds)
        print(
            f"{name}: streak over {len(streak.days)} days of history: ours {ours:.2f} ms  "
            f"floor (loading the days) {floor:.2f} ms  ours/floor={ours / floor:.2f}",
            flush=True,
        )
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small run (under a minute)")
    parser.add_argument("--readers", type=int, default=None)
    parser.add_argument("--credits", type=int, default=None, help="credits per reader")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--pg", default=os.environ.get("READTOEARN_BENCH_DATABASE_URL", ""))
    args = parser.parse_args()
    readers = args.readers or (600 if args.quick else 3000)
    credits_each = args.credits or (10 if args.quick else 20)
    rounds = args.rounds or (5 if args.quick else 9)
    targets = [("sqlite", "")]
    if args.pg:
        targets.append(("postgresql", normalise_database_url(args.pg)))
    for name, url in targets:
        run(name, url, readers, credits_each, rounds)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
