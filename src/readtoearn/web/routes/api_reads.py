"""JSON API v1: the tracker protocol (reads, beats, completion)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from readtoearn.batch import Later
from readtoearn.fraud.sightings import Seen
from readtoearn.quests import service as quests
from readtoearn.reading import service as reading
from readtoearn.web import client, i18n
from readtoearn.web.credentials import credential_of, reader_of
from readtoearn.web.deps import (
    ClockDep,
    CommitterDep,
    CurrentReader,
    LiveStoreDep,
    PlainCommitterDep,
    ReaderAlone,
    SettingsDep,
    WriteSessionDep,
)
from readtoearn.web.schemas import ErrorOut
from readtoearn.web.trust import StartReadGate

router = APIRouter(prefix="/api/v1/reads", tags=["reading"])
bench_router = APIRouter(prefix="/api/v1/_bench", include_in_schema=False)

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (401, 404, 409, 413, 422, 429)
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
async def start(
    body: StartIn,
    request: Request,
    reader: ReaderAlone,
    _gate: StartReadGate,
    committer: PlainCommitterDep,
    store: LiveStoreDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> JSONResponse:
    reader_id = reader.id
    user_agent = request.headers.get("user-agent", "")
    device_id = client.device_id(request, settings)
    seen = Seen(client.device_hash(settings, device_id), client.request_address(request, settings))

    def work(session: Session) -> StartOut:
        started = reading.start_read(
            session,
            store,
            settings,
            clock,
            reader_id=reader_id,
            article_id=body.article_id,
            view_token=body.view_token,
            webdriver=body.webdriver,
            user_agent=user_agent,
            device_id=device_id,
            seen=seen,
        )
        return StartOut(
            read_id=str(started.read.id),
            token=started.token,
            seq=started.read.next_seq,
            beat_interval_s=settings.beat_interval_s,
            resumed=started.resumed,
            progress=started.progress,
            required=started.required,
        )

    # A crowd arriving on a story starts reads as fast as it completes them: they share commits.
    out = await committer.run(work)
    return JSONResponse(out.model_dump(), status_code=200 if out.resumed else 201)


def _beat_of(body: BeatIn) -> reading.Beat:
    return reading.Beat(
        token=body.token,
        seq=body.seq,
        active_ms=body.active_ms,
        scroll_max=body.scroll_max,
        paragraphs_seen=body.paragraphs_seen,
        visible=body.visible,
        focused=body.focused,
        events=dict(body.events.__dict__),
        viewport_h=body.viewport_h,
        document_h=body.document_h,
        webdriver=body.webdriver,
    )


def beat_body(result: reading.BeatResult) -> bytes:
    """A beat's answer (BeatOut) as JSON, written by hand: this is the busiest answer. A token
    is URL-safe base64 and a dot, the numbers are finite floats (repr is valid JSON), the flag a
    bool."""
    return (
        f'{{"token":"{result.token}","active_seconds":{float(result.active_seconds)!r},'
        f'"progress":{float(result.progress)!r},'
        f'"end_reached":{"true" if result.end_reached else "false"}}}'
    ).encode()


def _beat_response(result: reading.BeatResult) -> Response:
    return Response(beat_body(result), media_type="application/json")


def _beat_in_thread(
    state: Any, credential: str, read_id: str, beat: reading.Beat
) -> reading.BeatResult:
    reader_id = state.readers.get(credential) or reader_of(state.db, state.readers, credential)
    return reading.record_beat(
        state.db, state.live, state.settings, state.clock,
        reader_id=reader_id, read_id=read_id, beat=beat,
    )  # fmt: skip


def _inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema with its nested models written in place (no $defs to resolve)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


def _validated_beat(raw: bytes, content_type: str | None) -> BeatIn:
    """The body parsed and checked in one step (pydantic's own JSON parser); 422 as elsewhere.

    Like the framework, only a JSON body (or one without a type) is read as JSON: a page on
    another site cannot send one without the browser asking this server first (CORS).
    """
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        details = [{"type": "model_attributes_type", "loc": ("body",), "msg": "expected JSON"}]
        raise RequestValidationError(details)
    try:
        return BeatIn.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


@router.post(
    "/{read_id}/beats",
    responses=ERRORS,
    response_model=BeatOut,
    summary="Report reading activity",
    openapi_extra={
        "parameters": [
            {"name": "read_id", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_schema(BeatIn)}},
        },
    },
)
async def beat(request: Request) -> Response:
    """The tracker's hot path, kept lean: no per-request transaction and no dependency graph;
    the body is parsed by pydantic directly rather than by the framework. Most beats do not get
    here: web/fastbeat.py answers them with the same steps in front of the page middleware; this
    route answers the others (no or unknown credential, chunked or oversized bodies, NULs).

    With a recently checked credential, the beat is handled on the event loop: the store of open
    reads is this process's memory or Redis through an asyncio client, neither of which blocks.
    What needs the database (a credential to check, a read to load) runs in the thread pool.
    """
    state = request.app.state
    read_id = request.path_params["read_id"]
    credential = credential_of(request)
    if credential is None:
        raise HTTPException(401, "log in first", headers={"WWW-Authenticate": "Bearer"})
    body = _validated_beat(await request.body(), request.headers.get("content-type"))
    beat = _beat_of(body)
    reader_id = state.readers.get(credential)
    if reader_id is not None:
        try:
            result = await reading.record_beat_async(
                state.live, state.settings, state.clock,
                reader_id=reader_id, read_id=read_id, beat=beat,
            )  # fmt: skip
            return _beat_response(result)
        except reading.NeedsDatabase:
            pass
    async with state.db.admitted(write=False):
        result = await run_in_threadpool(_beat_in_thread, state, credential, read_id, beat)
    return _beat_response(result)


@router.post("/{read_id}/complete", responses=ERRORS, summary="Ask for the verdict")
async def complete(
    read_id: str,
    body: CompleteIn,
    reader: ReaderAlone,
    committer: CommitterDep,
    store: LiveStoreDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> CompleteOut:
    reader_id = reader.id

    def work(session: Session) -> Later[reading.Outcome]:
        # The quests a credited read finishes are completed and paid in the same unit.
        return quests.complete_read(
            session, store, settings, clock, reader_id=reader_id, read_id=read_id, token=body.token
        )

    # The verdict and its payment share a commit with other readers', and the payment one
    # ledger call (readtoearn.batch).
    outcome = await committer.run(work)
    reasons = [r.value for r in outcome.reasons]
    return CompleteOut(
        read_id=str(outcome.read.id),
        verdict=outcome.verdict.value,
        points=outcome.points,
        reasons=reasons,
        messages=reading.explain(reasons, i18n.translations(reader.language).gettext),
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
    read_id: str,
    reader: CurrentReader,
    session: WriteSessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> dict[str, Any]:
    quiz = reading.get_quiz(session, settings, reader_id=reader.id, read_id=read_id, clock=clock)
    return quiz.public()


@router.post("/{read_id}/quiz", responses=ERRORS, summary="Answer the quiz (one attempt)")
async def answer_quiz(
    read_id: str,
    body: QuizAnswersIn,
    reader: ReaderAlone,
    committer: CommitterDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> QuizResultOut:
    reader_id = reader.id

    def work(session: Session) -> Later[reading.QuizOutcome]:
        return quests.answer_read_quiz(
            session, settings, clock, reader_id=reader_id, read_id=read_id, answers=body.answers
        )

    outcome = await committer.run(work)
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
async def noop(body: BeatIn) -> Response:
    """The benchmark's baseline behind the whole stack: the same body parsed by the same app,
    and nothing else."""
    return Response(status_code=204)


def noop_body(body: BeatIn) -> bytes:
    """The door's no-op answer: a beat's answer in shape and size (its token sent back), with
    nothing of a beat computed."""
    return beat_body(reading.BeatResult(body.token, 0.0, 0.0, False))


@bench_router.post("/door-noop", response_model=BeatOut)
async def door_noop(request: Request) -> Response:
    """The benchmark's baseline at the door: web/fastbeat.py answers it as it answers a beat,
    without the credential or the store; this route answers what the door hands on (a chunked
    body, say), as the beat route does."""
    body = _validated_beat(await request.body(), request.headers.get("content-type"))
    return Response(noop_body(body), media_type="application/json")
