"""Freezing a reader in a real browser (issue #14): the operator freezes a reader with a reason,
a grant is refused and points are taken back, then the reader signs in and reads on their account
page that they are frozen, and why."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.accounts import trail
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from tests.browser.conftest import log_in as browser_log_in
from tests.browser.conftest import running_app, save_screenshot

pytestmark = pytest.mark.browser

OPERATOR = "boss@example.org"
READER = "mia@example.org"
PASSWORD = "a long enough passphrase 42"
REASON = "Your account shares a device with accounts that farm points"


@dataclass(frozen=True)
class Console:
    url: str
    database: Database


def prepare(s: Session, settings: Settings) -> None:
    accounts.create_user(s, settings, email=OPERATOR, password=PASSWORD, is_operator=True)
    ledger.fund_budget(s, 10_000, ledger.transfer_id("freeze-browser-funding"))
    mia = accounts.create_user(s, settings, email=READER, password=PASSWORD, display_name="Mia")
    rewards.grant_points(s, mia.id, 60, "Welcome")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    with running_app(tmp_path_factory.mktemp("freeze"), prepare) as running:
        yield Console(url=running.url, database=running.database)


def log_in(page: Page, console: Console, email: str, target: str) -> None:
    browser_log_in(page, console.url, email, PASSWORD, target)


def test_an_operator_freezes_a_reader_who_then_sees_why(browser: Browser, console: Console) -> None:
    operator = browser.new_context(viewport={"width": 1280, "height": 900})
    page = operator.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    log_in(page, console, OPERATOR, "/operator/readers")
    page.fill("#readers-q", "mia@")
    page.get_by_role("region", name="Readers").get_by_role("button", name="Search").click()
    page.get_by_role("link", name=READER).click()
    expect(page.locator("[data-figure=available] .operator__figure")).to_have_text("60")

    page.fill("#freeze-reason", REASON)
    page.get_by_role("button", name="Freeze the reader").click()
    expect(page.locator(".operator__notice")).to_contain_text("The reader is frozen")
    expect(page.locator("[data-freeze-reason]")).to_have_text(REASON)
    expect(page.get_by_role("button", name="Unfreeze the reader")).to_be_visible()

    # A grant is refused and says why; points can still be taken back.
    page.fill("#adjust-points", "25")
    page.fill("#adjust-reason", "Contest prize")
    page.get_by_role("button", name="Adjust the points").click()
    expect(page.locator(".operator__error").last).to_contain_text("The reader is frozen")
    page.fill("#adjust-points", "-20")
    page.fill("#adjust-reason", "Points farmed on a shared device")
    page.get_by_role("button", name="Adjust the points").click()
    expect(page.locator(".operator__notice")).to_contain_text("The points were adjusted")
    expect(page.locator("[data-figure=available] .operator__figure")).to_have_text("40")
    save_screenshot(page, "operator-reader-frozen")
    operator.close()
    # A refused form is answered with its 4xx status on purpose; anything else is a problem.
    assert [p for p in problems if "responded with a status of 4" not in p] == []

    reader = browser.new_context(viewport={"width": 1280, "height": 900})
    mine = reader.new_page()
    log_in(mine, console, READER, "/account")
    notice = mine.locator("[data-frozen=true]")
    expect(notice).to_contain_text("Your account is frozen")
    expect(notice.locator("[data-freeze-reason]")).to_have_text(REASON)
    save_screenshot(mine, "account-frozen")
    reader.close()

    with console.database.session() as s:
        actions = [a.action for a in trail.list_actions(s, trail.TrailFilter(action="reader"))]
        assert "reader.freeze" in actions
        assert ledger.audit(s).ok
