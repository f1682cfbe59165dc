"""The reader's wallet page: balances and every read with its verdict, in plain words."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from readtoearn.reading import service as reading
from readtoearn.web.deps import CurrentReader, SessionDep
from readtoearn.web.routes.api_wallet import explain
from readtoearn.web.templating import render

router = APIRouter(include_in_schema=False)

# What each kind of ledger movement is called in the history (translated in reading.po).
ENTRY_LABELS = {
    "read_reward": "Reading reward",
    "quiz_bonus": "Quiz bonus",
    "redemption": "Reward redeemed",
    "adjustment": "Adjustment",
    "expiry": "Points expired",
    "reversal": "Reversal",
    "pending_timeout": "Hold expired",
}


@router.get("/account/wallet", response_class=HTMLResponse)
def wallet_page(request: Request, reader: CurrentReader, session: SessionDep) -> HTMLResponse:
    data = reading.get_wallet(session, reader.id)
    reads = [
        {"read": read, "title": title, "messages": explain(list(read.reasons), reader.language)}
        for read, title in data.reads
    ]
    return render(
        request,
        "reading/wallet.html",
        {"wallet": data, "reads": reads, "entry_labels": ENTRY_LABELS},
    )
