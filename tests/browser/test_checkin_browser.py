"""The daily check-in in real Chromium: the browser's time zone becomes the reader's, the day is
that zone's, the dashboard says the streak, and the leaderboard shows the pseudonym only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.config import Settings
from readtoearn.ledger import service as ledger
from tests.browser.conftest import Running, running_app

pytestmark = [pytest.mark.browser, pytest.mark.real_day("UTC", "Pacific/Kiritimati")]

PASSWORD = "a long and private passphrase 9"
# Far from the server's UTC, so the browser's zone shows in the day more often than not.
BROWSER_ZONE = "Pacific/Kiritimati"


def prepare(session: Session, settings: Settings) -> str:
    ledger.fund_budget(session, 1000, ledger.transfer_id("browser-checkin-funding"))
    reader = accounts.create_user(
        session,
        settings,
        email="kiri@example.org",
        password=PASSWORD,
        display_name="Kiri Tane",
    )
    return str(reader.id)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    data = tmp_path_factory.mktemp("checkin-live")
    # The read rule is proven elsewhere; this reader checks in before reading.
    with running_app(data, prepare, checkin_read_days=0, checkin_points=5) as running:
        yield running


def test_the_check_in_takes_the_browser_time_zone_and_shows_the_streak(
    browser: Any, server: Running
) -> None:
    context = browser.new_context(timezone_id=BROWSER_ZONE, locale="en-GB")
    page = context.new_page()
    page.goto(f"{server.url}/account/login")
    page.fill("input[name=email]", "kiri@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.account-form button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{server.url}/account")
    assert page.locator("[data-browser-time-zone]").input_value() == BROWSER_ZONE
    page.click("form[action='/account/checkin'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("[data-checkin-points]").inner_text() == "Checked in: 5 points."
    today_there = datetime.now(ZoneInfo(BROWSER_ZONE)).date().isoformat()
    assert page.locator(".streak__day[data-kind=checkin]").get_attribute("data-day") == today_there

    page.goto(f"{server.url}/account")
    assert page.locator("[data-streak-current]").inner_text() == "1"
    assert page.locator("form[action='/account/checkin']").count() == 0
    assert page.locator("#engagement-time-zone").input_value() == BROWSER_ZONE

    # Opt in under a pseudonym from the profile; the board shows it and nothing else of the reader.
    page.fill("#engagement-pseudonym", "Dawn Patrol")
    page.check("input[name=leaderboard_opt_in]")
    page.click("form[action='/account/engagement'] button[type=submit]")
    page.wait_for_load_state()
    assert "Your preferences are saved." in page.content()
    page.click("a[href='/leaderboard']")
    page.wait_for_load_state()
    rows = page.locator("tr[data-rank]")
    assert rows.count() == 1 and "Dawn Patrol" in rows.first.inner_text()
    text = page.locator("main").inner_text()
    assert "Kiri" not in text and "kiri@example.org" not in text
    assert page.locator("[data-own-rank]").get_attribute("data-own-rank") == "1"
    context.close()
