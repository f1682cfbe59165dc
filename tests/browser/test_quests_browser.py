"""A reader follows a two-article quest to the end in real Chromium: the quests page, the
quest's page, each article's step banner, reading with the mouse wheel, the quest's points in the
wallet, then on the dashboard with the streak. Real tracker script, real server clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.config import Settings
from readtoearn.ledger import service as ledger
from readtoearn.quests import service as quests
from readtoearn.quests.models import StepKind
from tests.browser.conftest import running_app
from tests.browser.test_reading_browser import SENTENCES, human_context, read_with_the_wheel

pytestmark = pytest.mark.browser

QUEST_POINTS = 30


@dataclass(frozen=True)
class QuestServer:
    url: str
    quest_id: str


def publish_a_quest(session: Session, settings: Settings) -> str:
    ids = []
    for n, title in enumerate(("Night buses reach six more towns", "Night buses: the timetable")):
        html = "".join(f"<p>{sentence}</p>" for sentence in SENTENCES)
        article = articles.save_article(
            session,
            ArticleDraft(
                title=title,
                html=html,
                canonical_url=f"https://news.example/night-buses-{n}",
                language="en",
                published_at=datetime(2026, 11, 20, 9 + n, 30, tzinfo=UTC),
                authors=[AuthorDraft(name="Hannah Whitlock")],
                categories=["Transport"],
            ),
            settings,
        ).article
        ids.append(str(article.id))
    ledger.fund_budget(session, 1000, ledger.transfer_id("browser-quest-funding"))
    quest = quests.create_quest(
        session,
        quests.QuestDraft(
            title_en="Night buses, the whole story",
            points=QUEST_POINTS,
            steps=[quests.StepDraft(kind=StepKind.READ, article=i) for i in ids],
        ),
    )
    return str(quest.id)


@pytest.fixture(scope="module")
def quest_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QuestServer]:
    data = tmp_path_factory.mktemp("quest-live")
    with running_app(data, publish_a_quest, beat_interval_s=5) as running:
        yield QuestServer(url=running.url, quest_id=running.prepared)


def sign_up(page: Any, server: QuestServer, email: str) -> None:
    """Join, then log in (joining answers the same whether the address was new or not)."""
    page.goto(f"{server.url}/account/signup")
    page.fill("input[name=email]", email)
    page.fill("input[name=display_name]", "Quentin")
    page.fill("input[name=password]", "a long and private passphrase 9")
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state()
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "a long and private passphrase 9")
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".site-header a[href='/account/wallet']").count() == 1


def test_a_reader_follows_a_two_article_quest_to_the_end(browser: Any, quest_server) -> None:
    context = human_context(browser)
    page = context.new_page()
    sign_up(page, quest_server, "quester@example.org")

    page.goto(f"{quest_server.url}/quests")
    card = page.locator(f"[data-quest] a[href='/quests/{quest_server.quest_id}']")
    assert card.inner_text() == "Night buses, the whole story"
    card.click()
    page.wait_for_load_state()
    assert "0 of 2 steps done" in page.locator(".quest__state").inner_text()

    for position in (1, 2):
        page.goto(f"{quest_server.url}/quests/{quest_server.quest_id}")
        page.locator(f".quest__step:nth-child({position}) a").click()
        page.wait_for_load_state()
        banner = page.locator(".quest-steps__item")
        assert f"Step {position} of 2 of" in banner.inner_text()
        assert banner.get_attribute("data-done") == "false"
        status = read_with_the_wheel(page)
        assert status.get_attribute("data-kind") == "credited", status.inner_text()

    page.goto(f"{quest_server.url}/quests/{quest_server.quest_id}")
    state = page.locator(".quest__state")
    assert state.get_attribute("data-state") == "completed", state.inner_text()
    assert f"you earned {QUEST_POINTS} points" in state.inner_text()
    page.goto(f"{quest_server.url}/account/wallet")
    assert int(page.locator("[data-balance='available']").inner_text()) == 10 + 10 + QUEST_POINTS
    assert "Quest completed" in page.locator("body").inner_text()

    # The dashboard: the quest's points under their source, today's bar, and the streak that
    # the two credited reads started.
    page.goto(f"{quest_server.url}/account")
    assert page.locator("[data-source='quests'] td").first.inner_text() == str(QUEST_POINTS)
    assert page.locator("[data-source='reading'] td").first.inner_text() == "20"
    today = page.locator("svg.points-chart__svg rect").last
    assert today.get_attribute("data-points") == str(20 + QUEST_POINTS)
    assert page.locator("section.checkin").get_attribute("data-streak") == "1"
    context.close()
