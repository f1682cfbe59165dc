"""A crowd guessing one reader's password, through the real HTTP server (uvicorn in a thread, a
database that really commits): however many wrong passwords arrive at once, at most
login_max_attempts of them get checked, because each attempt is counted before its password is,
in the one step that decides whether it may go on."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from readtoearn.accounts import passwords
from readtoearn.accounts import service as accounts
from tests.readers import STRONG_PASSWORD
from tests.web.test_crowd import crowd_settings, in_a_thread, live

pytestmark = pytest.mark.timeout(120)
CROWD = 30


def test_a_crowd_of_wrong_passwords_checks_at_most_the_limit(
    committing_database, tmp_path, monkeypatch
) -> None:
    settings = crowd_settings(tmp_path, login_max_attempts=5)
    email = f"target-{uuid.uuid4().hex[:8]}@example.org"
    with committing_database.session(write=True) as session:
        accounts.create_user(session, settings, email=email, password=STRONG_PASSWORD)

    checked = Counter[str]()
    lock = threading.Lock()
    real = passwords.verify_password

    def counting(settings: Any, encoded: str | None, password: str) -> bool:
        with lock:
            checked[password] += 1
        return real(settings, encoded, password)

    monkeypatch.setattr(passwords, "verify_password", counting)

    async def attempt(client: httpx.AsyncClient, start: asyncio.Event, n: int) -> httpx.Response:
        await start.wait()
        body = {"email": email, "password": f"wrong guess number {n}"}
        for _ in range(50):  # a busy server's 503 is sent again, as a client would
            response = await client.post("/api/v1/auth/token", json=body)
            if response.status_code != 503:
                return response
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))
        raise AssertionError("the server stayed busy")

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
        # Even the right password now waits for the window to end.
        right = httpx.post(
            f"{server.url}/api/v1/auth/token",
            json={"email": email, "password": STRONG_PASSWORD},
            timeout=30,
        )

    assert sum(checked.values()) <= settings.login_max_attempts
    assert statuses == {401: settings.login_max_attempts, 429: CROWD - settings.login_max_attempts}
    for response in responses:
        if response.status_code == 429:
            assert response.json()["error"]["code"] == "too_many_attempts"
            assert 0 < int(response.headers["retry-after"]) <= settings.login_window_s
    assert right.status_code == 429
    assert STRONG_PASSWORD not in checked
