"""The reader's wallet page: balances and every read with its verdict, in plain words."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from readtoearn.web.deps import ClockDep, CurrentReader, SessionDep, SettingsDep
from readtoearn.web.views import render_wallet

router = APIRouter(include_in_schema=False)


@router.get("/account/wallet", response_class=HTMLResponse)
def wallet_page(
    request: Request,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    appealed: str = "",
) -> HTMLResponse:
    notice = "Your appeal was sent: an operator will look at it." if appealed else None
    return render_wallet(request, reader, session, settings, clock.now(), notice=notice)
