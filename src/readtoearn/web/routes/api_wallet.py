"""JSON API v1: the reader's wallet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from readtoearn.fraud import appeals, freezes
from readtoearn.reading import service as reading
from readtoearn.web import i18n
from readtoearn.web.deps import ClockDep, CurrentReader, SessionDep, SettingsDep
from readtoearn.web.schemas import ErrorOut

router = APIRouter(prefix="/api/v1/me", tags=["wallet"])


class EntryOut(BaseModel):
    transfer_id: str
    created_at: datetime
    code: str
    kind: str
    amount: int
    article_title: str | None


class AppealStateOut(BaseModel):
    id: str
    decision: str | None  # None while it waits for an operator
    note: str
    created_at: datetime


class ReadOut(BaseModel):
    read_id: str
    article_id: str
    article_title: str
    verdict: str
    points: int
    reasons: list[str]
    messages: list[str]
    completed_at: datetime | None
    # The review's decision when one was made: approved, rejected, or expired (nobody decided).
    review: str | None = None
    appeal: AppealStateOut | None = None
    # Until when the reader may appeal this read (POST /api/v1/reads/{id}/appeal), when they may.
    appealable_until: datetime | None = None


class ExpiringOut(BaseModel):
    points: int
    expires_at: datetime


class FreezeOut(BaseModel):
    reason: str
    since: datetime


class WalletOut(BaseModel):
    available: int
    pending: int
    posted: int
    lifetime_earned: int
    entries: list[EntryOut]
    reads: list[ReadOut]
    expiring: list[ExpiringOut]
    # A frozen wallet earns and spends nothing (docs/api.md); `freeze` says since when and why.
    frozen: bool = False
    freeze: FreezeOut | None = None


@router.get("/wallet", responses={401: {"model": ErrorOut}}, summary="Balances and history")
def wallet(
    reader: CurrentReader, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> WalletOut:
    data = reading.get_wallet(session, reader.id, expiry_days=settings.points_expiry_days)
    read_ids = [read.id for read, _title in data.reads]
    appealed = appeals.appeals_of(session, read_ids)
    decided = appeals.reviews_of(session, read_ids)
    now = clock.now()
    frozen = freezes.get_freeze(session, reader.id)

    def appeal_of(read_id: Any) -> AppealStateOut | None:
        appeal = appealed.get(read_id)
        if appeal is None:
            return None
        return AppealStateOut(
            id=str(appeal.id),
            decision=appeal.decision,
            note=appeal.note,
            created_at=appeal.created_at,
        )

    def appealable_until(read: Any) -> datetime | None:
        deadline = appeals.appeal_deadline(read, settings.appeal_days)
        if deadline is None or now > deadline or read.id in appealed:
            return None
        return deadline

    return WalletOut(
        available=data.available,
        pending=data.pending,
        posted=data.posted,
        lifetime_earned=data.lifetime_earned,
        entries=[
            EntryOut(
                transfer_id=str(e.transfer_id),
                created_at=e.created_at,
                code=e.code,
                kind=e.kind,
                amount=e.amount,
                article_title=e.title,
            )
            for e in data.entries
        ],
        reads=[
            ReadOut(
                read_id=str(read.id),
                article_id=str(read.article_id),
                article_title=title,
                verdict=read.verdict or "incomplete",
                points=read.points,
                reasons=list(read.reasons),
                messages=reading.explain(read.reasons, i18n.translations(reader.language).gettext),
                completed_at=read.completed_at,
                review=getattr(decided.get(read.id), "decision", None),
                appeal=appeal_of(read.id),
                appealable_until=appealable_until(read),
            )
            for read, title in data.reads
        ],
        expiring=[ExpiringOut(points=points, expires_at=when) for when, points in data.expiring],
        frozen=frozen is not None,
        freeze=None if frozen is None else FreezeOut(reason=frozen.reason, since=frozen.frozen_at),
    )
