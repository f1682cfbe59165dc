"""Quest pages: the list with the reader's progress, one quest, its link and quiz steps, and
collecting a finished quest's points (plain HTML forms, no JavaScript needed)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from readtoearn.errors import ReadToEarnError
from readtoearn.quests import service as quests
from readtoearn.web import i18n
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import (
    ClockDep,
    CurrentReader,
    OptionalReader,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from readtoearn.web.errors import status_of
from readtoearn.web.templating import render

router = APIRouter(include_in_schema=False)

Ref = Annotated[str, Path(max_length=100)]
Position = Annotated[int, Path(ge=1, le=100)]
FIELD_PREFIX = "q_"
MAX_FIELDS = 20


async def form_answers(request: Request) -> dict[str, str]:
    """The choices ticked in a quiz form: {question id: choice id}."""
    form = await request.form(max_fields=MAX_FIELDS + 5)
    return {
        key[len(FIELD_PREFIX) :]: str(value)[:64]
        for key, value in form.items()
        if key.startswith(FIELD_PREFIX) and isinstance(value, str)
    }


FormAnswers = Annotated[dict[str, str], Depends(form_answers)]


@router.get("/quests", response_class=HTMLResponse)
def quests_page(
    request: Request,
    reader: OptionalReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> HTMLResponse:
    items = quests.list_reader_quests(
        session, settings, reader.id if reader else None, now=clock.now()
    )
    language = i18n.negotiate(request, settings.default_language)
    return render(request, "quests/list.html", {"items": items, "language": language})


def _quest_page(
    request: Request, progress: quests.QuestProgress, extra: dict[str, Any] | None = None
) -> HTMLResponse:
    settings = request.app.state.settings
    language = i18n.negotiate(request, settings.default_language)
    context = {"item": progress, "language": language, **(extra or {})}
    status = int(context.pop("status_code", 200))
    return render(request, "quests/quest.html", context, status_code=status)


@router.get("/quests/{ref}", response_class=HTMLResponse)
def quest_page(
    request: Request,
    ref: Ref,
    reader: OptionalReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> HTMLResponse:
    progress = quests.get_reader_quest(
        session, settings, reader.id if reader else None, ref, now=clock.now()
    )
    return _quest_page(request, progress)


@router.post("/quests/{ref}/collect", response_class=HTMLResponse)
def collect_form(
    request: Request,
    ref: Ref,
    _csrf: CsrfChecked,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    done = quests.collect(session, settings, clock.now(), reader_id=reader.id, quest_ref=ref)
    return _quest_page(request, done.progress, {"completion": done})


@router.get("/quests/{ref}/steps/{position}/go")
def open_link(
    request: Request,
    ref: Ref,
    position: Position,
    reader: OptionalReader,
    session: WriteSessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> RedirectResponse:
    """Record that the signed-in reader opened a link step, then send them to it. A click that
    another site made the browser send (Sec-Fetch-Site: cross-site) is followed, not recorded."""
    cross_site = request.headers.get("sec-fetch-site") == "cross-site"
    url = quests.follow_link(
        session,
        settings,
        clock.now(),
        reader_id=reader.id if reader is not None and not cross_site else None,
        quest_ref=ref,
        position=position,
    )
    return RedirectResponse(url, status_code=303)


def _quiz_page(
    request: Request, quiz: quests.StepQuiz, extra: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    settings = request.app.state.settings
    language = i18n.negotiate(request, settings.default_language)
    context = {"quiz": quiz, "language": language, "result": None, "error": None, **extra}
    return render(request, "quests/quiz.html", context, status_code=status_code)


@router.get("/quests/{ref}/steps/{position}/quiz", response_class=HTMLResponse)
def quiz_page(
    request: Request,
    ref: Ref,
    position: Position,
    reader: CurrentReader,
    session: WriteSessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> HTMLResponse:
    quiz = quests.get_step_quiz(
        session, settings, clock.now(), reader_id=reader.id, quest_ref=ref, position=position
    )
    return _quiz_page(request, quiz, {})


@router.post("/quests/{ref}/steps/{position}/quiz", response_class=HTMLResponse)
def answer_quiz_form(
    request: Request,
    ref: Ref,
    position: Position,
    _csrf: CsrfChecked,
    answers: FormAnswers,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> HTMLResponse:
    now = clock.now()
    try:
        result = quests.answer_step_quiz(
            session,
            settings,
            now,
            reader_id=reader.id,
            quest_ref=ref,
            position=position,
            answers=answers,
        )
    except ReadToEarnError as exc:
        quiz = quests.get_step_quiz(
            session, settings, now, reader_id=reader.id, quest_ref=ref, position=position
        )
        return _quiz_page(request, quiz, {"error": exc.message}, status_of(exc))
    progress = result.completion.progress
    return _quest_page(request, progress, {"completion": result.completion, "quiz_result": result})
