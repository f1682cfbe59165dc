"""The daily check-in, the streak, the preferences and the leaderboards, through the API and the
pages (English and French)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from readtoearn.accounts import service as accounts
from readtoearn.clock import ManualClock
from readtoearn.config import Settings
from readtoearn.db import utcnow
from readtoearn.ledger import service as ledger
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import fund, make_reader, wallet
from tests.unit.fraud.factories import make_read

pytestmark = pytest.mark.real_day(before_s=600)  # reads move the clock minutes on


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(utcnow())


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"checkin_points": 5, "checkin_read_days": 3, "streak_milestones": {2: 30}}
    )


@pytest.fixture
def ada(session, settings, clock) -> tuple[Any, str]:
    fund(session, 10_000)
    user, token = make_reader(session, settings, "ada")
    user.display_name = "Ada Lovelace"
    article = make_article(session, settings)
    make_read(session, user.id, article.id, status="credited", completed_at=clock.now())
    session.commit()
    return user, token


def test_a_check_in_pays_once_a_day_and_says_so(
    client: TestClient, session, settings, clock, ada
) -> None:
    reader, token = ada
    assert client.post("/api/v1/me/checkin").status_code == 401
    first = client.post(
        "/api/v1/me/checkin", json={"time_zone": "Europe/Paris"}, headers=bearer(token)
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["created"], body["points"], body["time_zone"]) == (True, 5, "Europe/Paris")
    assert body["streak"]["current"] == 1
    assert body["streak"]["next_milestone"] == 2 and body["streak"]["days_to_next_milestone"] == 1
    again = client.post("/api/v1/me/checkin", headers=bearer(token))
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["created"] is False and again.json()["day"] == body["day"]
    session.expire_all()
    assert wallet(session, reader.id) == (5 + 10, 0)  # the check-in and the read

    clock.advance(86400)
    second = client.post("/api/v1/me/checkin", headers=bearer(token)).json()
    assert (second["points"], second["milestone"], second["bonus"]) == (5, 2, 30)
    streak = client.get("/api/v1/me/streak", headers=bearer(token)).json()
    assert streak["current"] == 2 and streak["today_counted"]
    assert [d["kind"] for d in streak["history"]] == ["checkin", "checkin"]
    session.expire_all()
    assert wallet(session, reader.id) == (5 + 10 + 5 + 30, 0)
    assert ledger.audit(session).ok
    kinds = {
        e["code"] for e in client.get("/api/v1/me/wallet", headers=bearer(token)).json()["entries"]
    }
    assert {"daily_checkin", "streak_bonus"} <= kinds


def test_the_check_in_refuses_bad_zones_and_readers_without_a_recent_read(
    client: TestClient, session, settings, clock, ada
) -> None:
    _reader, token = ada
    bad = client.post(
        "/api/v1/me/checkin", json={"time_zone": "Nowhere/Land"}, headers=bearer(token)
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "unknown_time_zone"
    clock.advance(4 * 86400)  # the only read is now four days old
    late = client.post("/api/v1/me/checkin", headers=bearer(token))
    assert late.status_code == 403 and late.json()["error"]["code"] == "read_first"
    junk = client.post(
        "/api/v1/me/checkin",
        content=b"not json",
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert junk.status_code in (400, 422) and "error" in junk.json()


def test_preferences_through_the_api(client: TestClient, session, settings, ada) -> None:
    _reader, token = ada
    _other, other_token = make_reader(session, settings, "bob")
    session.commit()
    assert client.get("/api/v1/me/engagement", headers=bearer(token)).json() == {
        "time_zone": None,
        "leaderboard_opt_in": False,
        "pseudonym": None,
    }
    saved = client.patch(
        "/api/v1/me/engagement",
        json={"time_zone": "America/Montreal", "leaderboard_opt_in": True, "pseudonym": "Owl"},
        headers=bearer(token),
    )
    assert saved.status_code == 200
    assert saved.json() == {
        "time_zone": "America/Montreal",
        "leaderboard_opt_in": True,
        "pseudonym": "Owl",
    }
    taken = client.patch(
        "/api/v1/me/engagement", json={"pseudonym": "owl"}, headers=bearer(other_token)
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "pseudonym_taken"
    email = client.patch(
        "/api/v1/me/engagement", json={"pseudonym": "bob@example.org"}, headers=bearer(other_token)
    )
    assert email.status_code == 400 and email.json()["error"]["code"] == "invalid_pseudonym"
    # A refused change changes nothing, not even the valid part of it.
    mixed = client.patch(
        "/api/v1/me/engagement",
        json={"time_zone": "Europe/Paris", "pseudonym": "x"},
        headers=bearer(token),
    )
    assert mixed.status_code == 400
    assert client.get("/api/v1/me/engagement", headers=bearer(token)).json()["time_zone"] == (
        "America/Montreal"
    )


def test_the_leaderboard_shows_pseudonyms_never_names_or_addresses(
    client: TestClient, session, settings, clock, ada
) -> None:
    _reader, token = ada
    client.patch(
        "/api/v1/me/engagement",
        json={"leaderboard_opt_in": True, "pseudonym": "Analytical Engine"},
        headers=bearer(token),
    )
    shy, shy_token = make_reader(session, settings, "shy")
    make_read(
        session,
        shy.id,
        make_article(session, settings, title="Other", url="https://n.example/o").id,
        status="credited",
        completed_at=clock.now(),
    )
    session.commit()
    board = client.get("/api/v1/leaderboard?period=week", headers=bearer(shy_token))
    assert board.status_code == 200
    data = board.json()
    assert [(e["rank"], e["pseudonym"], e["points"]) for e in data["entries"]] == [
        (1, "Analytical Engine", 10)
    ]
    assert data["you"] == {"rank": 1, "points": 10, "on_board": False, "pseudonym": None}
    assert "read_reward" in data["sources"] and "adjustment" not in data["sources"]
    for private in ("ada@example.org", "Ada Lovelace", "shy@example.org"):
        assert private not in board.text
    assert client.get("/api/v1/leaderboard?period=year").status_code == 422
    assert client.get("/api/v1/leaderboard?language=fr").json()["entries"] == []
    month = client.get("/api/v1/leaderboard?period=month&language=en").json()
    assert month["entries"][0]["pseudonym"] == "Analytical Engine" and month["you"] is None


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _signed_in(client: TestClient, session, settings, user) -> None:
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
    session.commit()


def test_the_dashboard_button_checks_in_once_in_english_and_french(
    client: TestClient, session, settings, clock, ada
) -> None:
    reader, _token = ada
    _signed_in(client, session, settings, reader)
    page = BeautifulSoup(client.get("/account").text, "html.parser")
    form = page.select_one("form[action='/account/checkin']")
    assert form is not None and form.select_one("[data-browser-time-zone]") is not None
    token = form.select_one("[name=csrf_token]")["value"]
    assert client.post("/account/checkin", data={"time_zone": ""}).status_code == 403
    done = client.post("/account/checkin", data={"csrf_token": token, "time_zone": "Asia/Tokyo"})
    assert done.status_code == 201
    assert "Checked in: 5 points." in done.text
    again = client.post("/account/checkin?lang=fr", data={"csrf_token": token})
    assert again.status_code == 200
    assert "Vous avez déjà pointé aujourd'hui" in BeautifulSoup(again.text, "html.parser").text
    after = BeautifulSoup(client.get("/account").text, "html.parser")
    assert after.select_one("form[action='/account/checkin']") is None
    assert after.select_one("[data-streak-current]").text == "1"
    session.expire_all()
    assert wallet(session, reader.id)[0] == 15
    # Without a recent read the page says why, in plain words.
    clock.advance(5 * 86400)
    refused = client.post("/account/checkin", data={"csrf_token": token})
    assert refused.status_code == 403 and "Read an article to the end first" in refused.text


def test_the_profile_sets_the_time_zone_the_opt_in_and_the_pseudonym(
    client: TestClient, session, settings, ada
) -> None:
    reader, _token = ada
    _signed_in(client, session, settings, reader)
    page = BeautifulSoup(client.get("/account").text, "html.parser")
    form = page.select_one("form[action='/account/engagement']")
    assert form.select_one("option[value='Europe/Paris']") is not None
    token = form.select_one("[name=csrf_token]")["value"]
    bad = client.post(
        "/account/engagement",
        data={"csrf_token": token, "pseudonym": "Ada rocks", "leaderboard_opt_in": "1"},
    )
    assert bad.status_code == 400
    assert "without your name or e-mail address" in bad.text
    saved = client.post(
        "/account/engagement",
        data={
            "csrf_token": token,
            "time_zone": "Europe/Paris",
            "pseudonym": "Nightowl",
            "leaderboard_opt_in": "1",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    shown = BeautifulSoup(client.get(saved.headers["location"]).text, "html.parser")
    assert "Your preferences are saved." in shown.text
    assert shown.select_one("option[value='Europe/Paris']").has_attr("selected")
    assert shown.select_one("[name=pseudonym]")["value"] == "Nightowl"
    assert shown.select_one("[name=leaderboard_opt_in]").has_attr("checked")
    forged = client.post("/account/engagement", data={"pseudonym": "Hacker"})
    assert forged.status_code == 403


def test_the_leaderboard_page_in_both_languages(
    client: TestClient, session, settings, clock, ada
) -> None:
    reader, token = ada
    client.patch(
        "/api/v1/me/engagement",
        json={"leaderboard_opt_in": True, "pseudonym": "Nightowl"},
        headers=bearer(token),
    )
    page = BeautifulSoup(client.get("/leaderboard").text, "html.parser")
    assert [r.select("td")[1].text for r in page.select("tr[data-rank]")] == ["Nightowl"]
    assert "Log in to see your rank" in page.text
    assert "ada@example.org" not in page.text and "Lovelace" not in page.text
    french = client.get("/leaderboard?lang=fr&period=month")
    assert french.status_code == 200 and "Classements" in french.text
    _signed_in(client, session, settings, reader)
    mine = BeautifulSoup(client.get("/leaderboard").text, "html.parser")
    assert mine.select_one("[data-own-rank]")["data-own-rank"] == "1"
    assert mine.select_one("tr.leaderboard__you") is not None
    assert client.get("/leaderboard?period=decade").status_code in (400, 422)


def test_a_missed_day_spends_a_freeze_shown_in_the_history(
    client: TestClient, session, settings, clock, ada
) -> None:
    _reader, token = ada
    client.app.state.settings = settings.model_copy(  # type: ignore[attr-defined]
        update={"streak_freeze_every_days": 2, "checkin_read_days": 0, "streak_milestones": {}}
    )
    for wait_days in (0, 1, 2):  # days 0, 1 and 3: day 2 is missed
        clock.advance(wait_days * 86400)
        assert client.post("/api/v1/me/checkin", headers=bearer(token)).status_code == 201
    streak = client.get("/api/v1/me/streak", headers=bearer(token)).json()
    assert [d["kind"] for d in streak["history"]] == ["checkin", "checkin", "freeze", "checkin"]
    assert (streak["current"], streak["freezes"]) == (3, 0)
