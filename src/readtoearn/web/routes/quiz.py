"""The quiz page of a credited read: plain HTML forms, no JavaScript needed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from readtoearn.errors import ReadToEarnError
from readtoearn.quests import service as quests
from readtoearn.reading import service as reading
from readtoearn.web import i18n
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import (
    ClockDep,
    CurrentReader,
    SessionDep,
    SettingsDep,
    WriteSessionDep,
)
from readtoearn.web.errors import status_of
from readtoearn.web.templating import render

router = APIRouter(include_in_schema=False)
FIELD_PREFIX = "q_"
MAX_FIELDS = 20


async def form_answers(request: Request) -> dict[str, str]:
    """The choices ticked in the quiz form: {question id: choice id}."""
    form = await request.form(max_fields=MAX_FIELDS + 5)
    return {
        key[len(FIELD_PREFIX) :]: str(value)[:64]
        for key, value in form.items()
        if key.startswith(FIELD_PREFIX) and isinstance(value, str)
    }


FormAnswers = Annotated[dict[str, str], Depends(form_answers)]


@router.get("/reads/{read_id}/quiz", response_class=HTMLResponse)
def quiz_page(
    request: Request,
    read_id: str,
    reader: CurrentReader,
    session: WriteSessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> HTMLResponse:
    quiz = reading.get_quiz(session, settings, reader_id=reader.id, read_id=read_id, clock=clock)
    answered = reading.get_quiz_result(session, reader_id=reader.id, read_id=read_id)
    return render(
        request,
        "reading/quiz.html",
        {"quiz": quiz.public(), "read_id": read_id, "answered": answered, "result": None},
    )


@router.post("/reads/{read_id}/quiz", response_class=HTMLResponse)
def answer_quiz_page(
    request: Request,
    read_id: str,
    _csrf: CsrfChecked,
    answers: FormAnswers,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> HTMLResponse:
    quiz = reading.get_quiz(session, settings, reader_id=reader.id, read_id=read_id)
    try:
        outcome = quests.answer_read_quiz(
            session, settings, clock, reader_id=reader.id, read_id=read_id, answers=answers
        ).now(session)
    except ReadToEarnError as exc:
        status = status_of(exc)
        context: dict[str, object] = {"quiz": quiz.public(), "read_id": read_id}
        context |= {"error": exc.message, "answered": None, "result": None}
        return render(request, "reading/quiz.html", context, status_code=status)
    message = i18n.translations(i18n.negotiate(request)).gettext(outcome.message)
    return render(
        request,
        "reading/quiz.html",
        {
            "quiz": quiz.public(),
            "read_id": read_id,
            "answered": None,
            "result": {"outcome": outcome, "message": message},
        },
    )
