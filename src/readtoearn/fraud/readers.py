"""Readers as the console sees them: found by e-mail or name, opened with their wallet, reads and
verdicts, redemptions, devices and the signals linking them to other accounts, and exported whole
as JSON (the reader's right of access)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.articles.models import Article
from readtoearn.errors import NotFound
from readtoearn.fraud.models import ReadAppeal, ReaderFreeze, Sighting
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import Balance, StatementLine
from readtoearn.reading.models import Read
from readtoearn.rewards.models import Redemption

SEARCH_LIMIT = 50


def search_readers(session: Session, query: str, *, limit: int = SEARCH_LIMIT) -> list[User]:
    """Readers whose e-mail or name holds the query (case-insensitive), newest first."""
    text = query.strip().lower()
    if not text:
        return []
    stmt = (
        select(User)
        .where(
            or_(
                func.lower(User.email).contains(text, autoescape=True),
                func.lower(User.display_name).contains(text, autoescape=True),
            )
        )
        .order_by(User.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class ReaderRead:
    read: Read
    article_title: str


@dataclass(frozen=True)
class ReaderFile:
    """Everything the console shows about one reader."""

    user: User
    balance: Balance
    entries: list[StatementLine]
    reads: list[ReaderRead]
    redemptions: list[Redemption]
    sightings: list[Sighting]
    # Other accounts seen on the same devices or address groups, with how many values they share.
    linked: list[tuple[User, int]]
    # Who froze the reader, when and why (fraud/freezes.py); None when not frozen.
    freeze: ReaderFreeze | None = None


def get_reader(session: Session, reader_id: str | uuid.UUID) -> User:
    try:
        rid = uuid.UUID(str(reader_id))
    except ValueError:
        raise NotFound("there is no such reader", code="reader_not_found") from None
    user = session.get(User, rid)
    if user is None:
        raise NotFound("there is no such reader", code="reader_not_found")
    return user


def get_reader_file(session: Session, reader_id: str | uuid.UUID, *, limit: int = 50) -> ReaderFile:
    """A reader's wallet, latest movements, reads with verdicts, redemptions and signals."""
    user = get_reader(session, reader_id)
    wallet = ledger.get_or_create_wallet(session, user.id)
    statement = ledger.statement(session, wallet, limit=limit)
    reads = session.execute(
        select(Read, Article.title)
        .join(Article, Article.id == Read.article_id)
        .where(Read.reader_id == user.id)
        .order_by(Read.started_at.desc())
        .limit(limit)
    )
    redemptions = session.scalars(
        select(Redemption)
        .where(Redemption.reader_id == user.id)
        .order_by(Redemption.created_at.desc())
        .limit(limit)
    )
    sightings = list(
        session.scalars(
            select(Sighting)
            .where(Sighting.user_id == user.id)
            .order_by(Sighting.last_seen_at.desc())
        )
    )
    return ReaderFile(
        user=user,
        balance=statement.balance,
        entries=statement.lines,
        reads=[ReaderRead(r, title) for r, title in reads],
        redemptions=list(redemptions.unique()),
        sightings=sightings,
        linked=_linked(session, user.id, sightings),
        freeze=session.get(ReaderFreeze, user.id),
    )


def _linked(
    session: Session, user_id: uuid.UUID, sightings: list[Sighting]
) -> list[tuple[User, int]]:
    pairs = {(s.kind, s.value) for s in sightings}
    if not pairs:
        return []
    shared = func.count().label("shared")
    stmt = (
        select(User, shared)
        .join(Sighting, Sighting.user_id == User.id)
        .where(
            User.id != user_id,
            or_(*[(Sighting.kind == k) & (Sighting.value == v) for k, v in pairs]),
        )
        .group_by(User.id)
        .order_by(shared.desc())
        .limit(SEARCH_LIMIT)
    )
    return [(u, n) for u, n in session.execute(stmt)]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_reader(session: Session, reader_id: str | uuid.UUID, *, by: Any) -> dict[str, Any]:
    """Everything stored about a reader, as plain JSON values (their right of access); the export
    is recorded in the audit trail (by: the operator, None for the command line)."""
    user = get_reader(session, reader_id)
    record_action(session, by, "reader.export", target=("user", user.id))
    wallet = ledger.get_or_create_wallet(session, user.id)
    statement = ledger.statement(session, wallet, limit=100_000)
    reads = session.execute(
        select(Read, Article.title, Article.canonical_url)
        .join(Article, Article.id == Read.article_id)
        .where(Read.reader_id == user.id)
        .order_by(Read.started_at)
    )
    appeals = session.scalars(
        select(ReadAppeal).where(ReadAppeal.reader_id == user.id).order_by(ReadAppeal.created_at)
    )
    redemptions = session.scalars(
        select(Redemption).where(Redemption.reader_id == user.id).order_by(Redemption.created_at)
    ).unique()
    sightings = session.scalars(select(Sighting).where(Sighting.user_id == user.id))
    freeze = session.get(ReaderFreeze, user.id)
    bal = statement.balance
    return {
        "account": {
            "id": str(user.id),
            "email": user.email,
            "display_name": user.display_name,
            "language": user.language,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
            "email_verified_at": _iso(user.email_verified_at),
            "email_reminders": user.email_reminders,
            "external_id": user.external_id,
        },
        "wallet": {"available": bal.available, "pending": bal.pending, "posted": bal.posted},
        # Frozen by an operator: since when and why (fraud/freezes.py); None when not frozen.
        "freeze": None
        if freeze is None
        else {"since": _iso(freeze.frozen_at), "reason": freeze.reason},
        "movements": [
            {
                "transfer_id": str(line.transfer_id),
                "at": _iso(line.created_at),
                "code": line.code,
                "kind": line.kind,
                "amount": line.amount,
            }
            for line in reversed(statement.lines)
        ],
        "reads": [
            {
                "id": str(r.id),
                "article": title,
                "url": url,
                "started_at": _iso(r.started_at),
                "completed_at": _iso(r.completed_at),
                "status": r.status,
                "verdict": r.verdict,
                "reasons": list(r.reasons or ()),
                "points": r.points,
                "active_seconds": r.active_ms // 1000,
            }
            for r, title, url in reads
        ],
        "appeals": [
            {
                "read_id": str(a.read_id),
                "message": a.message,
                "created_at": _iso(a.created_at),
                "decision": a.decision,
                "note": a.note,
            }
            for a in appeals
        ],
        "redemptions": [
            {
                "id": str(r.id),
                "reward": r.reward.name_en,
                "status": r.status,
                "cost": r.cost,
                "created_at": _iso(r.created_at),
                "code": r.code.code if r.code else None,
                "shipping_address": r.shipping_address,
                "tracking_note": r.tracking_note,
            }
            for r in redemptions
        ],
        # Devices and address groups are kept only as keyed hashes (docs/privacy.md).
        "sightings": [
            {
                "kind": s.kind,
                "value": s.value,
                "first_seen_at": _iso(s.first_seen_at),
                "last_seen_at": _iso(s.last_seen_at),
            }
            for s in sightings
        ],
    }
