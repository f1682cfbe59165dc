"""An editor imports an article from the console in a real browser (a saved page uploaded; a feed
by its URL, its progress shown as it goes), edits its title and sees it on the public page."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts import roles, trail
from readtoearn.accounts import service as accounts
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.reading.models import Read
from tests.browser.conftest import Running, running_app, save_screenshot
from tests.browser.conftest import log_in as browser_log_in
from tests.unit.articles.test_import_http import LocalSite

pytestmark = pytest.mark.browser

EDITOR = "editor@example.org"
PASSWORD = "a long enough passphrase 42"
PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def prepare(s: Session, settings: Settings) -> None:
    editor = accounts.create_user(s, settings, email=EDITOR, password=PASSWORD, is_operator=True)
    roles.set_role(s, editor, roles.Role.EDITOR, by=None)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    # The feed comes from the test's own server on 127.0.0.1: private addresses allowed here.
    with running_app(
        tmp_path_factory.mktemp("articles"), prepare, import_private_addresses=True
    ) as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert problems == []


def seed_reads(console: Running) -> None:
    """Five reads of the imported article, as the tracker would have left them."""
    rows = [("credited", 110_000, 10), ("credited", 90_000, 10), ("held", 80_000, 10),
            ("rejected", 4_000, 0), ("incomplete", 30_000, 0)]  # fmt: skip
    with console.database.session(write=True) as s:
        article = s.scalars(select(Article)).one()
        for n, (status, active_ms, points) in enumerate(rows):
            reader = accounts.create_user(
                s, console.app.state.settings, email=f"r{n}@example.org", password=None
            )
            s.add(
                Read(
                    reader_id=reader.id, article_id=article.id, status=status, active_ms=active_ms,
                    points=points, page_view=n % 2 == 0, nonce="n", flags=[],
                    paragraphs_seen=[], reasons=[],
                )
            )  # fmt: skip


def log_in(page: Page, console: Running, target: str) -> None:
    browser_log_in(page, console.url, EDITOR, PASSWORD, target)


def test_an_editor_imports_a_page_edits_its_title_and_readers_see_it(
    page: Page, console: Running, browser: Browser
) -> None:
    log_in(page, console, "/operator/articles")
    expect(page.get_by_role("heading", level=1)).to_have_text("Articles")
    page.get_by_role("link", name="Import articles").click()
    page.set_input_files("#import-file", str(PAGES / "en-news.html"))
    page.get_by_role("button", name="Import this file").click()
    expect(page.locator("[data-progress]")).to_have_text("1 of 1 imported, 0 failed")
    expect(page.locator("[data-finished]")).to_contain_text("1 new")

    page.locator("[data-table=outcomes] a").first.click()
    expect(page.locator("[data-status]")).to_contain_text("Published")
    page.fill("#article-title-field", "Edited in the console")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_role("status")).to_have_text("The changes were saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edited in the console")

    # A signed-out reader (the cached public page) sees the new title.
    reader = browser.new_context()
    public = reader.new_page()
    public.goto(console.url + "/")
    public.get_by_role("link", name="Edited in the console").first.click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Edited in the console")
    reader.close()

    seed_reads(console)
    page.get_by_role("link", name="Engagement").last.click()
    expect(page.locator("[data-figure=started] .operator__figure")).to_have_text("5")
    expect(page.locator("[data-figure=points_paid] .operator__figure")).to_have_text("20")
    save_screenshot(page, "operator-article-engagement")
    page.goto(console.url + "/operator/articles")
    expect(page.locator("[data-table=articles] tbody tr")).to_have_count(1)
    save_screenshot(page, "operator-articles")
    with console.database.session() as s:
        names = {a.action for a in trail.list_actions(s)}
    assert {"article.import", "article.edit"} <= names


def story_page(n: int) -> bytes:
    words = " ".join(f"harbour{n} crane{n} quay{n} tide{n} berth{n}" for _ in range(12))
    paragraphs = "".join(f"<p>Paragraph {i} of story {n}: {words}.</p>" for i in range(5))
    title = f"Slow story number {n}"
    return (
        f"<!doctype html><html lang='en'><head><title>{title}</title></head><body>"
        f"<article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def slowly(body: bytes, delay_s: float) -> Callable[[BaseHTTPRequestHandler], None]:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(delay_s)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def test_a_feed_import_shows_its_progress_as_it_goes(page: Page, console: Running) -> None:
    with LocalSite() as site:
        items = []
        for n in range(6):
            path = f"/stories/{n}/"
            if n != 3:  # story 3's page is missing: one failure, said on the page
                site.routes[path] = slowly(story_page(n), 0.8)
            items.append(
                f"<item><title>Slow story number {n}</title><link>{site.url}{path}</link></item>"
            )
        feed = (
            "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
            f"<title>Slow feed</title><link>{site.url}/</link><description>d</description>"
            + "".join(items)
            + "</channel></rss>"
        ).encode()
        url = site.page("/feed.xml", feed, "application/rss+xml")
        log_in(page, console, "/operator/articles/import")
        page.fill("#import-url", url)
        page.get_by_role("button", name="Import from this address").click()
        progress = page.locator("[data-progress]")
        # Written by the page's script while the import runs (no reload: the refresh link is
        # still there), then the finished page lists each entry.
        expect(progress).to_have_text(re.compile(r"^[1-4] of 6 imported, [01] failed$"))
        expect(page.locator("[data-refresh]")).to_be_visible()
        expect(page.locator("[data-finished]")).to_be_visible(timeout=30_000)
        expect(progress).to_have_text("5 of 6 imported, 1 failed")
        expect(page.locator("[data-table=outcomes] tr[data-failed]")).to_have_count(1)


def test_a_feed_import_is_followed_to_the_end_without_javascript(
    browser: Browser, console: Running
) -> None:
    """With scripts off, the form still starts the import and the page follows it by refreshing
    itself (a <noscript> meta refresh) until it says the import is finished."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    try:
        with LocalSite() as site:
            items = []
            for n in range(10, 13):
                path = f"/quiet/{n}/"
                site.routes[path] = slowly(story_page(n), 1.2)
                items.append(f"<item><title>Story {n}</title><link>{site.url}{path}</link></item>")
            feed = (
                "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
                f"<title>Quiet feed</title><link>{site.url}/</link><description>d</description>"
                + "".join(items)
                + "</channel></rss>"
            ).encode()
            url = site.page("/quiet.xml", feed, "application/rss+xml")
            log_in(page, console, "/operator/articles/import")
            page.fill("#import-url", url)
            page.get_by_role("button", name="Import from this address").click()
            expect(page).to_have_url(re.compile(r"/operator/articles/imports/[0-9a-f]{32}$"))
            job_page = page.url
            expect(page.locator("[data-refresh]")).to_be_visible()  # still running
            # Nothing clicked from here: the page loads itself again every 3 s.
            expect(page.locator("[data-finished]")).to_be_visible(timeout=30_000)
        expect(page.locator("[data-progress]")).to_have_text("3 of 3 imported, 0 failed")
        expect(page.locator("[data-finished]")).to_contain_text("3 new")
        expect(page.locator("[data-table=outcomes] tbody tr")).to_have_count(3)
        assert loads.count(job_page) >= 2, loads
    finally:
        context.close()
