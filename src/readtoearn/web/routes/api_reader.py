"""JSON API v1: the part of an article page that is the reader's own.

Anonymous readers share one cached page (web/pagecache.py); its script (static/visitor.js) asks
here for what is theirs: the page-view token bound to their browser (its device cookie is set
here, never on the shared page) or, signed in, their reading panel and premium access.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from readtoearn.quests import service as quests
from readtoearn.reading import service as reading
from readtoearn.web import client, i18n, pagecache
from readtoearn.web.deps import ClockDep, OptionalReader, SessionDep, SettingsDep
from readtoearn.web.schemas import ErrorOut

router = APIRouter(prefix="/api/v1", tags=["reading"])


class RewardedOut(BaseModel):
    status: str
    points: int
    quiz_path: str | None


class QuestStepOut(BaseModel):
    quest_id: str
    title: str
    path: str
    position: int
    total: int
    done: bool
    points_waiting: int


class ReaderViewOut(BaseModel):
    article_id: str
    signed_in: bool
    # Proof that this page was served to this reader (signed in) or this browser (not): the
    # tracker sends it with the read's start.
    view_token: str
    points: int | None
    rewarded: RewardedOut | None
    premium_until: datetime | None
    # Reader-dependent parts of the page that other domains add (a quest's "Step 2 of 4") go
    # here, next to the panel: the shared page must not carry them.
    quest_steps: list[QuestStepOut] = []


ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorOut} for status in (401, 404)}


@router.get(
    "/articles/{article_id}/reader",
    responses=ERRORS,
    response_model=ReaderViewOut,
    summary="What an article page shows this reader",
)
def reader_view(
    article_id: str,
    request: Request,
    reader: OptionalReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> JSONResponse:
    device, cookie = None, None
    if reader is None:
        device = client.device_id(request, settings)
        if device is None:
            device, cookie = client.new_device_cookie(settings)
    view = reading.get_reader_view(
        session,
        settings,
        clock,
        article_id=article_id,
        reader_id=reader.id if reader is not None else None,
        device_id=device,
    )
    # The shared, cached page asks for this once per view: the article's page views.
    request.app.state.views.count(view.article.id, clock.now())
    rewarded = view.panel.rewarded if view.panel is not None else None
    language = reader.language if reader is not None else i18n.negotiate(request)
    steps = quests.steps_for_article(
        session, reader.id if reader else None, view.article.id, settings=settings, now=clock.now()
    )
    out = ReaderViewOut(
        article_id=str(view.article.id),
        signed_in=reader is not None,
        view_token=view.view_token,
        points=view.panel.points if view.panel is not None else None,
        rewarded=RewardedOut(
            status=rewarded.status,
            points=rewarded.points,
            quiz_path=f"/reads/{rewarded.id}/quiz"
            if rewarded.status == "credited" and rewarded.quiz_answered_at is None
            else None,
        )
        if rewarded is not None
        else None,
        premium_until=view.premium_until,
        quest_steps=[
            QuestStepOut(
                quest_id=str(s.quest.id),
                title=s.quest.title(language),
                path=f"/quests/{s.quest.id}",
                position=s.position,
                total=s.total,
                done=s.done,
                points_waiting=s.progress.points_waiting,
            )
            for s in steps
        ],
    )
    response = JSONResponse(
        out.model_dump(mode="json"), headers={"Cache-Control": pagecache.PRIVATE}
    )
    if cookie is not None:
        response.headers.append("set-cookie", cookie)
    return response
