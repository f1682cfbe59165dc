"""JSON API v1: the tracker protocol (reads, beats, completion)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from readtoearn.reading import service as reading
from readtoearn.web import i18n
from readtoearn.web.deps import ClockDep, CurrentReader, SessionDep, SettingsDep, WriteSessionDep
from readtoearn.web.routes.api_wallet import explain
from readtoearn.web.schemas import ErrorOut

router = APIRouter(prefix="/api/v1/reads", tags=["reading"])
bench_router = APIRouter(prefix="/api/v1/_bench", include_in_schema=False)

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 404, 409, 413, 422)
}


class StartIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    article_id: Annotated[str, Field(min_length=1, max_length=64)]
    view_token: Annotated[str | None, Field(max_length=200)] = None
    webdriver: bool = False


class StartOut(BaseModel):
    read_id: str
    token: str
    seq: int
    beat_interval_s: int
    resumed: bool
    progress: float
    required: dict[str, Any]


class Events(BaseModel):
    model_config = ConfigDict(extra="ignore")

    scroll: Annotated[int, Field(ge=0, le=100_000)] = 0
    wheel: Annotated[int, Field(ge=0, le=100_000)] = 0
    key: Annotated[int, Field(ge=0, le=100_000)] = 0
    pointer: Annotated[int, Field(ge=0, le=100_000)] = 0
    touch: Annotated[int, Field(ge=0, le=100_000)] = 0


class BeatIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token: Annotated[str, Field(min_length=1, max_length=200)]
    seq: Annotated[int, Field(ge=1, le=100_000)]
    active_ms: Annotated[int, Field(ge=0, le=3_600_000)]
    scroll_max: Annotated[float, Field(ge=0, le=1)] = 0.0
    paragraphs_seen: Annotated[list[Annotated[int, Field(ge=0)]], Field(max_length=2000)] = []
    visible: bool = True
    focused: bool = True
    events: Events = Events()
    viewport_h: Annotated[int | None, Field(ge=0, le=100_000)] = None
    document_h: Annotated[int | None, Field(ge=0, le=10_000_000)] = None
    webdriver: bool = False


class BeatOut(BaseModel):
    token: str
    active_seconds: float
    progress: float
    end_reached: bool


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token: Annotated[str, Field(min_length=1, max_length=200)]
    quiz_answers: dict[str, str] | None = None


class CompleteOut(BaseModel):
    read_id: str
    verdict: str
    points: int
    reasons: list[str]
    messages: list[str]


@router.post("", status_code=201, responses=ERRORS, summary="Start (or resume) a read")
def start(
    body: StartIn,
    request: Request,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> JSONResponse:
    started = reading.start_read(
        session,
        settings,
        clock,
        reader_id=reader.id,
        article_id=body.article_id,
        view_token=body.view_token,
        webdriver=body.webdriver,
        user_agent=request.headers.get("user-agent", ""),
    )
    out = StartOut(
        read_id=str(started.read.id),
        token=started.token,
        seq=started.read.next_seq,
        beat_interval_s=settings.beat_interval_s,
        resumed=started.resumed,
        progress=started.progress,
        required=started.required,
    )
    return JSONResponse(out.model_dump(), status_code=200 if started.resumed else 201)


@router.post("/{read_id}/beats", responses=ERRORS, summary="Report reading activity")
def beat(
    read_id: str,
    body: BeatIn,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> BeatOut:
    result = reading.record_beat(
        session,
        settings,
        clock,
        reader_id=reader.id,
        read_id=read_id,
        beat=reading.Beat(
            token=body.token,
            seq=body.seq,
            active_ms=body.active_ms,
            scroll_max=body.scroll_max,
            paragraphs_seen=body.paragraphs_seen,
            visible=body.visible,
            focused=body.focused,
            events=body.events.model_dump(),
            viewport_h=body.viewport_h,
            document_h=body.document_h,
            webdriver=body.webdriver,
        ),
    )
    return BeatOut(
        token=result.token,
        active_seconds=result.active_seconds,
        progress=result.progress,
        end_reached=result.end_reached,
    )


@router.post("/{read_id}/complete", responses=ERRORS, summary="Ask for the verdict")
def complete(
    read_id: str,
    body: CompleteIn,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> CompleteOut:
    outcome = reading.complete_read(
        session, settings, clock, reader_id=reader.id, read_id=read_id, token=body.token
    )
    reasons = [r.value for r in outcome.reasons]
    return CompleteOut(
        read_id=str(outcome.read.id),
        verdict=outcome.verdict.value,
        points=outcome.points,
        reasons=reasons,
        messages=explain(reasons, reader.language),
    )


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
    points: int
    per_question: dict[str, bool]
    message: str


@router.get("/{read_id}/quiz", responses=ERRORS, summary="The reader's quiz for a credited read")
def quiz(
    read_id: str, reader: CurrentReader, session: WriteSessionDep, settings: SettingsDep
) -> dict[str, Any]:
    return reading.get_quiz(session, settings, reader_id=reader.id, read_id=read_id).public()


@router.post("/{read_id}/quiz", responses=ERRORS, summary="Answer the quiz (one attempt)")
def answer_quiz(
    read_id: str,
    body: QuizAnswersIn,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> QuizResultOut:
    outcome = reading.answer_quiz(
        session, settings, clock, reader_id=reader.id, read_id=read_id, answers=body.answers
    )
    message = i18n.translations(reader.language).gettext(outcome.message)
    return QuizResultOut(
        correct=outcome.correct,
        total=outcome.total,
        passed=outcome.passed,
        points=outcome.points,
        per_question=outcome.per_question,
        message=message,
    )


@bench_router.post("/noop", status_code=204)
def noop(body: BeatIn) -> None:
    """The benchmark's baseline: the same body parsed by the same app, and nothing else."""
