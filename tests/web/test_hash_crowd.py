"""Password hashing is no lever on a worker's memory: a crowd of failed logins through the real
HTTP server never runs more argon2 hashes at once than the memory budget allows, and those beyond
it are answered 503 busy with Retry-After (issue #18: 60 concurrent failed logins once took one
worker from 132 MB to 2 GB)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from readtoearn.accounts import passwords
from tests.web.test_crowd import crowd_settings, in_a_thread, live

pytestmark = pytest.mark.timeout(120)
CROWD = 60


def test_a_crowd_of_failed_logins_hashes_at_most_the_budget_at_once(
    committing_database, tmp_path, monkeypatch
) -> None:
    """Guards the hashing semaphore: without it, the 60 hashes below run side by side."""
    # 1 MiB a hash and a 2 MiB budget: two hashes at once.
    settings = crowd_settings(tmp_path, password_hash_memory_budget_mib=2)
    slots = passwords.hash_slots(settings)
    assert slots == 2
    running = 0
    peak = 0
    lock = threading.Lock()
    real_verify = PasswordHasher.verify

    def slow_verify(self: PasswordHasher, encoded: Any, password: Any) -> bool:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.05)  # as long as a hash at the production cost
            return real_verify(self, encoded, password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(PasswordHasher, "verify", slow_verify)
    run = uuid.uuid4().hex[:8]

    async def attempt(client: httpx.AsyncClient, start: asyncio.Event, n: int) -> httpx.Response:
        await start.wait()
        body = {"email": f"nobody-{run}-{n}@example.org", "password": f"wrong guess {n}"}
        return await client.post("/api/v1/auth/token", json=body)

    async def crowd(url: str) -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=CROWD, max_keepalive_connections=CROWD)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
            start = asyncio.Event()
            tasks = [asyncio.create_task(attempt(client, start, n)) for n in range(CROWD)]
            await asyncio.sleep(0.2)  # every request waits at the line
            start.set()
            return list(await asyncio.gather(*tasks))

    with live(committing_database, settings) as server:
        responses = in_a_thread(crowd(server.url))

    statuses = Counter(r.status_code for r in responses)
    assert peak == slots, f"{peak} hashes ran at once, for {slots} slots"
    assert set(statuses) <= {401, 503}, statuses
    assert statuses[401] >= slots
    for response in responses:
        if response.status_code == 503:
            assert response.json()["error"]["code"] == "busy"
            assert int(response.headers["retry-after"]) >= 1
