"""A reader joins in a real browser: the vendored ALTCHA widget solves the proof of work under
the site's strict Content-Security-Policy, the confirmation e-mail lands in the outbox, and its
link confirms the address on the press of a button. Another redeems a reward, the widget solving
its proof when the button is pressed."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session

from readtoearn.accounts import service as accounts
from readtoearn.config import Settings
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from tests.browser.conftest import Running, running_app

pytestmark = pytest.mark.browser

EMAIL = "newcomer@example.org"
PASSWORD = "a long enough passphrase 42"
OPEN = "100000/minute"
READER = "regular@example.org"


def stock(session: Session, settings: Settings) -> None:
    """A reader with points (verified, by the command line) and a month of premium to buy."""
    user = accounts.create_user(
        session, settings, email=READER, password=PASSWORD, email_verified=True
    )
    ledger.fund_budget(session, 1000, ledger.transfer_id("browser-pow-funding"))
    rewards.grant_points(session, user.id, 100, "Welcome")
    rewards.create_reward(
        session,
        RewardDraft(kind=RewardKind.PREMIUM, name_en="Premium month", cost=40, premium_days=30),
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A live server with the proof of work on (a small one: the test proves the widget works,
    not how long it takes)."""
    with running_app(
        tmp_path_factory.mktemp("signup"),
        stock,
        pow_enabled=True,
        pow_max_number=5000,
        rate_limit_signup=OPEN,
        rate_limit_login=OPEN,
        rate_limit_redeem=OPEN,
    ) as running:
        yield running


def outbox(running: Running) -> list[email.message.EmailMessage]:
    folder = Path(running.app.state.settings.data_dir) / "outbox"
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def test_a_reader_joins_solving_the_proof_of_work_and_confirms_the_address(
    browser: Browser, site: Running
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(site.url + "/account/signup")
        widget = page.locator("altcha-widget")
        expect(widget).to_be_visible()
        page.fill("#email", EMAIL)  # focusing the form sets the widget to work
        page.fill("#password", PASSWORD)
        page.fill("#display_name", "Newcomer")
        expect(widget.locator("[data-state=verified]")).to_be_visible(timeout=30_000)
        solution = page.locator("altcha-widget input[name=altcha]")
        assert len(solution.input_value()) > 100
        page.get_by_role("button", name="Join", exact=True).click()
        # Joining does not log in: the same answer whether the address was new or not.
        page.wait_for_url(re.compile(r".*/account/login\?joined=1"))
        expect(page.locator(".form-notice")).to_contain_text("We have sent a message")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(site.url + "/account")
        expect(page.locator(".email-status--pending")).to_have_text("not confirmed yet")

        [message] = outbox(site)
        assert message["To"] == EMAIL
        text = message.get_body(preferencelist=("plain",)).get_content()
        match = re.search(r"(http://127\.0\.0\.1:\d+/verify-email\?token=\S+)", text)
        assert match, text
        page.goto(match.group(1))
        expect(page.get_by_role("button", name="Confirm my address")).to_be_visible()
        page.get_by_role("button", name="Confirm my address").click()
        expect(page.locator(".form-notice")).to_contain_text(f"{EMAIL} is confirmed")

        page.goto(site.url + "/account")
        expect(page.locator(".email-status--verified")).to_have_text("confirmed")
        expect(page.get_by_role("button", name="Send the link again")).to_have_count(0)
    finally:
        context.close()
    assert problems == []


def test_a_reader_redeems_once_the_widget_has_solved_its_proof(
    browser: Browser, site: Running
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(site.url + "/account/login?next=/rewards/premium-month")
        page.fill("#email", READER)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(site.url + "/rewards/premium-month")
        # The proof is solved when the button is pressed, then the form goes by itself.
        page.get_by_role("button", name="Redeem for 40 points").click()
        page.wait_for_url(re.compile(r".*/account/wallet\?redeemed="), timeout=30_000)
        expect(page.locator("#my-rewards")).to_contain_text("Premium month")
    finally:
        context.close()
    assert problems == []
