"""An operator runs the programme from the console in a real browser: a code reward stocked from
an uploaded CSV (previewed, duplicates refused), a draw run from its page with the seed shown, and
a reader found and their points adjusted with a reason."""

from __future__ import annotations

import re
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
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from tests.browser.conftest import log_in as browser_log_in
from tests.browser.conftest import running_app, save_screenshot

pytestmark = pytest.mark.browser

OPERATOR = "boss@example.org"
PASSWORD = "a long enough passphrase 42"


@dataclass(frozen=True)
class Console:
    url: str
    database: Database


def prepare(s: Session, settings: Settings) -> None:
    accounts.create_user(s, settings, email=OPERATOR, password=PASSWORD, is_operator=True)
    ledger.fund_budget(s, 10_000, ledger.transfer_id("browser-funding"))
    trip = rewards.create_reward(
        s, RewardDraft(kind=RewardKind.DRAW, name_en="Trip to Lisbon", cost=10)
    )
    for n in range(4):
        reader = accounts.create_user(s, settings, email=f"r{n}@example.org", password=None)
        rewards.grant_points(s, reader.id, 50, "Welcome")
        rewards.redeem(s, reader.id, trip.slug, f"entry-{n}")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    with running_app(tmp_path_factory.mktemp("console"), prepare) as running:
        yield Console(url=running.url, database=running.database)


def log_in(page: Page, console: Console, target: str) -> None:
    browser_log_in(page, console.url, OPERATOR, PASSWORD, target)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    # A refused form is answered with its 4xx status on purpose; anything else is a problem.
    assert [p for p in problems if "responded with a status of 4" not in p] == []


def test_an_operator_creates_a_code_reward_from_a_csv(page: Page, console: Console) -> None:
    log_in(page, console, "/operator/rewards")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rewards")
    page.get_by_role("link", name="New reward").click()
    page.fill("#f-name_en", "Cinema voucher")
    page.fill("#f-name_fr", "Place de cinéma")
    page.fill("#f-cost", "100")
    page.get_by_role("button", name="Create the reward").click()
    expect(page.locator(".operator__notice")).to_have_text("The reward was created.")
    expect(page.locator("[data-figure=stock] .operator__figure")).to_have_text("0")

    csv_file = b"code\nCINE-1\nCINE-2\nCINE-2\nCINE-3\n"
    page.set_input_files(
        "#codes-file", files=[{"name": "codes.csv", "mimeType": "text/csv", "buffer": csv_file}]
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("[data-figure=new] .operator__figure")).to_have_text("3")
    expect(page.locator("[data-figure=duplicates] .operator__figure")).to_have_text("1")
    expect(page.locator("[data-sample] li")).to_have_count(3)
    save_screenshot(page, "operator-codes-preview")
    page.get_by_role("button", name="Add 3 codes").click()

    expect(page.locator(".operator__notice")).to_contain_text("3 codes added.")
    expect(page.locator("[data-figure=stock] .operator__figure")).to_have_text("3")
    page.goto(console.url + "/rewards")
    expect(page.locator("[data-reward=cinema-voucher]")).to_contain_text("Cinema voucher")
    with console.database.session() as s:
        actions = [a.action for a in trail.list_actions(s, trail.TrailFilter(action="reward"))]
    assert sorted(actions) == ["reward.codes", "reward.create"]


def test_an_operator_runs_a_draw_and_sees_its_seed(page: Page, console: Console) -> None:
    log_in(page, console, "/operator/rewards")
    page.get_by_role("link", name="Trip to Lisbon").click()
    expect(page.locator("[data-figure=entries]")).to_have_text("4 entries so far.")
    page.fill("#draw-winners", "2")
    page.fill("#draw-seed", "browser-seed-1")
    page.get_by_role("button", name="Run the draw now").click()

    expect(page.locator(".operator__notice")).to_have_text("The draw was run.")
    expect(page.locator("[data-seed]")).to_have_text("browser-seed-1")
    expect(page.locator("[data-winners] li")).to_have_count(2)
    expect(page.locator("[data-winners]")).to_contain_text(re.compile(r"r\d@example\.org"))
    expect(page.get_by_role("button", name="Run the draw now")).to_have_count(0)
    save_screenshot(page, "operator-draw")
    page.goto(console.url + "/rewards")
    expect(page.locator("[data-reward=trip-to-lisbon]")).to_have_count(0)


def test_an_operator_finds_a_reader_and_adjusts_their_points(page: Page, console: Console) -> None:
    log_in(page, console, "/operator/readers")
    page.fill("#readers-q", "r2@")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="r2@example.org").click()
    expect(page.locator("[data-figure=available] .operator__figure")).to_have_text("40")

    page.fill("#adjust-points", "-15")
    page.fill("#adjust-reason", "Counted twice")
    page.get_by_role("button", name="Adjust the points").click()
    expect(page.locator(".operator__notice")).to_contain_text("The points were adjusted")
    expect(page.locator("[data-figure=available] .operator__figure")).to_have_text("25")
    expect(page.locator("[data-table=movements]")).to_contain_text("Counted twice")
    save_screenshot(page, "operator-reader")

    page.fill("#adjust-points", "-500")
    page.fill("#adjust-reason", "Too much")
    page.get_by_role("button", name="Adjust the points").click()
    expect(page.locator(".operator__error")).to_contain_text("cannot spend that many points")
    expect(page.locator("[data-figure=available] .operator__figure")).to_have_text("25")
    with console.database.session() as s:
        assert ledger.audit(s).ok
