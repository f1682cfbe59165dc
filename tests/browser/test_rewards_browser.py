"""A reader with points redeems a code reward in a real browser and sees the code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from tests.browser.conftest import running_app

pytestmark = pytest.mark.browser

EMAIL = "reader@example.org"
PASSWORD = "a long enough passphrase 42"


@dataclass(frozen=True)
class Store:
    url: str
    database: Database


def stock_the_store(s: Session, settings: Settings) -> None:
    user = accounts.create_user(s, settings, email=EMAIL, password=PASSWORD)
    ledger.fund_budget(s, 1000, ledger.transfer_id("browser-funding"))
    rewards.grant_points(s, user.id, 120, "Welcome")
    voucher = rewards.create_reward(
        s, RewardDraft(kind=RewardKind.CODE, name_en="Cinema voucher", cost=100)
    )
    rewards.import_codes(s, voucher.slug, ["CINE-7F3A-91"])
    rewards.create_reward(s, RewardDraft(kind=RewardKind.DRAW, name_en="Trip to Lisbon", cost=500))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A live server whose store sells a cinema voucher to a reader holding 120 points."""
    with running_app(tmp_path_factory.mktemp("store"), stock_the_store) as running:
        yield Store(url=running.url, database=running.database)


def test_a_reader_redeems_a_code_and_sees_it(browser: Browser, store: Store) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(store.url + "/account/login?next=/rewards")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Log in").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Rewards")
        expect(page.locator(".store__balance")).to_contain_text("You have 120 points to spend.")
        affordable = page.locator(".reward-card--affordable")
        expect(affordable).to_have_count(1)
        expect(affordable).to_contain_text("Cinema voucher")
        expect(page.locator("[data-reward=trip-to-lisbon]")).not_to_have_class(
            "reward-card--affordable"
        )
        affordable.get_by_role("link", name="Cinema voucher").click()

        expect(page.locator(".reward-stock")).to_have_text("1 left")
        page.get_by_role("button", name="Redeem for 100 points").click()

        expect(page).to_have_url(re.compile(r"/account/wallet\?redeemed="))
        code = page.locator("#my-rewards [data-code]")
        expect(code).to_have_text("CINE-7F3A-91")
        expect(page.locator("[data-balance=available]")).to_have_text("20")

        page.goto(store.url + "/rewards/cinema-voucher")
        expect(page.locator(".reward-stock")).to_have_text("Out of stock")
        assert problems == []
    finally:
        context.close()
