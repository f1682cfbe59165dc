"""The console's imports in a thread of their own, on a database that really commits: the counts
grow in the job's row as items are stored, each article comes with its audit entry, and the job
always ends."""

from __future__ import annotations

import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from readtoearn.accounts.models import OperatorAction
from readtoearn.articles import jobs
from readtoearn.articles.jobs import ImportJobs
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.db import Database, utcnow
from tests.conftest import SECRET
from tests.unit.articles.test_import_http import LocalSite


def story(n: int) -> bytes:
    words = " ".join(f"quay{n} berth{n} tide{n} crane{n}" for _ in range(15))
    body = "".join(f"<p>Part {i} of story {n}: {words}.</p>" for i in range(4))
    return (
        f"<!doctype html><html lang='en'><head><title>Jobs story {n}</title></head><body>"
        f"<article><h1>Jobs story {n}</h1>{body}</article></body></html>"
    ).encode()


def state(database: Database, job_id: uuid.UUID) -> dict[str, Any]:
    """The job as its status endpoint says, read from the database."""
    with database.session() as s:
        job = jobs.get_job(s, job_id.hex)
        assert job is not None
        return jobs.describe(s, job, utcnow())


def test_a_feed_runs_in_a_thread_and_counts_as_it_goes(
    committing_database: Database, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=SECRET, import_private_addresses=True)
    release = threading.Event()
    with LocalSite() as site:
        links = []
        for n in range(4):
            path = f"/jobs/{n}/"
            body = story(n)

            def answer(handler: BaseHTTPRequestHandler, body: bytes = body, n: int = n) -> None:
                if n >= 2:  # the last two pages wait until the test has seen the first counts
                    release.wait(10)
                handler.send_response(200)
                handler.send_header("Content-Type", "text/html; charset=utf-8")
                handler.end_headers()
                handler.wfile.write(body)

            site.routes[path] = answer
            links.append(f"<item><title>Jobs story {n}</title><link>{site.url}{path}</link></item>")
        links.append(f"<item><title>Gone</title><link>{site.url}/jobs/missing/</link></item>")
        feed = (
            "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
            f"<link>{site.url}/</link><description>d</description>{''.join(links)}"
            "</channel></rss>"
        ).encode()
        url = site.page("/feed.xml", feed, "application/rss+xml")
        changes: list[int] = []
        job = ImportJobs().start(
            committing_database, settings, source=url, kind="url", label=url, by_id=None,
            on_change=lambda: changes.append(1),
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while state(committing_database, job)["done"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        midway = state(committing_database, job)
        release.set()
        while state(committing_database, job)["running"] and time.monotonic() < deadline:
            time.sleep(0.05)
    assert midway["running"] and midway["total"] == 5 and midway["imported"] == 2
    final = state(committing_database, job)
    assert (final["running"], final["imported"], final["failed"]) == (False, 4, 1)
    assert "HTTP 404" in final["outcomes"][-1]["error"]
    assert len(changes) == 4, "the page cache was told of each article"
    ids = [o["id"] for o in final["outcomes"] if "id" in o]
    keys = [uuid.UUID(i) for i in ids]
    try:
        with committing_database.session() as s:
            stored = s.scalar(select(func.count()).select_from(Article).where(Article.id.in_(keys)))
            entries = s.scalar(
                select(func.count())
                .select_from(OperatorAction)
                .where(OperatorAction.action == "article.import", OperatorAction.target_id.in_(ids))
            )
        assert stored == 4 and entries == 4
    finally:
        with committing_database.session(write=True) as s:
            s.execute(delete(OperatorAction).where(OperatorAction.target_id.in_(ids)))
            s.execute(delete(Article).where(Article.id.in_(keys)))


def test_a_source_that_cannot_be_read_ends_the_job_with_one_failure(
    committing_database: Database, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=SECRET)
    job = ImportJobs().start(
        committing_database, settings, source="http://127.0.0.1:9/feed", kind="url",
        label="local", by_id=None,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while state(committing_database, job)["running"] and time.monotonic() < deadline:
        time.sleep(0.05)
    final = state(committing_database, job)
    assert (final["state"], final["total"], final["failed"]) == ("finished", 1, 1)
    assert "not a public address" in final["outcomes"][0]["error"]
