"""An image that fails to load shows a clean placeholder box, never its alt text spilling out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from tests.browser.conftest import Running, running_app
from tests.factories import article_html

pytestmark = pytest.mark.browser

ALT = "A very long description of a photograph that never arrives, which must not spill out"


def _prepare(session: Any, settings: Any) -> str:
    base = settings.base_url
    broken_in_body = f'<p><img src="{base}/static/missing-body.png" alt="A chart that is gone"></p>'
    draft = ArticleDraft(
        title="Harbour cranes go electric",
        html=article_html(4) + broken_in_body + article_html(2),
        canonical_url="https://news.example/cranes",
        language="en",
        published_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        authors=[AuthorDraft(name="Hannah Whitlock")],
        image_url=f"{base}/static/no-such-photo.jpg",
        image_alt=ALT,
    )
    article = articles.save_article(session, draft, settings).article
    return f"/articles/{article.id}/{article.slug}"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with running_app(Path(tmp_path_factory.mktemp("images")), _prepare) as running:
        yield running


def _box(page: Page, selector: str) -> dict[str, Any]:
    return page.eval_on_selector(
        selector,
        """img => {
            const box = img.closest('.img-box');
            const r = img.getBoundingClientRect(), b = box.getBoundingClientRect();
            return {
                imgClass: img.className, boxClass: box.className, alt: img.alt,
                imgWidth: r.width, imgHeight: r.height, boxWidth: b.width, boxHeight: b.height,
                sign: getComputedStyle(box, '::after').backgroundImage,
            };
        }""",
    )


def test_a_broken_image_becomes_a_placeholder_box(browser: Browser, app: Running) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    page.goto(app.url + app.prepared)
    hero = ".article__figure img"
    expect(page.locator(hero)).to_have_class("img--broken")
    found = _box(page, hero)
    assert "img-box--broken" in found["boxClass"]
    # The placeholder keeps the image's room (16:9 of the column) and shows the picture sign...
    assert found["boxWidth"] > 300
    assert found["boxHeight"] == pytest.approx(found["boxWidth"] * 9 / 16, abs=2)
    assert "image-placeholder.svg" in found["sign"]
    # ...while the broken image itself (and the alt text a browser would draw) takes no room;
    # the alt text is still there for screen readers.
    assert found["imgWidth"] <= 1 and found["imgHeight"] <= 1
    assert found["alt"] == ALT
    assert page.get_by_role("img", name=ALT).count() == 1
    # An image inside the body gets a box of its own.
    body = ".article__body img"
    expect(page.locator(body)).to_have_class("img--broken")
    inner = _box(page, body)
    assert "img-box--broken" in inner["boxClass"] and inner["imgWidth"] <= 1
    assert inner["boxHeight"] > 100
    assert problems == []
    context.close()


def test_without_javascript_the_alt_text_does_not_spill(browser: Browser, app: Running) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(app.url + app.prepared)
    style = page.eval_on_selector(
        ".article__figure img",
        """img => ({color: getComputedStyle(img).color,
                   box: getComputedStyle(img.closest('.img-box')).backgroundColor})""",
    )
    assert style["color"] == "rgba(0, 0, 0, 0)"  # the alt text is not drawn
    assert style["box"] != "rgba(0, 0, 0, 0)"  # the box's tint is
    context.close()


def test_a_card_s_broken_image_becomes_a_placeholder(browser: Browser, app: Running) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(app.url + "/")
    card = ".card img"
    expect(page.locator(card)).to_have_class("card__image img--broken")
    found = _box(page, card)
    assert "img-box--made" in found["boxClass"] and "img-box--broken" in found["boxClass"]
    assert found["imgWidth"] <= 1 and found["boxHeight"] > 50
    assert "image-placeholder.svg" in found["sign"]
    context.close()
