"""A reader searches from the header, opens a result, and copies the article's link."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from tests.browser.conftest import Running, running_app

pytestmark = pytest.mark.browser

BODY = (
    "<p>Les économies d'énergie deviennent une priorité pour les ménages cet hiver. Les factures "
    "montent et chacun cherche à baisser le chauffage sans souffrir du froid.</p>"
)


def _prepare(session: Any, settings: Any) -> str:
    draft = ArticleDraft(
        title="L'hiver des économies",
        html=BODY * 3,
        canonical_url="https://news.example/fr/hiver",
        language="fr",
        published_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        authors=[AuthorDraft(name="Claire Fontaine")],
        categories=["Économie"],
    )
    article = articles.save_article(session, draft, settings).article
    return f"/articles/{article.id}/{article.slug}"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with running_app(Path(tmp_path_factory.mktemp("search")), _prepare) as running:
        yield running


def test_search_from_the_header_then_copy_the_link(browser: Browser, app: Running) -> None:
    context = browser.new_context(locale="fr-FR")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app.url)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(app.url + "/")
    page.get_by_role("searchbox", name="Rechercher dans les articles").fill("économie")
    page.get_by_role("searchbox", name="Rechercher dans les articles").press("Enter")
    expect(page.locator(".page-intro")).to_have_text("1 article trouvé")
    expect(page.locator(".search-hit__snippet mark").first).to_have_text("économies")

    page.get_by_role("link", name="L'hiver des économies").click()
    page.wait_for_url("**" + app.prepared)
    copy = page.get_by_role("button", name="Copier le lien")
    expect(copy).to_be_visible()  # shown by share.js
    copy.click()
    expect(page.locator(".share__status")).to_have_text("Lien copié")
    assert page.evaluate("navigator.clipboard.readText()") == app.url + app.prepared
    assert problems == []
    context.close()


def test_without_javascript_the_copy_button_stays_hidden(browser: Browser, app: Running) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(app.url + app.prepared)
    expect(page.locator("button.share__copy")).to_be_hidden()
    expect(page.locator(".share__links a")).to_have_count(5)
    context.close()
