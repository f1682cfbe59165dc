"""Quests as an operator composes them: the draft, its checks, creating and closing a quest."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts.trail import record_action
from readtoearn.articles import service as articles
from readtoearn.articles.text import slugify
from readtoearn.errors import Conflict, InvalidInput, NotFound
from readtoearn.quests.models import Quest, QuestStatus, QuestStep, StepKind, TrustLevel
from readtoearn.quests.sponsors import get_sponsor
from readtoearn.quests.urls import checked_url
from readtoearn.quests.written import checked_quiz

log = logging.getLogger(__name__)

MAX_STEPS = 20
MAX_POINTS = 10**9
ARTICLE_STEPS = (StepKind.READ, StepKind.ARTICLE_QUIZ)


@dataclass(frozen=True)
class StepDraft:
    """One step: an article (read, or its quiz passed), the quest's quiz, or a link."""

    kind: StepKind
    article: str | None = None  # the article's id
    url: str | None = None
    label_en: str = ""
    label_fr: str = ""
    quiz: Mapping[str, Any] | None = None  # written questions (see quests/written.py)


@dataclass(frozen=True)
class QuestDraft:
    """A quest as an operator describes it."""

    title_en: str
    points: int
    steps: list[StepDraft] = field(default_factory=list)
    title_fr: str = ""
    description_en: str = ""
    description_fr: str = ""
    sponsor: str | None = None  # id or slug: a partner quest, paid from the sponsor's account
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_completions: int | None = None
    min_trust: TrustLevel = TrustLevel.ANYONE
    slug: str | None = None


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_quest")


