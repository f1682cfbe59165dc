"""Attackers driving the tracker API earn nothing; honest readers are credited.

Every client here speaks HTTP to the real app; a manual clock stands for the server's time.
"""

from __future__ import annotations

import uuid

import pytest
from bs4 import BeautifulSoup

from readtoearn.accounts import service as accounts
from readtoearn.reading import tokens
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import Client, fund, make_reader, wallet


@pytest.fixture
def article(session, settings):
    # 24 paragraphs of ~24 words: about 600 words, 90 s at the 400 wpm limit.
    article = make_article(session, settings, paragraphs=24)
    session.commit()
    return article


@pytest.fixture
def reader(session, settings):
    fund(session)
    user, token = make_reader(session, settings, "ada")
    session.commit()
    return user, token


@pytest.fixture
def tracker(client, clock, settings, article, reader) -> Client:
    return Client(client, clock, settings, article, reader[1])


def posted(session, reader) -> int:
    session.expire_all()
    return wallet(session, reader[0].id)[0]


# ---------------------------------------------------------------- honest controls


def test_a_steady_250_wpm_reader_is_credited(tracker, session, reader, settings) -> None:
    assert tracker.start().status_code == 201
    tracker.read_like_a_human(wpm=250)
    result = tracker.complete().json()
    assert result["verdict"] == "credited", result
    assert result["points"] == settings.points_per_read
    assert posted(session, reader) == settings.points_per_read


def test_a_slow_reader_pausing_45_seconds_is_credited(tracker, session, reader) -> None:
    tracker.start()
    tracker.read_like_a_human(wpm=180, pause_at=3, pause_s=45)
    assert tracker.complete().json()["verdict"] == "credited"
    assert posted(session, reader) == 10


def test_a_touch_only_mobile_reader_is_credited(tracker, session, reader) -> None:
    tracker.start()
    tracker.read_like_a_human(wpm=230, touch=True, viewport_h=640)
    assert tracker.complete().json()["verdict"] == "credited"
    assert posted(session, reader) == 10


def test_completing_twice_pays_once(tracker, session, reader) -> None:
    tracker.start()
    tracker.read_like_a_human()
    first, second = tracker.complete().json(), tracker.complete().json()
    assert first == second
    assert posted(session, reader) == 10
    again = tracker.start()
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_rewarded"


# ---------------------------------------------------------------- attackers


def test_beats_without_a_read_or_a_page_view_earn_nothing(tracker, session, reader) -> None:
    tracker.read_id = "0190f0f0-0000-7000-8000-000000000000"
    tracker.token = "made.up"
    assert tracker.beat().status_code in (401, 404)
    # A read started by a script, not from the article page, is held at best.
    tracker.start(page_view=False)
    tracker.read_like_a_human()
    result = tracker.complete().json()
    assert result["verdict"] == "held"
    assert "no_page_view" in result["reasons"]
    assert posted(session, reader) == 0


def test_replayed_beats_are_refused(tracker, session, reader) -> None:
    tracker.start()
    old_token, old_seq = tracker.token, tracker.seq
    assert tracker.beat(paragraphs=[0, 1, 2]).status_code == 200
    for _ in range(20):
        replay = tracker.beat(token=old_token, seq=old_seq, paragraphs=list(range(24)))
        assert replay.status_code == 409
    assert tracker.complete().json()["verdict"] == "incomplete"
    assert posted(session, reader) == 0


