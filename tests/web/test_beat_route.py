"""The lean beat route: open reads in Redis, the credential it remembers, what it documents,
what happens when its store is down, and what the server writes when it stops."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from readtoearn import migrations
from readtoearn.app import create_app
from readtoearn.cli import cli
from readtoearn.clock import ManualClock
from readtoearn.db import Database, make_engine, new_id
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferCode, TransferFlags, TransferSpec
from readtoearn.reading.live import RedisLiveStore
from readtoearn.reading.models import Read, ReadBeat
from tests.conftest import REDIS_URL
from tests.factories import make_article
from tests.readers import Client, fund, make_reader, wallet


@pytest.fixture
def article(session, settings):  # type: ignore[no-untyped-def]
    article = make_article(session, settings, paragraphs=12)
    session.commit()
    return article


@pytest.fixture
def redis_app(settings, database, clock) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The app as several workers run it: open reads in Redis (a prefix of the test's own)."""
    if not REDIS_URL:
        pytest.skip("Redis: READTOEARN_TEST_REDIS_URL is not set")
    import redis
    import redis.asyncio

    app = create_app(
        settings.model_copy(update={"redis_url": REDIS_URL}), database=database, clock=clock
    )
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"rte:test:{uuid.uuid4().hex}:"
    app.state.live = RedisLiveStore(
        client, prefix=prefix, async_client=lambda: redis.asyncio.Redis.from_url(REDIS_URL)
    )
    with TestClient(app) as http:
        yield http
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


def reader(http, clock, settings, article, session, name: str = "ada") -> Client:  # type: ignore[no-untyped-def]
    _, bearer = make_reader(session, settings, name)
    session.commit()
    return Client(http, clock, settings, article, bearer)


def test_a_read_through_redis_is_credited_once(
    redis_app, clock, settings, article, session
) -> None:
    fund(session)
    session.commit()
    ada = reader(redis_app, clock, settings, article, session)
    assert ada.start().status_code == 201
    stale = ada.token
    ada.read_like_a_human()
    assert ada.beat(token=stale).status_code == 409  # a replayed token
    result = ada.complete()
    assert result.json()["verdict"] == "credited"
    user_id = session.scalar(select(Read.reader_id).where(Read.id == uuid.UUID(ada.read_id)))
    assert wallet(session, user_id) == (10, 0)
    beats = session.scalar(
        select(func.count()).select_from(ReadBeat).where(ReadBeat.read_id == uuid.UUID(ada.read_id))
    )
    assert beats == ada.seq - 1  # every accepted beat, written once
    assert ada.beat().status_code == 409  # the read is closed


def test_parallel_tabs_are_seen_through_redis(redis_app, clock, settings, session) -> None:
    fund(session)
    first = make_article(session, settings, paragraphs=24, url="https://n.example/a", title="A")
    second = make_article(session, settings, paragraphs=24, url="https://n.example/b", title="B")
    _, bearer = make_reader(session, settings, "tabs")
    session.commit()
    tabs = [Client(redis_app, clock, settings, a, bearer) for a in (first, second)]
    for tab in tabs:
        assert tab.start().status_code == 201
    for i in range(24):
        for tab in tabs:
            tab.beat(wait_s=6, active_ms=6000, paragraphs=[i], scroll=(i + 1) / 24)
    for tab in tabs:
        for _ in range(8):
            tab.beat(wait_s=6, active_ms=6000, scroll=1.0)
    verdicts = [tab.complete().json() for tab in tabs]
    assert all(v["verdict"] in ("held", "incomplete") for v in verdicts), verdicts
    assert any("parallel_reads" in v["reasons"] for v in verdicts)


def test_revoking_a_token_stops_its_beats_at_once(
    client, clock, settings, article, session
) -> None:
    fund(session)
    session.commit()
    ada = reader(client, clock, settings, article, session)
    ada.start()
    assert ada.beat(paragraphs=[0]).status_code == 200  # the route now remembers the token
    assert client.delete("/api/v1/auth/token", headers=ada.headers).status_code == 204
    refused = ada.beat(paragraphs=[1])
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


def test_a_beat_needs_a_credential(client, clock, settings, article, session) -> None:
    ada = reader(client, clock, settings, article, session)
    ada.start()
    url = f"/api/v1/reads/{ada.read_id}/beats"
    body = {"token": ada.token, "seq": 1, "active_ms": 1000}
    assert client.post(url, json=body).status_code == 401
    basic = client.post(url, json=body, headers={"Authorization": "Basic YTpi"})
    assert basic.status_code == 401
    unknown = client.post(url, json=body, headers={"Authorization": "Bearer not-a-token"})
    assert unknown.status_code == 401
    assert unknown.json()["error"]["message"] == "invalid or expired token"


def test_a_down_redis_is_a_503_and_nothing_half_done(
    settings, database, clock, article, session
) -> None:
    import redis
    import redis.asyncio

    app = create_app(settings, database=database, clock=clock)
    app.state.live = RedisLiveStore(
        redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    )
    with TestClient(app) as http:
        ada = reader(http, clock, settings, article, session)
        response = ada.start()
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "reading_unavailable"
        session.expire_all()
        assert session.scalar(select(func.count()).select_from(Read)) == 0
        ada.read_id = str(uuid.uuid4())
        beat = ada.beat(token="x.y", seq=1)
        assert beat.status_code == 503