def _aware(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def create_quest(
    session: Session,
    draft: QuestDraft,
    *,
    by: str = "",
    actor: uuid.UUID | None = None,
    trail: bool = True,
) -> Quest:
    """Check a draft and save the quest with its steps; InvalidInput says what is wrong. The
    operator's action goes to the audit trail (actor None: the command line)."""
    title = draft.title_en.strip()
    if not title or len(title) > 200 or len(draft.title_fr.strip()) > 200:
        raise _invalid("a quest's title is 1 to 200 characters")
    if not 1 <= draft.points <= MAX_POINTS:
        raise _invalid(f"a quest pays between 1 and {MAX_POINTS} points")
    if not 1 <= len(draft.steps) <= MAX_STEPS:
        raise _invalid(f"a quest has 1 to {MAX_STEPS} steps")
    starts, ends = _aware(draft.starts_at), _aware(draft.ends_at)
    if starts and ends and ends <= starts:
        raise _invalid("a quest must end after it starts")
    if draft.max_completions is not None and draft.max_completions < 1:
        raise _invalid("the cap on completions is at least 1")
    sponsor = get_sponsor(session, draft.sponsor) if draft.sponsor else None
    slug = slugify(draft.slug or title)
    if session.scalar(select(Quest.id).where(Quest.slug == slug)) is not None:
        if draft.slug:
            raise Conflict(f"a quest with the slug {slug!r} exists already", code="slug_taken")
        slug = f"{slug[:71]}-{uuid.uuid4().hex[:8]}"
    quest = Quest(
        slug=slug,
        title_en=title,
        title_fr=draft.title_fr.strip(),
        description_en=draft.description_en.strip(),
        description_fr=draft.description_fr.strip(),
        points=draft.points,
        sponsor_id=sponsor.id if sponsor else None,
        starts_at=starts,
        ends_at=ends,
        max_completions=draft.max_completions,
        completions=0,
        min_trust=TrustLevel(draft.min_trust).value,
        status=QuestStatus.OPEN.value,
        created_by=by[:200],
    )
    quest.steps = [_step(session, i, s, draft.steps) for i, s in enumerate(draft.steps, start=1)]
    session.add(quest)
    session.flush()
    if trail:
        after = {
            "slug": quest.slug,
            "points": quest.points,
            "steps": [s.kind for s in quest.steps],
            "sponsor": sponsor.slug if sponsor else None,
            "starts_at": starts,
            "ends_at": ends,
            "max_completions": quest.max_completions,
            "min_trust": quest.min_trust,
        }
        record_action(session, actor, "quest.create", target=("quest", quest.id), after=after)
    log.info("quest %s created by %s", quest.slug, by or "an operator")
    return quest


def _step(session: Session, position: int, draft: StepDraft, steps: list[StepDraft]) -> QuestStep:
    kind = StepKind(draft.kind)
    where = f"step {position}"
    if len(draft.label_en) > 200 or len(draft.label_fr) > 200:
        raise _invalid(f"{where}: a label is at most 200 characters")
    step = QuestStep(
        position=position,
        kind=kind.value,
        label_en=draft.label_en.strip(),
        label_fr=draft.label_fr.strip(),
    )
    if kind in ARTICLE_STEPS:
        if not draft.article:
            raise _invalid(f"{where}: name the article")
        try:
            step.article_id = articles.get_article(session, draft.article).id
        except NotFound:
            raise _invalid(f"{where}: no article has the id {draft.article}") from None
    elif kind is StepKind.LINK:
        step.url = checked_url(draft.url, f"{where}: the link")
        if step.url is None:
            raise _invalid(f"{where}: give the link to open")
    elif draft.quiz is not None:
        step.quiz = checked_quiz(draft.quiz, where)
    elif not any(s.kind in ARTICLE_STEPS for s in steps):
        raise _invalid(f"{where}: write the questions, or add an article to draw them from")
    return step


def get_quest(session: Session, ref: str | uuid.UUID) -> Quest:
    """A quest by id or slug; NotFound when there is none."""
    quest: Quest | None = None
    try:
        quest = session.get(Quest, uuid.UUID(str(ref)))
    except ValueError:
        quest = session.scalar(select(Quest).where(Quest.slug == str(ref)))
    if quest is None:
        raise NotFound("there is no such quest", code="quest_not_found")
    return quest


def list_quests(session: Session, *, include_closed: bool = True) -> list[Quest]:
    """Quests, newest first."""
    stmt = select(Quest).order_by(Quest.created_at.desc(), Quest.slug)
    if not include_closed:
        stmt = stmt.where(Quest.status == QuestStatus.OPEN.value)
    return list(session.scalars(stmt).unique())


def quests_with_article(session: Session, article_id: uuid.UUID) -> list[Quest]:
    """The open quests one of whose steps is this article, by title (the console's article page
    names them: hiding the article leaves their readers a step they cannot do)."""
    steps = select(QuestStep.quest_id).where(QuestStep.article_id == article_id)
    stmt = (
        select(Quest)
        .where(Quest.id.in_(steps), Quest.status == QuestStatus.OPEN.value)
        .order_by(Quest.title_en, Quest.slug)
    )
    return list(session.scalars(stmt).unique())


def close_quest(
    session: Session,
    ref: str | uuid.UUID,
    now: datetime,
    *,
    by: str = "",
    actor: uuid.UUID | None = None,
) -> Quest:
    """Close a quest: no completion from now on (those made stay paid)."""
    quest = get_quest(session, ref)
    if quest.status == QuestStatus.CLOSED:
        raise Conflict("this quest is closed already", code="quest_closed")
    quest.status = QuestStatus.CLOSED.value
    quest.closed_at = now
    quest.closed_by = by[:200]
    session.flush()
    record_action(
        session,
        actor,
        "quest.close",
        target=("quest", quest.id),
        before={"status": "open"},
        after={"status": "closed", "completions": quest.completions},
        now=now,
    )
    log.info("quest %s closed by %s", quest.slug, by or "an operator")
    return quest


def draft_from_json(data: object) -> QuestDraft:
    """A draft from the JSON an operator writes (docs/quests.md); InvalidInput when malformed."""
    if not isinstance(data, Mapping):
        raise _invalid("the quest file must hold a JSON object")
    try:
        steps = [
            StepDraft(
                kind=StepKind(s["kind"]),
                article=s.get("article"),
                url=s.get("url"),
                label_en=str(s.get("label", s.get("label_en", ""))),
                label_fr=str(s.get("label_fr", "")),
                quiz=s.get("quiz"),
            )
            for s in data.get("steps", [])
        ]
        return QuestDraft(
            title_en=str(data.get("title", data.get("title_en", ""))),
            title_fr=str(data.get("title_fr", "")),
            description_en=str(data.get("description", data.get("description_en", ""))),
            description_fr=str(data.get("description_fr", "")),
            points=int(data["points"]),
            steps=steps,
            sponsor=data.get("sponsor"),
            starts_at=_parse_when(data.get("starts_at")),
            ends_at=_parse_when(data.get("ends_at")),
            max_completions=data.get("max_completions"),
            min_trust=TrustLevel(data.get("min_trust", TrustLevel.ANYONE)),
            slug=data.get("slug"),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _invalid(f"the quest file is not as documented: {exc}") from None


def _parse_when(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    return _aware(datetime.fromisoformat(str(value)))
