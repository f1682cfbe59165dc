"""The operator's figures: reads by verdict, the budget, the points owed and what they cost."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.errors import NotFound
from readtoearn.fraud import service as reviews
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import Balance
from readtoearn.ledger.models import Account, AccountCode
from readtoearn.reading.models import Read
from readtoearn.reading.rules import Verdict

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ReadCounts:
    """Reads in a period by where they ended; `open` are still going (or abandoned)."""

    credited: int = 0
    held: int = 0
    rejected: int = 0
    open: int = 0
    points_credited: int = 0

    @property
    def total(self) -> int:
        return self.credited + self.held + self.rejected + self.open


@dataclass(frozen=True)
class Programme:
    """The budget and the points the programme owes its readers."""

    budget_available: int
    budget_reserved: int  # held by pending credits of reads under review
    funded_total: int
    wallets: int
    wallets_posted: int
    wallets_pending: int
    point_value: Decimal
    currency: str

    @property
    def outstanding(self) -> int:
        """Points in readers' wallets, spendable or pending."""
        return self.wallets_posted + self.wallets_pending

    @property
    def liability(self) -> Decimal:
        """What the outstanding points are worth, in the programme's currency."""
        return (self.outstanding * self.point_value).quantize(CENT)


@dataclass(frozen=True)
class TopArticle:
    article_id: uuid.UUID
    title: str
    credited: int


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    today: ReadCounts
    week: ReadCounts
    programme: Programme
    held_waiting: int
    top_articles: list[TopArticle]


def _balance(session: Session, code: AccountCode) -> Balance | None:
    # Read only: a dashboard never creates the accounts it looks at.
    try:
        return ledger.balance(session, ledger.account_id(code))
    except NotFound:
        return None


def get_programme(session: Session, settings: Settings) -> Programme:
    """The budget, what was funded in all, and what the wallets hold."""
    budget = _balance(session, AccountCode.BUDGET)
    funding = _balance(session, AccountCode.FUNDING)
    a = Account
    count, posted, pending = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(a.credits_posted - a.debits_posted), 0),
            func.coalesce(func.sum(a.credits_pending), 0),
        ).where(a.code == AccountCode.WALLET.value)
    ).one()
    return Programme(
        budget_available=budget.available if budget else 0,
        budget_reserved=budget.debits_pending if budget else 0,
        funded_total=funding.debits_posted if funding else 0,
        wallets=int(count),
        wallets_posted=int(posted),
        wallets_pending=int(pending),
        point_value=settings.point_value,
        currency=settings.point_currency,
    )


def count_reads(session: Session, since: datetime) -> ReadCounts:
    """Reads finished (or, for open ones, started) since an instant, by status."""
    when = func.coalesce(Read.completed_at, Read.started_at)
    stmt = (
        select(Read.status, func.count(), func.coalesce(func.sum(Read.points), 0))
        .where(when >= since)
        .group_by(Read.status)
    )
    counts: dict[str, tuple[int, int]] = {
        status: (int(n), int(points)) for status, n, points in session.execute(stmt)
    }
    credited = counts.get(Verdict.CREDITED.value, (0, 0))
    return ReadCounts(
        credited=credited[0],
        held=counts.get(Verdict.HELD.value, (0, 0))[0],
        rejected=counts.get(Verdict.REJECTED.value, (0, 0))[0],
        open=counts.get("open", (0, 0))[0],
        points_credited=credited[1],
    )


def top_articles(session: Session, since: datetime, *, limit: int = 5) -> list[TopArticle]:
    """The articles with the most credited reads since an instant."""
    credited = func.count(Read.id)
    stmt = (
        select(Article.id, Article.title, credited)
        .join(Read, Read.article_id == Article.id)
        .where(Read.status == Verdict.CREDITED.value, Read.completed_at >= since)
        .group_by(Article.id, Article.title)
        .order_by(credited.desc(), Article.title)
        .limit(limit)
    )
    return [TopArticle(row[0], row[1], int(row[2])) for row in session.execute(stmt)]


def get_dashboard(session: Session, settings: Settings, now: datetime) -> Dashboard:
    """Everything the operator's dashboard shows, as of `now` (days are UTC days)."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = now - timedelta(days=7)
    return Dashboard(
        now=now,
        today=count_reads(session, today),
        week=count_reads(session, week),
        programme=get_programme(session, settings),
        held_waiting=reviews.count_held(session),
        top_articles=top_articles(session, week),
    )
