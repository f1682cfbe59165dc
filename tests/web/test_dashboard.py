"""The reader's dashboard at /account: the total, points by source, 30 days in a chart, rewards
within reach, the latest movements and the reminders switch, in English and French."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from readtoearn.accounts import service as accounts
from readtoearn.clock import ManualClock
from readtoearn.db import utcnow
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import Client, fund, make_reader

pytestmark = pytest.mark.real_day(before_s=600)  # reads move the clock minutes on


@pytest.fixture
def clock() -> ManualClock:
    """The app's clock at the ledger's time (transfers are stamped with the real time)."""
    return ManualClock(utcnow())


@pytest.fixture
def ada(client, session, settings):
    fund(session)
    user, bearer = make_reader(session, settings, "ada")
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
    session.commit()
    return user, bearer


def dashboard(client, lang: str = "en") -> BeautifulSoup:
    response = client.get(f"/account?lang={lang}")
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def test_the_dashboard_adds_up_every_source(client, clock, session, settings, ada) -> None:
    reader, bearer = ada
    article = make_article(session, settings, paragraphs=12, url="https://n.example/1")
    rewards.grant_points(session, reader.id, 25, "welcome")
    rewards.create_reward(
        session,
        RewardDraft(kind=RewardKind.DRAW, name_en="Cinema voucher", name_fr="Bon cinéma", cost=75),
    )
    session.commit()
    read = Client(client, clock, settings, article, bearer)
    read.start()
    read.read_like_a_human()
    assert read.complete().json()["verdict"] == "credited"  # 10 points

    page = dashboard(client)
    assert page.select_one('[data-balance="available"]').text == "35"
    rows = {
        row["data-source"]: [cell.text for cell in row.select("td")]
        for row in page.select("tr[data-source]")
    }
    assert rows["reading"] == ["10", "10"]
    assert rows["other"] == ["25", "25"]
    assert rows["quiz"] == ["0", "0"]
    bars = page.select("svg.points-chart__svg rect")
    assert len(bars) == 30
    assert sum(int(bar["data-points"]) for bar in bars) == 35
    assert int(bars[-1]["data-points"]) == 35  # all of it today, the last bar
    assert "40 points to Cinema voucher" in page.select_one("[data-reward]").text
    history = page.select_one(".dashboard__history").text
    assert "Reading reward" in history and "+10" in history and "+25" in history


def test_the_dashboard_in_french(client, session, settings, ada) -> None:
    reader, _ = ada
    rewards.grant_points(session, reader.id, 5, "bienvenue")
    rewards.create_reward(
        session,
        RewardDraft(kind=RewardKind.DRAW, name_en="Cinema voucher", name_fr="Bon cinéma", cost=20),
    )
    session.commit()
    page = dashboard(client, "fr")
    assert page.select_one("#dashboard-title").text == "Votre tableau de bord"
    assert "15 points avant Bon cinéma" in page.select_one("[data-reward]").text
    assert page.select_one('tr[data-source="daily"] th').text == "Check-ins et séries"


def test_a_new_reader_sees_an_empty_but_whole_dashboard(client, ada) -> None:
    page = dashboard(client)
    assert page.select_one('[data-balance="available"]').text == "0"
    assert len(page.select("svg.points-chart__svg rect")) == 30
    assert page.select_one('button[data-reminders="on"]')


def test_visitors_are_sent_to_log_in(client) -> None:
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/account/login")


def test_every_dashboard_string_has_a_french_translation() -> None:
    from pathlib import Path

    from babel.messages.extract import extract

    from readtoearn.quests.dashboard import SOURCE_LABELS
    from readtoearn.web import i18n

    templates = Path(i18n.__file__).parent / "templates" / "quests"
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    messages = set(SOURCE_LABELS.values())
    for name in ("_dashboard.html", "_points_chart.html", "reminders_off.html"):
        with (templates / name).open("rb") as handle:
            for _line, message, _comments, _context in extract("jinja2", handle, keywords):
                messages.add(message[0] if isinstance(message, tuple) else message)
    assert len(messages) > 25
    catalogue = i18n.translations("fr")._catalog  # type: ignore[attr-defined]
    known = {key[0] if isinstance(key, tuple) else key for key in catalogue}
    assert sorted(messages - known) == []


def test_quests_under_way_and_the_streak_are_on_the_dashboard(
    client, clock, session, settings, ada
) -> None:
    from tests.unit.quests.factories import make_quest

    _reader, bearer = ada
    first, second = (
        make_article(
            session, settings, paragraphs=12, url=f"https://n.example/q{n}", title=f"Step {n}"
        )
        for n in (1, 2)
    )
    quest = make_quest(session, [first, second], points=40, title_fr="Deux lectures")
    session.commit()
    read = Client(client, clock, settings, first, bearer)
    read.start()
    read.read_like_a_human()
    assert read.complete().json()["verdict"] == "credited"

    page = dashboard(client, "fr")
    item = page.select_one(f'[data-quest="{quest.id}"]')
    assert item["data-done"] == "1"
    assert "Deux lectures" in item.text
    assert "1 étapes sur 2" in item.text and "40 points à gagner" in item.text
    # The read counts for the streak; the check-in button waits for today's check-in.
    assert page.select_one("section.checkin")["data-streak"] == "1"
    assert page.select_one('form[action="/account/checkin"]')


@pytest.mark.real_day("Pacific/Kiritimati", "Pacific/Pago_Pago")
def test_days_are_the_readers_own(client, session, settings, ada) -> None:
    reader, _ = ada
    rewards.grant_points(session, reader.id, 7, "welcome")
    session.commit()
    # Whatever the hour in UTC, the grant lands on today's bar in the reader's zone.
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        reader.time_zone = zone
        session.commit()
        bars = dashboard(client).select("svg.points-chart__svg rect")
        assert int(bars[-1]["data-points"]) == 7, zone
