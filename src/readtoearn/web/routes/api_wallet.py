"""JSON API v1: the reader's wallet."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from readtoearn.reading import service as reading
from readtoearn.reading.rules import READER_MESSAGES, Reason
from readtoearn.web import i18n
from readtoearn.web.deps import CurrentReader, SessionDep, SettingsDep
from readtoearn.web.schemas import ErrorOut

router = APIRouter(prefix="/api/v1/me", tags=["wallet"])


class EntryOut(BaseModel):
    transfer_id: str
    created_at: datetime
    code: str
    kind: str
    amount: int
    article_title: str | None


class ReadOut(BaseModel):
    read_id: str
    article_id: str
    article_title: str
    verdict: str
    points: int
    reasons: list[str]
    messages: list[str]
    completed_at: datetime | None


class ExpiringOut(BaseModel):
    points: int
    expires_at: datetime


class WalletOut(BaseModel):
    available: int
    pending: int
    posted: int
    lifetime_earned: int
    entries: list[EntryOut]
    reads: list[ReadOut]
    expiring: list[ExpiringOut]


def explain(reasons: list[str], language: str) -> list[str]:
    """Each reason in plain words, in the reader's language."""
    catalogue = i18n.translations(language)
    return [catalogue.gettext(READER_MESSAGES[Reason(r)]) for r in reasons]


@router.get("/wallet", responses={401: {"model": ErrorOut}}, summary="Balances and history")
def wallet(reader: CurrentReader, session: SessionDep, settings: SettingsDep) -> WalletOut:
    data = reading.get_wallet(session, reader.id, expiry_days=settings.points_expiry_days)
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
                messages=explain(list(read.reasons), reader.language),
                completed_at=read.completed_at,
            )
            for read, title in data.reads
        ],
        expiring=[ExpiringOut(points=points, expires_at=when) for when, points in data.expiring],
    )
