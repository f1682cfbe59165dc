"""Where readers stand on quests: the steps each has done, and whether a quest can be completed.

A read step is done by a credited read of its article (a read held, rejected or reversed does
not count); with `quest_count_earlier_reads` off, only by one credited from the quest's start.
An article-quiz step is done when the per-read quiz of such a read was passed (every answer
right, not faster than it can be read). A quiz or link step is done when its state says so.
"""

from __future__ import annotations

import enum
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.articles import service as articles_service
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.fraud.trust import TrustRules, get_trust
from readtoearn.ledger import service as ledger
from readtoearn.quests.models import (
    Quest,
    QuestCompletion,
    QuestStatus,
    QuestStep,
    QuestStepState,
    StepKind,
    TrustLevel,
)
from readtoearn.quests.sponsors import available, sponsor_available
from readtoearn.reading.models import Read
from readtoearn.reading.rules import QUIZ_TOO_FAST

CREDITED = "credited"
TRUST_ORDER = (TrustLevel.ANYONE, TrustLevel.VERIFIED, TrustLevel.TRUSTED)


class QuestState(enum.StrEnum):
    """Where a quest stands for one reader (or for a visitor)."""

    AVAILABLE = "available"
    COMPLETED = "completed"
    UPCOMING = "upcoming"  # not started yet
    ENDED = "ended"  # past its end, or closed
    FULL = "full"  # the cap on completions is reached
    BUDGET_SPENT = "budget_spent"  # its sponsor (or the programme) cannot pay it
    LOCKED = "locked"  # the reader's trust level is below the quest's minimum


@dataclass(frozen=True)
class StepProgress:
    step: QuestStep
    article: Article | None
    done: bool
    open: bool  # a quiz step opens once every step before it is done

    @property
    def withdrawn(self) -> bool:
        """The step's article was unpublished or deleted since: readers can no longer read it
        (a read credited before still counts). The console warns on the article's page."""
        article = self.article
        return (
            article is not None
            and articles_service.status_of(article) != articles_service.PUBLISHED
        )


