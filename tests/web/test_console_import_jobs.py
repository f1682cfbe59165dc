"""The console's imports live in the database: an import started through one server is followed
through another on the same database, one whose server stopped reads as interrupted (and no
longer counts as running), a running one keeps its heartbeat through a slow page, and old
imports are forgotten when a new one starts."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select

from readtoearn.accounts import roles
from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import OperatorAction
from readtoearn.app import create_app
from readtoearn.articles import jobs
from readtoearn.articles.models import Article, ImportJob, ImportJobOutcome
from readtoearn.config import Settings
from readtoearn.db import Database, utcnow
from readtoearn.web.sessions import SESSION_COOKIE
from tests.conftest import SECRET
from tests.live import free_socket, serve
from tests.unit.articles.test_import_http import LocalSite
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import CSRF_INPUT, STRONG_PASSWORD, csrf

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def story(tag: str, n: int) -> bytes:
    words = " ".join(f"quay{n} berth{n} tide{n} crane{n} {tag}" for _ in range(15))
    body = "".join(f"<p>Part {i} of story {n}: {words}.</p>" for i in range(4))
    return (
        f"<!doctype html><html lang='en'><head><title>Two servers {n}</title></head><body>"
        f"<article><h1>Two servers story {n}</h1>{body}</article></body></html>"
    ).encode()


def upload_import(client: Any) -> httpx.Response:
    """Import the English news page as an uploaded file, from the console's form."""
    token = csrf(client, "/operator/articles/import")
    files = {"file": ("en-news.html", (PAGES / "en-news.html").read_bytes(), "text/html")}
    answer: httpx.Response = client.post(
        "/operator/articles/import", data={"csrf_token": token}, files=files,
        follow_redirects=False,
    )  # fmt: skip
    return answer


def waiting(body: bytes, until: threading.Event) -> Any:
    """A page that answers once `until` is set."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        until.wait(20)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def feed_of(site: LocalSite, paths: list[str]) -> str:
    items = "".join(f"<item><title>t</title><link>{site.url}{p}</link></item>" for p in paths)
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
        f"<link>{site.url}/</link><description>d</description>{items}</channel></rss>"
    ).encode()
    return site.page("/feed.xml", feed, "application/rss+xml")


@contextmanager
def imported_cleanup(database: Database, tag: str) -> Iterator[None]:
    """The module's database is shared: what the test imported goes at its end."""
    try:
        yield
    finally:
        with database.session(write=True) as s:
            found = list(s.scalars(select(Article.id).where(Article.text.contains(tag))))
            s.execute(
                delete(OperatorAction).where(OperatorAction.target_id.in_([str(i) for i in found]))
            )
            s.execute(delete(Article).where(Article.id.in_(found)))


