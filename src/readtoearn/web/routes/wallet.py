"""The reader's wallet page: balances and every read with its verdict, in plain words."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.fraud import appeals
from readtoearn.fraud import redemptions as risks
from readtoearn.ledger.models import ENTRY_LABELS
from readtoearn.reading import service as reading
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import REDEMPTION_LABELS
from readtoearn.web import i18n
from readtoearn.web.deps import ClockDep, CurrentReader, SessionDep, SettingsDep
from readtoearn.web.templating import render

router = APIRouter(include_in_schema=False)

# Entries whose history line names the reward or the reason of the adjustment.
NOTED_CODES = ("redemption", "adjustment", "reversal")
# Where a reader's appeal stands (translated in trust.po).
APPEAL_LABELS = {
    None: "Appeal sent: an operator will look at it.",
    "approved": "Appeal accepted.",
    "rejected": "Appeal not accepted.",
}


def render_wallet(
    request: Request,
    reader: User,
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The wallet page, with a message when a form on it was refused."""
    data = reading.get_wallet(session, reader.id, expiry_days=settings.points_expiry_days)
    read_ids = [read.id for read, _title in data.reads]
    appealed = appeals.appeals_of(session, read_ids)
    decided = appeals.reviews_of(session, read_ids)
    reads = []
    for read, title in data.reads:
        deadline = appeals.appeal_deadline(read, settings.appeal_days)
        review = decided.get(read.id)
        reads.append(
            {
                "read": read,
                "title": title,
                "messages": reading.explain(
                    read.reasons, i18n.translations(reader.language).gettext
                ),
                "appeal": appealed.get(read.id),
                # The form shows only while an appeal is possible.
                "appeal_until": deadline if deadline and now <= deadline else None,
                "expired": review is not None and review.decision == "expired",
            }
        )
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
            "appeal_labels": APPEAL_LABELS,
            "max_appeal": appeals.MAX_MESSAGE,
            "error": error,
            "notice": notice,
        },
        status_code=status_code,
    )


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
