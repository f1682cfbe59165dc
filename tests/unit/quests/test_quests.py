"""Quests, rule by rule: steps done by credited reads only, dates, the cap, the minimum trust
level, earlier reads per the setting, partner quests paid from their sponsor until it is empty,
link and quiz steps, and a completion paid once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from readtoearn.config import Settings
from readtoearn.errors import Conflict, InvalidInput, NotFound
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import TransferCode
from readtoearn.quests import service as quests
from readtoearn.quests.models import QuestCompletion, StepKind, TrustLevel
from readtoearn.quests.service import QuestState
from tests.readers import fund, wallet
from tests.unit.fraud.factories import make_read
from tests.unit.quests.factories import make_articles, make_quest, make_user

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
def funded(session) -> None:
    fund(session, 100_000)


def credit(session, reader, article, *, when=NOW):
    return make_read(
        session, reader.id, article.id, status="credited", reasons=(), completed_at=when
    )


def test_reading_every_step_completes_the_quest_and_pays_it_once(session, settings, funded):
    reader = make_user(session)
    a, b = make_articles(session, settings)
    quest = make_quest(session, [a, b], points=40)
    credit(session, reader, a)
    assert quests.advance_after_read(session, settings, NOW, reader.id, a.id) == []
    progress = quests.get_reader_quest(session, settings, reader.id, str(quest.id), now=NOW)
    assert (progress.done, progress.total, progress.points_waiting) == (1, 2, 40)
    credit(session, reader, b)
    before = wallet(session, reader.id)[0]
    paid = quests.advance_after_read(session, settings, NOW, reader.id, b.id)
    assert [p.points for p in paid] == [40]
    assert wallet(session, reader.id)[0] == before + 40
    again = quests.complete_quest(session, settings, NOW, reader.id, quest)
    assert again.state is QuestState.COMPLETED and not again.created
    assert wallet(session, reader.id)[0] == before + 40
    transfer = ledger.get_transfer(session, quests.quest_transfer_id(quest.id, reader.id))
    assert transfer is not None and transfer.code == TransferCode.QUEST_REWARD
    assert ledger.audit(session).ok


def test_a_held_or_rejected_read_does_not_count(session, settings, funded):
    reader = make_user(session)
    a, b = make_articles(session, settings)
    quest = make_quest(session, [a, b])
    credit(session, reader, a)
    make_read(session, reader.id, b.id, status="held")
    progress = quests.get_reader_quest(session, settings, reader.id, quest.slug, now=NOW)
    assert progress.done == 1
    other = make_user(session, "other")
    make_read(session, other.id, a.id, status="rejected")
    credit(session, other, b)
    assert quests.get_reader_quest(session, settings, other.id, quest.slug, now=NOW).done == 1
    assert not quests.complete_quest(session, settings, NOW, other.id, quest).created


def test_dates_open_and_close_a_quest(session, settings, funded):
    reader = make_user(session)
    (a,) = make_articles(session, settings, 1)
    quest = make_quest(
        session, [a], starts_at=NOW + timedelta(days=1), ends_at=NOW + timedelta(days=3)
    )
    credit(session, reader, a)
    assert quests.complete_quest(session, settings, NOW, reader.id, quest).state is (
        QuestState.UPCOMING
    )
    later = NOW + timedelta(days=4)
    assert quests.complete_quest(session, settings, later, reader.id, quest).state is (
        QuestState.ENDED
    )
    during = NOW + timedelta(days=2)
    assert quests.complete_quest(session, settings, during, reader.id, quest).created


def test_earlier_reads_count_only_when_the_setting_says_so(session, settings, funded):
    reader = make_user(session)
    (a,) = make_articles(session, settings, 1)
    credit(session, reader, a, when=NOW - timedelta(days=5))
    quest = make_quest(session, [a], starts_at=NOW - timedelta(days=1))
    strict = Settings(**{**settings.model_dump(), "quest_count_earlier_reads": False})
    assert quests.complete_quest(session, strict, NOW, reader.id, quest).state is (
        QuestState.AVAILABLE
    )
    assert not quests.complete_quest(session, strict, NOW, reader.id, quest).created
    assert quests.complete_quest(session, settings, NOW, reader.id, quest).created


def test_the_cap_on_completions(session, settings, funded):
    (a,) = make_articles(session, settings, 1)
    quest = make_quest(session, [a], max_completions=2)
    readers = [make_user(session, f"r{i}") for i in range(3)]
    for r in readers:
        credit(session, r, a)
    results = [quests.complete_quest(session, settings, NOW, r.id, quest) for r in readers]
    assert [r.created for r in results] == [True, True, False]
    assert results[2].state is QuestState.FULL
    assert session.query(QuestCompletion).filter_by(quest_id=quest.id).count() == 2
    assert wallet(session, readers[2].id)[0] == 10  # the read only


def test_a_minimum_trust_level(session, settings, funded):
    (a,) = make_articles(session, settings, 1)
    quest = make_quest(session, [a], min_trust=TrustLevel.VERIFIED)
    plain = make_user(session, "plain")
    verified = make_user(session, "verified", verified=NOW - timedelta(days=1))
    for r in (plain, verified):
        credit(session, r, a)
    assert quests.complete_quest(session, settings, NOW, plain.id, quest).state is (
        QuestState.LOCKED
    )
    assert quests.complete_quest(session, settings, NOW, verified.id, quest).created
    trusted = make_quest(session, [a], min_trust=TrustLevel.TRUSTED)
    gated = Settings(**{**settings.model_dump(), "redeem_min_read_days": 3})
    assert quests.complete_quest(session, gated, NOW, verified.id, trusted).state is (
        QuestState.LOCKED
    )
    open_ = Settings(**{**settings.model_dump(), "redeem_min_read_days": 1})
    assert quests.complete_quest(session, open_, NOW, verified.id, trusted).created


def test_a_partner_quest_pays_from_its_sponsor_until_it_is_empty(session, settings, funded):
    sponsor = quests.create_sponsor(
        session, quests.SponsorDraft(name="Acme Bank", link_url="https://acme.example")
    )
    (a,) = make_articles(session, settings, 1)
    quest = make_quest(session, [a], points=30, sponsor=sponsor.slug)
    readers = [make_user(session, f"s{i}") for i in range(3)]
    for r in readers:
        credit(session, r, a)
    assert quests.complete_quest(session, settings, NOW, readers[0].id, quest).state is (
        QuestState.BUDGET_SPENT
    )
    funding = quests.fund_sponsor(session, sponsor.slug, 70, key="first")
    assert (funding.created, funding.available) == (True, 70)
    assert not quests.fund_sponsor(session, sponsor.slug, 70, key="first").created
    budget_before = ledger.balance(session, ledger.programme_budget(session)).available
    done = [quests.complete_quest(session, settings, NOW, r.id, quest) for r in readers]
    assert [d.created for d in done] == [True, True, False]
    assert done[2].state is QuestState.BUDGET_SPENT
    assert quests.sponsor_available(session, sponsor.id) == 10
    # The programme budget paid nothing for the partner quest.
    assert ledger.balance(session, ledger.programme_budget(session)).available == budget_before
    report = quests.build_report(session, sponsor)
    assert (report.funded, report.paid, report.remaining, report.completions) == (70, 60, 10, 2)
    assert [(d.completions, d.points) for d in report.days] == [(2, 60)]
    assert quests.report_csv(report).splitlines()[1] == f"{NOW.date().isoformat()},2,60"
    assert quests.get_sponsor_report(session, sponsor.report_token).sponsor.id == sponsor.id
    with pytest.raises(NotFound):
        quests.get_sponsor_report(session, sponsor.report_token[:-1] + "x")
    # Funded again, the last reader can complete it.
    quests.fund_sponsor(session, sponsor.slug, 100)
    assert quests.complete_quest(session, settings, NOW, readers[2].id, quest).created
    assert ledger.audit(session).ok


def test_a_link_step_is_recorded_and_completes_the_quest(session, settings, funded):
    reader = make_user(session)
    (a,) = make_articles(session, settings, 1)
    link = quests.StepDraft(kind=StepKind.LINK, url="https://partner.example/offer")
    quest = make_quest(session, [a], extra=[link], points=20)
    opened = quests.open_link(
        session, settings, NOW, reader_id=reader.id, quest_ref=quest.slug, position=2
    )
    assert opened.url == "https://partner.example/offer"
    assert not opened.completion.created and opened.completion.progress.done == 1
    credit(session, reader, a)
    assert [
        p.points for p in quests.advance_after_read(session, settings, NOW, reader.id, a.id)
    ] == [20]
    with pytest.raises(NotFound):
        quests.open_link(
            session, settings, NOW, reader_id=reader.id, quest_ref=quest.slug, position=1
        )


def test_a_written_quiz_step_with_attempts(session, settings, funded):
    reader = make_user(session)
    (a,) = make_articles(session, settings, 1)
    quiz = {"questions": [{"prompt": "How much?", "choices": ["$5bn", "$50bn"], "answer": 1}]}
    step = quests.StepDraft(kind=StepKind.QUIZ, quiz=quiz)
    quest = make_quest(session, [a], extra=[step], points=25)
    with pytest.raises(Conflict):  # the read first
        quests.get_step_quiz(
            session, settings, NOW, reader_id=reader.id, quest_ref=quest.slug, position=2
        )
    credit(session, reader, a)
    drawn = quests.get_step_quiz(
        session, settings, NOW, reader_id=reader.id, quest_ref=quest.slug, position=2
    )
    (question,) = drawn.questions
    assert "answer_id" not in question and drawn.attempts_left == 3
    right = next(c["id"] for c in question["choices"] if c["text"] == "$50bn")
    wrong = next(c["id"] for c in question["choices"] if c["text"] == "$5bn")
    failed = quests.answer_step_quiz(
        session,
        settings,
        NOW,
        reader_id=reader.id,
        quest_ref=quest.slug,
        position=2,
        answers={question["id"]: wrong},
    )
    assert (failed.passed, failed.attempts_left, failed.completion.created) == (False, 2, False)
    drawn = quests.get_step_quiz(
        session, settings, NOW, reader_id=reader.id, quest_ref=quest.slug, position=2
    )
    right = next(c["id"] for c in drawn.questions[0]["choices"] if c["text"] == "$50bn")
    passed = quests.answer_step_quiz(
        session,
        settings,
        NOW,
        reader_id=reader.id,
        quest_ref=quest.slug,
        position=2,
        answers={drawn.questions[0]["id"]: right},
    )
    assert passed.passed and passed.completion.created and passed.completion.points == 25


def test_a_quiz_drawn_from_the_articles_figures(session, settings, funded):
    reader = make_user(session)
    a, b = make_articles(session, settings)
    quest = make_quest(session, [a, b], extra=[quests.StepDraft(kind=StepKind.QUIZ)])
    credit(session, reader, a)
    credit(session, reader, b)
    drawn = quests.get_step_quiz(
        session, settings, NOW, reader_id=reader.id, quest_ref=quest.slug, position=3
    )
    assert 1 <= len(drawn.questions) <= settings.quest_quiz_questions
    assert all(len(q["choices"]) >= 2 for q in drawn.questions)


def test_an_article_quiz_step_needs_the_read_quiz_passed(session, settings, funded):
    reader = make_user(session)
    (a,) = make_articles(session, settings, 1)
    quest = quests.create_quest(
        session,
        quests.QuestDraft(
            title_en="Quiz me",
            points=15,
            steps=[quests.StepDraft(kind=StepKind.ARTICLE_QUIZ, article=str(a.id))],
        ),
    )
    read = credit(session, reader, a)
    assert quests.get_reader_quest(session, settings, reader.id, quest.slug, now=NOW).done == 0
    read.quiz = {"questions": [{"id": "x"}, {"id": "y"}]}
    read.quiz_answered_at = NOW
    read.quiz_correct = 1
    session.flush()
    assert quests.get_reader_quest(session, settings, reader.id, quest.slug, now=NOW).done == 0
    read.quiz_correct = 2
    session.flush()
    assert quests.complete_quest(session, settings, NOW, reader.id, quest).created


def test_a_closed_quest_completes_no_more_and_leaves_the_list(session, settings, funded):
    reader = make_user(session)
    (a,) = make_articles(session, settings, 1)
    quest = make_quest(session, [a])
    assert quest.id in [
        p.quest.id for p in quests.list_reader_quests(session, settings, reader.id, now=NOW)
    ]
    quests.close_quest(session, quest.slug, NOW, by="test")
    with pytest.raises(Conflict):
        quests.close_quest(session, quest.slug, NOW)
    credit(session, reader, a)
    assert quests.complete_quest(session, settings, NOW, reader.id, quest).state is QuestState.ENDED
    assert quest.id not in [
        p.quest.id for p in quests.list_reader_quests(session, settings, reader.id, now=NOW)
    ]


def test_steps_for_article_says_which_step_of_which_quest(session, settings, funded):
    reader = make_user(session)
    a, b = make_articles(session, settings)
    quest = make_quest(session, [a, b])
    credit(session, reader, a)
    (step,) = quests.steps_for_article(session, reader.id, b.id, settings=settings, now=NOW)
    assert (step.quest.id, step.position, step.total, step.done) == (quest.id, 2, 2, False)
    (step,) = quests.steps_for_article(session, reader.id, a.id, settings=settings, now=NOW)
    assert step.done and step.progress.done == 1
    assert (
        quests.steps_for_article(session, None, a.id, settings=settings, now=NOW)[0].done is False
    )


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        ({"title_en": "", "points": 1}, "title"),
        ({"title_en": "T", "points": 0}, "points"),
        ({"title_en": "T", "points": 1, "steps": []}, "steps"),
        (
            {"title_en": "T", "points": 1, "steps": [quests.StepDraft(kind=StepKind.READ)]},
            "article",
        ),
        (
            {
                "title_en": "T",
                "points": 1,
                "steps": [quests.StepDraft(kind=StepKind.LINK, url="javascript:x")],
            },
            "http",
        ),
        (
            {"title_en": "T", "points": 1, "steps": [quests.StepDraft(kind=StepKind.QUIZ)]},
            "questions",
        ),
        (
            {
                "title_en": "T",
                "points": 1,
                "steps": [
                    quests.StepDraft(
                        kind=StepKind.QUIZ,
                        quiz={"questions": [{"prompt": "?", "choices": ["a"], "answer": 0}]},
                    )
                ],
            },
            "choices",
        ),
    ],
)
def test_bad_drafts_are_refused_with_a_reason(session, draft, message):
    draft = dict(draft)
    steps = draft.pop("steps", [quests.StepDraft(kind=StepKind.LINK, url="https://x.example")])
    with pytest.raises(InvalidInput, match=message):
        quests.create_quest(session, quests.QuestDraft(steps=steps, **draft))


def test_the_quests_a_reader_follows_that_close_soon(session, settings, funded):
    (a, b) = make_articles(session, settings)
    closing = make_quest(
        session, [a, b], ends_at=NOW + timedelta(days=1), starts_at=NOW - timedelta(days=2)
    )
    later = make_quest(
        session, [a, b], ends_at=NOW + timedelta(days=30), starts_at=NOW - timedelta(days=2)
    )
    follower, idle, finished = (make_user(session, n) for n in ("follower", "idle", "finished"))
    credit(session, follower, a, when=NOW - timedelta(hours=1))
    credit(session, finished, a, when=NOW - timedelta(hours=1))
    credit(session, finished, b, when=NOW - timedelta(hours=1))
    quests.complete_quest(session, settings, NOW, finished.id, closing)
    items = quests.list_closing_quests(session, NOW, timedelta(days=2), settings=settings)
    assert [(i.reader_id, i.quest_id) for i in items] == [(follower.id, closing.id)]
    (item,) = items
    assert (item.steps_done, item.steps_total, item.points) == (1, 2, 50)
    assert item.link.endswith(f"/quests/{closing.id}") and later.id != item.quest_id
    assert idle.id not in [i.reader_id for i in items]
