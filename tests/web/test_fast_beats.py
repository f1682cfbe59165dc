"""Beats answered at the door (web/fastbeat.py) answer exactly as the beat route behind the page
middleware does: the same statuses, error bodies and headers (CORS, security, metrics), through
the test client and through a real server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from readtoearn.accounts import service as accounts
from readtoearn.app import create_app
from readtoearn.reading.live import RedisLiveStore
from readtoearn.sites import service as sites
from readtoearn.web import fastbeat
from readtoearn.web.fastbeat import FastBeats, credential_in, read_id_of
from readtoearn.web.sessions import SESSION_COOKIE
from tests.conftest import REDIS_URL
from tests.factories import make_article
from tests.live import free_socket, serve
from tests.readers import Client, fund, make_reader
from tests.web.test_crowd import in_a_thread

SITE = "https://news.example"
METRICS_TOKEN = "metrics-token-for-the-fast-beats-test"


@pytest.fixture
def door(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The read ids of the beats the door answered itself."""
    answered: list[str] = []
    record = fastbeat._record

    async def spy(state, read_id, credential, reader_id, body):  # type: ignore[no-untyped-def]
        answered.append(read_id)
        return await record(state, read_id, credential, reader_id, body)

    monkeypatch.setattr(fastbeat, "_record", spy)
    return answered


@pytest.fixture
def noops(monkeypatch) -> list[bytes]:  # type: ignore[no-untyped-def]
    """The bodies of the benchmark's no-ops the door answered itself."""
    answered: list[bytes] = []
    noop = fastbeat._noop

    def spy(body: bytes) -> bytes:
        answered.append(body)
        return noop(body)

    monkeypatch.setattr(fastbeat, "_noop", spy)
    return answered


class Both:
    """One app with two middleware stacks: with the door, and as the app was without it."""

    def __init__(self, app: Any, http: TestClient) -> None:
        self.app = app
        self.http = http
        self.fast = app.build_middleware_stack()
        kept = [m for m in app.user_middleware if m.cls is not FastBeats]
        assert len(kept) == len(app.user_middleware) - 1
        app.user_middleware = kept
        self.slow = app.build_middleware_stack()

    def post(self, fast: bool, path: str, **kwargs: Any) -> httpx.Response:
        self.app.middleware_stack = self.fast if fast else self.slow
        return self.http.post(path, **kwargs)


@pytest.fixture(params=["memory", "redis"])
def both(request, settings, database, clock) -> Iterator[Both]:  # type: ignore[no-untyped-def]
    """Open reads in this process, or in Redis (one script per beat) as with several workers."""
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("Redis: READTOEARN_TEST_REDIS_URL is not set")
    update = {"cors_origins": [SITE], "metrics_token": METRICS_TOKEN, "bench_routes": True}
    app = create_app(settings.model_copy(update=update), database=database, clock=clock)
    prefix = f"rte:test:{uuid.uuid4().hex}:"
    client = None
    if request.param == "redis":
        import redis
        import redis.asyncio

        client = redis.Redis.from_url(REDIS_URL)
        app.state.live = RedisLiveStore(
            client, prefix=prefix, async_client=lambda: redis.asyncio.Redis.from_url(REDIS_URL)
        )
    with TestClient(app) as http:
        yield Both(app, http)
    if client is not None:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()


@pytest.fixture
def ada(both, clock, settings, session) -> Client:  # type: ignore[no-untyped-def]
    fund(session)
    article = make_article(session, settings, paragraphs=8)
    _, bearer = make_reader(session, settings, "ada")
    session.commit()
    both.app.middleware_stack = both.fast
    reader = Client(both.http, clock, settings, article, bearer)
    assert reader.start().status_code == 201
    return reader


def body_of(reader: Client, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "token": reader.token,
        "seq": reader.seq,
        "active_ms": 12_000,
        "scroll_max": 0.2,
        "paragraphs_seen": [0, 1],
        "visible": True,
        "focused": True,
        "events": {"scroll": 3, "wheel": 2},
        "viewport_h": 900,
        "document_h": 6000,
    }
    body.update(changes)
    return body


def headers_of(response: httpx.Response) -> list[tuple[str, str]]:
    return [
        (k, v) for k, v in response.headers.multi_items() if k not in ("date", "content-length")
    ]


