"""The console's charts: the SVGs hold one mark per day of the range with the seeded figures,
the date range is chosen on the page, and numbers follow the language."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from readtoearn.db import utcnow
from readtoearn.rewards import service as rewards
from tests.factories import make_article
from tests.readers import fund, make_reader
from tests.unit.fraud.factories import make_read
from tests.web.test_console_trail import as_operator

pytestmark = pytest.mark.real_day


def marks(page: str, chart: str) -> list[tuple[str, int]]:
    """(day, value) of each mark of one chart."""
    block = page.split(f'data-chart="{chart}"', 1)[1].split("</figure>", 1)[0]
    return [
        (day, int(value))
        for day, value in re.findall(r'data-day="([^"]+)"[^>]*data-value="(-?\d+)"', block)
    ]


def test_the_charts_hold_the_seeded_figures(client, session, settings, clock) -> None:
    as_operator(client, session, settings)
    now = utcnow()
    today, yesterday = now.date(), (now - timedelta(days=1)).date()
    fund(session, 10_000)
    ada, _ = make_reader(session, settings, "ada")
    bob, _ = make_reader(session, settings, "bob")
    a = make_article(session, settings, title="Chips", url="https://news.example/chips")
    b = make_article(session, settings, title="Rates", url="https://news.example/rates")
    make_read(session, ada.id, a.id, status="credited", completed_at=now - timedelta(days=1))
    make_read(session, bob.id, a.id, status="credited")
    make_read(session, bob.id, b.id, status="held")
    rewards.grant_points(session, ada.id, 5, "welcome")
    session.commit()

    page = client.get("/operator/charts", params={"since": str(yesterday), "until": str(today)})
    assert page.status_code == 200, page.text
    reads = re.findall(r'data-day="([^"]+)" data-verdict="(\w+)" data-value="(\d+)"', page.text)
    assert sorted(reads) == sorted(
        [
            (str(yesterday), "credited", "1"),
            (str(today), "credited", "1"),
            (str(today), "held", "1"),
        ]
    )
    # The ledger counts a point on the day its transfer was made (the held read's is pending).
    assert marks(page.text, "issued") == [(str(yesterday), 0), (str(today), 25)]
    assert marks(page.text, "liability") == [(str(yesterday), 0), (str(today), 25)]
    assert [v for _d, v in marks(page.text, "active")] == [1, 1]
    top = page.text.split('data-list="top-articles"')[1].split("</ol>")[0]
    assert top.index("Chips") < top.index("2 credited reads")
    assert "Rates" not in top, "a held read is not credited"


def test_a_month_by_default_and_a_range_checked(client, session, settings) -> None:
    as_operator(client, session, settings)
    page = client.get("/operator/charts")
    assert page.status_code == 200
    assert len(marks(page.text, "signups")) == 30
    backwards = client.get(
        "/operator/charts", params={"since": "2026-05-02", "until": "2026-05-01"}
    )
    assert backwards.status_code == 400 and "at most a year" in backwards.text
    too_long = client.get("/operator/charts", params={"since": "2020-01-01", "until": "2026-01-01"})
    assert too_long.status_code == 400
    bad = client.get("/operator/charts", params={"since": "soon"})
    assert bad.status_code == 400 and "Dates are written YYYY-MM-DD." in bad.text


def test_numbers_follow_the_language(client, session, settings) -> None:
    as_operator(client, session, settings)
    fund(session, 10_000_000)
    ada, _ = make_reader(session, settings, "ada")
    rewards.grant_points(session, ada.id, 1_234_567, "prize")
    session.commit()
    today = {"since": str(utcnow().date()), "until": str(utcnow().date())}
    english = client.get("/operator/charts", params=today).text
    french = client.get("/operator/charts", params=today, headers={"Accept-Language": "fr"}).text
    assert "1,234,567" in english
    assert "1\u202f234\u202f567" in french and "Points émis" in french
