"""An operator reads the console's charts in a real browser: a range chosen with the date
fields, one mark per day and verdict for the seeded reads, and each mark's figure in its tooltip."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.config import Settings
from readtoearn.db import utcnow
from readtoearn.ledger import service as ledger
from tests.browser.conftest import Running, log_in, running_app, save_screenshot
from tests.factories import make_article
from tests.unit.fraud.factories import make_read

pytestmark = [pytest.mark.browser, pytest.mark.real_day]

OPERATOR = "charts@example.org"
PASSWORD = "a long enough passphrase 42"
# Reads per day before today (0 = today), by verdict: what the charts must show.
SEEDED = {
    0: {"credited": 3, "held": 1},
    1: {"credited": 2},
    3: {"credited": 1, "rejected": 2},
}


def prepare(s: Session, settings: Settings) -> None:
    accounts.create_user(s, settings, email=OPERATOR, password=PASSWORD, is_operator=True)
    ledger.fund_budget(s, 10_000, ledger.transfer_id("charts-funding"))
    article = make_article(s, settings, title="Chips", url="https://news.example/chips")
    now = utcnow()
    n = 0
    for days_ago, verdicts in SEEDED.items():
        for status, count in verdicts.items():
            for _ in range(count):
                reader = accounts.create_user(s, settings, email=f"c{n}@example.org", password=None)
                n += 1
                when = now - timedelta(days=days_ago, minutes=1)
                make_read(s, reader.id, article.id, status=status, completed_at=when)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with running_app(tmp_path_factory.mktemp("charts"), prepare) as app:
        yield app


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_the_charts_show_the_seeded_reads_for_the_range_chosen(
    page: Page, running: Running
) -> None:
    log_in(page, running.url, OPERATOR, PASSWORD, "/operator/charts")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    save_screenshot(page, "operator-charts")

    today = utcnow().date()
    since = today - timedelta(days=6)
    page.fill("#charts-since", since.isoformat())
    page.fill("#charts-until", today.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{running.url}/operator/charts?since={since}&until={today}")

    reads = page.locator("[data-chart=reads]")
    for verdict in ("credited", "held", "rejected"):
        expected = {
            str(today - timedelta(days=ago)): counts[verdict]
            for ago, counts in SEEDED.items()
            if verdict in counts
        }
        marks = reads.locator(f"[data-verdict={verdict}]")
        shown = {
            marks.nth(i).get_attribute("data-day"): int(marks.nth(i).get_attribute("data-value"))
            for i in range(marks.count())
        }
        assert {day: v for day, v in shown.items() if v} == expected, verdict
    # Active readers: one mark per day of the 7-day range, each with its figure in a tooltip.
    active = page.locator("[data-chart=active] [data-day]")
    expect(active).to_have_count(7)
    assert active.last.locator("title").text_content().strip().endswith("4")
