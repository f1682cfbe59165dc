"""Pages that more than one route module renders: a refused form shows its page again, with why.

Route modules never import each other; what two of them render lives here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.fraud import appeals, evidence, freezes
from readtoearn.fraud import redemptions as risks
from readtoearn.fraud import service as reviews
from readtoearn.fraud.service import MAX_NOTE
from readtoearn.ledger.models import ENTRY_LABELS
from readtoearn.reading import service as reading
from readtoearn.reading.rules import REASON_LABELS
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import REDEMPTION_LABELS
from readtoearn.web import i18n
from readtoearn.web.templating import render

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
            # A frozen reader is told why (accounts/_frozen.html).
            "freeze": freezes.get_freeze(session, reader.id),
        },
        status_code=status_code,
    )


def formatters(language: str) -> dict[str, Any]:
    """Number and money formatting in the page's language, for the operator's templates."""

    def number(value: int | Decimal) -> str:
        return format_decimal(value, locale=language)

    def money(value: Decimal, currency: str) -> str:
        return format_currency(value, currency, locale=language)

    return {"number": number, "money": money}


def render_review_queue(
    request: Request,
    session: Session,
    settings: Settings,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The review queue of held reads and appeals, with a message when a decision was refused."""
    language = i18n.negotiate(request, settings.default_language)
    held, waiting = reviews.list_held(session), appeals.list_open(session)
    context = {
        "held": held,
        "appeals": waiting,
        "appeal_decisions": appeals.list_decided(session),
        "evidence": evidence.for_reads(session, [h.read for h in held] + [a.read for a in waiting]),
        "decisions": reviews.list_reviews(session),
        "reason_labels": REASON_LABELS,
        "error": error,
        "notice": notice,
        "max_note": MAX_NOTE,
        **formatters(language),
    }
    return render(request, "operator/reviews.html", context, status_code=status_code)
