"""The operator's pages and API: who may see them, the review forms, the dashboard's figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract
from fastapi.testclient import TestClient

from readtoearn.accounts import service as accounts
from readtoearn.fraud import service as reviews
from readtoearn.ledger import service as ledger
from readtoearn.reading.rules import REASON_LABELS
from readtoearn.web import i18n
from readtoearn.web.routes.operator import DECISION_ERRORS, NOTICES
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import STRONG_PASSWORD, Client, fund, make_reader, wallet
from tests.unit.fraud.factories import make_read

WEB = Path(__file__).resolve().parents[2] / "src" / "readtoearn" / "web"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: TestClient, session, settings, *, operator: bool, email: str) -> None:
    user = accounts.create_user(
        session, settings, email=email, password=STRONG_PASSWORD, is_operator=operator
    )
    secret = accounts.start_session(session, settings, user)
    session.commit()
    client.cookies.set(SESSION_COOKIE, secret)


@pytest.fixture
def as_operator(client, session, settings) -> TestClient:
    sign_in(client, session, settings, operator=True, email="op@example.org")
    return client


def csrf(client: TestClient, path: str = "/operator") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF_INPUT.search(page.text)
    assert match, "the page carries a CSRF field"
    return match.group(1)


def held_read(session, settings, name: str = "held", *, budget: int = 1000):
    if budget:
        fund(session, budget)
    reader = make_reader(session, settings, name)[0]
    article = make_article(
        session, settings, title=f"On {name}", url=f"https://news.example/{name}"
    )
    read = make_read(session, reader.id, article.id)
    session.commit()
    return reader, read


# ---------------------------------------------------------------- who may see what


@pytest.mark.parametrize("path", ["/operator", "/operator/reviews"])
def test_anonymous_visitors_are_sent_to_log_in(client, path) -> None:
    page = client.get(path, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/account/login?next=" + path.replace("/", "%2F")


@pytest.mark.parametrize("path", ["/operator", "/operator/reviews"])
def test_readers_get_a_forbidden_page(client, session, settings, path) -> None:
    sign_in(client, session, settings, operator=False, email="reader@example.org")
    page = client.get(path)
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "operators only" in page.text


def test_a_reader_cannot_decide_even_with_a_valid_form(client, session, settings) -> None:
    _reader, read = held_read(session, settings)
    sign_in(client, session, settings, operator=False, email="reader@example.org")
    token = csrf(client, "/account/password")
    answer = client.post(f"/operator/reviews/{read.id}/approve", data={"csrf_token": token})
    assert answer.status_code == 403
    session.expire_all()
    assert reviews.get_review(session, read.id) is None


def test_the_dashboard_api_is_for_operators_only(client, session, settings) -> None:
    anonymous = client.get("/api/v1/operator/dashboard")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
    _user, token = make_reader(session, settings, "plain")
    session.commit()
    forbidden = client.get(
        "/api/v1/operator/dashboard", headers={"Authorization": f"Bearer {token}"}
    )
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "operators_only"


# ---------------------------------------------------------------- the review queue


def test_an_operator_approves_a_read_the_tracker_held(
    as_operator, session, settings, clock
) -> None:
    fund(session)
    reader, bearer = make_reader(session, settings, "ada")
    article = make_article(session, settings, paragraphs=24)
    session.commit()
    tracker = Client(as_operator, clock, settings, article, bearer)
    tracker.start(webdriver=True)
    tracker.read_like_a_human()
    assert tracker.complete().json()["verdict"] == "held"
    session.expire_all()
    assert wallet(session, reader.id) == (0, 10)

    queue = as_operator.get("/operator/reviews")
    assert queue.status_code == 200
    assert f'data-read="{tracker.read_id}"' in queue.text
    assert "Automation reported by the browser" in queue.text
    answer = as_operator.post(
        f"/operator/reviews/{tracker.read_id}/approve",
        data={"csrf_token": csrf(as_operator), "note": "a screen reader, not a bot"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/operator/reviews?done=approved"
    after = as_operator.get(answer.headers["location"])
    assert "Read approved" in after.text
    assert f'data-read="{tracker.read_id}"' not in after.text
    assert "a screen reader, not a bot" in after.text  # in the latest decisions

    session.expire_all()
    assert wallet(session, reader.id) == (10, 0)
    review = reviews.get_review(session, tracker.read_id)
    assert review.decision == "approved" and review.note == "a screen reader, not a bot"
    assert ledger.audit(session).ok
    # The reader's own page now says credited.
    mine = as_operator.get("/api/v1/me/wallet", headers={"Authorization": f"Bearer {bearer}"})
    assert mine.json()["reads"][0]["verdict"] == "credited"


def test_an_operator_rejects_a_held_read(as_operator, session, settings) -> None:
    reader, read = held_read(session, settings)
    answer = as_operator.post(
        f"/operator/reviews/{read.id}/reject",
        data={"csrf_token": csrf(as_operator), "note": "bot"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    session.expire_all()
    assert wallet(session, reader.id) == (0, 0)
    assert reviews.get_review(session, read.id).decision == "rejected"
    # Approving after a rejection is refused, on the page, with a reason.
    again = as_operator.post(
        f"/operator/reviews/{read.id}/approve", data={"csrf_token": csrf(as_operator)}
    )
    assert again.status_code == 409
    assert "already been decided" in again.text


def test_decisions_need_the_csrf_token(as_operator, session, settings) -> None:
    reader, read = held_read(session, settings)
    csrf(as_operator)  # the cookie is set; the field is missing or wrong below
    for data in ({}, {"csrf_token": "x" * 43}):
        answer = as_operator.post(f"/operator/reviews/{read.id}/approve", data=data)
        assert answer.status_code == 403
    session.expire_all()
    assert reviews.get_review(session, read.id) is None
    assert wallet(session, reader.id) == (0, 10)


def test_approving_with_an_empty_budget_says_so(as_operator, session, settings) -> None:
    _reader, read = held_read(session, settings, budget=0)
    queue = as_operator.get("/operator/reviews")
    assert "No points reserved yet" in queue.text
    answer = as_operator.post(
        f"/operator/reviews/{read.id}/approve", data={"csrf_token": csrf(as_operator)}
    )
    assert answer.status_code == 422
    assert "Fund the budget" in answer.text
    session.expire_all()
    assert reviews.get_review(session, read.id) is None
    missing = as_operator.post(
        "/operator/reviews/not-a-read/reject", data={"csrf_token": csrf(as_operator)}
    )
    assert missing.status_code == 404
    assert "There is no such read" in missing.text


def test_the_release_button_pays_budget_holds(as_operator, session, settings) -> None:
    reader, read = held_read(session, settings, budget=0)
    fund(session, 100)
    session.commit()
    answer = as_operator.post(
        "/operator/release", data={"csrf_token": csrf(as_operator)}, follow_redirects=False
    )
    assert answer.status_code == 303
    page = as_operator.get(answer.headers["location"])
    assert "1 held read was paid from the budget" in page.text
    session.expire_all()
    # Suspicious as well as unpaid: its points are now reserved, and it still waits for review.
    assert wallet(session, reader.id) == (0, 10)
    assert [h.read.id for h in reviews.list_held(session)] == [read.id]


# ---------------------------------------------------------------- the dashboard


def test_the_dashboard_shows_the_programme(as_operator, session, settings) -> None:
    _reader, _read = held_read(session, settings, budget=100_000)
    page = as_operator.get("/operator?lang=fr")
    assert page.status_code == 200
    assert "Tableau de bord" in page.text
    assert "99\u202f990" in page.text or "99 990" in page.text  # budget available, French style
    assert "0,10\xa0€" in page.text  # 10 pending points at 0.01 EUR
    assert 'href="/operator/reviews"' in page.text
    english = as_operator.get("/operator?lang=en")
    assert "€0.10" in english.text
    assert "1 held read is waiting for a decision." in english.text


def test_the_audit_runs_on_demand(as_operator, session, settings) -> None:
    held_read(session, settings)
    page = as_operator.get("/operator")
    assert 'data-audit="' not in page.text
    answer = as_operator.post(
        "/operator/audit", data={"csrf_token": csrf(as_operator, "/operator")}
    )
    assert answer.status_code == 200
    assert 'data-audit="ok"' in answer.text
    assert "Every invariant holds" in answer.text


def test_the_dashboard_api(as_operator, session, settings, clock) -> None:
    reader, _read = held_read(session, settings, budget=500)
    article = make_article(session, settings, title="Loved", url="https://news.example/loved")
    make_read(
        session,
        reader.id,
        article.id,
        status="credited",
        reasons=("read_in_full",),
        completed_at=clock.now(),
    )
    session.commit()
    body = as_operator.get("/api/v1/operator/dashboard").json()
    assert body["programme"] == {
        "budget_available": 480,
        "budget_reserved": 10,
        "funded_total": 500,
        "wallets": 2,  # every account has one, the operator's too
        "points_posted": 10,
        "points_pending": 10,
        "points_outstanding": 20,
        "point_value": "0.01",
        "liability": "0.20",
        "currency": "EUR",
    }
    assert body["held_waiting"] == 1
    assert body["today"]["credited"] == 1 and body["today"]["points_credited"] == 10
    assert body["top_articles"] == [
        {"article_id": str(article.id), "title": "Loved", "credited": 1}
    ]


def test_every_operator_string_has_a_french_translation() -> None:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    messages = {*DECISION_ERRORS.values(), *NOTICES.values(), *REASON_LABELS.values()}
    files = [WEB / "templates" / "base.html", *sorted((WEB / "templates" / "operator").glob("*"))]
    for path in files:
        with path.open("rb") as handle:
            for _line, message, _comments, _context in extract("jinja2", handle, keywords):
                first = message[0] if isinstance(message, tuple) else message
                if first:
                    messages.add(first)
    assert len(messages) > 50
    catalogue = i18n.translations("fr")._catalog  # type: ignore[attr-defined]
    known = {key[0] if isinstance(key, tuple) else key for key in catalogue}
    assert sorted(messages - known) == []
