"""A stealth farm in real Chromium: several accounts, each in a fresh browser profile with
navigator.webdriver hidden, scrolling one article with the wheel at a human pace from one machine.
With the trust signals at their shipped defaults it earns at most what one honest account earns.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import pytest

from readtoearn.config import Settings
from readtoearn.ledger import service as ledger
from readtoearn.reading.models import Read
from tests.browser.conftest import running_app
from tests.browser.test_reading_browser import (
    ReadingServer,
    available_points,
    human_context,
    publish_one_article,
    sign_up,
)
from tests.conftest import TRUST_GATES_OFF

pytestmark = pytest.mark.browser
ACCOUNTS = 3


@pytest.fixture(scope="module")
def farm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReadingServer, Any]]:
    names = [n.removeprefix("READTOEARN_").lower() for n in TRUST_GATES_OFF]
    signals = {n: Settings.model_fields[n].default for n in names if n.startswith("fraud_")}
    data = tmp_path_factory.mktemp("farm-live")
    with running_app(data, publish_one_article, beat_interval_s=5, **signals) as running:
        yield ReadingServer(running.url, running.prepared, running.app), running.database


def test_a_stealth_farm_of_fresh_profiles_earns_what_one_account_earns(
    browser, farm_server
) -> None:
    server, database = farm_server
    contexts = [human_context(browser) for _ in range(ACCOUNTS)]
    pages = [context.new_page() for context in contexts]
    for i, page in enumerate(pages):
        sign_up(page, server, f"farm{i}@example.org")
        page.goto(server.url + server.article_path)
        page.mouse.move(200, 200)
    assert all(page.evaluate("navigator.webdriver") is False for page in pages)
    rng = random.Random(11)  # one script for every account: the farm's
    deadline = time.monotonic() + 240
    statuses = [page.locator("#rte-status") for page in pages]
    while any(
        s.get_attribute("data-kind") not in ("credited", "held", "rejected") for s in statuses
    ):
        assert time.monotonic() < deadline, [s.inner_text() for s in statuses]
        step, drift = rng.choice([40, 60, 80, 100]), rng.randint(-40, 40)
        for page in pages:
            page.mouse.wheel(0, step)
            page.mouse.move(150 + drift, 180 + drift)
        pages[0].wait_for_timeout(rng.randint(900, 1600))
    kinds = [s.get_attribute("data-kind") for s in statuses]
    assert kinds.count("credited") <= 1, [s.inner_text() for s in statuses]
    earned = sum(available_points(page, server) for page in pages)
    assert earned <= 10
    with database.session() as session:
        held = session.query(Read).filter(Read.status == "held").all()
        assert len(held) >= ACCOUNTS - 1
        assert all(r.risk > 0 and r.evidence for r in held)
        assert ledger.audit(session).ok
    for context in contexts:
        context.close()
