"""A reader's console page says whether the reader may redeem, or which steps before a payout
are missing (a confirmed address, the account's age, credited reads on enough days)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from readtoearn.config import Settings
from tests.factories import make_article
from tests.readers import fund, make_reader
from tests.unit.fraud.factories import make_read
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import csrf


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings with the gates before a payout on (the suite turns them off)."""
    return settings.model_copy(
        update={
            "redeem_require_verified_email": True,
            "redeem_min_account_days": 7,
            "redeem_min_read_days": 3,
        }
    )


def standing(html: str) -> tuple[str, dict[str, str]]:
    block = BeautifulSoup(html, "html.parser").select_one("[data-trust]")
    assert block is not None
    steps = {s["data-missing"]: s.get_text(" ", strip=True) for s in block.select("[data-missing]")}
    return block["data-trust"], steps


def test_the_reader_page_shows_what_stands_before_a_payout(
    client, session, settings, clock
) -> None:
    as_operator(client, session, settings)
    fund(session, 1000)
    now = clock.now()
    fresh, _ = make_reader(session, settings, "fresh")
    fresh.email_verified_at = None
    fresh.created_at = now - timedelta(days=1)
    steady, _ = make_reader(session, settings, "steady")
    steady.email_verified_at = now - timedelta(days=20)
    steady.created_at = now - timedelta(days=30)
    for day in range(settings.redeem_min_read_days):
        article = make_article(
            session, settings, title=f"Day {day}", url=f"https://news.example/{day}"
        )
        make_read(
            session,
            steady.id,
            article.id,
            status="credited",
            reasons=("read_in_full",),
            completed_at=now - timedelta(days=day + 1),
        )
    session.commit()

    state, steps = standing(client.get(f"/operator/readers/{fresh.id}").text)
    assert state == "missing"
    assert set(steps) == {"verify_email", "account_age", "read_days"}
    need = settings.redeem_min_read_days
    assert steps["read_days"] == f"credited reads on 0 of the {need} days required"
    _, french = standing(
        client.get(f"/operator/readers/{fresh.id}", headers={"Accept-Language": "fr"}).text
    )
    assert french["verify_email"] == "adresse non confirmée"
    assert french["read_days"] == f"des lectures créditées sur 0 des {need} jours requis"
    assert french["account_age"].startswith("le compte pourra échanger à partir du")

    state, steps = standing(client.get(f"/operator/readers/{steady.id}").text)
    assert (state, steps) == ("trusted", {})


def test_a_frozen_reader_cannot_redeem_says_the_page(client, session, settings, clock) -> None:
    as_operator(client, session, settings)
    ada, _ = make_reader(session, settings, "ada")
    session.commit()
    token = csrf(client, f"/operator/readers/{ada.id}")
    client.post(f"/operator/readers/{ada.id}/freeze", data={"csrf_token": token, "reason": "farm"})
    page = client.get(f"/operator/readers/{ada.id}", headers={"Accept-Language": "fr"}).text
    block = BeautifulSoup(page, "html.parser").select_one("[data-trust]")
    assert block is not None and block["data-trust"] == "frozen"
    assert block.get_text(strip=True) == "Ne peut rien échanger tant qu’il est gelé."
