"""The console's charts (server-drawn SVG, FR/EN number formats) over a range of days chosen
with a date picker; the dashboard's part of the console."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from readtoearn.errors import InvalidInput, ReadToEarnError
from readtoearn.fraud import charts
from readtoearn.web import i18n
from readtoearn.web.deps import ClockDep, DashboardOperator, SessionDep, SettingsDep
from readtoearn.web.errors import status_of
from readtoearn.web.templating import render
from readtoearn.web.views import formatters

router = APIRouter(prefix="/operator/charts", include_in_schema=False)

ERRORS = {
    "date": "Dates are written YYYY-MM-DD.",
    "range": "Choose a range of at most a year that ends after it starts.",
}
VERDICT_LABELS = {
    "credited": "Credited",
    "held": "Held for review",
    "rejected": "Rejected",
    "incomplete": "Incomplete or still open",
}
Day = Annotated[str, Query(max_length=10)]


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("a date as YYYY-MM-DD", code="date") from None


@router.get("", response_class=HTMLResponse)
def charts_page(
    request: Request,
    operator: DashboardOperator,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    since: Day = "",
    until: Day = "",
) -> HTMLResponse:
    language = i18n.negotiate(request, settings.default_language)
    now = clock.now()
    context = {
        "since": since,
        "until": until,
        "verdict_labels": VERDICT_LABELS,
        "point_value": settings.point_value,
        "currency": settings.point_currency,
        **formatters(language),
    }
    try:
        rng = charts.make_range(now.date(), _date(since), _date(until))
    except ReadToEarnError as exc:
        context.update(error=ERRORS.get(exc.code, exc.message), board=None)
        return render(request, "operator/charts.html", context, status_code=status_of(exc))
    # The fields show the range drawn, the default one included.
    context.update(since=rng.first.isoformat(), until=rng.last.isoformat())
    context.update(error=None, board=charts.get_charts(session, rng, now))
    return render(request, "operator/charts.html", context)
