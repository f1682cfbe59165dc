"""Reminder e-mails: the signed link in each that turns them off (no sign-in needed, one click
for mail clients), and the switch on the dashboard."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from readtoearn.accounts import preferences
from readtoearn.errors import NotFound
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import CurrentReader, SessionDep, SettingsDep
from readtoearn.web.templating import render

router = APIRouter(prefix="/account/reminders", include_in_schema=False)


def _off_page(
    request: Request, *, done: bool, status_code: int = 200, **extra: object
) -> HTMLResponse:
    return render(
        request, "quests/reminders_off.html", {"done": done, **extra}, status_code=status_code
    )


def _invalid(request: Request) -> HTMLResponse:
    return _off_page(request, done=False, invalid=True, status_code=404)


@router.get("/off/{user_id}/{token}", response_class=HTMLResponse)
def confirm_off(
    request: Request, user_id: uuid.UUID, token: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The page the link opens: a button, so that a mail scanner following links changes nothing."""
    try:
        preferences.get_reader_by_reminders_token(
            session, settings.resolved_secret_key, user_id, token[:64]
        )
    except NotFound:
        return _invalid(request)
    return _off_page(request, done=False, action=request.url.path)


@router.post("/off/{user_id}/{token}", response_class=HTMLResponse)
def turn_off(
    request: Request, user_id: uuid.UUID, token: str, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Turn reminders off: the signature in the link is the proof (no session, no CSRF token:
    mail clients post here for one-click unsubscribe)."""
    try:
        reader = preferences.get_reader_by_reminders_token(
            session, settings.resolved_secret_key, user_id, token[:64]
        )
    except NotFound:
        return _invalid(request)
    preferences.set_reminders(reader, False)
    return _off_page(request, done=True)


@router.post("")
def switch(
    _csrf: CsrfChecked,
    reader: CurrentReader,
    session: SessionDep,
    on: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """The dashboard's switch: reminders on or off for the signed-in reader."""
    preferences.set_reminders(reader, on == "1")
    return RedirectResponse("/account?reminders=" + ("on" if on == "1" else "off"), status_code=303)