def poll(client: httpx.Client, path: str, until: Any, timeout_s: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        answer = client.get(path)
        assert answer.status_code == 200, answer.text
        state: dict[str, Any] = answer.json()
        if until(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


@contextmanager
def two_servers(
    db: Database, tmp_path: Path, tag: str
) -> Iterator[tuple[LocalSite, tuple[httpx.Client, httpx.Client], list[Any], Any]]:
    """Two uvicorn servers on one database, a local site to import from, and a client on each
    server signed in as the same editor; what was imported goes at the end."""
    settings = Settings(
        data_dir=tmp_path, secret_key=SECRET, base_url="http://testserver",
        ledger_expire_every_s=0, webhook_poll_s=0, import_private_addresses=True,
    )  # fmt: skip
    with db.session(write=True) as s:
        editor = accounts.create_user(
            s, settings, email=f"ed-{tag[:8]}@example.org", password=STRONG_PASSWORD,
            is_operator=True,
        )  # fmt: skip
        roles.set_role(s, editor, roles.Role.EDITOR, by=None)
        secret = accounts.start_session(s, settings, editor)
    socks = [free_socket(), free_socket()]
    apps = [create_app(settings, database=db) for _ in socks]
    with ExitStack() as stack, imported_cleanup(db, tag):
        site = stack.enter_context(LocalSite())
        for app, sock in zip(apps, socks, strict=True):
            stack.enter_context(serve(app, sock))
        first, second = (
            stack.enter_context(
                httpx.Client(
                    base_url=f"http://127.0.0.1:{sock.getsockname()[1]}",
                    cookies={SESSION_COOKIE: secret}, timeout=30,
                )
            )
            for sock in socks
        )  # fmt: skip
        yield site, (first, second), apps, editor


def test_an_import_started_on_one_server_is_followed_on_another(
    committing_database: Database, tmp_path: Path
) -> None:
    db = committing_database
    tag = uuid.uuid4().hex
    release = threading.Event()
    with two_servers(db, tmp_path, tag) as (site, (first, second), apps, editor):
        site.page("/s/0/", story(tag, 0))
        site.routes["/s/1/"] = waiting(story(tag, 1), release)
        site.routes["/s/2/"] = waiting(story(tag, 2), release)
        feed = feed_of(site, ["/s/0/", "/s/1/", "/s/2/"])
        form = first.get("/operator/articles/import")
        token = CSRF_INPUT.search(form.text).group(1)  # type: ignore[union-attr]
        started = first.post("/operator/articles/import", data={"csrf_token": token, "url": feed})
        assert started.status_code == 303, started.text
        job_page = started.headers["location"]
        assert job_page.startswith("/operator/articles/imports/")
        status = job_page + "/status"

        midway = poll(second, status, lambda s: s["done"] >= 1)
        assert (midway["state"], midway["total"], midway["imported"]) == ("running", 3, 1)
        assert [apps[0].state.import_jobs.running, apps[1].state.import_jobs.running] == [1, 0]
        page = second.get(job_page)
        assert "1 of 3 imported, 0 failed" in page.text and "data-refresh" in page.text
        assert '<meta http-equiv="refresh" content="3">' in page.text

        release.set()
        final = poll(second, status, lambda s: not s["running"])
        assert (final["state"], final["created"], final["failed"]) == ("finished", 3, 0)
        assert [o["status"] for o in final["outcomes"]] == ["created"] * 3
        done = second.get(job_page)
        assert "Finished: 3 new, 0 updated, 0 failed." in done.text
        assert "http-equiv" not in done.text
    with db.session() as s:
        row = s.get(ImportJob, uuid.UUID(final["id"]))
        assert row is not None and row.by_id == editor.id and row.worker


def test_imports_started_at_once_through_two_servers_keep_to_the_limit(
    committing_database: Database, tmp_path: Path
) -> None:
    """One editor starts twice the imports they may run, all at once, half through each of two
    servers on one database: exactly MAX_RUNNING_PER_PERSON start, the others are refused, and
    the ones started run to the end."""
    db = committing_database
    tag = uuid.uuid4().hex
    release = threading.Event()
    asked = 2 * jobs.MAX_RUNNING_PER_PERSON
    with two_servers(db, tmp_path, tag) as (site, clients, _apps, editor):
        for n in range(asked):
            site.routes[f"/s/{n}/"] = waiting(story(tag, n), release)
        tokens = [
            CSRF_INPUT.search(c.get("/operator/articles/import").text).group(1)  # type: ignore[union-attr]
            for c in clients
        ]
        together = threading.Barrier(asked)

        def start(n: int) -> httpx.Response:
            client, token = clients[n % 2], tokens[n % 2]
            together.wait(10)
            return client.post(
                "/operator/articles/import",
                data={"csrf_token": token, "url": f"{site.url}/s/{n}/"},
            )

        with ThreadPoolExecutor(asked) as pool:
            answers = list(pool.map(start, range(asked)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [303] * jobs.MAX_RUNNING_PER_PERSON + [429] * (
            asked - jobs.MAX_RUNNING_PER_PERSON
        ), [a.text[:200] for a in answers]
        release.set()
        started = [a.headers["location"] + "/status" for a in answers if a.status_code == 303]
        finals = [poll(clients[0], path, lambda s: not s["running"]) for path in started]
        assert [(f["state"], f["created"]) for f in finals] == [("finished", 1)] * len(started)
    with db.session() as s:
        mine = s.scalar(
            select(func.count()).select_from(ImportJob).where(ImportJob.by_id == editor.id)
        )
    assert mine == jobs.MAX_RUNNING_PER_PERSON


def job_row(by_id: uuid.UUID, *, silent_s: float, finished: bool = False) -> ImportJob:
    now = utcnow()
    beat = now - timedelta(seconds=silent_s)
    return ImportJob(
        source="https://news.example/feed/", kind="url", by_id=by_id, worker="gone:1",
        started_at=beat - timedelta(seconds=5), heartbeat_at=beat,
        finished_at=now if finished else None, total=30, created=10, updated=2, failed=2,
    )  # fmt: skip


def test_an_import_whose_server_stopped_reads_as_interrupted(client, session, settings) -> None:  # type: ignore[no-untyped-def]
    boss = as_operator(client, session, settings)
    job = job_row(boss.id, silent_s=jobs.STALE_AFTER_S + 1)
    session.add(job)
    session.commit()
    state = client.get(f"/operator/articles/imports/{job.id.hex}/status").json()
    assert (state["state"], state["running"], state["done"]) == ("interrupted", False, 14)
    page = client.get(f"/operator/articles/imports/{job.id.hex}")
    assert "12 of 30 imported, 2 failed" in page.text
    assert "Interrupted: the server running this import stopped before the end" in page.text
    assert "http-equiv" not in page.text and "import_progress.js" not in page.text
    assert "data-finished" not in page.text
    french = client.get(f"/operator/articles/imports/{job.id.hex}?lang=fr")
    assert "Interrompu : le serveur qui menait cet import s’est arrêté" in french.text

    fresh = job_row(boss.id, silent_s=1)
    session.add(fresh)
    session.commit()
    alive = client.get(f"/operator/articles/imports/{fresh.id.hex}/status").json()
    assert (alive["state"], alive["running"]) == ("running", True)


def test_interrupted_imports_do_not_count_as_running(client, session, settings) -> None:  # type: ignore[no-untyped-def]
    boss = as_operator(client, session, settings)
    stale = jobs.STALE_AFTER_S + 1
    session.add_all([job_row(boss.id, silent_s=stale) for _ in range(jobs.MAX_RUNNING_PER_PERSON)])
    session.commit()
    answer = upload_import(client)
    assert answer.status_code == 303
    state = client.get(answer.headers["location"] + "/status").json()
    assert (state["state"], state["imported"]) == ("finished", 1)


def test_another_persons_running_imports_do_not_count(client, session, settings) -> None:  # type: ignore[no-untyped-def]
    boss = as_operator(client, session, settings)
    other = accounts.create_user(session, settings, email="other@example.org", password=None)
    session.add_all([job_row(other.id, silent_s=1) for _ in range(jobs.MAX_RUNNING_PER_PERSON)])
    session.commit()
    answer = upload_import(client)
    assert answer.status_code == 303
    mine = session.scalar(
        select(func.count()).select_from(ImportJob).where(ImportJob.by_id == boss.id)
    )
    assert mine == 1


def test_a_process_runs_a_bounded_number_of_imports(
    client, session, settings, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Counted in the process's memory: each running import is one of its threads."""
    as_operator(client, session, settings)
    monkeypatch.setattr(jobs, "MAX_RUNNING", 0)
    busy = upload_import(client)
    assert busy.status_code == 429
    assert "Too many imports are running: wait for one to finish." in busy.text
    assert '<a href="/operator/articles" aria-current="page">' in busy.text, "the console's menu"
    assert session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_old_imports_are_forgotten_when_one_starts(session) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    user = accounts.create_user(
        session, Settings(secret_key=SECRET), email="o@example.org", password=None
    )

    def made(days: float, *, finished: bool = True) -> ImportJob:
        at = now - timedelta(days=days)
        job = ImportJob(
            source="s", kind="file", by_id=user.id, started_at=at,
            heartbeat_at=now if not finished else at, finished_at=at if finished else None,
        )  # fmt: skip
        session.add(job)
        return job

    month_old = made(jobs.KEEP_DAYS + 1)
    session.flush()
    session.add(ImportJobOutcome(job_id=month_old.id, position=0, outcome={"source": "s"}))
    still_running = made(jobs.KEEP_DAYS + 2, finished=False)  # its thread still beats
    recent = [made(1 + n / 1000) for n in range(jobs.KEEP_JOBS)]
    session.flush()
    old_id, running_id, recent_ids = month_old.id, still_running.id, [j.id for j in recent]
    jobs.open_job(session, job_id=uuid.uuid4(), source="new", kind="url", by_id=None, now=now)
    session.expire_all()
    kept = set(session.scalars(select(ImportJob.id)))
    assert old_id not in kept and running_id in kept
    assert recent_ids[-1] not in kept, "the oldest of the newest hundred made room"
    assert set(recent_ids[:-1]) <= kept
    assert len(kept) == jobs.KEEP_JOBS + 1  # the hundred newest, and the running one
    assert session.scalar(select(func.count()).select_from(ImportJobOutcome)) == 0


def test_a_slow_page_keeps_the_import_running(
    committing_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One fetch may last longer than the heartbeat's bound: the job's own beat keeps it from
    reading as interrupted while its thread waits."""
    monkeypatch.setattr(jobs, "HEARTBEAT_S", 0.2)
    monkeypatch.setattr(jobs, "STALE_AFTER_S", 1.5)
    settings = Settings(data_dir=tmp_path, secret_key=SECRET, import_private_addresses=True)
    tag = uuid.uuid4().hex
    release = threading.Event()
    with LocalSite() as site, imported_cleanup(committing_database, tag):
        site.routes["/slow/"] = waiting(story(tag, 7), release)
        job_id = jobs.ImportJobs().start(
            committing_database, settings, source=site.url + "/slow/", kind="url",
            label="slow", by_id=None,
        )  # fmt: skip
        time.sleep(4)  # more than twice the bound, inside one fetch

        def state() -> dict[str, Any]:
            with committing_database.session() as s:
                job = jobs.get_job(s, job_id.hex)
                assert job is not None
                return jobs.describe(s, job, utcnow())

        waited = state()
        release.set()
        deadline = time.monotonic() + 20
        while state()["running"] and time.monotonic() < deadline:
            time.sleep(0.05)
    assert (waited["state"], waited["done"]) == ("running", 0)
    assert (state()["state"], state()["created"]) == ("finished", 1)
