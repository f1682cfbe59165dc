"""Quests where readers and sponsors meet them: the pages (EN/FR), the article's step banner,
the JSON API with the reader's progress, a two-article quest completed by the tracker's own
requests, link and quiz steps, the sponsor's private report and its CSV, and bad input."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from readtoearn.accounts import service as accounts
from readtoearn.quests import service as quests
from readtoearn.quests.models import StepKind
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import Client, fund, make_reader, wallet

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def world(session, settings):
    fund(session, 100_000)
    a = make_article(
        session, settings, title="First step", url="https://news.example/q/1", paragraphs=12
    )
    b = make_article(
        session, settings, title="Second step", url="https://news.example/q/2", paragraphs=12
    )
    quest = quests.create_quest(
        session,
        quests.QuestDraft(
            title_en="Markets week",
            title_fr="La semaine des marchés",
            points=50,
            steps=[
                quests.StepDraft(kind=StepKind.READ, article=str(a.id)),
                quests.StepDraft(kind=StepKind.READ, article=str(b.id)),
            ],
        ),
    )
    session.commit()
    return a, b, quest


@pytest.fixture
def ada(client, session, settings):
    user, bearer = make_reader(session, settings, "ada")
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
    session.commit()
    return user, bearer


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def csrf(client, path: str) -> str:
    match = CSRF_INPUT.search(client.get(path).text)
    assert match, "no CSRF field"
    return match.group(1)


def test_a_reader_follows_a_two_article_quest_with_the_tracker(
    client, session, settings, clock, world, ada
) -> None:
    a, b, quest = world
    user, bearer = ada
    listed = client.get("/api/v1/quests", headers={"Authorization": f"Bearer {bearer}"}).json()
    (mine,) = [q for q in listed if q["id"] == str(quest.id)]
    assert (mine["steps_done"], mine["steps_total"], mine["points_waiting"]) == (0, 2, 50)
    assert mine["kind"] == "classic" and mine["state"] == "available"

    page = soup_of(client.get(f"/articles/{b.id}/{b.slug}"))
    banner = page.select_one(".quest-steps__item")
    assert "Step 2 of 2 of" in banner.text and banner["data-done"] == "false"

    for article in (a, b):
        reader = Client(client, clock, settings, article, bearer)
        assert reader.start().status_code == 201
        reader.read_like_a_human()
        assert reader.complete().json()["verdict"] == "credited"
    session.expire_all()
    assert wallet(session, user.id)[0] == 10 + 10 + 50
    detail = client.get(
        f"/api/v1/quests/{quest.slug}", headers={"Authorization": f"Bearer {bearer}"}
    )
    body = detail.json()
    assert body["state"] == "completed" and body["steps_done"] == 2 and body["completed_at"]
    assert body["points_waiting"] == 0
    quest_page = soup_of(client.get(f"/quests/{quest.id}"))
    assert quest_page.select_one(".quest__state[data-state=completed]")
    wallet_page = soup_of(client.get("/account/wallet"))
    assert "Quest completed" in wallet_page.text


def test_visitors_see_quests_without_progress_in_english_and_french(client, world) -> None:
    _a, _b, quest = world
    english = soup_of(client.get("/quests"))
    assert english.select_one(f"[data-quest='{quest.slug}']")
    assert "Markets week" in english.text and "Join the programme" in english.text
    french = soup_of(client.get("/quests", headers={"Accept-Language": "fr"}))
    assert "La semaine des marchés" in french.text and "Quêtes" in french.text
    public = client.get("/api/v1/quests").json()
    assert [q["steps_done"] for q in public if q["id"] == str(quest.id)] == [0]
    page = soup_of(client.get(f"/quests/{quest.id}", headers={"Accept-Language": "fr"}))
    assert "Lire" in page.text and "pour suivre cette quête" in page.text


def test_a_link_step_is_recorded_through_the_redirect(
    client, session, settings, world, ada
) -> None:
    _a, _b, _quest = world
    user, _bearer = ada
    quest = quests.create_quest(
        session,
        quests.QuestDraft(
            title_en="Visit our partner",
            points=5,
            steps=[quests.StepDraft(kind=StepKind.LINK, url="https://partner.example/offer")],
        ),
    )
    session.commit()
    sent = client.get(
        f"/quests/{quest.id}/steps/1/go",
        headers={"Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "https://partner.example/offer"
    session.expire_all()
    assert wallet(session, user.id)[0] == 0  # another site's click is followed, not recorded
    sent = client.get(f"/quests/{quest.id}/steps/1/go", follow_redirects=False)
    assert sent.status_code == 303
    session.expire_all()
    assert wallet(session, user.id)[0] == 5
    assert client.get(f"/quests/{quest.id}/steps/9/go", follow_redirects=False).status_code == 404


def test_a_quiz_step_through_the_form_and_the_api(client, session, settings, world, ada) -> None:
    _a, _b, _ = world
    _user, bearer = ada
    auth = {"Authorization": f"Bearer {bearer}"}
    quiz = {
        "questions": [{"prompt": "How big is the plan?", "choices": ["$5bn", "$50bn"], "answer": 1}]
    }
    quest = quests.create_quest(
        session,
        quests.QuestDraft(
            title_en="Quiz quest",
            points=7,
            steps=[quests.StepDraft(kind=StepKind.QUIZ, quiz=quiz, label_en="Three questions")],
        ),
    )
    session.commit()
    path = f"/quests/{quest.id}/steps/1/quiz"
    page = soup_of(client.get(path))
    wrong = next(lab for lab in page.select("label.quiz__choice") if "$5bn" in lab.text).input
    token = csrf(client, path)
    missing = client.post(path, data={wrong["name"]: wrong["value"]})
    assert missing.status_code == 403  # no CSRF token
    failed = client.post(path, data={"csrf_token": token, wrong["name"]: wrong["value"]})
    assert failed.status_code == 200 and "2 attempts left" in failed.text
    drawn = client.get(f"/api/v1/quests/{quest.id}/steps/1/quiz", headers=auth).json()
    (q,) = drawn["questions"]
    assert "answer_id" not in q and drawn["attempts_left"] == 2
    right = next(c["id"] for c in q["choices"] if c["text"] == "$50bn")
    answered = client.post(
        f"/api/v1/quests/{quest.id}/steps/1/quiz", json={"answers": {q["id"]: right}}, headers=auth
    ).json()
    assert answered["passed"] and answered["completion"]["completed"]
    assert answered["completion"]["points"] == 7
    again = client.post(
        f"/api/v1/quests/{quest.id}/steps/1/quiz", json={"answers": {q["id"]: right}}, headers=auth
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "quest_completed"


def test_collect_pays_once_and_says_why_not(client, session, settings, world, ada) -> None:
    a, b, quest = world
    user, bearer = ada
    auth = {"Authorization": f"Bearer {bearer}"}
    early = client.post(f"/api/v1/quests/{quest.id}/collect", headers=auth).json()
    assert early["completed"] is False and early["quest"]["steps_done"] == 0
    from tests.unit.fraud.factories import make_read

    make_read(session, user.id, a.id, status="credited", reasons=())
    make_read(session, user.id, b.id, status="credited", reasons=())
    session.commit()
    page = soup_of(client.get(f"/quests/{quest.id}"))
    assert page.select_one(f"form[action='/quests/{quest.id}/collect']")
    token = csrf(client, f"/quests/{quest.id}")
    done = client.post(f"/quests/{quest.id}/collect", data={"csrf_token": token})
    assert done.status_code == 200 and "Quest completed: +50 points!" in done.text
    twice = client.post(f"/api/v1/quests/{quest.id}/collect", headers=auth).json()
    assert twice["completed"] is False and twice["quest"]["state"] == "completed"
    session.expire_all()
    assert wallet(session, user.id)[0] == 20 + 50


def test_api_errors_are_json_and_4xx(client, world) -> None:
    missing = client.get("/api/v1/quests/no-such-quest")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "quest_not_found"
    anonymous = client.post(f"/api/v1/quests/{world[2].id}/collect")
    assert anonymous.status_code == 401 and "error" in anonymous.json()
    assert client.get("/quests/no-such-quest").status_code == 404
    too_long = client.get("/api/v1/quests/" + "x" * 300)
    assert too_long.status_code == 422 and "error" in too_long.json()


def test_the_sponsor_report_is_private_and_downloads_as_csv(
    client, session, settings, world
) -> None:
    a, _b, _ = world
    sponsor = quests.create_sponsor(
        session,
        quests.SponsorDraft(
            name="Acme Bank",
            logo_url="https://acme.example/logo.png",
            link_url="https://acme.example",
        ),
    )
    quests.fund_sponsor(session, sponsor.id, 25)
    partner = quests.create_quest(
        session,
        quests.QuestDraft(
            title_en="Acme's quest",
            points=20,
            sponsor=sponsor.slug,
            steps=[quests.StepDraft(kind=StepKind.READ, article=str(a.id))],
        ),
    )
    reader, _ = make_reader(session, settings, "bo")
    from tests.unit.fraud.factories import make_read

    make_read(session, reader.id, a.id, status="credited", reasons=())
    assert quests.advance_after_read(session, settings, partner.created_at, reader.id, a.id)
    session.commit()
    page = soup_of(client.get(f"/sponsors/report/{sponsor.report_token}"))
    assert page.select_one("[data-figure=paid]").text == "20"
    assert page.select_one("[data-figure=remaining]").text == "5"
    assert "Budget spent" in page.text
    assert client.get(f"/sponsors/report/{sponsor.report_token}").headers["cache-control"] == (
        "private, no-store"
    )
    csv = client.get(f"/sponsors/report/{sponsor.report_token}.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "date,completions,points_paid"
    assert csv.text.splitlines()[-1] == "total,1,20"
    assert client.get("/sponsors/report/" + "a" * 43).status_code == 404
    listed = client.get("/quests")
    assert "Budget spent" in listed.text or "Acme" not in listed.text
    detail = client.get(f"/api/v1/quests/{partner.id}").json()
    assert detail["kind"] == "partner" and detail["sponsor"]["name"] == "Acme Bank"
    assert detail["state"] == "budget_spent"


def test_every_quests_string_has_a_french_translation() -> None:
    from pathlib import Path

    from babel.messages.extract import extract

    from readtoearn.ledger.models import ENTRY_LABELS, TransferCode
    from readtoearn.web import i18n

    templates = Path(i18n.__file__).parent / "templates" / "quests"
    mine = (
        "list.html",
        "_card.html",
        "_state.html",
        "quest.html",
        "quiz.html",
        "_steps.html",
        "report.html",
    )
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    messages = {ENTRY_LABELS[TransferCode.QUEST_REWARD], ENTRY_LABELS[TransferCode.SPONSOR_FUNDING]}
    for name in mine:
        with (templates / name).open("rb") as handle:
            for _line, message, _comments, _context in extract("jinja2", handle, keywords):
                messages.add(message[0] if isinstance(message, tuple) else message)
    assert len(messages) > 40
    french = i18n.translations("fr")
    catalogue = french._catalog  # type: ignore[attr-defined]
    known = {key[0] if isinstance(key, tuple) else key for key in catalogue}
    assert sorted(messages - known) == []


def test_the_step_banner_of_a_shared_page_comes_from_the_reader_call(
    client, session, settings, world
) -> None:
    a, b, quest = world
    page = client.get(f"/articles/{b.id}/{b.slug}", headers={"Accept-Language": "fr"})
    box = soup_of(page).select_one("#rte-quest-steps")
    assert box is not None and box["data-msg-step"] == "Étape %(position)d sur %(total)d de"
    visitor = client.get(f"/api/v1/articles/{b.id}/reader").json()
    (step,) = visitor["quest_steps"]
    assert (step["quest_id"], step["position"], step["total"]) == (str(quest.id), 2, 2)
    assert step["done"] is False and step["path"] == f"/quests/{quest.id}"
    user, bearer = make_reader(session, settings, "cy")
    from tests.unit.fraud.factories import make_read

    make_read(session, user.id, a.id, status="credited", reasons=())
    session.commit()
    mine = client.get(
        f"/api/v1/articles/{a.id}/reader", headers={"Authorization": f"Bearer {bearer}"}
    ).json()
    (step,) = mine["quest_steps"]
    assert step["position"] == 1 and step["done"] is True and step["points_waiting"] == 50


def test_a_step_whose_article_was_unpublished_says_so_and_keeps_an_earlier_read(
    client, session, settings, clock, world, ada
) -> None:
    from readtoearn.articles import editing

    a, b, quest = world
    _user, bearer = ada
    reader = Client(client, clock, settings, a, bearer)
    assert reader.start().status_code == 201
    reader.read_like_a_human()
    assert reader.complete().json()["verdict"] == "credited"
    for article in (a, b):  # both hidden: the first step was read before, the second was not
        editing.set_status(session, article, "unpublished", by=None)
    session.commit()

    page = soup_of(client.get(f"/quests/{quest.id}"))
    steps = page.select(".quest__step")
    assert [s["data-done"] for s in steps] == ["true", "false"]
    for step, title in zip(steps, ("First step", "Second step"), strict=True):
        assert step.select_one("a") is None  # no link to a page readers cannot open
        assert step.select_one("[data-withdrawn]").text == title
        assert "(no longer available)" in step.text
    french = client.get(f"/quests/{quest.id}", headers={"Accept-Language": "fr"})
    assert "(plus disponible)" in french.text
    detail = client.get(
        f"/api/v1/quests/{quest.slug}", headers={"Authorization": f"Bearer {bearer}"}
    ).json()
    assert [(s["done"], s["article_available"], s["article_path"]) for s in detail["steps"]] == [
        (True, False, None),
        (False, False, None),
    ]
    editing.set_status(session, b, "published", by=None)  # back: the link comes back
    session.commit()
    again = soup_of(client.get(f"/quests/{quest.id}")).select(".quest__step")[1]
    assert again.select_one("a")["href"] == f"/articles/{b.id}/{b.slug}"
    assert "no longer available" not in again.text
