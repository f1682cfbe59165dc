"""What readers see of quests: the list with their progress, one quest, the step banner of an
article page, and the quests a reader follows that close soon (for the reminder e-mails)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from readtoearn.config import Settings
from readtoearn.db import utcnow
from readtoearn.quests.composing import get_quest
from readtoearn.quests.models import Quest, QuestStatus, QuestStep, QuestStepState
from readtoearn.quests.progress import QuestProgress, QuestState, progress_of
from readtoearn.reading.models import Read


@dataclass(frozen=True)
class ClosingQuest:
    """A quest a reader follows (a step done, not finished) that closes soon."""

    reader_id: uuid.UUID
    quest_id: uuid.UUID
    title: str
    title_fr: str
    closes_at: datetime
    steps_done: int
    steps_total: int
    points: int
    link: str


# States a reader is shown on the quests page (ended and upcoming ones only once followed).
SHOWN = (QuestState.AVAILABLE, QuestState.COMPLETED, QuestState.BUDGET_SPENT, QuestState.LOCKED)


@dataclass(frozen=True)
class ArticleStep:
    """One quest this article is a step of: "Step 2 of 4 of <quest>"."""

    progress: QuestProgress
    position: int
    done: bool

    @property
    def quest(self) -> Quest:
        return self.progress.quest

    @property
    def total(self) -> int:
        return self.progress.total


def _open_quests(session: Session) -> list[Quest]:
    stmt = (
        select(Quest)
        .where(Quest.status == QuestStatus.OPEN.value)
        .options(selectinload(Quest.steps))
        .order_by(Quest.created_at.desc(), Quest.slug)
    )
    return list(session.scalars(stmt).unique())


def list_reader_quests(
    session: Session,
    settings: Settings,
    reader_id: uuid.UUID | None,
    *,
    now: datetime | None = None,
    include_finished: bool = False,
) -> list[QuestProgress]:
    """The quests a reader can see, with their progress: steps done, points waiting, closing
    date (`closes_at`). Those they completed stay listed; `include_finished` adds the ones that
    ended, are full or have not started."""
    now = now or utcnow()
    quests = _open_quests(session)
    items = progress_of(session, settings, now, reader_id, quests)
    if include_finished:
        return items
    return [p for p in items if p.state in SHOWN or (p.done and p.state is not QuestState.ENDED)]


def get_reader_quest(
    session: Session,
    settings: Settings,
    reader_id: uuid.UUID | None,
    ref: str,
    *,
    now: datetime | None = None,
) -> QuestProgress:
    """One quest by id or slug, with the reader's progress; NotFound when there is none."""
    quest = get_quest(session, ref)
    return progress_of(session, settings, now or utcnow(), reader_id, [quest])[0]


def steps_for_article(
    session: Session,
    reader_id: uuid.UUID | None,
    article_id: uuid.UUID,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> list[ArticleStep]:
    """The open quests this article is a step of, with the reader's progress on each."""
    # Most articles are a step of no open quest, and every signed-in article page asks: a plain
    # existence check first costs half of loading the quests with their steps.
    step_of_one = session.execute(
        select(QuestStep.quest_id)
        .join(Quest, Quest.id == QuestStep.quest_id)
        .where(QuestStep.article_id == article_id, Quest.status == QuestStatus.OPEN.value)
        .limit(1)
    ).first()
    if step_of_one is None:
        return []
    stmt = (
        select(Quest)
        .join(QuestStep, QuestStep.quest_id == Quest.id)
        .where(QuestStep.article_id == article_id, Quest.status == QuestStatus.OPEN.value)
        .options(selectinload(Quest.steps))
        .order_by(Quest.created_at.desc())
    )
    quests = list(session.scalars(stmt).unique())
    if not quests:
        return []
    items = progress_of(session, settings or Settings(), now or utcnow(), reader_id, quests)
    out = []
    for progress in items:
        if progress.state in (QuestState.ENDED, QuestState.UPCOMING):
            continue
        for item in progress.steps:
            if item.step.article_id == article_id:
                out.append(ArticleStep(progress, item.step.position, item.done))
                break
    return out


def list_closing_quests(
    session: Session,
    now: datetime,
    window: timedelta,
    *,
    settings: Settings | None = None,
) -> list[ClosingQuest]:
    """Each (reader, quest) where the reader has done a step of an open quest, has not completed
    it, and the quest closes within the window (for quests/reminders.py)."""
    settings = settings or Settings()
    stmt = (
        select(Quest)
        .where(
            Quest.status == QuestStatus.OPEN.value,
            Quest.ends_at.is_not(None),
            Quest.ends_at > now,
            Quest.ends_at <= now + window,
        )
        .options(selectinload(Quest.steps))
    )
    base = settings.base_url.rstrip("/")
    out = []
    for quest in session.scalars(stmt).unique():
        for reader_id in list_followers(session, quest):
            progress = progress_of(session, settings, now, reader_id, [quest])[0]
            if progress.state is not QuestState.AVAILABLE or progress.done == 0:
                continue
            assert quest.ends_at is not None
            out.append(
                ClosingQuest(
                    reader_id=reader_id,
                    quest_id=quest.id,
                    title=quest.title_en,
                    title_fr=quest.title_fr,
                    closes_at=quest.ends_at,
                    steps_done=progress.done,
                    steps_total=progress.total,
                    points=quest.points,
                    link=f"{base}/quests/{quest.id}",
                )
            )
    return out


def list_followers(session: Session, quest: Quest) -> list[uuid.UUID]:
    """Readers who have done something toward a quest: a credited read of one of its articles
    since it started, or a quiz or link step of theirs."""
    article_ids = [s.article_id for s in quest.steps if s.article_id is not None]
    readers: set[uuid.UUID] = set()
    if article_ids:
        readers.update(
            session.scalars(
                select(Read.reader_id)
                .where(
                    Read.article_id.in_(article_ids),
                    Read.status == "credited",
                    Read.completed_at >= (quest.starts_at or quest.created_at),
                )
                .distinct()
            )
        )
    readers.update(
        session.scalars(
            select(QuestStepState.reader_id)
            .where(QuestStepState.step_id.in_([s.id for s in quest.steps]))
            .distinct()
        )
    )
    return sorted(readers)