@dataclass(frozen=True)
class QuestProgress:
    """A quest, its steps and where one reader stands on it."""

    quest: Quest
    steps: list[StepProgress]
    state: QuestState
    completion: QuestCompletion | None = None
    signed_in: bool = True

    @property
    def done(self) -> int:
        """Steps done."""
        return sum(s.done for s in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def ready(self) -> bool:
        """Every step done, the quest not completed yet."""
        return self.completion is None and self.done == self.total

    @property
    def points_waiting(self) -> int:
        """The points this reader can still earn here (0 once earned or out of reach)."""
        return self.quest.points if self.state is QuestState.AVAILABLE else 0

    @property
    def closes_at(self) -> datetime | None:
        return self.quest.ends_at

    @property
    def sponsored(self) -> bool:
        return self.quest.sponsor_id is not None


@dataclass
class _Reader:
    """What is known about one reader while judging several quests (each looked up once)."""

    reader_id: uuid.UUID | None
    settings: Settings
    now: datetime
    level: TrustLevel | None = None
    budgets: dict[uuid.UUID | None, int] = field(default_factory=dict)


def quest_start(quest: Quest) -> datetime:
    """From when the quest counts reads when earlier reads do not count."""
    return quest.starts_at or quest.created_at


def _trust_level(session: Session, ctx: _Reader) -> TrustLevel:
    if ctx.level is None:
        assert ctx.reader_id is not None
        trust = get_trust(session, ctx.reader_id, TrustRules.of(ctx.settings), ctx.now)
        ctx.level = (
            TrustLevel.TRUSTED
            if trust.trusted and trust.email_verified
            else TrustLevel.VERIFIED
            if trust.email_verified
            else TrustLevel.ANYONE
        )
    return ctx.level


def _budget(session: Session, ctx: _Reader, quest: Quest) -> int:
    key = quest.sponsor_id
    if key not in ctx.budgets:
        if key is None:
            budget = ledger.account_id(ledger.AccountCode.BUDGET)
            ctx.budgets[key] = available(session, budget)
        else:
            ctx.budgets[key] = sponsor_available(session, key)
    return ctx.budgets[key]


def state_of(
    session: Session, ctx: _Reader, quest: Quest, completion: QuestCompletion | None
) -> QuestState:
    """Where a quest stands for this reader now."""
    now = ctx.now
    if completion is not None:
        return QuestState.COMPLETED
    if quest.status == QuestStatus.CLOSED or (quest.ends_at is not None and now >= quest.ends_at):
        return QuestState.ENDED
    if quest.starts_at is not None and now < quest.starts_at:
        return QuestState.UPCOMING
    if quest.max_completions is not None and quest.completions >= quest.max_completions:
        return QuestState.FULL
    if _budget(session, ctx, quest) < quest.points:
        return QuestState.BUDGET_SPENT
    needed = TrustLevel(quest.min_trust)
    if (
        ctx.reader_id is not None
        and needed is not TrustLevel.ANYONE
        and TRUST_ORDER.index(_trust_level(session, ctx)) < TRUST_ORDER.index(needed)
    ):
        return QuestState.LOCKED
    return QuestState.AVAILABLE


def _reads_by_article(
    session: Session, reader_id: uuid.UUID, article_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[Read]]:
    ids = set(article_ids)
    out: dict[uuid.UUID, list[Read]] = defaultdict(list)
    if not ids:
        return out
    stmt = select(Read).where(
        Read.reader_id == reader_id, Read.article_id.in_(ids), Read.status == CREDITED
    )
    for read in session.scalars(stmt):
        out[read.article_id].append(read)
    return out


def quiz_passed(read: Read) -> bool:
    """The per-read quiz of a read was passed: every answer right, at a human pace."""
    if read.quiz_answered_at is None or not read.quiz:
        return False
    total = len(read.quiz.get("questions", []))
    return total > 0 and read.quiz_correct == total and QUIZ_TOO_FAST not in (read.evidence or {})


def _step_done(
    step: QuestStep,
    quest: Quest,
    reads: dict[uuid.UUID, list[Read]],
    states: dict[uuid.UUID, QuestStepState],
    count_earlier: bool,
) -> bool:
    kind = StepKind(step.kind)
    if kind in (StepKind.QUIZ, StepKind.LINK):
        state = states.get(step.id)
        return state is not None and state.done_at is not None
    start = quest_start(quest)
    for read in reads.get(step.article_id, []) if step.article_id else []:
        if not count_earlier and (read.completed_at is None or read.completed_at < start):
            continue
        if kind is StepKind.READ or quiz_passed(read):
            return True
    return False


def progress_of(
    session: Session,
    settings: Settings,
    now: datetime,
    reader_id: uuid.UUID | None,
    quests: Sequence[Quest],
) -> list[QuestProgress]:
    """Each quest's progress for a reader (a visitor, with None: nothing done), in a few queries."""
    ctx = _Reader(reader_id, settings, now)
    steps = [s for q in quests for s in q.steps]
    article_ids = {s.article_id for s in steps if s.article_id is not None}
    articles = (
        {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(article_ids)))}
        if article_ids
        else {}
    )
    reads: dict[uuid.UUID, list[Read]] = {}
    states: dict[uuid.UUID, QuestStepState] = {}
    completions: dict[uuid.UUID, QuestCompletion] = {}
    if reader_id is not None and quests:
        reads = _reads_by_article(session, reader_id, article_ids)
        step_ids = [s.id for s in steps if s.kind in (StepKind.QUIZ, StepKind.LINK)]
        if step_ids:
            states = {
                st.step_id: st
                for st in session.scalars(
                    select(QuestStepState).where(
                        QuestStepState.reader_id == reader_id, QuestStepState.step_id.in_(step_ids)
                    )
                )
            }
        completions = {
            c.quest_id: c
            for c in session.scalars(
                select(QuestCompletion).where(
                    QuestCompletion.reader_id == reader_id,
                    QuestCompletion.quest_id.in_([q.id for q in quests]),
                )
            )
        }
    out = []
    for quest in quests:
        done_before = True
        items = []
        for step in quest.steps:
            done = reader_id is not None and _step_done(
                step, quest, reads, states, settings.quest_count_earlier_reads
            )
            opens = done_before or StepKind(step.kind) is not StepKind.QUIZ
            article = articles.get(step.article_id) if step.article_id else None
            items.append(StepProgress(step, article, done, opens))
            done_before = done_before and done
        completion = completions.get(quest.id)
        out.append(
            QuestProgress(
                quest=quest,
                steps=items,
                state=state_of(session, ctx, quest, completion),
                completion=completion,
                signed_in=reader_id is not None,
            )
        )
    return out
