"""A reader in a real browser: from the home page to an article, on a desktop and on a phone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


OpenPage = Callable[..., tuple[Page, list[str]]]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """Fresh pages that record console errors (a CSP violation shows up as one)."""
    contexts: list[BrowserContext] = []

    def opener(**context_options: Any) -> tuple[Page, list[str]]:
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        return page, problems

    yield opener
    for context in contexts:
        context.close()


def horizontal_overflow(page: Page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_a_reader_follows_a_link_from_home_to_an_article(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    page, problems = open_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest articles")
    title = live_server.titles[0]
    page.get_by_role("link", name=title, exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert "/articles/" in page.url
    expect(page.locator(".meta__reading")).to_have_text(re.compile(r"^\d+ min read$"))
    brief = page.get_by_role("complementary", name="In brief")
    expect(brief).to_be_visible()
    expect(brief.get_by_role("listitem")).to_have_count(2)
    promo = page.locator("aside.promo")
    expect(promo).to_be_visible()
    expect(promo.get_by_role("link", name="Join the programme")).to_have_attribute("href", "/join")
    author_box = page.locator("section.author-box")
    expect(author_box).to_contain_text("Claire covers technology markets.")
    avatar_loaded = author_box.locator("img.avatar").evaluate("img => img.naturalWidth > 0")
    assert avatar_loaded, "the generated avatar is served and drawn"
    expect(page.locator(".disclaimer")).to_contain_text("not investment")
    expect(page.get_by_role("link", name="ChatGPT")).to_have_attribute("target", "_blank")

    # The stylesheet loaded under the Content-Security-Policy: the promo box has its background.
    background = promo.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert problems == []


def test_keyboard_users_can_skip_to_the_content(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    page, _problems = open_page()
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "focus is visible"


def test_pages_fit_a_phone_screen(open_page: OpenPage, live_server: LiveServer) -> None:
    page, problems = open_page(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page.goto(live_server.url + "/")
    assert horizontal_overflow(page) <= 0
    page.get_by_role("link", name=live_server.titles[1], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(live_server.titles[1])
    expect(page.locator("article.article")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("complementary", name="En bref")).to_be_visible()
    assert horizontal_overflow(page) <= 0, "no sideways scrolling on a phone"
    for path in ("/join", "/categories/technology", "/authors/claire-fontaine", "/nowhere"):
        page.goto(live_server.url + path)
        assert horizontal_overflow(page) <= 0, path
    assert [p for p in problems if "404" not in p] == []
