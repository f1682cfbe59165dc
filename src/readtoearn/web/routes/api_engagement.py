"""JSON API v1: the daily check-in, the reader's streak and preferences, the leaderboards."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from readtoearn.quests import engagement
from readtoearn.web import i18n
from readtoearn.web.deps import (
    ClockDep,
    CommitterDep,
    CurrentReader,
    OptionalReader,
    ReaderAlone,
    SessionDep,
    SettingsDep,
)
from readtoearn.web.schemas import ErrorOut

router = APIRouter(prefix="/api/v1", tags=["engagement"])

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 422)
}
ZoneText = Annotated[str, Field(max_length=64)]
HISTORY_DAYS = 60


class CheckInIn(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    # The browser's zone (Intl.DateTimeFormat().resolvedOptions().timeZone): kept as the
    # profile's when the reader has not chosen one.
    time_zone: ZoneText | None = None


class StreakDayOut(BaseModel):
    day: date
    kind: str  # checkin, read, freeze (a missed day a freeze covered) or missed (the streak broke)
    length: int
    freezes: int


class StreakOut(BaseModel):
    current: int
    best: int
    freezes: int
    started_on: date | None
    today: date
    today_counted: bool
    next_milestone: int | None
    next_milestone_points: int
    days_to_next_milestone: int | None
    history: list[StreakDayOut]

    @classmethod
    def of(cls, streak: engagement.Streak) -> StreakOut:
        recent = [d for d in streak.days if (streak.today - d.day).days < HISTORY_DAYS]
        return cls(
            current=streak.current,
            best=streak.best,
            freezes=streak.freezes,
            started_on=streak.started_on,
            today=streak.today,
            today_counted=streak.today_counted,
            next_milestone=streak.next_milestone,
            next_milestone_points=streak.next_milestone_points,
            days_to_next_milestone=streak.days_to_next_milestone,
            history=[
                StreakDayOut(day=d.day, kind=d.kind, length=d.length, freezes=d.freezes)
                for d in recent
            ],
        )


class CheckInOut(BaseModel):
    created: bool  # False: the day's check-in was made already (nothing more was paid)
    day: date
    time_zone: str
    points: int
    milestone: int | None
    bonus: int
    unpaid_reason: str | None
    checked_in_at: datetime
    streak: StreakOut


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    time_zone: ZoneText | None = None
    leaderboard_opt_in: bool | None = None
    pseudonym: Annotated[str, Field(max_length=100)] | None = None


class PreferencesOut(BaseModel):
    time_zone: str | None
    leaderboard_opt_in: bool
    pseudonym: str | None

    @classmethod
    def of(cls, prefs: engagement.Preferences) -> PreferencesOut:
        return cls(
            time_zone=prefs.time_zone, leaderboard_opt_in=prefs.opted_in, pseudonym=prefs.pseudonym
        )


class EntryOut(BaseModel):
    rank: int
    pseudonym: str
    points: int
    is_you: bool


class YourRankOut(BaseModel):
    rank: int
    points: int
    on_board: bool
    pseudonym: str | None


class BoardOut(BaseModel):
    period: str
    language: str
    starts_at: datetime
    ends_at: datetime
    sources: list[str]
    entries: list[EntryOut]
    you: YourRankOut | None


def checkin_out(result: engagement.CheckInResult) -> CheckInOut:
    """The API's answer to a check-in (also what the form's page shows)."""
    c = result.checkin
    return CheckInOut(
        created=result.created,
        day=c.day,
        time_zone=c.time_zone,
        points=c.points,
        milestone=c.milestone,
        bonus=c.bonus,
        unpaid_reason=c.unpaid_reason,
        checked_in_at=c.created_at,
        streak=StreakOut.of(result.streak),
    )


@router.post(
    "/me/checkin",
    status_code=201,
    responses={
        **ERRORS,
        200: {"model": CheckInOut, "description": "Checked in already today: nothing more paid"},
    },
    summary="Check in for today (points once per calendar day in the reader's time zone)",
)
async def check_in(
    reader: ReaderAlone,
    committer: CommitterDep,
    settings: SettingsDep,
    clock: ClockDep,
    body: CheckInIn | None = None,
) -> JSONResponse:
    reader_id, browser_zone = reader.id, body.time_zone if body else None

    def work(session: Session) -> CheckInOut:
        result = engagement.check_in(
            session,
            reader_id,
            now=clock.now(),
            settings=settings,
            browser_time_zone=browser_zone,
        )
        return checkin_out(result)

    # Check-ins share a commit with other work that moves points (readtoearn.batch).
    out = await committer.run(work)
    headers = {} if out.created else {"Idempotent-Replayed": "true"}
    return JSONResponse(
        out.model_dump(mode="json"), status_code=201 if out.created else 200, headers=headers
    )


@router.get("/me/streak", responses=ERRORS, summary="The reader's streak, freezes and history")
def my_streak(
    reader: CurrentReader, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> StreakOut:
    return StreakOut.of(engagement.get_streak(session, reader.id, clock.now(), settings))


@router.get(
    "/me/engagement",
    responses=ERRORS,
    summary="The reader's time zone, leaderboard opt-in and pseudonym",
)
def my_preferences(reader: CurrentReader, session: SessionDep) -> PreferencesOut:
    return PreferencesOut.of(engagement.get_preferences(session, reader.id))


@router.patch(
    "/me/engagement",
    responses=ERRORS,
    summary="Change the reader's time zone, leaderboard opt-in or pseudonym",
)
def set_my_preferences(
    body: PreferencesIn, reader: CurrentReader, session: SessionDep, clock: ClockDep
) -> PreferencesOut:
    prefs = engagement.set_preferences(
        session,
        reader.id,
        now=clock.now(),
        time_zone=body.time_zone,
        opted_in=body.leaderboard_opt_in,
        pseudonym=body.pseudonym,
    )
    return PreferencesOut.of(prefs)


@router.get("/leaderboard", responses=ERRORS, summary="This week's or month's leaderboard")
def leaderboard(
    request: Request,
    reader: OptionalReader,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    period: Literal["week", "month"] = "week",
    language: Annotated[Literal["en", "fr"] | None, Query()] = None,
) -> BoardOut:
    edition = language or (
        reader.language if reader else i18n.negotiate(request, settings.default_language)
    )
    if edition not in engagement.LANGUAGES:
        edition = settings.default_language
    board = engagement.get_leaderboard(
        session,
        period=period,
        language=edition,
        now=clock.now(),
        settings=settings,
        reader_id=reader.id if reader else None,
    )
    return board_out(board)


def board_out(board: engagement.Board) -> BoardOut:
    you = board.you
    return BoardOut(
        period=board.period,
        language=board.language,
        starts_at=board.starts_at,
        ends_at=board.ends_at,
        sources=list(engagement.EARNING_CODES),
        entries=[
            EntryOut(rank=e.rank, pseudonym=e.pseudonym, points=e.points, is_you=e.is_you)
            for e in board.entries
        ],
        you=YourRankOut(
            rank=you.rank, points=you.points, on_board=you.on_board, pseudonym=you.pseudonym
        )
        if you
        else None,
    )
