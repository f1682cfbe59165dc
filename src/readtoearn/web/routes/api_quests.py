"""JSON API v1: quests with the reader's progress, their link and quiz steps, collecting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from readtoearn.quests import service as quests
from readtoearn.web import i18n
from readtoearn.web.deps import (
    ClockDep,
    CommitterDep,
    CurrentReader,
    OptionalReader,
    ReaderAlone,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from readtoearn.web.schemas import ErrorOut

router = APIRouter(prefix="/api/v1/quests", tags=["quests"])

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 404, 409, 422)
}
Ref = Annotated[str, Path(max_length=100, description="The quest's id or slug")]
Position = Annotated[int, Path(ge=1, le=100, description="The step's position (1, 2, ...)")]


class SponsorOut(BaseModel):
    name: str
    logo_url: str | None
    link_url: str | None


class StepOut(BaseModel):
    position: int
    kind: str
    label: str
    article_id: str | None
    article_title: str | None
    article_path: str | None
    # False when the step's article was unpublished or deleted since (no path then): a read
    # credited before still counts, no new one can start.
    article_available: bool | None
    link: str | None
    done: bool
    open: bool


class QuestOut(BaseModel):
    id: str
    slug: str
    title: str
    description: str
    kind: str  # classic | partner
    sponsor: SponsorOut | None
    points: int
    starts_at: datetime | None
    ends_at: datetime | None
    max_completions: int | None
    completions: int
    min_trust: str
    # available | completed | upcoming | ended | full | budget_spent | locked
    state: str
    steps: list[StepOut]
    steps_done: int
    steps_total: int
    points_waiting: int
    completed_at: datetime | None

    @classmethod
    def of(cls, p: quests.QuestProgress, language: str) -> QuestOut:
        q = p.quest
        sponsor = q.sponsor
        return cls(
            id=str(q.id),
            slug=q.slug,
            title=q.title(language),
            description=q.description(language),
            kind="partner" if sponsor else "classic",
            sponsor=SponsorOut(
                name=sponsor.name, logo_url=sponsor.logo_url, link_url=sponsor.link_url
            )
            if sponsor
            else None,
            points=q.points,
            starts_at=q.starts_at,
            ends_at=q.ends_at,
            max_completions=q.max_completions,
            completions=q.completions,
            min_trust=q.min_trust,
            state=p.state.value,
            steps=[
                StepOut(
                    position=s.step.position,
                    kind=s.step.kind,
                    label=s.step.label(language),
                    article_id=str(s.article.id) if s.article else None,
                    article_title=s.article.title if s.article else None,
                    article_path=f"/articles/{s.article.id}/{s.article.slug}"
                    if s.article and not s.withdrawn
                    else None,
                    article_available=not s.withdrawn if s.article else None,
                    link=s.step.url,
                    done=s.done,
                    open=s.open,
                )
                for s in p.steps
            ],
            steps_done=p.done,
            steps_total=p.total,
            points_waiting=p.points_waiting,
            completed_at=p.completion.completed_at if p.completion else None,
        )


class CompletionOut(BaseModel):
    completed: bool  # paid by this request
    points: int
    quest: QuestOut


class OpenedOut(BaseModel):
    url: str
    completion: CompletionOut


class QuizOut(BaseModel):
    questions: list[dict[str, Any]]
    attempts_left: int
    done: bool


class QuizAnswersIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    answers: Annotated[
        dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=64)]],
        Field(max_length=20),
    ]


class QuizResultOut(BaseModel):
    correct: int
    total: int
    passed: bool
    attempts_left: int
    completion: CompletionOut


def _language(request: Request, default: str) -> str:
    return i18n.negotiate(request, default)


def _completion(done: quests.Completion, language: str) -> CompletionOut:
    return CompletionOut(
        completed=done.created, points=done.points, quest=QuestOut.of(done.progress, language)
    )


@router.get("", summary="Quests, with the reader's progress when signed in")
def list_quests(
    request: Request,
    reader: OptionalReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> list[QuestOut]:
    items = quests.list_reader_quests(
        session, settings, reader.id if reader else None, now=clock.now()
    )
    language = _language(request, reader.language if reader else settings.default_language)
    return [QuestOut.of(p, language) for p in items]


@router.get("/{ref}", responses=ERRORS, summary="One quest, with the reader's progress")
def get_quest(
    request: Request,
    ref: Ref,
    reader: OptionalReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> QuestOut:
    progress = quests.get_reader_quest(
        session, settings, reader.id if reader else None, ref, now=clock.now()
    )
    language = _language(request, reader.language if reader else settings.default_language)
    return QuestOut.of(progress, language)


@router.post(
    "/{ref}/collect",
    responses=ERRORS,
    summary="Complete a quest whose steps are all done (paid once, whatever the retries)",
)
async def collect(
    request: Request,
    ref: Ref,
    reader: ReaderAlone,
    committer: CommitterDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> CompletionOut:
    reader_id, language = reader.id, _language(request, reader.language)

    def work(session: Session) -> CompletionOut:
        done = quests.collect(session, settings, clock.now(), reader_id=reader_id, quest_ref=ref)
        return _completion(done, language)

    return await committer.run(work)


@router.post(
    "/{ref}/steps/{position}/open",
    responses=ERRORS,
    summary="Record that the reader opens a link step; answers the link to follow",
)
async def open_link(
    request: Request,
    ref: Ref,
    position: Position,
    reader: ReaderAlone,
    committer: CommitterDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> OpenedOut:
    reader_id, language = reader.id, _language(request, reader.language)

    def work(session: Session) -> OpenedOut:
        opened = quests.open_link(
            session, settings, clock.now(), reader_id=reader_id, quest_ref=ref, position=position
        )
        return OpenedOut(url=opened.url, completion=_completion(opened.completion, language))

    return await committer.run(work)


@router.get(
    "/{ref}/steps/{position}/quiz", responses=ERRORS, summary="The reader's quiz for a quiz step"
)
def get_quiz(
    ref: Ref,
    position: Position,
    reader: CurrentReader,
    session: WriteSessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> QuizOut:
    quiz = quests.get_step_quiz(
        session, settings, clock.now(), reader_id=reader.id, quest_ref=ref, position=position
    )
    return QuizOut(questions=quiz.questions, attempts_left=quiz.attempts_left, done=quiz.done)


@router.post(
    "/{ref}/steps/{position}/quiz",
    responses=ERRORS,
    summary="Answer a quiz step (all right passes; a wrong try uses an attempt)",
)
async def answer_quiz(
    request: Request,
    ref: Ref,
    position: Position,
    body: QuizAnswersIn,
    reader: ReaderAlone,
    committer: CommitterDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> QuizResultOut:
    reader_id, language = reader.id, _language(request, reader.language)

    def work(session: Session) -> QuizResultOut:
        result = quests.answer_step_quiz(
            session,
            settings,
            clock.now(),
            reader_id=reader_id,
            quest_ref=ref,
            position=position,
            answers=body.answers,
        )
        return QuizResultOut(
            correct=result.correct,
            total=result.total,
            passed=result.passed,
            attempts_left=result.attempts_left,
            completion=_completion(result.completion, language),
        )

    return await committer.run(work)
