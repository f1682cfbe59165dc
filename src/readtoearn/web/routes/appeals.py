"""A reader appeals a held or rejected read: the form on the wallet page, and the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from readtoearn.errors import ReadToEarnError
from readtoearn.fraud import appeals
from readtoearn.fraud.models import ReadAppeal
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import ClockDep, CurrentReader, SessionDep, SettingsDep
from readtoearn.web.errors import status_of
from readtoearn.web.schemas import ErrorOut
from readtoearn.web.views import render_wallet

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/reads", tags=["reading"])

# What a refused appeal says on the wallet page (translated in trust.po).
APPEAL_ERRORS = {
    "already_appealed": "This read has already been appealed.",
    "appeal_too_late": "The time to appeal this read has run out.",
    "not_appealable": "Only a read held for review or not rewarded can be appealed.",
    "appeal_message_required": "Say in a few words why this read should be rewarded.",
    "appeal_message_too_long": "The message is too long.",
    "not_found": "There is no such read.",
}


@router.post("/account/reads/{read_id}/appeal", response_model=None)
def appeal_form(
    request: Request,
    read_id: str,
    reader: CurrentReader,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    message: Annotated[str, Form(max_length=appeals.MAX_MESSAGE + 200)] = "",
) -> Response:
    try:
        with session.begin_nested():
            appeals.file_appeal(
                session,
                reader.id,
                read_id,
                message,
                appeal_days=settings.appeal_days,
                now=clock.now(),
            )
    except ReadToEarnError as exc:
        error = APPEAL_ERRORS.get(exc.code, exc.message)
        status = status_of(exc)
        now = clock.now()
        return render_wallet(
            request, reader, session, settings, now, error=error, status_code=status
        )
    return RedirectResponse("/account/wallet?appealed=1#reads", status_code=303)


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message: Annotated[str, Field(min_length=1, max_length=appeals.MAX_MESSAGE)]


class AppealOut(BaseModel):
    id: str
    read_id: str
    message: str
    created_at: datetime
    decision: str | None
    note: str
    decided_at: datetime | None

    @classmethod
    def of(cls, appeal: ReadAppeal) -> AppealOut:
        return cls(
            id=str(appeal.id),
            read_id=str(appeal.read_id),
            message=appeal.message,
            created_at=appeal.created_at,
            decision=appeal.decision,
            note=appeal.note,
            decided_at=appeal.decided_at,
        )


@api_router.post(
    "/{read_id}/appeal",
    status_code=201,
    responses={status: {"model": ErrorOut} for status in (401, 404, 409, 422)},
    summary="Appeal a held or rejected read, once, with a message",
)
def appeal_api(
    read_id: str,
    body: AppealIn,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> AppealOut:
    appeal = appeals.file_appeal(
        session, reader.id, read_id, body.message, appeal_days=settings.appeal_days, now=clock.now()
    )
    return AppealOut.of(appeal)
