"""A crowd of check-ins for one reader, through two real servers on one database at once: the
day is recorded once and paid once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from readtoearn.accounts import service as accounts
from readtoearn.app import create_app
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.ledger import service as ledger
from readtoearn.quests.models import CheckIn
from tests.conftest import SECRET
from tests.live import free_socket, serve
from tests.readers import STRONG_PASSWORD

CHECK_INS = 24


def race_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        base_url="http://testserver",
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        ledger_expire_every_s=0,
        checkin_points=7,
        checkin_read_days=0,
    )


def test_racing_check_ins_through_two_servers_pay_the_day_once(
    committing_database: Database, tmp_path: Path
) -> None:
    settings = race_settings(tmp_path)
    db = committing_database
    tag = uuid.uuid4().hex[:8]
    with db.session(write=True) as s:
        ledger.fund_budget(s, 10_000, ledger.transfer_id(f"checkin-race:{tag}"))
        reader = accounts.create_user(
            s, settings, email=f"racer-{tag}@example.org", password=STRONG_PASSWORD
        )
        token = accounts.issue_api_token(s, settings, reader).token
        reader_id = reader.id

    async def race(urls: list[str]) -> list[tuple[int, dict[str, Any]]]:
        clients = [httpx.AsyncClient(base_url=url, timeout=60) for url in urls]
        # One request to each server in turn first: an app builds its routes' parameters on its
        # first request, under warnings.catch_warnings(), which is not thread-safe, so two apps
        # in one process doing it at once can see pytest's warnings-as-errors (separate worker
        # processes cannot).
        for client in clients:
            assert (await client.get("/api/v1/leaderboard")).status_code == 200

        async def one(n: int) -> tuple[int, dict[str, Any]]:
            client = clients[n % len(clients)]
            for _ in range(100):
                response = await client.post(
                    "/api/v1/me/checkin",
                    json={"time_zone": "Europe/Paris"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                if response.status_code != 503:
                    return response.status_code, response.json()
                await asyncio.sleep(0.05)
            raise AssertionError("stayed busy")

        try:
            return await asyncio.gather(*(one(n) for n in range(CHECK_INS)))
        finally:
            for client in clients:
                await client.aclose()

    socks = [free_socket(), free_socket()]
    urls = [f"http://127.0.0.1:{sock.getsockname()[1]}" for sock in socks]
    with ExitStack() as servers, ThreadPoolExecutor(1) as pool:
        for sock in socks:
            # Two apps, as two workers: each has its own group committer and connections.
            servers.enter_context(serve(create_app(settings, database=db), sock))
        answers = pool.submit(asyncio.run, race(urls)).result()

    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: 1, 200: CHECK_INS - 1}, statuses
    days = {body["day"] for _, body in answers}
    assert len(days) == 1
    assert all(body["points"] == 7 for _, body in answers)
    with db.session() as s:
        count = s.scalar(select(func.count()).where(CheckIn.reader_id == reader_id))
        assert count == 1
        balance = ledger.balance(s, ledger.get_or_create_wallet(s, reader_id))
        assert balance.posted == 7
        assert ledger.audit(s).ok
