"""A reader signs up, reads a short article with the mouse wheel, and sees the points; a reader who
jumps to the end does not get them. Real Chromium, real tracker script, real server clock."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.ledger import service as ledger
from readtoearn.reading import service as reading
from readtoearn.reading.live import MemoryLiveStore
from readtoearn.reading.models import Read
from tests.browser.conftest import running_app

pytestmark = pytest.mark.browser

SENTENCES = [
    "The regional council voted on Tuesday to extend the night bus network to six new towns.",
    "About 14,000 people commute after midnight, according to the transport office.",
    "The extension will cost up to €1.2 million a year, paid from the mobility budget.",
    "Drivers' unions welcomed the plan but asked for two more depots before the summer.",
    "Service starts in the first quarter of 2027, with buses every forty minutes.",
    "Residents can comment on the timetable online until the end of January.",
    "The council expects the first year to show whether demand justifies more lines.",
    "A review of fares for night travel is planned for the autumn session.",
]


@dataclass(frozen=True)
class ReadingServer:
    url: str
    article_path: str
    app: Any


def publish_one_article(session: Session, settings: Settings) -> str:
    html = "".join(f"<p>{sentence}</p>" for sentence in SENTENCES)
    article = articles.save_article(
        session,
        ArticleDraft(
            title="Night buses reach six more towns",
            html=html,
            # The lead sits above the image and boxes, outside the body: still paragraph 0.
            lead="Night buses will reach six more towns next year, the regional council decided.",
            canonical_url="https://news.example/night-buses",
            language="en",
            published_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
            authors=[AuthorDraft(name="Hannah Whitlock")],
            categories=["Transport"],
        ),
        settings,
    ).article
    ledger.fund_budget(session, 1000, ledger.transfer_id("browser-funding"))
    return f"/articles/{article.id}/{article.slug}"


@pytest.fixture(scope="module")
def reading_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadingServer]:
    """A live server with one short article and a funded budget; beats every 5 s."""
    data = tmp_path_factory.mktemp("reading-live")
    with running_app(data, publish_one_article, beat_interval_s=5) as running:
        yield ReadingServer(url=running.url, article_path=running.prepared, app=running.app)


def human_context(browser: Any) -> Any:
    """A phone-sized page that, like a person's browser, is not flagged as automated.

    Playwright's Chromium reports navigator.webdriver, which holds a read for review (see the
    bot suite); this test is about the reading itself, so it plays a person's browser.
    """
    context = browser.new_context(viewport={"width": 420, "height": 360})
    context.add_init_script("Object.defineProperty(navigator, 'webdriver', {get: () => false})")
    return context


def sign_up(page: Any, server: ReadingServer, email: str) -> None:
    page.goto(f"{server.url}/account/signup")
    page.fill("input[name=email]", email)
    page.fill("input[name=display_name]", "Ada")
    page.fill("input[name=password]", "a long and private passphrase 9")
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state()
    # Joining does not log in (the same answer whether the address was new or not): log in.
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "a long and private passphrase 9")
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("a[href='/account/wallet']").count() >= 1


def available_points(page: Any, server: ReadingServer) -> int:
    page.goto(f"{server.url}/account/wallet")
    return int(page.locator("[data-balance='available']").inner_text())


def read_with_the_wheel(page: Any, during: Any = None, *, deadline_s: float = 180) -> Any:
    """Scroll like someone reading until the tracker gives a verdict; `during(seconds)` is
    called along the way. Returns the status element."""
    status = page.locator("#rte-status")
    page.mouse.move(200, 200)
    rng = random.Random(3)
    began = time.monotonic()
    deadline = began + deadline_s
    while status.get_attribute("data-kind") not in ("credited", "held", "rejected", "error"):
        assert time.monotonic() < deadline, f"no verdict in time: {status.inner_text()}"
        # Someone reading: a notch or two of the wheel, the pointer drifting, a pause.
        page.mouse.wheel(0, rng.choice([40, 60, 80, 100]))
        page.mouse.move(150 + rng.randint(-40, 40), 180 + rng.randint(-40, 40))
        page.wait_for_timeout(rng.randint(900, 1600))
        if during is not None:
            during(time.monotonic() - began)
    return status


def test_a_reader_scrolling_at_a_human_pace_earns_the_points(browser, reading_server) -> None:
    context = human_context(browser)
    page = context.new_page()
    sign_up(page, reading_server, "wheel@example.org")
    page.goto(reading_server.url + reading_server.article_path)
    assert "10 points when you finish reading" in page.locator("#rte-status").inner_text()
    status = read_with_the_wheel(page)
    assert status.get_attribute("data-kind") == "credited", status.inner_text()
    assert "+10 points!" in status.inner_text()
    assert available_points(page, reading_server) == 10
    # The tracker saw the lead as paragraph 0, and every paragraph the server counts.
    with reading_server.app.state.db.session() as session:
        (read,) = session.scalars(select(Read)).all()
        article = session.get(Article, read.article_id)
        assert article is not None and article.lead
        assert sorted(read.paragraphs_seen) == list(range(article.paragraph_count))
    context.close()


def restart_after(seconds: float, server: ReadingServer, *, graceful: bool) -> Any:
    """A `during` hook: once, empty the store of open reads as a restart of `serve` does (a
    graceful one writes the open reads to the database first; a crash does not)."""
    done: list[float] = []

    def restart(elapsed: float) -> None:
        if elapsed > seconds and not done:
            if graceful:
                state = server.app.state
                reading.flush_idle(state.db, state.live, state.clock, idle_s=None)
            server.app.state.live = MemoryLiveStore()
            done.append(elapsed)

    restart.done = done  # type: ignore[attr-defined]
    return restart


def test_a_read_carries_on_across_a_graceful_restart(browser, reading_server) -> None:
    context = human_context(browser)
    page = context.new_page()
    sign_up(page, reading_server, "restart@example.org")
    page.goto(reading_server.url + reading_server.article_path)
    restart = restart_after(11, reading_server, graceful=True)
    status = read_with_the_wheel(page, restart)
    assert restart.done, "the read ended before the restart"
    assert status.get_attribute("data-kind") == "credited", status.inner_text()
    assert available_points(page, reading_server) == 10
    context.close()


def test_after_a_crash_the_tracker_takes_the_read_up_again(browser, reading_server) -> None:
    """The beats since the last write are lost: the tracker is told its chain is unknown, starts
    again from what the database has, and the reader scrolls back over what it lost."""
    context = human_context(browser)
    page = context.new_page()
    sign_up(page, reading_server, "crash@example.org")
    page.goto(reading_server.url + reading_server.article_path)
    restart = restart_after(11, reading_server, graceful=False)
    rewound: list[bool] = []

    def crash_then_rewind(elapsed: float) -> None:
        restart(elapsed)
        if restart.done and not rewound and elapsed > restart.done[0] + 6:
            page.keyboard.press("Home")  # back to the top, to read on from there
            rewound.append(True)

    status = read_with_the_wheel(page, crash_then_rewind)
    assert rewound, "the read ended before the crash was noticed"
    assert status.get_attribute("data-kind") == "credited", status.inner_text()
    assert available_points(page, reading_server) == 10
    context.close()


def test_a_reader_jumping_to_the_end_earns_nothing(browser, reading_server) -> None:
    context = human_context(browser)
    page = context.new_page()
    sign_up(page, reading_server, "jumper@example.org")
    page.goto(reading_server.url + reading_server.article_path)
    page.mouse.move(200, 200)
    page.keyboard.press("End")
    for _ in range(8):  # 16 s: three beats, with the pointer moving so time counts
        page.mouse.move(100 + _ * 10, 200)
        page.wait_for_timeout(2000)
    assert "+10" not in page.locator("#rte-status").inner_text()
    assert available_points(page, reading_server) == 0
    context.close()


def test_the_tracker_sends_the_same_beat_again_after_a_503(browser, reading_server) -> None:
    """A busy server did nothing with the beat: the tracker waits Retry-After and sends the very
    same beat (token, seq), and the read is credited all the same. What the reader reads while
    the beat waits goes with the next one (the tracker once dropped it, and the read never
    ended)."""
    context = human_context(browser)
    page = context.new_page()
    sign_up(page, reading_server, "busy@example.org")
    bodies: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []

    def busy_once(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        bodies.append(body)
        if not refused and body.get("seq") == 2:
            refused.append(body)
            route.fulfill(
                status=503,
                headers={"Retry-After": "4", "Content-Type": "application/json"},
                body='{"error": {"code": "busy", "message": "busy"}}',
            )
            return
        route.continue_()

    def read_on_while_it_waits(elapsed: float) -> None:
        # The retry comes 2 to 6 s after the 503: a screenful read in between is new.
        if refused and len(bodies) == bodies.index(refused[0]) + 1 and not scrolled:
            page.mouse.wheel(0, 300)
            scrolled.append(elapsed)

    scrolled: list[float] = []
    page.route("**/api/v1/reads/*/beats", busy_once)
    page.goto(reading_server.url + reading_server.article_path)
    status = read_with_the_wheel(page, read_on_while_it_waits, deadline_s=120)
    assert refused, "no second beat was sent"
    assert scrolled, "the beat was sent again before the reader read on"
    after = bodies[bodies.index(refused[0]) + 1]
    assert after == refused[0]  # the same beat, not a new one carrying the same token
    assert status.get_attribute("data-kind") == "credited", status.inner_text()
    with reading_server.app.state.db.session() as session:
        read = session.scalars(select(Read).order_by(Read.started_at.desc())).first()
        assert read is not None
        article = session.get(Article, read.article_id)
        assert article is not None
        assert sorted(read.paragraphs_seen) == list(range(article.paragraph_count))
    context.close()
