"""The rewards store: the catalogue, a reward's page and its redemption form (no JavaScript)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from readtoearn.config import Settings
from readtoearn.errors import ReadToEarnError
from readtoearn.fraud.notices import Notifier
from readtoearn.fraud.sightings import Seen
from readtoearn.fraud.trust import TrustRules
from readtoearn.reading.rules import READER_MESSAGES, Reason
from readtoearn.rewards import service as rewards
from readtoearn.web import client, i18n, trust
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import ClockDep, CurrentReader, OptionalReader, SessionDep, SettingsDep
from readtoearn.web.errors import headers_of, status_of
from readtoearn.web.sessions import EmailBackendDep
from readtoearn.web.templating import render
from readtoearn.web.trust import POW_FIELD

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=200)]


@router.get("/rewards", response_class=HTMLResponse)
def store_page(
    request: Request,
    reader: OptionalReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> HTMLResponse:
    rules = TrustRules.of(settings)
    store = rewards.get_store(
        session, reader.id if reader else None, as_of=clock.now(), rules=rules
    )
    language = i18n.negotiate(request, settings.default_language)
    return render(request, "rewards/store.html", {"store": store, "language": language})


def _reward_page(
    request: Request,
    session: Session,
    settings: Settings,
    reader_id: uuid.UUID | None,
    ref: str,
    language: str,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    now = request.app.state.clock.now()
    rules = TrustRules.of(settings)
    store, item = rewards.get_store_item(session, reader_id, ref, as_of=now, rules=rules)
    context = {
        "store": store,
        "item": item,
        "language": language,
        # A new key per rendering: resubmitting this very form (a double click) reuses it.
        "idempotency_key": uuid.uuid4().hex,
        "address": {},
        **(extra or {}),
    }
    return render(request, "rewards/reward.html", context, status_code=status_code)


@router.get("/rewards/{ref}", response_class=HTMLResponse)
def reward_page(
    request: Request, ref: str, reader: OptionalReader, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    language = i18n.negotiate(request, settings.default_language)
    return _reward_page(request, session, settings, reader.id if reader else None, ref, language)


@router.post("/rewards/{ref}/redeem", response_class=HTMLResponse)
def redeem_form(
    request: Request,
    ref: str,
    _csrf: CsrfChecked,
    reader: CurrentReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    backend: EmailBackendDep,
    idempotency_key: FormText = "",
    name: FormText = "",
    line1: FormText = "",
    line2: FormText = "",
    postal_code: FormText = "",
    city: FormText = "",
    country: FormText = "",
    altcha: Annotated[str, Form(alias=POW_FIELD, max_length=8000)] = "",
) -> Response:
    address = {
        "name": name,
        "line1": line1,
        "line2": line2,
        "postal_code": postal_code,
        "city": city,
        "country": country,
    }
    language = i18n.negotiate(request, settings.default_language)
    seen = Seen(client.request_device(request, settings), client.request_address(request, settings))
    # A refusal undoes everything the attempt wrote (redeem runs in a savepoint), and the page
    # can still say why.
    try:
        trust.check_redeem(request, reader.id, altcha)
        done = rewards.redeem(
            session,
            reader.id,
            ref,
            idempotency_key,
            shipping_address=address,
            as_of=clock.now(),
            rules=TrustRules.of(settings),
            seen=seen,
            notifier=Notifier.of(settings, backend),
        )
    except ReadToEarnError as exc:
        # A frozen reader is told about their own account (the ledger speaks of "this reader").
        message = READER_MESSAGES[Reason.ACCOUNT_FROZEN] if exc.code == "reader_frozen" else None
        extra = {"error": message or exc.message, "address": address}
        status = status_of(exc)
        page = _reward_page(request, session, settings, reader.id, ref, language, extra, status)
        page.headers.update(headers_of(exc))
        return page
    return RedirectResponse(f"/account/wallet?redeemed={done.redemption.id}#my-rewards", 303)
