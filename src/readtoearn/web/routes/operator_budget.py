"""The console's budget: what it holds and owes, funding it with a note, paying held reads, and
the history of both (operators only)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from readtoearn.errors import InvalidInput, ReadToEarnError
from readtoearn.fraud import budget, dashboard
from readtoearn.fraud import service as reviews
from readtoearn.web import i18n
from readtoearn.web.csrf import CsrfChecked
from readtoearn.web.deps import BudgetOperator, SessionDep, SettingsDep
from readtoearn.web.errors import status_of
from readtoearn.web.templating import render
from readtoearn.web.views import formatters

router = APIRouter(prefix="/operator/budget", include_in_schema=False)

ERRORS = {
    "amount": "Fund a whole number of points, at least 1.",
    "note": "The note is too long.",
    "key_reused": "This form was already used for another amount: reload the page.",
}


def _page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    *,
    error: str | None = None,
    funded: int | None = None,
    paid: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    language = i18n.negotiate(request, settings.default_language)
    context = {
        "programme": dashboard.get_programme(session, settings),
        "history": budget.list_budget_history(session),
        "fund_key": secrets.token_urlsafe(12),
        "error": error,
        "funded": funded,
        "paid": paid,
        **formatters(language),
    }
    return render(request, "operator/budget.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def budget_page(
    request: Request,
    operator: BudgetOperator,
    session: SessionDep,
    settings: SettingsDep,
    funded: int | None = None,
    paid: int | None = None,
) -> HTMLResponse:
    return _page(request, session, settings, funded=funded, paid=paid)


@router.post("/fund", response_model=None)
def fund(
    request: Request,
    operator: BudgetOperator,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    amount: Annotated[str, Form(max_length=14)] = "",
    note: Annotated[str, Form(max_length=200)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        try:
            points = int(amount.strip())
        except ValueError:
            raise InvalidInput("a whole number of points", code="amount") from None
        if not key:
            raise InvalidInput("reload the page", code="key_reused")
        done = budget.fund(session, points, note=note, key=f"{operator.id}:{key}", by=operator)
    except ReadToEarnError as exc:
        message = ERRORS.get(exc.code, exc.message)
        return _page(request, session, settings, error=message, status_code=status_of(exc))
    return RedirectResponse(
        f"/operator/budget?funded={points}&paid={done.released.reads}", status_code=303
    )


@router.post("/release")
def release(operator: BudgetOperator, _csrf: CsrfChecked, session: SessionDep) -> RedirectResponse:
    done = reviews.release_budget_holds(session, by=operator.id)
    return RedirectResponse(f"/operator/budget?paid={done.reads}", status_code=303)
