"""Operators deciding the same held reads at once: one decision per read, no point lost."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.errors import Conflict
from readtoearn.fraud import service as reviews
from readtoearn.fraud.models import ReadReview
from readtoearn.ledger import service as ledger
from tests.conftest import SECRET
from tests.factories import make_article
from tests.readers import fund, make_reader, wallet
from tests.unit.fraud.factories import make_read
from tests.unit.ledger.test_concurrency import race


@pytest.fixture(scope="module")
def db(committing_database: Database) -> Database:
    """A database of its own that really commits (not the rolled-back test transaction)."""
    return committing_database


def test_racing_decisions_settle_each_read_once(db: Database, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
    )
    name = uuid.uuid4().hex[:8]
    with db.session(write=True) as s:
        fund(s, 1000)
        reader = make_reader(s, settings, name)[0]
        reads = []
        for i in range(4):
            article = make_article(
                s, settings, title=f"{name} {i}", url=f"https://news.example/{name}/{i}"
            )
            reads.append(make_read(s, reader.id, article.id).id)
        reader_id = reader.id

    def decide(read_id: uuid.UUID, approve: bool):  # type: ignore[no-untyped-def]
        def work(s):  # type: ignore[no-untyped-def]
            try:
                fn = reviews.approve if approve else reviews.reject
                return fn(s, read_id, None, "race").decision
            except Conflict:
                return "refused"

        return lambda: ledger.run_in_transaction(db, work)

    workers = [decide(r, approve) for r in reads for approve in (True, False, True, False)]
    outcomes = race(workers)
    with db.session() as s:
        decided = {
            row.read_id: row.decision
            for row in s.scalars(select(ReadReview).where(ReadReview.read_id.in_(reads)))
        }
        assert len(decided) == 4
        count = s.scalar(
            select(func.count()).select_from(ReadReview).where(ReadReview.read_id.in_(reads))
        )
        assert count == 4
        for i, read_id in enumerate(reads):
            mine = outcomes[i * 4 : i * 4 + 4]
            winner = decided[read_id]
            assert all(o in (winner, "refused") for o in mine), mine
        approved = sum(d == "approved" for d in decided.values())
        assert wallet(s, reader_id) == (10 * approved, 0)
        report = ledger.audit(s)
        assert report.ok, report.render()