# Each case: what is changed in a good beat, the status both ways must answer, and whether the
# door answers it itself (it hands the others to the route untouched).
CASES: dict[str, tuple[dict[str, Any], int, bool]] = {
    "bad JSON": ({"content": b'{"token": "a", "seq": '}, 422, True),
    "a string for a number": ({"json": {"seq": "one"}}, 422, True),
    "a missing field": ({"drop": "active_ms"}, 422, True),
    "a number out of range": ({"json": {"seq": 0}}, 422, True),
    "not a list": ({"json": {"paragraphs_seen": "0,1"}}, 422, True),
    "a JSON array": ({"content": b"[1, 2]"}, 422, True),
    "a forged token": ({"json": {"token": "abc.def"}}, 401, True),
    "a seq its token does not carry": ({"json": {"seq": 5}}, 409, True),
    "a paragraph the article lacks": ({"json": {"paragraphs_seen": [999]}}, 422, True),
    "a read that does not exist": ({"read": str(uuid.uuid4())}, 404, True),
    "a read id that is no id": ({"read": "not-a-read"}, 404, True),
    "a body past the limit": ({"json": {"padding": "x" * 70_000}}, 413, False),
    "a NUL in a string": ({"content": b'{"token": "a\\u0000b", "seq": 1}'}, 400, False),
    "a body that is not JSON": ({"type": "text/plain"}, 422, False),
    "no credential": ({"auth": None}, 401, False),
    "a credential that is not a bearer token": ({"auth": "Basic YWRhOmFkYQ=="}, 401, False),
    "an unknown bearer token": ({"auth": "Bearer not-a-token"}, 401, False),
}


def request_of(reader: Client, case: dict[str, Any], origin: str | None) -> dict[str, Any]:
    body = body_of(reader, **case.get("json", {}))
    body.pop(case.get("drop", ""), None)
    content = case.get("content", json.dumps(body).encode())
    headers = {"Content-Type": case.get("type", "application/json")}
    auth = case.get("auth", f"Bearer {reader.bearer}")
    if auth is not None:
        headers["Authorization"] = auth
    if origin:
        headers["Origin"] = origin
    read = case.get("read", reader.read_id)
    return {"path": f"/api/v1/reads/{read}/beats", "content": content, "headers": headers}


@pytest.mark.parametrize("origin", [None, SITE, "https://elsewhere.example"])
@pytest.mark.parametrize("name", list(CASES))
def test_a_refused_beat_is_answered_as_the_route_answers_it(
    both, ada, door, name: str, origin: str | None
) -> None:
    case, status, at_the_door = CASES[name]
    request = request_of(ada, case, origin)
    path = request.pop("path")
    fast = both.post(True, path, **request)
    slow = both.post(False, path, **request)
    assert fast.status_code == slow.status_code == status, (fast.text, slow.text)
    assert fast.json() == slow.json()
    assert fast.json()["error"]["code"]
    assert headers_of(fast) == headers_of(slow)
    assert bool(door) == at_the_door
    if origin == SITE and status not in (400, 413):  # the guards at the door answer before CORS
        assert fast.headers["access-control-allow-origin"] == SITE
    else:
        assert "access-control-allow-origin" not in fast.headers
    # Nothing was changed by the refusals: the read goes on with its token.
    assert both.post(True, f"/api/v1/reads/{ada.read_id}/beats", json=body_of(ada),
                     headers=ada.headers).status_code == 200  # fmt: skip


@pytest.mark.parametrize("origin", [None, SITE, "https://elsewhere.example"])
def test_an_accepted_beat_is_answered_as_the_route_answers_it(both, ada, door, origin) -> None:
    headers = {**ada.headers, **({"Origin": origin} if origin else {})}
    answers = []
    for fast in (True, False, True, False):
        ada.clock.advance(12)
        response = both.post(
            fast, f"/api/v1/reads/{ada.read_id}/beats", json=body_of(ada), headers=headers
        )
        assert response.status_code == 200, response.text
        ada.token, ada.seq = response.json()["token"], ada.seq + 1
        answers.append(response)
    assert len(door) == 2
    fast_answer, slow_answer = answers[2], answers[3]
    assert headers_of(fast_answer) == headers_of(slow_answer)
    assert fast_answer.headers["content-type"] == "application/json"
    assert fast_answer.headers["x-content-type-options"] == "nosniff"
    assert set(fast_answer.json()) == set(slow_answer.json()) == {
        "token", "active_seconds", "progress", "end_reached",
    }  # fmt: skip
    assert fast_answer.json()["active_seconds"] < slow_answer.json()["active_seconds"]
    # A token the door gave cannot be used twice, whichever way the second beat goes.
    stale = body_of(ada, token=answers[2].json()["token"], seq=ada.seq - 1)
    for fast in (True, False):
        again = both.post(fast, f"/api/v1/reads/{ada.read_id}/beats", json=stale, headers=headers)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "out_of_order"


