"""Quests completed at once: real threads, each with its own connection and transaction, on a
SQLite file and on PostgreSQL. A reader finishing a quest twice at once is paid once; readers
racing for the last places under a cap, or for a sponsor's last points, never get past either."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.ledger import service as ledger
from readtoearn.quests import service as quests
from readtoearn.quests.models import QuestCompletion
from readtoearn.quests.service import QuestState
from tests.conftest import SECRET
from tests.unit.fraud.factories import make_read
from tests.unit.quests.factories import make_articles, make_quest, make_user

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
WORKERS = 8


@pytest.fixture(scope="module")
def db(committing_database: Database) -> Database:
    return committing_database


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=SECRET)


def _race(db: Database, settings: Settings, jobs: list[tuple[uuid.UUID, uuid.UUID]]) -> list[str]:
    barrier = threading.Barrier(len(jobs))

    def one(job: tuple[uuid.UUID, uuid.UUID]) -> str:
        reader_id, quest_id = job

        def work(s):  # type: ignore[no-untyped-def]
            quest = quests.get_quest(s, str(quest_id))
            return quests.complete_quest(s, settings, NOW, reader_id, quest)

        barrier.wait()
        done = ledger.run_in_transaction(db, work)
        return "paid" if done.created else done.state.value

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(one, jobs))


def _setup(db: Database, settings: Settings, readers: int, **quest: object):
    with db.session(write=True) as s:
        ledger.fund_budget(s, 100_000, ledger.transfer_id(f"race:{uuid.uuid4()}"))
        (article,) = make_articles(s, settings, 1)
        users = [make_user(s, f"race{i}") for i in range(readers)]
        for u in users:
            make_read(s, u.id, article.id, status="credited", reasons=(), completed_at=NOW)
        made = make_quest(s, [article], points=30, **quest)
        return made.id, [u.id for u in users]


def _completions(db: Database, quest_id: uuid.UUID) -> int:
    with db.session() as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(QuestCompletion)
                .where(QuestCompletion.quest_id == quest_id)
            )
            or 0
        )


def test_one_reader_finishing_a_quest_twice_at_once_is_paid_once(db, settings) -> None:
    quest_id, (reader,) = _setup(db, settings, 1)
    outcomes = _race(db, settings, [(reader, quest_id)] * WORKERS)
    assert outcomes.count("paid") == 1
    assert set(outcomes) == {"paid", QuestState.COMPLETED.value}
    assert _completions(db, quest_id) == 1
    with db.session() as s:
        assert ledger.balance(s, ledger.get_or_create_wallet(s, reader)).posted == 10 + 30
        assert ledger.audit(s).ok


def test_readers_racing_for_the_last_places_never_pass_the_cap(db, settings) -> None:
    quest_id, readers = _setup(db, settings, WORKERS, max_completions=3)
    outcomes = _race(db, settings, [(r, quest_id) for r in readers])
    assert outcomes.count("paid") == 3
    assert set(outcomes) - {"paid"} == {QuestState.FULL.value}
    assert _completions(db, quest_id) == 3


def test_readers_racing_for_a_sponsors_last_points(db, settings) -> None:
    with db.session(write=True) as s:
        sponsor = quests.create_sponsor(s, quests.SponsorDraft(name=f"Race {uuid.uuid4().hex[:6]}"))
        quests.fund_sponsor(s, sponsor.id, 100)  # three completions of 30, not four
        slug = sponsor.slug
    quest_id, readers = _setup(db, settings, WORKERS, sponsor=slug)
    outcomes = _race(db, settings, [(r, quest_id) for r in readers])
    assert outcomes.count("paid") == 3
    assert set(outcomes) - {"paid"} == {QuestState.BUDGET_SPENT.value}
    with db.session() as s:
        assert quests.sponsor_available(s, quests.get_sponsor(s, slug).id) == 10
        assert ledger.audit(s).ok
