"""Farms against honest people, with every trust signal at its shipped default.

Each person is a browser of their own: a test client with its own cookies (the device cookie the
first page view sets) and its own address, signed in with a session cookie, who opens the article
page and reads from the view token it carries, as the tracker does. Each farm must earn at most
what one honest account earns; every honest control is credited.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from readtoearn.accounts import service as accounts
from readtoearn.app import create_app
from readtoearn.config import Settings
from readtoearn.web.sessions import SESSION_COOKIE
from tests.conftest import TRUST_GATES_OFF
from tests.factories import make_article
from tests.readers import Client, fund, make_reader, wallet


@pytest.fixture
def on(settings: Settings) -> Settings:
    """Every trust signal at its shipped default; the client's address from X-Forwarded-For
    (the test client's peer stands for a trusted proxy)."""
    names = [n.removeprefix("READTOEARN_").lower() for n in TRUST_GATES_OFF]
    defaults = {n: Settings.model_fields[n].default for n in names if n.startswith("fraud_")}
    return settings.model_copy(update={**defaults, "trusted_proxies": ["127.0.0.1"]})


@pytest.fixture
def browsers(on, database, clock) -> Iterator[ExitStack]:
    app = create_app(on, database=database, clock=clock)
    with ExitStack() as stack:
        stack.app = app  # type: ignore[attr-defined]
        yield stack


@pytest.fixture
def articles(session, on):
    made = [
        make_article(session, on, paragraphs=24, url=f"https://n.example/{i}", title=f"Story {i}")
        for i in range(4)
    ]
    fund(session)
    session.commit()
    return made


@dataclass
class Person:
    """A browser at an address, and whoever is signed in on it."""

    http: TestClient
    address: str
    reader_id: object = None

    def sign_in(self, session, settings, name: str) -> None:
        user, _ = make_reader(session, settings, name)
        self.http.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
        session.commit()
        self.reader_id = user.id

    def open(self, article, clock, settings, *, seed: int) -> Client:
        """Open the article page and get ready to read it from there."""
        page = self.http.get(f"/articles/{article.id}/{article.slug}", headers=self.hop)
        view = BeautifulSoup(page.text, "html.parser").select_one("#rte-tracker")["data-view-token"]
        client = Client(
            self.http, clock, settings, article, None, random.Random(seed), page_view_token=view
        )
        self.http.headers.update(self.hop)
        return client

    @property
    def hop(self) -> dict[str, str]:
        return {"X-Forwarded-For": self.address}


def browser(stack: ExitStack, address: str) -> Person:
    http = stack.enter_context(TestClient(stack.app, client=("127.0.0.1", 40000)))  # type: ignore[attr-defined]
    return Person(http, address)


def posted(session, reader_id) -> int:
    session.expire_all()
    return wallet(session, reader_id)[0]


def honest_read(person: Person, article, clock, settings, *, seed: int, **pace) -> dict:
    tracker = person.open(article, clock, settings, seed=seed)
    assert tracker.start().status_code == 201
    tracker.read_like_a_human(**pace)
    return tracker.complete().json()


# ------------------------------------------------------------------ honest controls


def test_honest_people_on_their_own_devices_are_all_credited(
    browsers, session, on, clock, articles
) -> None:
    steady = browser(browsers, "198.51.100.10")
    slow = browser(browsers, "198.51.100.77")
    phone = browser(browsers, "2001:db8:9::17")
    # Two people of one household: one address, a device each, the same story minutes apart.
    home_a = browser(browsers, "203.0.113.20")
    home_b = browser(browsers, "203.0.113.21")
    for person, name in [
        (steady, "steady"),
        (slow, "slow"),
        (phone, "phone"),
        (home_a, "ann"),
        (home_b, "bob"),
    ]:
        person.sign_in(session, on, name)
    results = [
        honest_read(steady, articles[0], clock, on, seed=1, wpm=250),
        honest_read(slow, articles[0], clock, on, seed=2, wpm=170, pause_at=3, pause_s=45),
        honest_read(phone, articles[0], clock, on, seed=3, wpm=230, touch=True, viewport_h=700),
        honest_read(home_a, articles[1], clock, on, seed=4, wpm=240),
        honest_read(home_b, articles[1], clock, on, seed=5, wpm=260),
        honest_read(home_a, articles[2], clock, on, seed=6, wpm=220),
    ]
    assert [r["verdict"] for r in results] == ["credited"] * 6, results
    for person in (steady, slow, phone, home_b):
        assert posted(session, person.reader_id) == on.points_per_read
    assert posted(session, home_a.reader_id) == 2 * on.points_per_read


# ------------------------------------------------------------------------- farms


def test_accounts_sharing_one_browser_earn_what_one_account_earns(
    browsers, session, on, clock, articles
) -> None:
    profile = browser(browsers, "192.0.2.50")
    farmed = []
    for i in range(4):  # one browser profile, a different account each time
        profile.sign_in(session, on, f"farm{i}")
        farmed.append(
            (profile.reader_id, honest_read(profile, articles[i], clock, on, seed=10 + i))
        )
    verdicts = [result["verdict"] for _, result in farmed]
    assert verdicts == ["credited", "held", "held", "held"], farmed
    assert all("shared_device" in result["reasons"] for _, result in farmed[1:])
    total = sum(posted(session, reader) for reader, _ in farmed)
    assert total == on.points_per_read  # what one honest account earns


def test_fresh_accounts_on_one_address_reading_in_lockstep_earn_what_one_earns(
    browsers, session, on, clock, articles
) -> None:
    article = articles[0]
    farm = [browser(browsers, "192.0.2.99") for _ in range(5)]  # fresh cookies each
    trackers = []
    for i, person in enumerate(farm):
        person.sign_in(session, on, f"lock{i}")
        tracker = person.open(article, clock, on, seed=99)
        assert tracker.start().status_code == 201
        trackers.append(tracker)
    # One script drives them all: the same beats, round after round.
    for round_ in range(12):
        clock.advance(12)
        shown = min(24, 2 * (round_ + 1))
        for tracker in trackers:
            response = tracker.beat(
                wait_s=0, active_ms=12_000, paragraphs=range(max(0, shown - 2), shown),
                scroll=shown / 24 * 0.97,
                events={"scroll": 4, "wheel": 3 + round_ % 4, "pointer": 6},
            )  # fmt: skip
            assert response.status_code == 200, response.text
    results = [tracker.complete().json() for tracker in trackers]
    verdicts = [r["verdict"] for r in results]
    assert verdicts.count("credited") <= 1, results
    assert verdicts.count("held") >= 4, results
    assert all("lockstep" in r["reasons"] for r in results if r["verdict"] == "held")
    total = sum(posted(session, p.reader_id) for p in farm)
    assert total <= on.points_per_read


def test_the_operator_sees_the_evidence_of_a_farm(browsers, session, on, clock, articles) -> None:
    article = articles[0]
    farm = [browser(browsers, "192.0.2.7") for _ in range(2)]
    trackers = []
    for i, person in enumerate(farm):
        person.sign_in(session, on, f"twin{i}")
        trackers.append(person.open(article, clock, on, seed=5))
        trackers[-1].start()
    for round_ in range(12):
        clock.advance(12)
        shown = min(24, 2 * (round_ + 1))
        for tracker in trackers:
            tracker.beat(
                wait_s=0, active_ms=12_000, paragraphs=range(max(0, shown - 2), shown),
                scroll=shown / 24 * 0.97, events={"wheel": 3 + round_ % 4, "pointer": 6},
            )  # fmt: skip
    assert [t.complete().json()["verdict"] for t in trackers] == ["credited", "held"]
    operator = browser(browsers, "198.51.100.1")
    boss = accounts.create_user(
        session, on, email="boss@example.org", password=None, is_operator=True
    )
    operator.http.cookies.set(SESSION_COOKIE, accounts.start_session(session, on, boss))
    session.commit()
    page = BeautifulSoup(operator.http.get("/operator/reviews").text, "html.parser")
    held = page.select_one(".review")
    text = held.get_text(" ", strip=True)
    assert "Read in lockstep with other accounts" in text
    assert "Risk 50 of 100" in text
    assert "twin0@example.org" in text  # the other account, by name
    table = held.select_one("table.evidence__beats")
    assert "similarity 1.0" in table.caption.get_text()
    assert len(table.select("tbody tr")) == 12  # the two reads, beat by beat
    assert "twin0@example.org" in held.select_one(".evidence__facts").get_text()  # linked
