"""A reader's wallet: balances, ledger movements in plain words, reads with their verdicts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.articles.models import Article
from readtoearn.ledger import service as ledger
from readtoearn.reading.models import Read


def list_reads(session: Session, reader_id: uuid.UUID, *, limit: int = 50) -> list[Read]:
    """A reader's reads with a verdict, newest first."""
    return list(
        session.scalars(
            select(Read)
            .where(Read.reader_id == reader_id, Read.verdict.is_not(None))
            .order_by(Read.completed_at.desc())
            .limit(limit)
        ).all()
    )


@dataclass(frozen=True)
class WalletEntry:
    """One movement of a reader's points, in plain words."""

    transfer_id: uuid.UUID
    created_at: datetime
    code: str
    kind: str
    amount: int
    title: str | None


@dataclass(frozen=True)
class Wallet:
    available: int
    pending: int
    posted: int
    lifetime_earned: int
    entries: list[WalletEntry]
    reads: list[tuple[Read, str]]  # each read with its article's title
    expiring: list[tuple[datetime, int]] = field(default_factory=list)  # (when, points)


def get_wallet(
    session: Session, reader_id: uuid.UUID, *, limit: int = 50, expiry_days: int | None = None
) -> Wallet:
    """A reader's balances, latest ledger movements, reads with verdicts, and what expires when."""
    account = ledger.get_or_create_wallet(session, reader_id)
    statement = ledger.statement(session, account, limit=limit)
    article_ids = {
        uuid.UUID(str(line.metadata["article_id"]))
        for line in statement.lines
        if line.metadata.get("article_id")
    }
    reads = list_reads(session, reader_id, limit=limit)
    article_ids |= {r.article_id for r in reads}
    rows = session.execute(select(Article.id, Article.title).where(Article.id.in_(article_ids)))
    titles: dict[uuid.UUID, str] = {row.id: row.title for row in rows}
    entries = [
        WalletEntry(
            transfer_id=line.transfer_id,
            created_at=line.created_at,
            code=line.code,
            kind=line.kind,
            amount=line.amount,
            title=titles.get(uuid.UUID(str(line.metadata["article_id"])))
            if line.metadata.get("article_id")
            else None,
        )
        for line in statement.lines
    ]
    balance = statement.balance
    return Wallet(
        available=balance.available,
        pending=balance.pending,
        posted=balance.posted,
        lifetime_earned=balance.credits_posted,
        entries=entries,
        reads=[(r, titles.get(r.article_id, "")) for r in reads],
        expiring=ledger.list_expiring(session, account, expiry_days),
    )
