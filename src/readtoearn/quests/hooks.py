"""Quests advanced by what readers do elsewhere: a read credited, an article's quiz passed.

The tracker's completion and the per-read quiz call these instead of the reading service alone,
in the same unit of work: the quest a read finishes is completed and paid in its commit (after
the ledger has answered for the read itself).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from readtoearn.batch import Later
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.ledger import service as ledger
from readtoearn.quests.completion import Completion, complete_quest
from readtoearn.quests.models import Quest, QuestStatus, QuestStep
from readtoearn.reading import service as reading
from readtoearn.reading.live import LiveStore
from readtoearn.reading.rules import Verdict


def advance_after_read(
    session: Session, settings: Settings, now: datetime, reader_id: uuid.UUID, article_id: uuid.UUID
) -> list[Completion]:
    """Complete every open quest this article's step may have finished; the ones paid now."""
    stmt = (
        select(Quest)
        .join(QuestStep, QuestStep.quest_id == Quest.id)
        .where(QuestStep.article_id == article_id, Quest.status == QuestStatus.OPEN.value)
        .options(selectinload(Quest.steps))
    )
    paid = []
    for quest in session.scalars(stmt).unique():
        try:
            done = complete_quest(session, settings, now, reader_id, quest)
        except ledger.ReaderFrozen:
            # Nothing written (the quest's savepoint is rolled back): the quest waits for the
            # reader to be unfrozen, and the read or quiz that got here keeps its own outcome.
            break
        if done.created:
            paid.append(done)
    return paid


def complete_read(
    session: Session,
    store: LiveStore,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    read_id: str,
    token: str,
) -> Later[reading.Outcome]:
    """`reading.complete_read_later`, followed (once the ledger has answered for the read) by
    the quests a credited read finishes, in the same unit."""

    def advance(s: Session, outcome: reading.Outcome) -> reading.Outcome:
        if outcome.verdict is Verdict.CREDITED:
            advance_after_read(s, settings, clock.now(), reader_id, outcome.read.article_id)
        return outcome

    later = reading.complete_read_later(
        session, store, settings, clock, reader_id=reader_id, read_id=read_id, token=token
    )
    return later.followed_by(advance)


def answer_read_quiz(
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    reader_id: uuid.UUID,
    read_id: str,
    answers: dict[str, str],
) -> Later[reading.QuizOutcome]:
    """`reading.answer_quiz_later`, followed (once the ledger has answered for the bonus) by the
    quests whose article-quiz step it passed; `.now(session)` finishes it at once."""

    def advance(s: Session, outcome: reading.QuizOutcome) -> reading.QuizOutcome:
        if outcome.passed:
            read = reading.owned_read(s, reader_id, read_id)
            advance_after_read(s, settings, clock.now(), reader_id, read.article_id)
        return outcome

    later = reading.answer_quiz_later(
        session, settings, clock, reader_id=reader_id, read_id=read_id, answers=answers
    )
    return later.followed_by(advance)
