"""The console's exports: CSV of the ledger (by account and period), reads, redemptions and
readers, streamed page by page (operators only; each export is recorded in the audit trail)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from readtoearn.errors import InvalidInput, ReadToEarnError
from readtoearn.fraud import exports
from readtoearn.web.deps import ClockDep, DatabaseDep, ExportsOperator, WriteSessionDep
from readtoearn.web.errors import status_of
from readtoearn.web.templating import render

router = APIRouter(prefix="/operator/exports", include_in_schema=False)

ERRORS = {
    "date": "Dates are written YYYY-MM-DD.",
    "account": "Name the account as budget, funding, a reader's e-mail or an account id.",
    "reader_not_found": "No account has this e-mail.",
    "export_not_found": "There is no such export.",
}
Text = Annotated[str, Query(max_length=254)]


def _day(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        raise InvalidInput("a date as YYYY-MM-DD", code="date") from None


@router.get("", response_class=HTMLResponse)
def exports_page(request: Request, operator: ExportsOperator) -> HTMLResponse:
    return render(request, "operator/exports.html", {"kinds": exports.KINDS, "error": None})


@router.get("/{kind}.csv", response_model=None)
def export_csv(
    request: Request,
    kind: str,
    operator: ExportsOperator,
    session: WriteSessionDep,
    database: DatabaseDep,
    clock: ClockDep,
    since: Text = "",
    until: Text = "",
    account: Text = "",
) -> StreamingResponse | HTMLResponse:
    try:
        end = _day(until)
        wanted = exports.ExportFilter(
            since=_day(since),
            # "until" names the last day exported, whole.
            until=end + timedelta(days=1) if end else None,
            account=account if kind == "ledger" else "",
        )
        exports.start_export(session, kind, wanted, by=operator)
    except ReadToEarnError as exc:
        context = {"kinds": exports.KINDS, "error": ERRORS.get(exc.code, exc.message)}
        return render(request, "operator/exports.html", context, status_code=status_of(exc))
    name = f"readtoearn-{kind}-{clock.now().date().isoformat()}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return StreamingResponse(
        exports.stream_csv(database, kind, wanted),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )
