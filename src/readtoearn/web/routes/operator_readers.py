"""The console's readers: search by e-mail or name, a reader's file (wallet, reads with their
verdicts, redemptions, devices and linked accounts), points adjusted with a reason (a ledger
transfer, never an edit), the reader frozen and unfrozen with a reason, the reader's data exported
as JSON, and the reader erased (anonymised, the ledger kept whole). Operators and support."""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from readtoearn.accounts import roles
from readtoearn.errors import Forbidden, InvalidInput, ReadToEarnError
from readtoearn.fraud import erasure, freezes, readers, trust
from readtoearn.ledger.models import ENTRY_LABELS
from readtoearn.reading.rules import READ_STATUS_LABELS, REASON_LABELS
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import REDEMPTION_LABELS
from readtoearn.web import i18n
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import ReadersOperator, SessionDep, SettingsDep, WriteSessionDep
from readtoearn.web.errors import status_of
from readtoearn.web.templating import render
from readtoearn.web.views import formatters

router = APIRouter(prefix="/operator/readers", include_in_schema=False)

NOTICES = {
    "adjusted": "The points were adjusted: the reader sees the reason in their history.",
    "erased": "The reader was erased: the account is anonymised, its spendable points went back "
    "to the budget.",
    "frozen": "The reader is frozen: they earn and spend nothing until unfrozen, and are told why.",
    "unfrozen": "The reader is unfrozen: they earn and spend points again.",
}
# A movement's state and a kind of sighting in words (translated in console.po).
ENTRY_KIND_LABELS = {
    "posted": "posted",
    "pending": "pending",
    "post_pending": "pending, then posted",
    "void_pending": "pending, then voided",
}
SIGHTING_LABELS = {"device": "Device", "address": "Address group"}
ERRORS = {
    "reason": "Give a reason: the reader sees it in their history.",
    "points": "Adjust by a whole number of points other than 0.",
    "wallet_short": "The reader cannot spend that many points: take back less.",
    "budget_empty": "The budget cannot pay this: fund it first.",
    "confirm": "Type the reader's e-mail address to confirm the erasure.",
    "operator": "Take the console role away before erasing an operator.",
    "reader_frozen": "The reader is frozen: unfreeze them first to give them points.",
    "freeze_reason": "Give a reason for freezing or unfreezing: it is kept in the audit trail.",
    "already_frozen": "The reader is already frozen.",
    "not_frozen": "The reader is not frozen.",
    "own_account": "You cannot freeze or unfreeze your own account.",
    "grant_budget": (
        "Giving points spends the budget: only an operator can. You can take points back."
    ),
    "team": "Take the console role away before freezing a member of the team.",
}


@router.get("", response_class=HTMLResponse)
def search_page(
    request: Request,
    operator: ReadersOperator,
    session: SessionDep,
    q: Annotated[str, Query(max_length=254)] = "",
) -> HTMLResponse:
    found = readers.search_readers(session, q)
    return render(request, "operator/readers.html", {"q": q, "found": found})


def _reader_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    reader_id: str,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    language = i18n.negotiate(request, settings.default_language)
    file = readers.get_reader_file(session, reader_id)
    now = request.app.state.clock.now()
    context: dict[str, Any] = {
        "file": file,
        # Where the reader stands against the gates before a redemption (fraud/trust.py).
        "trust": trust.get_trust(session, file.user.id, trust.TrustRules.of(settings), now),
        "reason_labels": REASON_LABELS,
        "status_labels": REDEMPTION_LABELS,
        "read_labels": READ_STATUS_LABELS,
        "entry_labels": ENTRY_LABELS,
        "entry_kind_labels": ENTRY_KIND_LABELS,
        "sighting_labels": SIGHTING_LABELS,
        "adjust_key": secrets.token_urlsafe(12),
        "error": error,
        "notice": notice,
        **formatters(language),
    }
    return render(request, "operator/reader.html", context, status_code=status_code)


@router.get("/{reader_id}", response_class=HTMLResponse)
def reader_page(
    request: Request,
    reader_id: str,
    operator: ReadersOperator,
    session: SessionDep,
    settings: SettingsDep,
    done: str = "",
) -> HTMLResponse:
    return _reader_page(request, session, settings, reader_id, notice=NOTICES.get(done))


