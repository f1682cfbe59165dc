"""Operators' pages: the dashboard, the review queue of held reads, and the dashboard as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.errors import ReadToEarnError
from readtoearn.fraud import appeals, dashboard
from readtoearn.fraud import service as reviews
from readtoearn.fraud.service import MAX_NOTE
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import AuditReport
from readtoearn.rewards import service as rewards
from readtoearn.web import i18n
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import (
    BudgetOperator,
    BudgetOperatorAlone,
    ClockDep,
    CommitterDep,
    DashboardOperator,
    IdempotencyKey,
    ReviewsOperator,
    SessionDep,
    SettingsDep,
)
from readtoearn.web.errors import status_of
from readtoearn.web.schemas import ErrorOut
from readtoearn.web.templating import render
from readtoearn.web.views import formatters, render_review_queue

router = APIRouter(prefix="/operator", include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/operator", tags=["operator"])

NoteField = Annotated[str, Form(max_length=MAX_NOTE)]

# What each refusal of a decision says on the page (translated in operator.po).
DECISION_ERRORS = {
    "budget_empty": "The budget cannot pay this read yet. Fund the budget, then approve it.",
    "already_decided": "This read has already been decided the other way.",
    "not_held": "This read is no longer waiting for review.",
    "read_not_found": "There is no such read.",
    "note": "The note is too long.",
}
NOTICES = {
    "approved": "Read approved: its points are now spendable.",
    "rejected": "Read rejected: its points went back to the budget.",
    "appeal_approved": "Appeal approved.",
    "appeal_rejected": "Appeal rejected.",
}


def _dashboard_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    *,
    audit: AuditReport | None = None,
    released: int | None = None,
) -> HTMLResponse:
    language = i18n.negotiate(request, settings.default_language)
    board = dashboard.get_dashboard(session, settings, clock.now())
    context = {
        "board": board,
        "audit": audit,
        "released": released,
        "appeals_waiting": appeals.count_open(session),
        "redemptions_waiting": rewards.count_awaiting(session),
        **formatters(language),
    }
    return render(request, "operator/dashboard.html", context)


@router.get("", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    operator: DashboardOperator,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    released: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    return _dashboard_page(request, session, settings, clock, released=released)


@router.post("/audit", response_class=HTMLResponse)
def run_audit(
    request: Request,
    operator: BudgetOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> HTMLResponse:
    report = ledger.audit(session, expiry_days=settings.points_expiry_days)
    return _dashboard_page(request, session, settings, clock, audit=report)


@router.post("/release")
def release_holds(
    operator: BudgetOperator, _csrf: CsrfChecked, session: SessionDep
) -> RedirectResponse:
    result = reviews.release_budget_holds(session, by=operator.id)
    return RedirectResponse(f"/operator?released={result.reads}", status_code=303)


@router.get("/reviews", response_class=HTMLResponse)
def review_queue(
    request: Request,
    operator: ReviewsOperator,
    session: SessionDep,
    settings: SettingsDep,
    done: str = "",
) -> HTMLResponse:
    return render_review_queue(request, session, settings, notice=NOTICES.get(done))


def _decide(
    request: Request,
    operator: User,
    session: SessionDep,
    settings: SettingsDep,
    read_id: str,
    note: str,
    *,
    approve: bool,
) -> HTMLResponse | RedirectResponse:
    decide = reviews.approve if approve else reviews.reject
    try:
        decide(session, read_id, operator.id, note)
    except ReadToEarnError as exc:
        status = status_of(exc)
        message = DECISION_ERRORS.get(exc.code, exc.message)
        return render_review_queue(request, session, settings, error=message, status_code=status)
    done = "approved" if approve else "rejected"
    return RedirectResponse(f"/operator/reviews?done={done}", status_code=303)


@router.post("/reviews/{read_id}/approve", response_model=None)
def approve_read(
    request: Request,
    read_id: str,
    operator: ReviewsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    note: NoteField = "",
) -> HTMLResponse | RedirectResponse:
    return _decide(request, operator, session, settings, read_id, note, approve=True)


@router.post("/reviews/{read_id}/reject", response_model=None)
def reject_read(
    request: Request,
    read_id: str,
    operator: ReviewsOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    note: NoteField = "",
) -> HTMLResponse | RedirectResponse:
    return _decide(request, operator, session, settings, read_id, note, approve=False)


# --------------------------------------------------------------------------- JSON


class ReadCountsOut(BaseModel):
    credited: int
    held: int
    rejected: int
    open: int
    points_credited: int


class ProgrammeOut(BaseModel):
    budget_available: int
    budget_reserved: int
    funded_total: int
    wallets: int
    points_posted: int
    points_pending: int
    points_outstanding: int
    point_value: str
    liability: str
    currency: str


class TopArticleOut(BaseModel):
    article_id: str
    title: str
    credited: int


class DashboardOut(BaseModel):
    as_of: str
    today: ReadCountsOut
    last_7_days: ReadCountsOut
    programme: ProgrammeOut
    held_waiting: int
    appeals_waiting: int
    redemptions_waiting: int
    top_articles: list[TopArticleOut]


def _counts(c: dashboard.ReadCounts) -> ReadCountsOut:
    return ReadCountsOut(
        credited=c.credited,
        held=c.held,
        rejected=c.rejected,
        open=c.open,
        points_credited=c.points_credited,
    )


@api_router.get(
    "/dashboard",
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}},
    summary="The operator's dashboard figures",
)
def dashboard_api(
    operator: DashboardOperator, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> DashboardOut:
    board = dashboard.get_dashboard(session, settings, clock.now())
    p = board.programme
    return DashboardOut(
        as_of=board.now.isoformat(),
        today=_counts(board.today),
        last_7_days=_counts(board.week),
        programme=ProgrammeOut(
            budget_available=p.budget_available,
            budget_reserved=p.budget_reserved,
            funded_total=p.funded_total,
            wallets=p.wallets,
            points_posted=p.wallets_posted,
            points_pending=p.wallets_pending,
            points_outstanding=p.outstanding,
            point_value=str(p.point_value),
            liability=str(p.liability),
            currency=p.currency,
        ),
        held_waiting=board.held_waiting,
        appeals_waiting=appeals.count_open(session),
        redemptions_waiting=rewards.count_awaiting(session),
        top_articles=[
            TopArticleOut(article_id=str(a.article_id), title=a.title, credited=a.credited)
            for a in board.top_articles
        ],
    )


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reader_id: Annotated[str | None, Field(max_length=64)] = None
    email: Annotated[str | None, Field(max_length=254)] = None
    points: Annotated[int, Field(ge=1, le=10**9)]
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class GrantOut(BaseModel):
    transfer_id: str
    reader_id: str
    points: int
    created: bool


@api_router.post(
    "/grants",
    status_code=201,
    response_model=GrantOut,
    responses={status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 422)},
    summary="Grant points to a reader from the budget (send an Idempotency-Key)",
)
async def grant(
    body: GrantIn, operator: BudgetOperatorAlone, committer: CommitterDep, key: IdempotencyKey
) -> JSONResponse:
    operator_id = operator.id

    def work(session: Session) -> rewards.Grant:
        return rewards.grant_by_operator(
            session,
            operator_id,
            key=key,
            points=body.points,
            reason=body.reason,
            reader_id=body.reader_id,
            email=body.email,
        )

    # Grants share a commit with completions and redemptions (readtoearn.batch).
    done = await committer.run(work)
    out = GrantOut(
        transfer_id=str(done.transfer_id),
        reader_id=str(done.reader_id),
        points=body.points,
        created=done.created,
    )
    headers = {} if done.created else {"Idempotent-Replayed": "true"}
    return JSONResponse(out.model_dump(), status_code=201, headers=headers)
