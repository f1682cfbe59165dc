"""Quests finished at once through the real server (uvicorn, its thread pool, the group
committer, real connections): a reader's last step sent many times at once pays the quest once,
and readers racing for the last places under a cap never get past it."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from readtoearn.accounts import service as accounts
from readtoearn.app import create_app
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.ledger import service as ledger
from readtoearn.quests import service as quests
from readtoearn.quests.models import QuestCompletion, StepKind
from tests.conftest import SECRET
from tests.factories import make_article
from tests.live import free_socket, serve
from tests.readers import STRONG_PASSWORD
from tests.unit.fraud.factories import make_read

CALLS = 16


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        base_url="http://testserver",
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        ledger_expire_every_s=0,
    )


def _race(app: Any, calls: list[tuple[str, str]]) -> list[tuple[int, dict[str, Any]]]:
    """POST every (path, token) at once; a 503 (busy) is sent again, as the tracker does."""

    async def run(url: str) -> list[tuple[int, dict[str, Any]]]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:

            async def one(path: str, token: str) -> tuple[int, dict[str, Any]]:
                for _ in range(200):
                    response = await client.post(path, headers={"Authorization": f"Bearer {token}"})
                    if response.status_code != 503:
                        return response.status_code, response.json()
                    await asyncio.sleep(0.05)
                raise AssertionError("stayed busy")

            return await asyncio.gather(*(one(p, t) for p, t in calls))

    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with serve(app, sock), ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run(url)).result()


def _reader(s: Any, settings: Settings, tag: str, n: int, article_id: uuid.UUID) -> tuple[Any, str]:
    user = accounts.create_user(
        s, settings, email=f"q{n}-{tag}@example.org", password=STRONG_PASSWORD
    )
    make_read(s, user.id, article_id, status="credited", reasons=())
    return user, accounts.issue_api_token(s, settings, user).token


def _completions(db: Database, quest_id: uuid.UUID) -> int:
    with db.session() as s:
        stmt = select(func.count()).select_from(QuestCompletion)
        return s.scalar(stmt.where(QuestCompletion.quest_id == quest_id)) or 0


def test_a_last_step_sent_many_times_at_once_pays_the_quest_once(
    committing_database: Database, tmp_path: Path
) -> None:
    settings, db, tag = _settings(tmp_path), committing_database, uuid.uuid4().hex[:8]
    with db.session(write=True) as s:
        ledger.fund_budget(s, 10_000, ledger.transfer_id(f"quest-race:{tag}"))
        article = make_article(s, settings, title=f"Race {tag}", url=f"https://x.example/{tag}")
        quest = quests.create_quest(
            s,
            quests.QuestDraft(
                title_en=f"Race {tag}",
                points=70,
                steps=[
                    quests.StepDraft(kind=StepKind.READ, article=str(article.id)),
                    quests.StepDraft(kind=StepKind.LINK, url="https://partner.example/"),
                ],
            ),
        )
        user, token = _reader(s, settings, tag, 0, article.id)
        quest_id = quest.id
    base = f"/api/v1/quests/{quest_id}"
    calls = [(f"{base}/steps/2/open" if n % 2 else f"{base}/collect", token) for n in range(CALLS)]
    answers = _race(create_app(settings, database=db), calls)

    assert {status for status, _ in answers} == {200}, answers
    paid = [body for _, body in answers if (body.get("completion") or body)["completed"]]
    assert len(paid) == 1, Counter(str(body) for _, body in answers)
    assert _completions(db, quest_id) == 1
    with db.session() as s:
        assert ledger.balance(s, ledger.get_or_create_wallet(s, user.id)).posted == 10 + 70
        assert ledger.audit(s).ok


def test_readers_racing_for_the_last_places_through_the_server(
    committing_database: Database, tmp_path: Path
) -> None:
    settings, db, tag = _settings(tmp_path), committing_database, uuid.uuid4().hex[:8]
    with db.session(write=True) as s:
        ledger.fund_budget(s, 10_000, ledger.transfer_id(f"quest-cap:{tag}"))
        article = make_article(s, settings, title=f"Cap {tag}", url=f"https://x.example/c{tag}")
        quest = quests.create_quest(
            s,
            quests.QuestDraft(
                title_en=f"Cap {tag}",
                points=30,
                max_completions=3,
                steps=[quests.StepDraft(kind=StepKind.READ, article=str(article.id))],
            ),
        )
        tokens = [_reader(s, settings, tag, n, article.id)[1] for n in range(10)]
        quest_id = quest.id
    calls = [(f"/api/v1/quests/{quest_id}/collect", t) for t in tokens]
    answers = _race(create_app(settings, database=db), calls)

    assert {status for status, _ in answers} == {200}, answers
    assert sum(body["completed"] for _, body in answers) == 3
    refused = {body["quest"]["state"] for _, body in answers if not body["completed"]}
    assert refused == {"full"}
    assert _completions(db, quest_id) == 3
    with db.session() as s:
        assert ledger.audit(s).ok