def test_inflated_active_time_is_capped_by_the_server_clock(tracker, session, reader) -> None:
    tracker.start()
    for i in range(0, 24, 6):
        response = tracker.beat(wait_s=2, active_ms=600_000, paragraphs=range(i, i + 6))
        assert response.status_code == 200
        assert response.json()["active_seconds"] <= (i // 6 + 1) * 4
    result = tracker.complete().json()
    assert result["verdict"] == "rejected"
    assert "too_fast" in result["reasons"]
    assert posted(session, reader) == 0


def test_an_idle_tab_earns_nothing(tracker, session, reader) -> None:
    tracker.start()
    tracker.beat(paragraphs=[0, 1, 2])
    for _ in range(30):
        tracker.beat(active_ms=0, events={})
    result = tracker.complete().json()
    assert result["verdict"] == "incomplete"
    assert "not_enough_time" in result["reasons"]
    assert posted(session, reader) == 0


def test_a_hidden_tab_earns_nothing(tracker, session, reader) -> None:
    tracker.start()
    for i in range(24):
        tracker.beat(paragraphs=[i], scroll=(i + 1) / 24, visible=False)
    result = tracker.complete().json()
    # No time counts while hidden, so the paragraphs it claims went by impossibly fast.
    assert result["verdict"] == "rejected"
    assert result["reasons"] == ["too_fast"]
    assert posted(session, reader) == 0


def test_jumping_to_the_end_earns_nothing(tracker, session, reader) -> None:
    tracker.start()
    tracker.beat(paragraphs=[0, 1, 2], scroll=0.1)
    tracker.beat(paragraphs=[21, 22, 23], scroll=1.0)
    for _ in range(10):
        tracker.beat()
    result = tracker.complete().json()
    assert result["verdict"] == "incomplete"
    assert "not_enough_paragraphs" in result["reasons"]
    # Claiming every paragraph at once instead crosses the page faster than anyone reads.
    tracker.beat(paragraphs=range(24), scroll=1.0)
    result = tracker.complete().json()
    assert result["verdict"] == "rejected"
    assert result["reasons"] == ["too_fast"]
    assert posted(session, reader) == 0


def test_perfectly_regular_scripted_scrolling_is_held(tracker, session, reader) -> None:
    tracker.start()
    for i in range(0, 24, 2):
        tracker.beat(
            wait_s=12,
            active_ms=12_000,
            paragraphs=[i, i + 1],
            scroll=(i + 2) / 24,
            events={"scroll": 6, "wheel": 6},
        )
    for _ in range(3):
        tracker.beat(wait_s=12, active_ms=12_000, scroll=1.0, events={"scroll": 6, "wheel": 6})
    result = tracker.complete().json()
    assert result["verdict"] == "held"
    assert "robotic_scrolling" in result["reasons"]
    assert posted(session, reader) == 0


def test_parallel_tabs_on_one_account_are_held(client, clock, settings, session, reader) -> None:
    first = make_article(session, settings, paragraphs=24, url="https://n.example/a", title="A")
    second = make_article(
        session, settings, paragraphs=24, url="https://n.example/b", title="B two"
    )
    session.commit()
    tabs = [Client(client, clock, settings, a, reader[1]) for a in (first, second)]
    for tab in tabs:
        tab.start()
    for i in range(24):
        for tab in tabs:
            tab.beat(wait_s=6, active_ms=6000, paragraphs=[i], scroll=(i + 1) / 24)
    for tab in tabs:
        for _ in range(8):
            tab.beat(wait_s=6, active_ms=6000, scroll=1.0)
    verdicts = [tab.complete().json() for tab in tabs]
    assert all(v["verdict"] in ("held", "incomplete") for v in verdicts), verdicts
    assert any("parallel_reads" in v["reasons"] for v in verdicts)
    assert posted(session, reader) == 0


def test_a_token_stolen_from_another_reader_is_useless(tracker, client, session, settings) -> None:
    tracker.start()
    _, thief_bearer = make_reader(session, settings, "mallory")
    session.commit()
    thief = Client(client, tracker.clock, settings, tracker.article, thief_bearer)
    # The victim's read is not the thief's: it does not exist for them.
    thief.read_id, thief.token = tracker.read_id, tracker.token
    assert thief.beat().status_code == 404
    # On the thief's own read, the victim's token is not valid.
    thief.start()
    response = thief.beat(token=tracker.token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_token"


def test_forged_client_times_are_ignored(tracker, session, reader) -> None:
    tracker.start()
    for i in range(24):
        tracker.beat(
            wait_s=1,
            active_ms=12_000,
            paragraphs=[i],
            scroll=(i + 1) / 24,
            extra={"client_time": 10**12 + i * 12_000, "sent_at": "2026-11-02T09:00:00Z"},
        )
    result = tracker.complete().json()
    assert result["verdict"] in ("rejected", "incomplete")
    assert posted(session, reader) == 0


def test_automation_is_held(tracker, session, reader) -> None:
    tracker.start(webdriver=True)
    tracker.read_like_a_human()
    result = tracker.complete().json()
    assert result["verdict"] == "held"
    assert "automation" in result["reasons"]
    assert posted(session, reader) == 0
    assert wallet(session, reader[0].id)[1] == 10  # pending: visible, not spendable


# ------------------------------------------- attacks that start from a real page view


@pytest.fixture
def viewer(client, clock, settings, article, session) -> Client:
    """A signed-in reader who opened the article page, as a browser does, and reads from it."""
    fund(session)
    user, _ = make_reader(session, settings, "eve")
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
    session.commit()
    page = client.get(f"/articles/{article.id}/{article.slug}")
    soup = BeautifulSoup(page.text, "html.parser")
    view = soup.select_one("#rte-tracker")["data-view-token"]
    return Client(client, clock, settings, article, None, page_view_token=view)


def test_a_burst_of_beats_earns_no_more_than_the_clock(viewer, session) -> None:
    started = viewer.clock.now()
    assert viewer.start().status_code == 201
    for i in range(20):  # 20 beats within one second, each claiming 15 s
        response = viewer.beat(
            wait_s=0.05, active_ms=15_000, paragraphs=[i] if i < 24 else [], scroll=i / 24
        )
        assert response.status_code == 200, response.text
    elapsed = (viewer.clock.now() - started).total_seconds()
    assert elapsed <= 1.0
    # One second of clock, plus one slack, is all the read can have earned.
    assert response.json()["active_seconds"] <= elapsed + 2.0
    result = viewer.complete().json()
    assert result["verdict"] != "credited"
    assert posted_points(session, viewer) == 0


def test_slack_farming_runs_no_faster_than_the_clock(viewer, session, settings) -> None:
    started = viewer.clock.now()
    viewer.start()
    for i in range(24):  # a beat every 3 s claiming 5 s
        response = viewer.beat(
            wait_s=3, active_ms=5_000, paragraphs=[i], scroll=(i + 1) / 24,
            events={"wheel": 2 + i % 3, "pointer": 1 + i % 5},
        )  # fmt: skip
        body = response.json()
        elapsed = (viewer.clock.now() - started).total_seconds()
        assert body["active_seconds"] <= elapsed, (i, body, elapsed)
    # 72 s of clock for an article that needs 90 s: not credited, however much was claimed.
    result = viewer.complete().json()
    assert result["verdict"] == "incomplete"
    assert "not_enough_time" in result["reasons"]
    assert posted_points(session, viewer) == 0


def test_scrolling_to_the_end_without_any_input_is_not_reading(viewer, session) -> None:
    viewer.start()
    steps = [2, 3, 1, 4, 2, 3, 1, 2, 3, 3]  # irregular, so not "robotic"
    shown = 0
    for step in steps:
        new = list(range(shown, min(24, shown + step)))
        shown = min(24, shown + step)
        # Scroll events only: a script's window.scrollTo fires them too.
        viewer.beat(paragraphs=new, scroll=shown / 24, events={"scroll": 3 + step})
    for _ in range(3):
        viewer.beat(events={"scroll": 0})
    result = viewer.complete().json()
    assert result["verdict"] == "incomplete"
    assert "no_input" in result["reasons"]
    assert "not_enough_paragraphs" in result["reasons"]
    assert posted_points(session, viewer) == 0


def test_a_view_token_served_to_someone_else_proves_nothing(viewer, session, settings) -> None:
    other, _ = make_reader(session, settings, "mallory")
    session.commit()
    viewer.page_view_token = tokens.sign_view(
        settings.resolved_secret_key,
        viewer.article.id,
        viewer.clock.now().timestamp(),
        tokens.reader_subject(other.id),
    )
    viewer.start()
    viewer.read_like_a_human()
    result = viewer.complete().json()
    assert result["verdict"] == "held"
    assert "no_page_view" in result["reasons"]


def posted_points(session, viewer: Client) -> int:
    session.expire_all()
    reader_id = viewer.http.get("/api/v1/me").json()["id"]
    return wallet(session, uuid.UUID(reader_id))[0]
