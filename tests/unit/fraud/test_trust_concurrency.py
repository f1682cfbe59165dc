"""Appeals decided by several operators at once, and the held-read timeout run by several workers
at once: real threads, each with its own connection and transaction, on a SQLite file and on
PostgreSQL. Each pays (or voids) once."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.db import Database, utcnow
from readtoearn.errors import ReadToEarnError
from readtoearn.fraud import appeals, timeouts
from readtoearn.fraud import service as reviews
from readtoearn.ledger import service as ledger
from tests.conftest import SECRET
from tests.factories import make_article
from tests.unit.fraud.factories import make_read

THREADS = 8
SETTINGS = Settings(secret_key=SECRET)


def _reader(db: Database, tag: str) -> uuid.UUID:
    with db.session(write=True) as s:
        ledger.fund_budget(s, 1000, ledger.transfer_id(f"fund:{tag}"))
        user = User(email=f"r-{tag}@example.org", display_name="r")
        s.add(user)
        s.flush()
        return user.id


def _article(s, tag: str, n: int) -> uuid.UUID:
    url = f"https://news.example/{tag}/{n}"
    return make_article(s, SETTINGS, title=f"Story {tag} {n}", url=url).id


def _race(work) -> list[str]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(THREADS)

    def one(n: int) -> str:
        barrier.wait()
        try:
            return str(work(n))
        except ReadToEarnError as exc:
            return exc.code

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(THREADS)))


def test_operators_approving_one_appeal_at_once_pay_once(committing_database: Database) -> None:
    db, tag = committing_database, uuid.uuid4().hex[:8]
    reader = _reader(db, tag)
    with db.session(write=True) as s:
        read = make_read(
            s,
            reader,
            _article(s, tag, 1),
            status="rejected",
            reasons=("too_fast",),
            completed_at=utcnow(),
        )
        appeal_id = appeals.file_appeal(s, reader, read.id, "me", appeal_days=14, now=utcnow()).id

    def approve(n: int) -> bool:
        def work(s):  # type: ignore[no-untyped-def]
            done = appeals.decide_appeal(
                s, appeal_id, None, approve=True, note=f"op {n}", settings=SETTINGS
            )
            return done.created

        return ledger.run_in_transaction(db, work)

    outcomes = Counter(_race(approve))
    assert outcomes == {"True": 1, "False": THREADS - 1}
    with db.session() as s:
        balance = ledger.balance(s, ledger.get_or_create_wallet(s, reader))
        assert balance.posted == SETTINGS.points_per_read
        assert ledger.audit(s).ok


def test_workers_expiring_held_reads_at_once_void_each_once(
    committing_database: Database,
) -> None:
    db, tag = committing_database, uuid.uuid4().hex[:8]
    reader = _reader(db, tag)
    old = utcnow() - timedelta(days=40)
    with db.session(write=True) as s:
        held = [make_read(s, reader, _article(s, tag, n), completed_at=old).id for n in range(5)]

    def sweep(_n: int) -> int:
        return ledger.run_in_transaction(db, lambda s: timeouts.expire_held(s, utcnow(), 30).reads)

    swept = _race(sweep)
    assert sum(int(n) for n in swept) == 5, swept
    with db.session() as s:
        assert {reviews.get_review(s, r).decision for r in held} == {"expired"}
        balance = ledger.balance(s, ledger.get_or_create_wallet(s, reader))
        assert (balance.posted, balance.pending) == (0, 0)
        assert ledger.audit(s).ok
