"""Page views per article (the console's engagement figures): a signed-in reader's page and a
visitor's call for their part of the cached page each count one view; the counts reach the
database from each server process, added, never overwritten."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from readtoearn.app import create_app
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.reading import views
from tests.conftest import SECRET
from tests.factories import make_article
from tests.live import free_socket, serve
from tests.readers import make_reader
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import sign_in


def test_views_of_visitors_and_readers_show_on_the_engagement_page(
    app, client, session, settings, database, clock
) -> None:
    story = make_article(session, settings, title="Harbour cranes return")
    other = make_article(session, settings, title="Other", url="https://news.example/other")
    session.commit()
    with TestClient(app) as visitor:
        for _ in range(3):
            answer = visitor.get(f"/api/v1/articles/{story.id}/reader")
            assert answer.status_code == 200
        assert visitor.get(f"/api/v1/articles/{other.id}/reader").status_code == 200
        # The shared page itself counts nothing: its script's call does.
        assert visitor.get(f"/articles/{story.id}/{story.slug}").status_code == 200
    sign_in(client, session, settings, operator=False, email="ada@example.org")
    assert client.get(f"/articles/{story.id}/{story.slug}").status_code == 200
    # The server's sweep (or its shutdown) may have written some already: write the rest.
    views.flush_views(database, app.state.views)
    assert views.flush_views(database, app.state.views) == 0, "nothing is written twice"

    client.cookies.clear()
    as_operator(client, session, settings)
    page = client.get(f"/operator/articles/{story.id}/engagement")
    shown = re.search(r'data-figure="page_views"><span class="operator__figure">(\d+)<', page.text)
    assert shown and shown.group(1) == "4"
    session.expire_all()
    assert views.get_views(session, other.id) == 1


def test_two_servers_add_their_views_and_write_them_when_they_stop(
    committing_database: Database, tmp_path: Path
) -> None:
    db = committing_database
    settings = Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        base_url="http://testserver",
        ledger_expire_every_s=0,
        webhook_poll_s=0,
    )
    with db.session(write=True) as s:
        story = make_article(s, settings, title="Crowded story", url="https://news.example/crowd")
        make_reader(s, settings, "somebody")
        story_id = story.id
    with db.session() as s:
        before = views.get_views(s, story_id)
    calls = 40

    async def crowd(urls: list[str]) -> list[int | BaseException]:
        clients = [httpx.AsyncClient(base_url=url, timeout=60) for url in urls]
        try:
            for c in clients:  # each app builds its routes once before the crowd
                assert (await c.get("/healthz")).status_code == 200
            # Every call ends before the clients close, even when one fails (a socket left open
            # would fail a later test under filterwarnings=error).
            answers = await asyncio.gather(
                *(clients[n % 2].get(f"/api/v1/articles/{story_id}/reader") for n in range(calls)),
                return_exceptions=True,
            )
            return [a if isinstance(a, BaseException) else a.status_code for a in answers]
        finally:
            for c in clients:
                await c.aclose()

    socks = [free_socket(), free_socket()]
    urls = [f"http://127.0.0.1:{s.getsockname()[1]}" for s in socks]
    with ThreadPoolExecutor(1) as pool, ExitStack() as servers:
        for sock in socks:
            servers.enter_context(serve(create_app(settings, database=db), sock))
        statuses = pool.submit(asyncio.run, crowd(urls)).result()
        # Both servers have stopped: what they counted is written.
    assert statuses == [200] * calls
    with db.session() as s:
        assert views.get_views(s, story_id) - before == calls
