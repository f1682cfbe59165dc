"""Production's shape: `readtoearn serve --workers 2` with open reads in Redis. Beats land on
either worker (a new connection for every request) and a read is credited all the same."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from readtoearn import migrations
from readtoearn.accounts import service as accounts
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine
from readtoearn.reading import tokens
from tests.conftest import REDIS_URL
from tests.factories import make_article
from tests.readers import fund

SECRET = "workers-test-secret-key-that-is-long-enough-0123"
BEAT_S = 5  # the shortest interval the settings allow


def prepare(data: Path) -> tuple[dict[str, str], str, str, uuid.UUID]:
    """A SQLite database with a short article, a funded budget and a reader's bearer token."""
    env = {
        **os.environ,
        "READTOEARN_DATA_DIR": str(data),
        "READTOEARN_DATABASE_URL": f"sqlite:///{data / 'workers.sqlite3'}",
        "READTOEARN_SECRET_KEY": SECRET,
        "READTOEARN_REDIS_URL": REDIS_URL,
        "READTOEARN_BEAT_INTERVAL_S": str(BEAT_S),
    }
    settings = Settings(
        data_dir=data, secret_key=SECRET, database_url=env["READTOEARN_DATABASE_URL"]
    )
    database = Database(make_engine(settings.resolved_database_url))
    migrations.upgrade(database.engine)
    with database.session(write=True) as session:
        article = make_article(session, settings, paragraphs=2, key_points=(), lead="")
        fund(session)
        user = accounts.create_user(session, settings, email="w@example.org", password=None)
        bearer = accounts.issue_api_token(session, settings, user).token
        article_id = str(article.id)
        reader_id = user.id
    database.dispose()
    return env, article_id, bearer, reader_id


def test_two_workers_share_a_read_through_redis(tmp_path: Path) -> None:
    if not REDIS_URL:
        pytest.skip("Redis: READTOEARN_TEST_REDIS_URL is not set")
    env, article_id, bearer, reader_id = prepare(tmp_path)
    log = tmp_path / "serve.log"
    with socket_port() as port, log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "readtoearn", "serve", "--no-demo", "--workers", "2",
             "--port", str(port)],
            env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, server, log)
        headers = {"Authorization": f"Bearer {bearer}"}
        subject = tokens.reader_subject(reader_id)
        view = tokens.sign_view(SECRET, uuid.UUID(article_id), time.time(), subject)

        def post(path: str, body: dict[str, object]) -> httpx.Response:
            # A fresh connection each time: the kernel hands it to either worker.
            return httpx.post(url + path, json=body, headers=headers, timeout=10)

        started = post("/api/v1/reads", {"article_id": article_id, "view_token": view})
        assert started.status_code == 201, started.text
        read_id, token = started.json()["read_id"], started.json()["token"]
        for seq in (1, 2, 3):
            time.sleep(BEAT_S + 0.2)
            beat = post(
                f"/api/v1/reads/{read_id}/beats",
                {
                    "token": token,
                    "seq": seq,
                    "active_ms": BEAT_S * 1000,
                    "scroll_max": seq / 3,
                    "paragraphs_seen": [min(seq - 1, 1)],
                    "events": {"wheel": seq + 2, "scroll": 4 * seq},
                },
            )
            assert beat.status_code == 200, beat.text
            token = beat.json()["token"]
        verdict = post(f"/api/v1/reads/{read_id}/complete", {"token": token}).json()
        assert verdict["verdict"] == "credited", verdict
        wallet = httpx.get(url + "/api/v1/me/wallet", headers=headers, timeout=10).json()
        assert wallet["available"] == 10
        assert "Started parent process" in log.read_text()  # two workers under one parent
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


class socket_port:
    """A free port on 127.0.0.1 (released for the server to take)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    def __exit__(self, *_: object) -> None:
        return None


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(log.read_text())
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not start")
