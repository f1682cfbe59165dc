"""What a reader does on a quest's own steps: open its link, take its quiz; and collecting the
points of a quest whose steps are all done."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.db import dialect_insert
from readtoearn.errors import Conflict, NotFound
from readtoearn.quests import written
from readtoearn.quests.completion import Completion, complete_quest
from readtoearn.quests.composing import get_quest
from readtoearn.quests.models import Quest, QuestStep, QuestStepState, StepKind
from readtoearn.quests.progress import QuestState, progress_of
from readtoearn.summaries import service as summaries
from readtoearn.summaries.backends import BuiltinBackend

STATES = cast(Table, QuestStepState.__table__)


@dataclass(frozen=True)
class Opened:
    """A link step opened: where to send the reader, and what it did to the quest."""

    url: str
    completion: Completion


@dataclass(frozen=True)
class StepQuiz:
    """A reader's draw of a quiz step, without its answers."""

    quest: Quest
    step: QuestStep
    questions: list[dict[str, Any]]
    attempts_left: int
    done: bool


@dataclass(frozen=True)
class QuizAnswer:
    correct: int
    total: int
    passed: bool
    attempts_left: int
    completion: Completion


def _step(quest: Quest, position: int, kind: StepKind) -> QuestStep:
    for step in quest.steps:
        if step.position == position and step.kind == kind:
            return step
    raise NotFound(f"this quest has no {kind.value} step {position}", code="step_not_found")


def _state(session: Session, step: QuestStep, reader_id: uuid.UUID) -> QuestStepState:
    """The reader's state of a step, made when missing (two requests at once make one)."""
    state = session.get(QuestStepState, (step.id, reader_id))
    if state is None:
        conn = session.connection()
        conn.execute(
            dialect_insert(conn)(STATES)
            .values(step_id=step.id, reader_id=reader_id, attempts=0)
            .on_conflict_do_nothing(index_elements=["step_id", "reader_id"])
        )
        state = session.get_one(QuestStepState, (step.id, reader_id))
    return state


def _open_to(
    session: Session, settings: Settings, now: datetime, reader_id: uuid.UUID, quest: Quest
) -> None:
    state = progress_of(session, settings, now, reader_id, [quest])[0].state
    if state is QuestState.COMPLETED:
        raise Conflict("you have completed this quest already", code="quest_completed")
    if state is not QuestState.AVAILABLE:
        raise Conflict(f"this quest is not open to you ({state.value})", code=f"quest_{state}")


def open_link(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    reader_id: uuid.UUID,
    quest_ref: str,
    position: int,
) -> Opened:
    """Record that the reader opened a link step (while the quest is open to them), then
    complete the quest if that was its last step; the link is given either way."""
    quest = get_quest(session, quest_ref)
    step = _step(quest, position, StepKind.LINK)
    progress = progress_of(session, settings, now, reader_id, [quest])[0]
    if progress.state is QuestState.AVAILABLE:
        state = _state(session, step, reader_id)
        if state.done_at is None:
            state.done_at = now
            session.flush()
    return Opened(step.url or "/", complete_quest(session, settings, now, reader_id, quest))


def follow_link(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    reader_id: uuid.UUID | None,
    quest_ref: str,
    position: int,
) -> str:
    """Where a link step leads; opened by a reader (not None), it is recorded first."""
    if reader_id is None:
        quest = get_quest(session, quest_ref)
        return _step(quest, position, StepKind.LINK).url or "/"
    opened = open_link(
        session, settings, now, reader_id=reader_id, quest_ref=quest_ref, position=position
    )
    return opened.url


def _draw(
    session: Session, settings: Settings, quest: Quest, step: QuestStep, seed: str
) -> dict[str, Any]:
    if step.quiz is not None:
        return written.draw_written(step.quiz, seed)
    ids = []
    for s in quest.steps:
        if s.article_id is not None and s.article_id not in ids:
            ids.append(s.article_id)
    pools = []
    for article in session.scalars(select(Article).where(Article.id.in_(ids))):
        quiz = summaries.quiz_for_article(
            session, article, settings, seed=seed, backend=BuiltinBackend()
        )
        pools.append(list(quiz.to_dict()["questions"]))
    questions: list[dict[str, Any]] = []
    # Round robin over the articles, so every article of the quest is asked about.
    while len(questions) < settings.quest_quiz_questions and any(pools):
        for pool in pools:
            if pool and len(questions) < settings.quest_quiz_questions:
                q = pool.pop(0)
                questions.append({**q, "id": f"q{len(questions) + 1}"})
    if not questions:
        raise NotFound("this quest's articles have no figures to ask about", code="no_quiz")
    return {"questions": questions}


def get_step_quiz(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    reader_id: uuid.UUID,
    quest_ref: str,
    position: int,
) -> StepQuiz:
    """The reader's quiz for a quiz step: drawn once per attempt, the same until answered."""
    quest = get_quest(session, quest_ref)
    step = _step(quest, position, StepKind.QUIZ)
    progress = progress_of(session, settings, now, reader_id, [quest])[0]
    item = next(s for s in progress.steps if s.step.id == step.id)
    state = _state(session, step, reader_id)
    left = max(0, settings.quest_quiz_attempts - state.attempts)
    if item.done:
        return StepQuiz(quest, step, [], left, True)
    _open_to(session, settings, now, reader_id, quest)
    if not item.open:
        raise Conflict("do the steps before this quiz first", code="quiz_locked")
    if left == 0:
        raise Conflict("no attempt left at this quiz", code="no_attempt_left")
    if state.quiz is None:
        state.quiz = _draw(
            session, settings, quest, step, f"{quest.id}:{reader_id}:{state.attempts}"
        )
        session.flush()
    return StepQuiz(quest, step, written.public(state.quiz)["questions"], left, False)


def answer_step_quiz(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    reader_id: uuid.UUID,
    quest_ref: str,
    position: int,
    answers: Mapping[str, str],
) -> QuizAnswer:
    """Grade an attempt (every answer right passes the step); a failed one uses an attempt and
    the next draws the questions again. Passing the last step completes the quest."""
    quest = get_quest(session, quest_ref)
    step = _step(quest, position, StepKind.QUIZ)
    _open_to(session, settings, now, reader_id, quest)
    state = _state(session, step, reader_id)
    if state.done_at is not None:
        raise Conflict("you have passed this quiz already", code="quiz_answered")
    if state.quiz is None:
        raise Conflict("ask for the quiz before answering it", code="quiz_not_started")
    correct, total = written.grade(state.quiz, answers)
    passed = total > 0 and correct == total
    state.attempts += 1
    if passed:
        state.done_at = now
    else:
        state.quiz = None  # the next attempt draws again
    session.flush()
    completion = complete_quest(session, settings, now, reader_id, quest)
    left = max(0, settings.quest_quiz_attempts - state.attempts)
    return QuizAnswer(correct, total, passed, left, completion)


def collect(
    session: Session, settings: Settings, now: datetime, *, reader_id: uuid.UUID, quest_ref: str
) -> Completion:
    """Complete a quest whose steps are all done (e.g. a read approved after review); the state
    says why not otherwise."""
    quest = get_quest(session, quest_ref)
    return complete_quest(session, settings, now, reader_id, quest)