@router.post("/{reader_id}/adjust", response_model=None)
def adjust(
    request: Request,
    reader_id: str,
    operator: ReadersOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    points: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse | RedirectResponse:
    reader = readers.get_reader(session, reader_id)
    try:
        try:
            amount = int(points.strip())
        except ValueError:
            raise InvalidInput("a whole number of points", code="points") from None
        if amount == 0 or not key:
            raise InvalidInput("a whole number of points other than 0", code="points")
        if amount > 0 and not roles.may(operator, roles.Area.BUDGET):
            # Giving points spends the budget, which support does not hold (as on the grants API).
            raise Forbidden("giving points spends the budget", code="grant_budget")
        scoped = f"console:{operator.id}:{key}"
        rewards.adjust_points(session, reader.id, amount, reason, key=scoped, by=operator)
    except ReadToEarnError as exc:
        message = ERRORS.get(exc.code, exc.message)
        if exc.code == "invalid" and "reason" in exc.message:
            message = ERRORS["reason"]
        return _reader_page(
            request, session, settings, reader_id, error=message, status_code=status_of(exc)
        )
    return RedirectResponse(f"/operator/readers/{reader.id}?done=adjusted", status_code=303)


@router.get("/{reader_id}/export")
def export(reader_id: str, operator: ReadersOperator, session: WriteSessionDep) -> Response:
    """The reader's data as a JSON file (the export itself is in the audit trail)."""
    data = readers.export_reader(session, reader_id, by=operator)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    name = f"reader-{data['account']['id']}.json"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(body, media_type="application/json", headers=headers)


@router.post("/{reader_id}/erase", response_model=None)
def erase(
    request: Request,
    reader_id: str,
    operator: ReadersOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    confirm: Annotated[str, Form(max_length=254)] = "",
) -> HTMLResponse | RedirectResponse:
    reader = readers.get_reader(session, reader_id)
    try:
        if confirm.strip().lower() != reader.email:
            raise InvalidInput("type the reader's e-mail address", code="confirm")
        erasure.erase_reader(session, reader.id, by=operator)
    except ReadToEarnError as exc:
        message = ERRORS.get(exc.code, exc.message)
        return _reader_page(
            request, session, settings, reader_id, error=message, status_code=status_of(exc)
        )
    return RedirectResponse(f"/operator/readers/{reader.id}?done=erased", status_code=303)


def _freezing(
    request: Request,
    reader_id: str,
    operator: Any,
    session: Any,
    settings: Any,
    reason: str,
    *,
    frozen: bool,
) -> HTMLResponse | RedirectResponse:
    reader = readers.get_reader(session, reader_id)
    try:
        if frozen:
            freezes.freeze_reader(session, reader.id, reason, by=operator)
        else:
            freezes.unfreeze_reader(session, reader.id, reason, by=operator)
    except ReadToEarnError as exc:
        message = ERRORS["freeze_reason"] if exc.code == "reason" else ERRORS.get(exc.code)
        return _reader_page(
            request,
            session,
            settings,
            reader_id,
            error=message or exc.message,
            status_code=status_of(exc),
        )
    done = "frozen" if frozen else "unfrozen"
    return RedirectResponse(f"/operator/readers/{reader.id}?done={done}", status_code=303)


@router.post("/{reader_id}/freeze", response_model=None)
def freeze(
    request: Request,
    reader_id: str,
    operator: ReadersOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=freezes.MAX_REASON)] = "",
) -> HTMLResponse | RedirectResponse:
    """Freeze the reader with a reason: they earn and spend nothing until unfrozen."""
    return _freezing(request, reader_id, operator, session, settings, reason, frozen=True)


@router.post("/{reader_id}/unfreeze", response_model=None)
def unfreeze(
    request: Request,
    reader_id: str,
    operator: ReadersOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=freezes.MAX_REASON)] = "",
) -> HTMLResponse | RedirectResponse:
    """Unfreeze the reader with a reason: they earn and spend points again."""
    return _freezing(request, reader_id, operator, session, settings, reason, frozen=False)
