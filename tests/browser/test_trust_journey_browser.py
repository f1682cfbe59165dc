"""A reader's whole road to a first reward, in real Chromium: joins (the proof of work solved by
the real widget), confirms the address from the outbox, reads an article with the wheel and is
credited, finds the store's checklist saying what is still missing, and redeems once the waiting
period is over (the server's clock moved on, not the test's sleep)."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from readtoearn import migrations
from readtoearn.app import create_app
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from tests.browser.test_reading_browser import (
    human_context,
    publish_one_article,
    read_with_the_wheel,
)
from tests.conftest import SECRET
from tests.live import free_socket, serve

pytestmark = pytest.mark.browser

EMAIL = "journey@example.org"
PASSWORD = "a long enough passphrase 42"
OPEN = "100000/minute"


class OffsetClock:
    """The machine's clock, moved forward when the test says so (reading needs real seconds;
    the waiting period needs days)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass(frozen=True)
class Site:
    url: str
    article_path: str
    clock: OffsetClock
    data: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("journey")
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        data_dir=data,
        secret_key=SECRET,
        database_url=f"sqlite:///{data / 'live.sqlite3'}",
        base_url=url,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        beat_interval_s=5,
        ledger_expire_every_s=0,
        # The gates this test is about, on; the proof of work small (it proves the widget works).
        pow_enabled=True,
        pow_max_number=5000,
        rate_limit_signup=OPEN,
        rate_limit_login=OPEN,
        rate_limit_redeem=OPEN,
        redeem_require_verified_email=True,
        redeem_min_account_days=7,
        redeem_min_read_days=1,
        redeem_review_above_points=0,
    )
    database = Database(make_engine(settings.resolved_database_url))
    clock = OffsetClock()
    try:
        migrations.upgrade(database.engine)
        with database.session(write=True) as session:
            path = publish_one_article(session, settings)
            rewards.create_reward(
                session,
                RewardDraft(kind=RewardKind.DRAW, name_en="Trip to Lisbon", cost=10),
            )
        with serve(create_app(settings, database=database, clock=clock), sock):
            yield Site(url=url, article_path=path, clock=clock, data=data)
    finally:
        database.dispose()


def confirmation_link(site: Site) -> str:
    for path in sorted((site.data / "outbox").glob("*.eml")):
        message: Any = email.message_from_bytes(path.read_bytes(), policy=default)
        text = message.get_body(preferencelist=("plain",)).get_content()
        match = re.search(r"(http://127\.0\.0\.1:\d+/verify-email\?token=\S+)", text)
        if message["To"] == EMAIL and match:
            return match.group(1)
    raise AssertionError("no confirmation e-mail in the outbox")


def missing_steps(page: Any, site: Site) -> list[str]:
    page.goto(site.url + "/rewards")
    return [item.get_attribute("data-missing") for item in page.locator("[data-missing]").all()]


def test_a_reader_joins_confirms_reads_waits_and_redeems(browser: Browser, site: Site) -> None:
    context = human_context(browser)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(site.url + "/account/signup")
        widget = page.locator("altcha-widget")
        expect(widget).to_be_visible()
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.fill("#display_name", "Journey")
        expect(widget.locator("[data-state=verified]")).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="Join", exact=True).click()
        page.wait_for_url(re.compile(r".*/account/login\?joined=1"))  # joining does not log in
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(site.url + "/account")

        # Day one: earning is open, spending is not. The store says what is missing.
        assert missing_steps(page, site) == ["verify_email", "account_age", "read_days"]
        page.goto(confirmation_link(site))
        page.get_by_role("button", name="Confirm my address").click()
        expect(page.locator(".form-notice")).to_contain_text("is confirmed")

        page.goto(site.url + site.article_path)
        status = read_with_the_wheel(page)
        assert status.get_attribute("data-kind") == "credited", status.inner_text()
        assert missing_steps(page, site) == ["account_age"]
        expect(page.locator("[data-missing=account_age]")).to_contain_text("you can redeem from")
        card = page.locator("[data-reward=trip-to-lisbon]")
        expect(card).to_contain_text("Not yet: see what is missing above")

        # A week later (the server's clock), the form is there and the reward is the reader's.
        site.clock.offset = timedelta(days=7, minutes=5)
        assert missing_steps(page, site) == []
        page.goto(site.url + "/rewards/trip-to-lisbon")
        page.get_by_role("button", name="Redeem for 10 points").click()
        page.wait_for_url(re.compile(r".*/account/wallet\?redeemed="), timeout=30_000)
        expect(page.locator("#my-rewards")).to_contain_text("Trip to Lisbon")
        expect(page.locator("#my-rewards")).to_contain_text("Entered in the draw")
        expect(page.locator("[data-balance=available]")).to_have_text("0")
    finally:
        context.close()
    assert problems == []