def test_stopping_the_server_writes_its_open_reads(
    settings, database, clock, article, session
) -> None:
    app = create_app(settings, database=database, clock=clock)
    with TestClient(app) as http:
        ada = reader(http, clock, settings, article, session)
        ada.start()
        for index in range(3):
            assert ada.beat(paragraphs=[index]).status_code == 200
        session.expire_all()
        assert session.get_one(Read, uuid.UUID(ada.read_id)).beats_total == 0
    session.expire_all()
    read = session.get_one(Read, uuid.UUID(ada.read_id))
    assert (read.beats_total, read.next_seq, read.paragraphs_seen) == (3, 4, [0, 1, 2])
    # The next server picks the read up where it was.
    with TestClient(create_app(settings, database=database, clock=clock)) as http:
        ada.http = http
        assert ada.beat(paragraphs=[3]).status_code == 200


def test_the_beat_body_is_documented(client) -> None:
    spec = client.get("/api/openapi.json").json()
    operation = spec["paths"]["/api/v1/reads/{read_id}/beats"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"token", "seq", "active_ms", "paragraphs_seen", "events"} <= set(schema["properties"])
    assert set(schema["required"]) == {"token", "seq", "active_ms"}
    assert "$ref" not in str(schema)
    assert {p["name"] for p in operation["parameters"]} == {"read_id"}
    assert "200" in operation["responses"] and "409" in operation["responses"]


def test_several_workers_need_redis(tmp_path) -> None:
    env = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}",
        "READTOEARN_SECRET_KEY": "serve-test-secret-key-that-is-long-enough-0123",
        "READTOEARN_REDIS_URL": "",
    }
    result = CliRunner().invoke(cli, ["serve", "--workers", "2"], env=env)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: several workers share open reads through Redis: set READTOEARN_REDIS_URL"
    )


def test_the_server_writes_idle_reads_on_its_own(
    settings, database, clock, article, session
) -> None:
    """The sweep runs every idle/2 seconds (here 5 s of real time; the read's idleness is on
    the manual clock)."""
    quick = settings.model_copy(update={"reading_flush_idle_s": 10})
    app = create_app(quick, database=database, clock=clock)
    with TestClient(app) as http:
        ada = reader(http, clock, quick, article, session)
        ada.start()
        assert ada.beat(paragraphs=[0, 1]).status_code == 200
        clock.advance(11)
        read_id = uuid.UUID(ada.read_id)
        deadline = time.monotonic() + 15
        while app.state.live.load(read_id, read_id).state is not None:
            assert time.monotonic() < deadline, "the idle read was never written"
            time.sleep(0.2)
        session.expire_all()
        assert session.get_one(Read, read_id).paragraphs_seen == [0, 1]
        assert ada.beat(wait_s=1, paragraphs=[2]).status_code == 200  # and it comes back


def test_the_server_voids_timed_out_holds_on_its_own(settings, tmp_path) -> None:
    """`ledger expire` runs at startup (then hourly) in the server: no cron needed."""
    database = Database(make_engine(f"sqlite:///{tmp_path / 'expire.sqlite3'}"))
    migrations.upgrade(database.engine)
    clock = ManualClock()
    with database.session(write=True) as s:
        budget = ledger.programme_budget(s)
        assert ledger.fund_budget(s, 100, new_id()).ok
        wallet = ledger.get_or_create_wallet(s, new_id())
        hold = TransferSpec(
            id=new_id(), debit_account_id=budget, credit_account_id=wallet, amount=40,
            code=TransferCode.READ_REWARD, flags=TransferFlags.PENDING, timeout_s=60,
        )  # fmt: skip
        ledger.create_transfers(s, [hold], now=clock.now())
    clock.advance(61)
    hourly = settings.model_copy(update={"ledger_expire_every_s": 3600})
    with TestClient(create_app(hourly, database=database, clock=clock)):
        deadline = time.monotonic() + 10
        while True:
            with database.session() as s:
                if ledger.balance(s, wallet).pending == 0:
                    break
            assert time.monotonic() < deadline, "the hold was never voided"
            time.sleep(0.1)
    with database.session() as s:
        assert ledger.balance(s, budget).available == 100
        assert ledger.audit(s).ok
    database.dispose()


def test_a_remembered_credential_is_checked_again_after_its_time(monkeypatch) -> None:
    from readtoearn.web import credentials

    now = [1000.0]
    monkeypatch.setattr(credentials.time, "monotonic", lambda: now[0])
    cache = credentials.CredentialCache(ttl_s=10)
    reader = uuid.uuid4()
    cache.put("bearer:abc", reader)
    assert cache.get("bearer:abc") == reader
    assert cache.get("bearer:other") is None
    now[0] += 10.5
    assert cache.get("bearer:abc") is None  # the beat route goes back to the database
    cache.put("bearer:abc", reader)
    cache.forget("bearer:abc")
    assert cache.get("bearer:abc") is None
    never = credentials.CredentialCache(ttl_s=0)  # READTOEARN_BEAT_AUTH_CACHE_S=0
    never.put("bearer:abc", reader)
    assert never.get("bearer:abc") is None
