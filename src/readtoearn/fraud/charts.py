"""The console's charts, over a range of UTC days: reads per day by verdict, points issued,
redeemed and expired per day, what the wallets hold at the end of each day, sign-ups and active
readers per day, the most read articles, and how long held reads have waited.

Each series is one grouped query over the range (the day computed by the database), filled in
Python with zeros for the days that had nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from readtoearn.accounts.models import User
from readtoearn.articles.models import Article
from readtoearn.errors import InvalidInput
from readtoearn.ledger.models import Account, AccountCode, Transfer, TransferCode, TransferFlags
from readtoearn.reading.models import Read

MAX_DAYS = 366
VERDICTS = ("credited", "held", "rejected", "incomplete")
# Held reads by how long they have waited, in days: [low, high).
AGE_BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 30), (30, None))
POSTED = (int(TransferFlags.NONE), int(TransferFlags.POST_PENDING))


@dataclass(frozen=True)
class Range:
    first: date
    last: date  # included

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC)


def make_range(today: date, first: date | None, last: date | None, default_days: int = 30) -> Range:
    """The range asked for (by default the last 30 days to today), checked."""
    last = last or today
    first = first or last - timedelta(days=default_days - 1)
    if first > last:
        raise InvalidInput("the range ends before it starts", code="range")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"a range is at most {MAX_DAYS} days", code="range")
    return Range(first, last)


@dataclass(frozen=True)
class Charts:
    range: Range
    reads: dict[str, list[int]]  # verdict -> one count per day
    points: dict[str, list[int]]  # issued, redeemed, expired -> points per day
    liability: list[int]  # points in wallets at the end of each day
    signups: list[int]
    active: list[int]  # readers who started a read that day
    top_articles: list[tuple[str, str, int]]  # (id, title, credited reads)
    queue_ages: list[tuple[tuple[int, int | None], int]]  # (bucket, held reads waiting)

    def peak(self, *series: list[int]) -> int:
        return max([1, *(v for s in series for v in s)])

    def stacked_peak(self) -> int:
        return max([1, *(sum(day) for day in zip(*self.reads.values(), strict=True))])


def _day(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _per_day(rng: Range, rows: Any) -> list[int]:
    found = {_as_date(day): int(n or 0) for day, n in rows}
    return [found.get(d, 0) for d in rng.days]


def _reads(session: Session, rng: Range) -> dict[str, list[int]]:
    when = func.coalesce(Read.completed_at, Read.started_at)
    day = _day(session, when)
    rows = session.execute(
        select(day, Read.status, func.count())
        .where(when >= rng.start, when < rng.end)
        .group_by(day, Read.status)
    )
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for d, status, n in rows:
        verdict = status if status in VERDICTS else "incomplete"
        bucket = counts[verdict]
        bucket[_as_date(d)] = bucket.get(_as_date(d), 0) + n
    return {v: [counts[v].get(d, 0) for d in rng.days] for v in VERDICTS}


def _points(session: Session, rng: Range) -> tuple[dict[str, list[int]], list[int]]:
    debit, credit = aliased(Account), aliased(Account)
    day = _day(session, Transfer.created_at)
    posted = Transfer.flags.in_(POSTED)
    base = (
        select(day, func.sum(Transfer.amount))
        .join(debit, debit.id == Transfer.debit_account_id)
        .join(credit, credit.id == Transfer.credit_account_id)
        .where(posted, Transfer.created_at >= rng.start, Transfer.created_at < rng.end)
        .group_by(day)
    )
    into_wallets = and_(credit.code == AccountCode.WALLET, debit.code != AccountCode.WALLET)
    out_of_wallets = and_(debit.code == AccountCode.WALLET, credit.code != AccountCode.WALLET)
    issued = _per_day(rng, session.execute(base.where(into_wallets)))
    redeemed = _per_day(
        rng, session.execute(base.where(Transfer.code == TransferCode.REDEMPTION, out_of_wallets))
    )
    expired = _per_day(
        rng, session.execute(base.where(Transfer.code == TransferCode.EXPIRY, out_of_wallets))
    )
    outflow = _per_day(rng, session.execute(base.where(out_of_wallets)))
    # What the wallets held when the range began, then day by day.
    before = (
        select(func.coalesce(func.sum(Transfer.amount), 0))
        .join(debit, debit.id == Transfer.debit_account_id)
        .join(credit, credit.id == Transfer.credit_account_id)
        .where(posted, Transfer.created_at < rng.start)
    )
    held = (session.scalar(before.where(into_wallets)) or 0) - (
        session.scalar(before.where(out_of_wallets)) or 0
    )
    liability = []
    for inflow, out in zip(issued, outflow, strict=True):
        held += inflow - out
        liability.append(held)
    return {"issued": issued, "redeemed": redeemed, "expired": expired}, liability


def _readers(session: Session, rng: Range) -> tuple[list[int], list[int]]:
    joined = _day(session, User.created_at)
    signups = _per_day(
        rng,
        session.execute(
            select(joined, func.count())
            .where(User.created_at >= rng.start, User.created_at < rng.end)
            .group_by(joined)
        ),
    )
    started = _day(session, Read.started_at)
    active = _per_day(
        rng,
        session.execute(
            select(started, func.count(func.distinct(Read.reader_id)))
            .where(Read.started_at >= rng.start, Read.started_at < rng.end)
            .group_by(started)
        ),
    )
    return signups, active


def _top_articles(session: Session, rng: Range, limit: int = 10) -> list[tuple[str, str, int]]:
    credited = func.count(Read.id)
    rows = session.execute(
        select(Article.id, Article.title, credited)
        .join(Read, Read.article_id == Article.id)
        .where(
            Read.status == "credited",
            Read.completed_at >= rng.start,
            Read.completed_at < rng.end,
        )
        .group_by(Article.id, Article.title)
        .order_by(credited.desc(), Article.title)
        .limit(limit)
    )
    return [(str(i), title, n) for i, title, n in rows]


def _queue_ages(session: Session, now: datetime) -> list[tuple[tuple[int, int | None], int]]:
    waited = [
        now - completed
        for completed in session.scalars(
            select(Read.completed_at).where(Read.status == "held", Read.completed_at.is_not(None))
        )
        if completed is not None
    ]
    out = []
    for low, high in AGE_BUCKETS:
        n = sum(
            1
            for w in waited
            if w >= timedelta(days=low) and (high is None or w < timedelta(days=high))
        )
        out.append(((low, high), n))
    return out


def get_charts(session: Session, rng: Range, now: datetime) -> Charts:
    """Every chart of the console over the range."""
    points, liability = _points(session, rng)
    signups, active = _readers(session, rng)
    return Charts(
        range=rng,
        reads=_reads(session, rng),
        points=points,
        liability=liability,
        signups=signups,
        active=active,
        top_articles=_top_articles(session, rng),
        queue_ages=_queue_ages(session, now),
    )
