"""A live server on a migrated SQLite file, and one headless Chromium for the whole session."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from readtoearn import migrations
from readtoearn.app import create_app
from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine
from tests.conftest import SECRET
from tests.factories import article_html
from tests.live import free_socket, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDE_TABLE = (
    "<table><tr>"
    + "".join(f"<th>Quarterly figure number {i}</th>" for i in range(12))
    + "</tr></table>"
)
LONG_WORD = "<p>Source: https://news.example/" + "a-very-long-address-" * 12 + "end</p>"


def save_screenshot(page: Any, name: str) -> None:
    """The page as docs/ shows it: written to READTOEARN_SCREENSHOTS_DIR/<name>.png when that is
    set (`make screenshots`), and nowhere otherwise."""
    folder = os.environ.get("READTOEARN_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def log_in(page: Any, url: str, email: str, password: str, target: str) -> None:
    """Sign in through the login form of the server at `url`, landing on `target`."""
    page.goto(url + "/account/login?next=" + target)
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Log in").click()


@dataclass(frozen=True)
class LiveServer:
    url: str
    titles: list[str]


def _drafts(base_url: str) -> list[ArticleDraft]:
    start = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    author = AuthorDraft(name="Claire Fontaine", bio="Claire covers technology markets.")
    drafts = []
    for index, language in enumerate(("en", "fr", "en")):
        title = {
            "en": f"Chip makers race to meet demand, part {index + 1}",
            "fr": "Les fabricants de puces accélèrent la cadence",
        }[language]
        drafts.append(
            ArticleDraft(
                title=title,
                html=article_html(8, language) + WIDE_TABLE + LONG_WORD,
                canonical_url=f"https://news.example/browser/{index}",
                language=language,
                lead="A lead that sets the scene.",
                published_at=start + timedelta(hours=index),
                authors=[author],
                categories=["Technology", "Semiconductors"],
                image_url=f"{base_url}/static/favicon.svg",
                image_alt="The site's logo, standing in for a photo",
                image_caption="A caption under the picture.",
                key_points=["Demand outpaces supply", "New plants open in 2027"],
            )
        )
    return drafts


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app under uvicorn in a thread, on a free loopback port, with a few articles."""
    data = tmp_path_factory.mktemp("live")
    sock = free_socket()
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    settings = Settings(
        data_dir=data,
        secret_key=SECRET,
        database_url=f"sqlite:///{data / 'live.sqlite3'}",
        base_url=base_url,
    )
    database = Database(make_engine(settings.resolved_database_url))
    migrations.upgrade(database.engine)
    drafts = _drafts(base_url)
    with database.session(write=True) as session:
        for draft in drafts:
            articles.save_article(session, draft, settings)

    app = create_app(settings, database=database)
    try:
        with serve(app, sock):
            yield LiveServer(url=base_url, titles=[d.title for d in drafts])
    finally:
        database.dispose()


@dataclass(frozen=True)
class Running:
    url: str
    database: Database
    prepared: Any
    app: Any


@contextmanager
def running_app(
    data: Path, prepare: Callable[[Session, Settings], Any], **overrides: Any
) -> Iterator[Running]:
    """The real app under uvicorn on a fresh SQLite file, after `prepare` filled it (cheap
    password hashing: the browser tests prove pages, not the cost of argon2)."""
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        data_dir=data,
        secret_key=SECRET,
        database_url=f"sqlite:///{data / 'live.sqlite3'}",
        base_url=url,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        **overrides,
    )
    database = Database(make_engine(settings.resolved_database_url))
    try:
        migrations.upgrade(database.engine)
        with database.session(write=True) as session:
            prepared = prepare(session, settings)
        app = create_app(settings, database=database)
        with serve(app, sock):
            yield Running(url=url, database=database, prepared=prepared, app=app)
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Debian Chromium for the session (never downloaded by Playwright)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
