"""Pages of the daily check-in and the leaderboards: the check-in form's answer, the reader's
check-in and leaderboard preferences, and the public /leaderboard page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from readtoearn.errors import ReadToEarnError
from readtoearn.quests import engagement
from readtoearn.reading.rules import READER_MESSAGES, Reason
from readtoearn.web import i18n
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import (
    ClockDep,
    CommitterDep,
    CurrentReader,
    OptionalReader,
    ReaderAlone,
    SessionDep,
    SettingsDep,
)
from readtoearn.web.errors import status_of
from readtoearn.web.templating import render

router = APIRouter(include_in_schema=False)

# What a refused check-in or preference says on the page (translated in engagement.po).
ERRORS = {
    "read_first": "Read an article to the end first: a check-in counts after a rewarded read "
    "in the last few days.",
    "reader_blocked": "This account is blocked: it earns no points.",
    # Said to the reader themselves (the ledger's message speaks of "this reader").
    "reader_frozen": READER_MESSAGES[Reason.ACCOUNT_FROZEN],
    "unknown_time_zone": "Unknown time zone: choose one from the list.",
    "invalid_pseudonym": "A pseudonym has 3 to 24 letters or digits, with spaces, hyphens or "
    "underscores between them (no e-mail address, no reserved word).",
    "pseudonym_reveals_identity": "Choose a pseudonym without your name or e-mail address in it.",
    "pseudonym_taken": "Another reader has this pseudonym: choose another.",
    "pseudonym_required": "Choose a pseudonym to appear on the leaderboards.",
}
SAVED = "Your preferences are saved."
FormText = Annotated[str, Form(max_length=200)]


def _message(exc: ReadToEarnError) -> str:
    return ERRORS.get(exc.code, exc.message)


@router.post("/account/checkin", response_class=HTMLResponse)
async def checkin_form(
    request: Request,
    _csrf: CsrfChecked,
    reader: ReaderAlone,
    committer: CommitterDep,
    settings: SettingsDep,
    clock: ClockDep,
    time_zone: FormText = "",
) -> HTMLResponse:
    reader_id = reader.id

    def work(session: Session) -> engagement.CheckInResult:
        return engagement.check_in(
            session,
            reader_id,
            now=clock.now(),
            settings=settings,
            browser_time_zone=time_zone or None,
        )

    try:
        result = await committer.run(work)
    except ReadToEarnError as exc:
        context: dict[str, Any] = {"error": _message(exc), "result": None}
        return render(request, "quests/checkin.html", context, status_code=status_of(exc))
    status = 201 if result.created else 200
    context = {"result": result, "streak": result.streak, "checkin": result.checkin}
    return render(request, "quests/checkin.html", context, status_code=status)


def _preferences_page(
    request: Request,
    session: Session,
    reader_id: Any,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "preferences": engagement.get_preferences(session, reader_id),
        "time_zones": engagement.list_time_zones(),
        **(extra or {}),
    }
    return render(request, "quests/preferences.html", context, status_code=status_code)


@router.get("/account/engagement", response_class=HTMLResponse)
def preferences_page(
    request: Request, reader: CurrentReader, session: SessionDep, saved: str = ""
) -> HTMLResponse:
    return _preferences_page(request, session, reader.id, {"notice": SAVED if saved else None})


@router.post("/account/engagement", response_model=None)
def save_preferences(
    request: Request,
    _csrf: CsrfChecked,
    reader: CurrentReader,
    session: SessionDep,
    clock: ClockDep,
    time_zone: FormText = "",
    pseudonym: FormText = "",
    leaderboard_opt_in: FormText = "",
) -> Response:
    try:
        with session.begin_nested():
            engagement.set_preferences(
                session,
                reader.id,
                now=clock.now(),
                time_zone=time_zone or None,
                opted_in=bool(leaderboard_opt_in),
                pseudonym=pseudonym or None,
            )
    except ReadToEarnError as exc:
        values = {"time_zone": time_zone, "pseudonym": pseudonym, "opted_in": leaderboard_opt_in}
        extra = {"error": _message(exc), "values": values}
        return _preferences_page(request, session, reader.id, extra, status_of(exc))
    return RedirectResponse("/account/engagement?saved=1", status_code=303)


@router.get("/leaderboard", response_class=HTMLResponse)
def leaderboard_page(
    request: Request,
    reader: OptionalReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    period: Literal["week", "month"] = "week",
    edition: Annotated[Literal["en", "fr"] | None, Query()] = None,
) -> HTMLResponse:
    language = i18n.negotiate(request, settings.default_language)
    chosen = edition or (reader.language if reader else language)
    if chosen not in engagement.LANGUAGES:
        chosen = settings.default_language
    board = engagement.get_leaderboard(
        session,
        period=period,
        language=chosen,
        now=clock.now(),
        settings=settings,
        reader_id=reader.id if reader else None,
    )
    return render(request, "quests/leaderboard.html", {"board": board})
