"""A sponsor's report, behind its private link: a page and a CSV (no sign-in: the link is the
key, long and random; anyone else gets a 404)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from readtoearn.quests import service as quests
from readtoearn.web.deps import SessionDep
from readtoearn.web.templating import render

router = APIRouter(include_in_schema=False)

Token = Annotated[str, Path(max_length=100)]
# The link is a secret: never sent on as a referrer, never kept by a shared cache or indexed.
PRIVATE = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


@router.get("/sponsors/report/{token}.csv")
def report_csv(token: Token, session: SessionDep) -> Response:
    report = quests.get_sponsor_report(session, token)
    name = report.sponsor.slug
    return Response(
        quests.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}-report.csv"'},
    )


@router.get("/sponsors/report/{token}", response_class=HTMLResponse)
def report_page(request: Request, token: Token, session: SessionDep) -> HTMLResponse:
    report = quests.get_sponsor_report(session, token)
    response = render(request, "quests/report.html", {"report": report, "token": token})
    response.headers.update(PRIVATE)
    return response
