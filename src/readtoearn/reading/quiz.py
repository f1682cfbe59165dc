"""The quiz of a credited read: drawn once per read, one attempt, a bonus when all is right."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from readtoearn.articles.models import Article
from readtoearn.batch import Later
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.errors import Conflict, NotFound
from readtoearn.reading import payout
from readtoearn.reading.models import Read
from readtoearn.reading.reads import owned_read
from readtoearn.reading.rules import (
    QUIZ_FROZEN_MESSAGE,
    QUIZ_TOO_FAST,
    QUIZ_TOO_FAST_MESSAGE,
    Verdict,
)
from readtoearn.summaries import service as summaries
from readtoearn.summaries.backends import BuiltinBackend
from readtoearn.summaries.quiz import Quiz, grade


@dataclass(frozen=True)
class QuizOutcome:
    correct: int
    total: int
    passed: bool
    points: int
    per_question: dict[str, bool]
    message: str


def _quiz_read(session: Session, reader_id: uuid.UUID, read_id: str) -> Read:
    read = owned_read(session, reader_id, read_id)
    if read.status != Verdict.CREDITED:
        raise Conflict("the quiz opens once the read has been credited", code="quiz_locked")
    return read


def get_quiz(
    session: Session,
    settings: Settings,
    *,
    reader_id: uuid.UUID,
    read_id: str,
    clock: Clock | None = None,
) -> Quiz:
    """The reader's quiz for a credited read: drawn once for this read, then always the same.

    With a clock, the first time it is shown is noted: answers that come faster than the
    questions can be read earn no bonus (see `answer_quiz`).
    """
    read = _quiz_read(session, reader_id, read_id)
    if read.quiz is None:
        article = session.get_one(Article, read.article_id)
        quiz = summaries.quiz_for_article(
            session, article, settings, seed=read.id, backend=BuiltinBackend()
        )
        if not quiz.questions:
            raise NotFound("this article has no quiz", code="no_quiz")
        read.quiz = quiz.to_dict()
    if clock is not None and read.quiz_shown_at is None and read.quiz_answered_at is None:
        read.quiz_shown_at = clock.now()
    session.flush()
    return Quiz.from_dict(read.quiz)


def reading_seconds(quiz: Quiz, settings: Settings) -> float:
    """The least time in which a quiz's questions and choices can be read (quiz_max_wpm)."""
    if not settings.quiz_max_wpm:
        return 0.0
    words = sum(
        len(q.prompt.split())
        + len(q.sentence.split())
        + sum(len(c.text.split()) for c in q.choices)
        for q in quiz.questions
    )
    return words * 60 / settings.quiz_max_wpm


def answer_quiz(
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    read_id: str,
    answers: dict[str, str],
) -> QuizOutcome:
    """Grade the one attempt at a quiz; all right earns the bonus from the budget."""
    return answer_quiz_later(
        session, settings, clock, reader_id=reader_id, read_id=read_id, answers=answers
    ).now(session)


def answer_quiz_later(
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    read_id: str,
    answers: dict[str, str],
) -> Later[QuizOutcome]:
    """`answer_quiz` in two halves: the attempt is graded and recorded now, the bonus goes into
    the group committer's one ledger call, and the outcome follows the ledger's answer."""
    read = _quiz_read(session, reader_id, read_id)
    if read.quiz is None:
        raise Conflict("ask for the quiz before answering it", code="quiz_not_started")
    if read.quiz_answered_at is not None:
        raise Conflict(
            "this quiz has already been answered: one attempt only", code="quiz_answered"
        )
    quiz = Quiz.from_dict(read.quiz)
    result = grade(quiz, answers)
    now = clock.now()
    needed = reading_seconds(quiz, settings)
    taken = (now - read.quiz_shown_at).total_seconds() if read.quiz_shown_at else None
    # Recorded before the bonus is paid: a second answer later in the same batch is refused.
    read.quiz_answered_at = now
    read.quiz_correct = result.correct
    read.quiz_points = 0

    def outcome(points: int, message: str) -> QuizOutcome:
        return QuizOutcome(
            correct=result.correct,
            total=result.total,
            passed=result.passed,
            points=points,
            per_question=result.per_question,
            message=message,
        )

    if result.passed and taken is not None and taken < needed:
        # Answered before the questions could have been read: a script, or answers passed on.
        read.evidence = {
            **(read.evidence or {}),
            QUIZ_TOO_FAST: {"seconds": round(taken, 1), "needed": round(needed, 1)},
        }
        session.flush()
        return Later.done(outcome(0, QUIZ_TOO_FAST_MESSAGE))
    session.flush()
    if not result.passed:
        return Later.done(outcome(0, "Not every answer was right: no bonus this time."))

    bonus = settings.quiz_bonus_points

    def paid(session: Session, payment: payout.Payment) -> QuizOutcome:
        if payment.frozen:
            return outcome(0, QUIZ_FROZEN_MESSAGE)
        if not payment.ok:
            return outcome(0, "All right, but the programme's budget is empty: no bonus for now.")
        read.quiz_points = bonus
        session.flush()
        return outcome(bonus, "All right: the bonus is yours.")

    return payout.pay_quiz_bonus_later(session, read, bonus, then=paid)


def get_quiz_result(
    session: Session, *, reader_id: uuid.UUID, read_id: str
) -> tuple[int, int] | None:
    """(points, correct answers) of an answered quiz, or None when it is still open."""
    read = owned_read(session, reader_id, read_id)
    if read.quiz_answered_at is None:
        return None
    return read.quiz_points, read.quiz_correct or 0
