"""Held points time out: a held read nobody decides within `held_timeout_days` of its completion is
voided, recorded as a review with the decision `expired` and no operator, and its reader told.

A read held only because the budget was empty does not time out: the reader did nothing
suspicious, and the programme owes them the points once it is funded (release_budget_holds pays it,
oldest first). A read that was also suspicious times out like any other (there is nothing reserved
to void then). Each read is voided in a savepoint of its own with the ids the review queue uses, so
the job can run in several workers at once, or again, and void nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from readtoearn.articles.models import Article
from readtoearn.fraud import notices
from readtoearn.fraud import service as reviews
from readtoearn.fraud.notices import Notifier
from readtoearn.reading.models import Read

HELD = "held"
BUDGET_EMPTY = "budget_empty"
CHUNK = 200


@dataclass(frozen=True)
class Expired:
    """What a sweep voided."""

    reads: int
    points: int


def expire_held(
    session: Session,
    now: datetime,
    timeout_days: int,
    *,
    notifier: Notifier | None = None,
) -> Expired:
    """Void the held reads completed more than `timeout_days` ago that nobody decided."""
    cutoff = now - timedelta(days=timeout_days)
    count = points = 0
    after: tuple[Any, Any] | None = None  # (completed_at, id) of the last read seen
    while True:
        stmt = (
            select(Read.id, Read.completed_at, Read.reasons)
            .where(Read.status == HELD, Read.completed_at < cutoff)
            .order_by(Read.completed_at, Read.id)
            .limit(CHUNK)
        )
        if after is not None:
            stmt = stmt.where(
                or_(
                    Read.completed_at > after[0],
                    and_(Read.completed_at == after[0], Read.id > after[1]),
                )
            )
        rows = session.execute(stmt).all()
        for read_id, _completed_at, reasons in rows:
            if set(reasons or ()) <= {BUDGET_EMPTY}:
                continue
            review = reviews.expire(session, read_id, now=now)
            if review is None:  # decided meanwhile (an operator, another worker): theirs stands
                continue
            count += 1
            points += review.points
            if notifier is not None:
                reader_id, title = session.execute(
                    select(Read.reader_id, Article.title)
                    .join(Article, Article.id == Read.article_id)
                    .where(Read.id == read_id)
                ).one()
                notifier.send_after_commit(session, reader_id, notices.HOLD_EXPIRED, what=title)
        if len(rows) < CHUNK:
            break
        after = (rows[-1][1], rows[-1][0])
    return Expired(reads=count, points=points)
