"""The quiz of a credited read: one draw per read, one attempt, a bonus when all right."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from readtoearn.articles import demo
from readtoearn.articles import service as articles
from readtoearn.reading.models import Read
from tests.readers import Client, fund, make_reader, wallet


@pytest.fixture
def article(session, settings):
    """A demo article dense with figures and names (the quiz needs material)."""
    draft = next(
        d for d in demo.drafts() if d.canonical_url.endswith("/lumora-raises-forecast-q3-2026")
    )
    article = articles.save_article(session, draft, settings).article
    session.commit()
    return article


@pytest.fixture
def credited(client, clock, settings, article, session) -> Client:
    fund(session)
    _, bearer = make_reader(session, settings, "ada")
    session.commit()
    reader = Client(client, clock, settings, article, bearer)
    reader.start()
    reader.read_like_a_human()
    assert reader.complete().json()["verdict"] == "credited"
    return reader


def answers_of(session, read_id: str, *, right: bool) -> dict[str, str]:
    session.expire_all()
    stored = session.scalar(select(Read).where(Read.id == uuid.UUID(read_id))).quiz
    chosen = {}
    for question in stored["questions"]:
        wrong = next(c["id"] for c in question["choices"] if c["id"] != question["answer_id"])
        chosen[question["id"]] = question["answer_id"] if right else wrong
    return chosen


def test_the_quiz_opens_after_a_credited_read(client, clock, settings, article, session) -> None:
    fund(session)
    _, bearer = make_reader(session, settings, "early")
    session.commit()
    reader = Client(client, clock, settings, article, bearer)
    reader.start()
    response = client.get(f"/api/v1/reads/{reader.read_id}/quiz", headers=reader.headers)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "quiz_locked"


def test_the_quiz_has_three_questions_and_no_answers(client, credited) -> None:
    quiz = client.get(f"/api/v1/reads/{credited.read_id}/quiz", headers=credited.headers).json()
    assert len(quiz["questions"]) == 3
    for question in quiz["questions"]:
        assert "answer_id" not in question
        assert len({c["text"] for c in question["choices"]}) == len(question["choices"]) >= 3
    again = client.get(f"/api/v1/reads/{credited.read_id}/quiz", headers=credited.headers).json()
    assert again == quiz


def test_all_right_earns_the_bonus_once(client, credited, session, settings) -> None:
    client.get(f"/api/v1/reads/{credited.read_id}/quiz", headers=credited.headers)
    answers = answers_of(session, credited.read_id, right=True)
    url = f"/api/v1/reads/{credited.read_id}/quiz"
    result = client.post(url, json={"answers": answers}, headers=credited.headers).json()
    assert result["passed"] is True
    assert result["points"] == settings.quiz_bonus_points
    session.expire_all()
    reader_id = session.scalar(select(Read.reader_id).where(Read.id == uuid.UUID(credited.read_id)))
    assert wallet(session, reader_id)[0] == 10 + settings.quiz_bonus_points
    second = client.post(url, json={"answers": answers}, headers=credited.headers)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "quiz_answered"
    assert wallet(session, reader_id)[0] == 10 + settings.quiz_bonus_points


def test_a_wrong_answer_earns_nothing(client, credited, session) -> None:
    client.get(f"/api/v1/reads/{credited.read_id}/quiz", headers=credited.headers)
    answers = answers_of(session, credited.read_id, right=False)
    url = f"/api/v1/reads/{credited.read_id}/quiz"
    result = client.post(url, json={"answers": answers}, headers=credited.headers).json()
    assert result["passed"] is False
    assert result["points"] == 0
    assert result["correct"] == 0


def test_answering_before_asking_and_other_readers_are_refused(
    client, credited, session, settings
) -> None:
    url = f"/api/v1/reads/{credited.read_id}/quiz"
    early = client.post(url, json={"answers": {}}, headers=credited.headers)
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "quiz_not_started"
    _, other = make_reader(session, settings, "eve")
    session.commit()
    response = client.get(url, headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 404


def test_each_reader_gets_their_own_draw(client, clock, settings, article, session) -> None:
    fund(session)
    quizzes = []
    for name in ("ann", "bob", "cyd"):
        _, bearer = make_reader(session, settings, name)
        session.commit()
        reader = Client(client, clock, settings, article, bearer)
        reader.start()
        reader.read_like_a_human()
        reader.complete()
        quiz = client.get(f"/api/v1/reads/{reader.read_id}/quiz", headers=reader.headers).json()
        quizzes.append(
            [(q["prompt"], [c["text"] for c in q["choices"]]) for q in quiz["questions"]]
        )
    assert len({repr(q) for q in quizzes}) > 1


def test_the_quiz_page_works_without_javascript(client, credited, session, settings) -> None:
    from bs4 import BeautifulSoup

    from readtoearn.accounts import service as accounts
    from readtoearn.accounts.models import User
    from readtoearn.web.sessions import SESSION_COOKIE

    reader_id = session.scalar(select(Read.reader_id).where(Read.id == uuid.UUID(credited.read_id)))
    user = session.get(User, reader_id)
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
    session.commit()
    # The credited article's panel offers the quiz.
    article_page = BeautifulSoup(client.get(f"/articles/{credited.article.id}").text, "html.parser")
    assert article_page.select_one(f"a[href='/reads/{credited.read_id}/quiz']")

    page = BeautifulSoup(client.get(f"/reads/{credited.read_id}/quiz").text, "html.parser")
    questions = page.select("fieldset.quiz__question")
    assert len(questions) == 3
    answers = answers_of(session, credited.read_id, right=True)
    form = {"csrf_token": page.select_one("input[name=csrf_token]")["value"]}
    form |= {f"q_{qid}": choice for qid, choice in answers.items()}
    done = client.post(f"/reads/{credited.read_id}/quiz", data=form)
    assert done.status_code == 200
    result = BeautifulSoup(done.text, "html.parser").select_one(".quiz__result")
    assert result["data-passed"] == "true"
    assert "3 of 3 right." in result.text
    assert wallet(session, reader_id)[0] == 10 + settings.quiz_bonus_points
    again = BeautifulSoup(client.get(f"/reads/{credited.read_id}/quiz").text, "html.parser")
    assert "already answered" in again.select_one(".quiz__result").text
    forged = client.post(f"/reads/{credited.read_id}/quiz", data={**form, "csrf_token": "x"})
    assert forged.status_code == 403


def test_answers_faster_than_the_questions_can_be_read_earn_no_bonus(
    app, client, clock, credited, session, settings
) -> None:
    app.state.settings = settings.model_copy(update={"quiz_max_wpm": 600})
    url = f"/api/v1/reads/{credited.read_id}/quiz"
    client.get(url, headers=credited.headers)
    clock.advance(2)  # the three questions and their choices take longer than that to read
    answers = answers_of(session, credited.read_id, right=True)
    result = client.post(url, json={"answers": answers}, headers=credited.headers).json()
    assert result["passed"] is True
    assert result["points"] == 0
    assert "faster than the questions can be read" in result["message"]
    session.expire_all()
    read = session.scalar(select(Read).where(Read.id == uuid.UUID(credited.read_id)))
    assert read.evidence["quiz_too_fast"]["seconds"] == 2.0
    assert wallet(session, read.reader_id)[0] == 10


def test_a_person_reading_the_questions_earns_the_bonus(
    app, client, clock, credited, session, settings
) -> None:
    app.state.settings = settings.model_copy(update={"quiz_max_wpm": 600})
    url = f"/api/v1/reads/{credited.read_id}/quiz"
    client.get(url, headers=credited.headers)
    clock.advance(45)
    answers = answers_of(session, credited.read_id, right=True)
    result = client.post(url, json={"answers": answers}, headers=credited.headers).json()
    assert result["points"] == settings.quiz_bonus_points


def test_all_right_on_an_empty_budget_is_recorded_without_a_bonus(
    client, credited, session, settings
) -> None:
    """The bonus goes into the group committer's one ledger call: the budget refusing it is a
    normal answer (passed, no points), and the one attempt is used all the same."""
    from readtoearn.db import new_id
    from readtoearn.ledger import service as ledger
    from readtoearn.ledger.interfaces import TransferSpec
    from readtoearn.ledger.models import TransferCode

    budget = ledger.programme_budget(session)
    left = ledger.balance(session, budget).available
    sink = ledger.get_or_create_wallet(session, new_id())
    ledger.transfer(session, TransferSpec(new_id(), budget, sink, left, TransferCode.ADJUSTMENT))
    session.commit()
    client.get(f"/api/v1/reads/{credited.read_id}/quiz", headers=credited.headers)
    answers = answers_of(session, credited.read_id, right=True)
    url = f"/api/v1/reads/{credited.read_id}/quiz"
    result = client.post(url, json={"answers": answers}, headers=credited.headers).json()
    assert result["passed"] is True
    assert result["points"] == 0
    assert "budget" in result["message"]
    session.expire_all()
    read = session.scalar(select(Read).where(Read.id == uuid.UUID(credited.read_id)))
    assert read.quiz_answered_at is not None and read.quiz_points == 0
    assert wallet(session, read.reader_id)[0] == 10
    again = client.post(url, json={"answers": answers}, headers=credited.headers)
    assert again.json()["error"]["code"] == "quiz_answered"
    assert ledger.audit(session).ok