def test_a_whole_read_goes_through_the_door_and_is_credited(both, ada, door) -> None:
    beats = ada.read_like_a_human()
    assert len(door) == beats
    result = ada.complete().json()
    assert result["verdict"] == "credited", result
    metrics = both.http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    line = next(
        x for x in metrics.text.splitlines()
        if x.startswith("readtoearn_http_requests_total{")
        and 'route="/api/v1/reads/{read_id}/beats"' in x and 'status="200"' in x
    )  # fmt: skip
    assert float(line.rsplit(" ", 1)[1]) >= beats


def test_a_refused_beat_at_the_door_is_counted_under_the_route(both, ada, door) -> None:
    """As on the route: by its template, never by raw path, nor as "unmatched"."""

    def counted() -> dict[str, float]:
        """422 answers so far by route (the counters live as long as the process)."""
        text = both.http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        return {
            line.split('route="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
            for line in text.text.splitlines()
            if line.startswith("readtoearn_http_requests_total{") and 'status="422"' in line
        }

    before = counted()
    for fast in (True, False):
        answer = both.post(
            fast, f"/api/v1/reads/{ada.read_id}/beats", json=body_of(ada, seq=0),
            headers=ada.headers,
        )  # fmt: skip
        assert answer.status_code == 422
    assert len(door) == 1
    after = counted()
    grown = {route: n - before.get(route, 0.0) for route, n in after.items()}
    assert {route: n for route, n in grown.items() if n} == {"/api/v1/reads/{read_id}/beats": 2}


def test_a_session_cookie_beats_at_the_door(both, clock, settings, session, door) -> None:
    fund(session)
    article = make_article(session, settings, paragraphs=8)
    user, _ = make_reader(session, settings, "bea")
    both.http.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
    session.commit()
    both.app.middleware_stack = both.fast
    bea = Client(both.http, clock, settings, article, None)
    assert bea.start().status_code == 201
    assert bea.beat(paragraphs=[0]).status_code == 200
    assert door == [bea.read_id]
    # Signed out: the session is forgotten, its beats refused at once (by the route).
    both.http.cookies.set(SESSION_COOKIE, "a-session-that-ended")
    assert bea.beat().status_code == 401
    assert len(door) == 1


def test_what_the_door_reads_of_a_request() -> None:
    assert read_id_of({"path": "/api/v1/reads/abc/beats"}) == "abc"
    for path in ("/api/v1/reads//beats", "/api/v1/reads/a/b/beats", "/api/v1/reads/abc/beat"):
        assert read_id_of({"path": path}) is None
    assert read_id_of({"path": "/api/v1/reads/abc/beats", "root_path": "/x"}) is None
    assert credential_in({b"authorization": b"Bearer  tok "}) == "bearer:tok"
    assert credential_in({b"authorization": b"Basic abc"}) is None
    assert credential_in({b"authorization": b"Bearer "}) is None
    assert credential_in({b"cookie": b"a=1; rte_session=xyz"}) == "session:xyz"
    assert credential_in({b"cookie": b"a=1"}) is None
    assert credential_in({}) is None


def test_beats_through_a_real_server(settings, database, clock, session) -> None:
    """uvicorn, a socket, CORS from a publisher's site, and a chunked body (the route's)."""
    fund(session)
    article = make_article(session, settings, paragraphs=8)
    _, bearer = make_reader(session, settings, "cy")
    session.commit()
    app = create_app(
        settings.model_copy(update={"cors_origins": [SITE]}), database=database, clock=clock
    )
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    headers = {"Authorization": f"Bearer {bearer}", "Origin": SITE}
    with serve(app, sock), httpx.Client(base_url=url, timeout=10) as http:
        started = http.post("/api/v1/reads", json={"article_id": str(article.id)}, headers=headers)
        assert started.status_code == 201, started.text
        read, token, seq = started.json()["read_id"], started.json()["token"], 1
        for paragraphs in ([0], [1, 2]):
            clock.advance(12)
            beat = {"token": token, "seq": seq, "active_ms": 12_000, "paragraphs_seen": paragraphs}
            answer = http.post(f"/api/v1/reads/{read}/beats", json=beat, headers=headers)
            assert answer.status_code == 200, answer.text
            assert answer.headers["access-control-allow-origin"] == SITE
            assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
            token, seq = answer.json()["token"], seq + 1
        # A body of unknown length (chunked) is the route's: still a beat like any other.
        clock.advance(12)
        chunks = iter([json.dumps({"token": token, "seq": seq, "active_ms": 12_000}).encode()])
        answer = http.post(f"/api/v1/reads/{read}/beats", content=chunks, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["access-control-allow-origin"] == SITE
        replayed = {"token": token, "seq": seq, "active_ms": 12_000}
        again = http.post(f"/api/v1/reads/{read}/beats", json=replayed, headers=headers)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "out_of_order"
        bad = http.post(f"/api/v1/reads/{read}/beats", content=b'{"seq": "x"', headers=headers)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"


def test_a_registered_site_s_origin_is_allowed_at_the_door(both, ada, session, door) -> None:
    """The sites' origins (read from the database every few seconds) count as on the route."""
    sites.create_site(session, name="Daily News", origins=["https://daily.example"], actor="test")
    session.commit()
    both.app.state.site_origins.forget()
    headers = {**ada.headers, "Origin": "https://daily.example"}
    answer = both.post(
        True, f"/api/v1/reads/{ada.read_id}/beats", json=body_of(ada), headers=headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == "https://daily.example"
    assert door == [ada.read_id]


@pytest.mark.parametrize("bench_routes", [False, True])
def test_the_benchmark_s_noop_at_the_door_exists_only_with_the_bench_routes(
    settings, database, clock, session, noops, bench_routes: bool
) -> None:
    """The real app as configured: without READTOEARN_BENCH_ROUTES nothing answers there."""
    _, bearer = make_reader(session, settings, "dee")
    session.commit()
    app = create_app(
        settings.model_copy(update={"bench_routes": bench_routes}), database=database, clock=clock
    )
    body = {"token": "t.x", "seq": 1, "active_ms": 12_000}
    with TestClient(app) as http:
        answer = http.post(
            fastbeat.NOOP_PATH, json=body, headers={"Authorization": f"Bearer {bearer}"}
        )
        behind = http.post("/api/v1/_bench/noop", json=body)
    if bench_routes:
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "token": "t.x", "active_seconds": 0.0, "progress": 0.0, "end_reached": False,
        }  # fmt: skip
        assert len(noops) == 1
        assert behind.status_code == 204  # the no-op behind the stack is still there
    else:
        assert answer.status_code == behind.status_code == 404
        assert noops == []


@pytest.mark.parametrize("origin", [None, SITE, "https://elsewhere.example"])
def test_the_noop_at_the_door_answers_with_a_beat_s_headers(
    both, ada, door, noops, origin: str | None
) -> None:
    """The baseline does the door's work for any beat (CORS, security headers, metrics, the
    body parsed), so its answer carries the same headers as an accepted beat's."""
    headers = {**ada.headers, **({"Origin": origin} if origin else {})}
    ada.clock.advance(12)
    beat = both.post(True, f"/api/v1/reads/{ada.read_id}/beats", json=body_of(ada), headers=headers)
    assert beat.status_code == 200, beat.text
    noop = both.post(True, fastbeat.NOOP_PATH, json=body_of(ada), headers=headers)
    assert noop.status_code == 200, noop.text
    assert len(door) == len(noops) == 1
    assert headers_of(noop) == headers_of(beat)
    assert set(noop.json()) == set(beat.json())
    assert noop.json()["token"] == ada.token
    # Its route, behind the whole stack, answers alike (as the beat route does for the door).
    slow = both.post(False, fastbeat.NOOP_PATH, json=body_of(ada), headers=headers)
    assert slow.status_code == 200
    assert (slow.json(), headers_of(slow)) == (noop.json(), headers_of(noop))
    assert len(noops) == 1


@pytest.mark.parametrize("origin", [None, SITE])
@pytest.mark.parametrize(
    "name", ["bad JSON", "a missing field", "a number out of range", "a NUL in a string"]
)
def test_a_refused_noop_at_the_door_is_answered_as_its_route_answers_it(
    both, ada, noops, name: str, origin: str | None
) -> None:
    case, status, at_the_door = CASES[name]
    request = request_of(ada, case, origin)
    request.pop("path")
    fast = both.post(True, fastbeat.NOOP_PATH, **request)
    slow = both.post(False, fastbeat.NOOP_PATH, **request)
    assert fast.status_code == slow.status_code == status, (fast.text, slow.text)
    assert fast.json() == slow.json()
    assert headers_of(fast) == headers_of(slow)
    assert bool(noops) == at_the_door


@contextmanager
def open_reads_in_redis(app: Any) -> Iterator[Any]:
    """The app's open reads in Redis, under a key prefix of their own that is emptied after;
    yields the blocking client (for the test's own commands)."""
    import redis
    import redis.asyncio

    prefix = f"rte:test:{uuid.uuid4().hex}:"
    client = redis.Redis.from_url(REDIS_URL)
    app.state.live = RedisLiveStore(
        client, prefix=prefix, async_client=lambda: redis.asyncio.Redis.from_url(REDIS_URL)
    )
    try:
        yield client
    finally:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()


def test_beats_at_once_through_a_real_server_on_redis(settings, committing_database, clock) -> None:
    """Many readers' beats at once through uvicorn go to Redis in shared batches (one batch in
    flight per worker): each is answered on its own, and the same beat sent ten times at once
    moves its read's chain once, whichever batches the copies fall in."""
    if not REDIS_URL:
        pytest.skip("Redis: READTOEARN_TEST_REDIS_URL is not set")
    import asyncio

    with committing_database.session(write=True) as session:
        fund(session)
        article_id = str(make_article(session, settings, paragraphs=8).id)
        bearers = [make_reader(session, settings, f"crowd{n}")[1] for n in range(12)]
    app = create_app(settings, database=committing_database, clock=clock)
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def at_once(calls: list[tuple[str, dict[str, Any], str]]) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            return await asyncio.gather(
                *(
                    http.post(path, json=body, headers={"Authorization": f"Bearer {bearer}"})
                    for path, body, bearer in calls
                )
            )

    with open_reads_in_redis(app), serve(app, sock):
        starts = [
            httpx.post(
                f"{url}/api/v1/reads",
                json={"article_id": article_id},
                headers={"Authorization": f"Bearer {bearer}"},
                timeout=10,
            )
            for bearer in bearers
        ]
        assert [s.status_code for s in starts] == [201] * len(bearers)
        clock.advance(12)
        beats = [
            (
                f"/api/v1/reads/{s.json()['read_id']}/beats",
                {
                    "token": s.json()["token"],
                    "seq": 1,
                    "active_ms": 12_000,
                    "paragraphs_seen": [0],
                },
                bearer,
            )
            for s, bearer in zip(starts, bearers, strict=True)
        ]
        # On a loop of its own thread: the browser tests keep one running on this one.
        answers = in_a_thread(at_once(beats + [beats[0]] * 9))
    # The eleven other readers' beats, each answered as its own.
    assert [a.status_code for a in answers[1 : len(bearers)]] == [200] * (len(bearers) - 1)
    # The first reader's beat, sent ten times: one moved the chain, the others were refused.
    copies = [answers[0], *answers[len(bearers) :]]
    assert sorted(a.status_code for a in copies) == [200] + [409] * 9
    assert {a.json()["error"]["code"] for a in copies if a.status_code == 409} == {"out_of_order"}


def test_a_lost_redis_connection_is_a_503_through_the_server_and_the_beat_goes_through_again(
    settings, committing_database, clock
) -> None:
    """The beats' own connection to Redis (reading/script_batch.py), dropped by Redis: the beat
    that finds it gone gets 503 `reading_unavailable` with nothing done, and the same beat sent
    again is credited over a new connection."""
    if not REDIS_URL:
        pytest.skip("Redis: READTOEARN_TEST_REDIS_URL is not set")
    from readtoearn.reading.script_batch import CLIENT_NAME

    with committing_database.session(write=True) as session:
        fund(session)
        article_id = str(make_article(session, settings, paragraphs=8).id)
        bearer = make_reader(session, settings, "dropped")[1]
    app = create_app(settings, database=committing_database, clock=clock)
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    headers = {"Authorization": f"Bearer {bearer}"}
    with (
        open_reads_in_redis(app) as admin,
        serve(app, sock),
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        started = http.post("/api/v1/reads", json={"article_id": article_id}, headers=headers)
        read, token = started.json()["read_id"], started.json()["token"]
        path = f"/api/v1/reads/{read}/beats"
        clock.advance(12)
        first = {"token": token, "seq": 1, "active_ms": 12_000, "paragraphs_seen": [0]}
        answer = http.post(path, json=first, headers=headers)
        assert answer.status_code == 200, answer.text
        wires = [c for c in admin.client_list() if c.get("name") == CLIENT_NAME]
        assert wires, "the beats went over the named connection"
        for wire in wires:
            admin.client_kill_filter(_id=wire["id"])
        clock.advance(12)
        second = {"token": answer.json()["token"], "seq": 2, "active_ms": 12_000}
        lost = http.post(path, json=second, headers=headers)
        assert lost.status_code == 503, lost.text
        assert lost.json()["error"]["code"] == "reading_unavailable"
        assert lost.headers["retry-after"]
        again = http.post(path, json=second, headers=headers)
        assert again.status_code == 200, again.text
        assert again.json()["active_seconds"] == 24.0
