"""Operators' decisions on trust: redemptions waiting for approval, and readers' appeals.

Pages (forms with CSRF, FR/EN) under /operator, and the same decisions as JSON under
/api/v1/operator. Every decision goes through one service call that records who, when and why,
and e-mails the reader once it is committed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.errors import ReadToEarnError
from readtoearn.fraud import appeals
from readtoearn.fraud import redemptions as risks
from readtoearn.fraud.notices import Notifier
from readtoearn.fraud.service import MAX_NOTE
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import Redemption
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import ClockDep, ReviewsOperator, SessionDep, SettingsDep
from readtoearn.web.errors import status_of
from readtoearn.web.schemas import ErrorOut
from readtoearn.web.sessions import EmailBackendDep
from readtoearn.web.templating import render
from readtoearn.web.views import render_review_queue

router = APIRouter(prefix="/operator", include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/operator", tags=["operator"])

NoteField = Annotated[str, Form(max_length=MAX_NOTE)]
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 422)
}

# What each refusal of a decision says on the page (translated in trust.po).
DECISION_ERRORS = {
    "already_decided": "This has already been decided the other way.",
    "not_awaiting_approval": "This redemption is not waiting for approval.",
    "redemption_not_found": "There is no such redemption.",
    "appeal_not_found": "There is no such appeal.",
    "note_required": "Say why in the note: the reader receives it.",
    "note": "The note is too long.",
    "budget_empty": "The budget cannot pay this read yet. Fund the budget, then approve it.",
    "already_rewarded": "The reader has since been rewarded for this article: reject the appeal.",
    "out_of_stock": "This reward is out of stock: refuse the redemption.",
    "draw_closed": "The draw has been run since: refuse this entry.",
}
NOTICES = {
    "approved": "Redemption approved: the reader gets the reward.",
    "refused": "Redemption refused: the points and the unit are released.",
}


def _notifier(settings: Settings, backend: Any) -> Notifier:
    return Notifier.of(settings, backend)


# --------------------------------------------------------------------------- pages


def _redemptions_page(
    request: Request,
    session: SessionDep,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "awaiting": rewards.list_awaiting(session),
        "decided": rewards.list_decided(session),
        "risk_labels": risks.OPERATOR_LABELS,
        "error": error,
        "notice": notice,
        "max_note": MAX_NOTE,
    }
    return render(request, "operator/redemptions.html", context, status_code=status_code)


@router.get("/redemptions", response_class=HTMLResponse)
def redemptions_page(
    request: Request, operator: ReviewsOperator, session: SessionDep, done: str = ""
) -> HTMLResponse:
    return _redemptions_page(request, session, notice=NOTICES.get(done))


def _decide_redemption(
    request: Request,
    operator: User,
    session: SessionDep,
    settings: Settings,
    backend: Any,
    redemption_id: str,
    note: str,
    *,
    approve: bool,
) -> HTMLResponse | RedirectResponse:
    decide = rewards.approve if approve else rewards.refuse
    try:
        decide(session, redemption_id, operator.id, note, notifier=_notifier(settings, backend))
    except ReadToEarnError as exc:
        message = DECISION_ERRORS.get(exc.code, exc.message)
        return _redemptions_page(request, session, error=message, status_code=status_of(exc))
    done = "approved" if approve else "refused"
    return RedirectResponse(f"/operator/redemptions?done={done}", status_code=303)


@router.post("/redemptions/{redemption_id}/approve", response_model=None)
def approve_redemption_form(
    request: Request,
    redemption_id: str,
    operator: ReviewsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    backend: EmailBackendDep,
    note: NoteField = "",
) -> HTMLResponse | RedirectResponse:
    return _decide_redemption(
        request, operator, session, settings, backend, redemption_id, note, approve=True
    )


@router.post("/redemptions/{redemption_id}/refuse", response_model=None)
def refuse_redemption_form(
    request: Request,
    redemption_id: str,
    operator: ReviewsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    backend: EmailBackendDep,
    note: NoteField = "",
) -> HTMLResponse | RedirectResponse:
    return _decide_redemption(
        request, operator, session, settings, backend, redemption_id, note, approve=False
    )


def _decide_appeal(
    request: Request,
    operator: User,
    session: SessionDep,
    settings: Settings,
    backend: Any,
    appeal_id: str,
    note: str,
    now: Any,
    *,
    approve: bool,
) -> HTMLResponse | RedirectResponse:
    try:
        appeals.decide_appeal(
            session,
            appeal_id,
            operator.id,
            approve=approve,
            note=note,
            settings=settings,
            now=now,
            notifier=_notifier(settings, backend),
        )
    except ReadToEarnError as exc:
        # The review queue page shows the appeals; it says why the decision was refused.
        message = DECISION_ERRORS.get(exc.code, exc.message)
        return render_review_queue(
            request, session, settings, error=message, status_code=status_of(exc)
        )
    done = "appeal_approved" if approve else "appeal_rejected"
    return RedirectResponse(f"/operator/reviews?done={done}#appeals", status_code=303)


@router.post("/appeals/{appeal_id}/approve", response_model=None)
def approve_appeal_form(
    request: Request,
    appeal_id: str,
    operator: ReviewsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    backend: EmailBackendDep,
    note: NoteField = "",
) -> HTMLResponse | RedirectResponse:
    return _decide_appeal(
        request, operator, session, settings, backend, appeal_id, note, clock.now(), approve=True
    )


@router.post("/appeals/{appeal_id}/reject", response_model=None)
def reject_appeal_form(
    request: Request,
    appeal_id: str,
    operator: ReviewsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    backend: EmailBackendDep,
    note: NoteField = "",
) -> HTMLResponse | RedirectResponse:
    return _decide_appeal(
        request, operator, session, settings, backend, appeal_id, note, clock.now(), approve=False
    )


# --------------------------------------------------------------------------- JSON


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, Field(max_length=MAX_NOTE)] = ""


class DecidedRedemptionOut(BaseModel):
    id: str
    reader_id: str
    reward_id: str
    status: str
    cost: int
    risk: int
    reasons: list[str]
    decision: str | None
    reviewed_by: str | None
    reviewed_at: str | None
    review_note: str
    created: bool

    @classmethod
    def of(
        cls, r: Redemption, decision: str | None, *, created: bool = False
    ) -> DecidedRedemptionOut:
        return cls(
            id=str(r.id),
            reader_id=str(r.reader_id),
            reward_id=str(r.reward_id),
            status=r.status,
            cost=r.cost,
            risk=r.risk,
            reasons=list(r.reasons or ()),
            decision=decision,
            reviewed_by=str(r.reviewed_by) if r.reviewed_by else None,
            reviewed_at=r.reviewed_at.isoformat() if r.reviewed_at else None,
            review_note=r.review_note,
            created=created,
        )


@api_router.get(
    "/redemptions", responses=ERRORS, summary="Redemptions waiting for an operator's approval"
)
def awaiting_api(operator: ReviewsOperator, session: SessionDep) -> list[DecidedRedemptionOut]:
    return [DecidedRedemptionOut.of(a.redemption, None) for a in rewards.list_awaiting(session)]


def _decide_redemption_api(
    session: SessionDep,
    operator: User,
    settings: Settings,
    backend: Any,
    redemption_id: str,
    body: NoteIn | None,
    *,
    approve: bool,
) -> DecidedRedemptionOut:
    decide = rewards.approve if approve else rewards.refuse
    note = body.note if body else ""
    done = decide(session, redemption_id, operator.id, note, notifier=_notifier(settings, backend))
    return DecidedRedemptionOut.of(done.redemption, done.decision, created=done.created)


@api_router.post(
    "/redemptions/{redemption_id}/approve",
    responses=ERRORS,
    summary="Approve a redemption that waits: the points are spent, the reward given",
)
def approve_redemption_api(
    redemption_id: str,
    operator: ReviewsOperator,
    session: SessionDep,
    settings: SettingsDep,
    backend: EmailBackendDep,
    body: NoteIn | None = None,
) -> DecidedRedemptionOut:
    return _decide_redemption_api(
        session, operator, settings, backend, redemption_id, body, approve=True
    )


@api_router.post(
    "/redemptions/{redemption_id}/refuse",
    responses=ERRORS,
    summary="Refuse a redemption that waits, with a note: the points and the unit are released",
)
def refuse_redemption_api(
    redemption_id: str,
    operator: ReviewsOperator,
    session: SessionDep,
    settings: SettingsDep,
    backend: EmailBackendDep,
    body: NoteIn | None = None,
) -> DecidedRedemptionOut:
    return _decide_redemption_api(
        session, operator, settings, backend, redemption_id, body, approve=False
    )


class AppealOut(BaseModel):
    id: str
    read_id: str
    reader_id: str
    message: str
    created_at: str
    read_status: str
    decision: str | None
    operator_id: str | None
    note: str
    decided_at: str | None
    reader_email: str | None = None
    article_title: str | None = None
    created: bool = False

    @classmethod
    def of(cls, appeal: Any, read_status: str, **extra: Any) -> AppealOut:
        return cls(
            id=str(appeal.id),
            read_id=str(appeal.read_id),
            reader_id=str(appeal.reader_id),
            message=appeal.message,
            created_at=appeal.created_at.isoformat(),
            read_status=read_status,
            decision=appeal.decision,
            operator_id=str(appeal.operator_id) if appeal.operator_id else None,
            note=appeal.note,
            decided_at=appeal.decided_at.isoformat() if appeal.decided_at else None,
            **extra,
        )


@api_router.get("/appeals", responses=ERRORS, summary="Readers' appeals waiting for a decision")
def open_appeals_api(operator: ReviewsOperator, session: SessionDep) -> list[AppealOut]:
    return [
        AppealOut.of(
            o.appeal, o.read.status, reader_email=o.reader_email, article_title=o.article_title
        )
        for o in appeals.list_open(session)
    ]


def _decide_appeal_api(
    session: SessionDep,
    operator: User,
    settings: Settings,
    backend: Any,
    clock: Any,
    appeal_id: str,
    body: NoteIn | None,
    *,
    approve: bool,
) -> AppealOut:
    done = appeals.decide_appeal(
        session,
        appeal_id,
        operator.id,
        approve=approve,
        note=body.note if body else "",
        settings=settings,
        now=clock.now(),
        notifier=_notifier(settings, backend),
    )
    return AppealOut.of(done.appeal, done.read.status, created=done.created)


@api_router.post(
    "/appeals/{appeal_id}/approve",
    responses=ERRORS,
    summary="Approve an appeal: a held read is approved, a rejected one credited",
)
def approve_appeal_api(
    appeal_id: str,
    operator: ReviewsOperator,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    backend: EmailBackendDep,
    body: NoteIn | None = None,
) -> AppealOut:
    return _decide_appeal_api(
        session, operator, settings, backend, clock, appeal_id, body, approve=True
    )


@api_router.post(
    "/appeals/{appeal_id}/reject",
    responses=ERRORS,
    summary="Reject an appeal: the read stays as it was",
)
def reject_appeal_api(
    appeal_id: str,
    operator: ReviewsOperator,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    backend: EmailBackendDep,
    body: NoteIn | None = None,
) -> AppealOut:
    return _decide_appeal_api(
        session, operator, settings, backend, clock, appeal_id, body, approve=False
    )
