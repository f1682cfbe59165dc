"""The reader's wallet page: balances and every read with its verdict, in plain words."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from readtoearn.fraud import redemptions as risks
from readtoearn.reading import service as reading
from readtoearn.rewards import service as rewards
from readtoearn.web.deps import CurrentReader, SessionDep, SettingsDep
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
# Entries whose history line names the reward or the reason of the adjustment.
NOTED_CODES = ("redemption", "adjustment", "reversal")
# What each state of a redemption is called under "My rewards" (translated in rewards.po).
REDEMPTION_LABELS = {
    "awaiting_approval": "Waiting for approval",
    "done": "Done",
    "awaiting_shipment": "To be shipped",
    "shipped": "Shipped",
    "entered": "Entered in the draw",
    "won": "Won",
    "not_won": "Not drawn",
    "cancelled": "Cancelled",
}


@router.get("/account/wallet", response_class=HTMLResponse)
def wallet_page(
    request: Request, reader: CurrentReader, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    data = reading.get_wallet(session, reader.id, expiry_days=settings.points_expiry_days)
    reads = [
        {"read": read, "title": title, "messages": explain(list(read.reasons), reader.language)}
        for read, title in data.reads
    ]
    return render(
        request,
        "reading/wallet.html",
        {
            "wallet": data,
            "reads": reads,
            "entry_labels": ENTRY_LABELS,
            "entry_notes": rewards.describe_entries(
                session,
                [e.transfer_id for e in data.entries if e.code in NOTED_CODES],
                reader.language,
            ),
            "redemptions": rewards.list_redemptions(session, reader_id=reader.id),
            "premium_until": rewards.get_premium_until(session, reader.id),
            "redemption_labels": REDEMPTION_LABELS,
            "risk_messages": risks.READER_MESSAGES,
        },
    )
