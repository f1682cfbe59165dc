"""How readers engaged with one article, from its page views and its reads: for the console's
article page. Page views are counted as reading/views.py says; a read also records whether it
followed a page view of the article (`Read.page_view`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from readtoearn.reading.models import Read
from readtoearn.reading.rules import Verdict
from readtoearn.reading.views import get_views

OPEN = "open"
# The reads that reached a verdict other than "incomplete": the reader got to the end.
FINISHED = (Verdict.CREDITED.value, Verdict.HELD.value, Verdict.REJECTED.value)


@dataclass(frozen=True)
class Engagement:
    """One article's reads in figures."""

    page_views: int = 0
    started: int = 0
    after_page_view: int = 0
    open: int = 0
    credited: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)  # credited, held, rejected, incomplete
    points_paid: int = 0  # credited reads' points and quiz bonuses
    points_held: int = 0  # held reads' points, pending a review
    median_active_s: float | None = None  # of the reads that reached a verdict
    expected_s: int = 0  # the article's reading time

    @property
    def finished(self) -> int:
        return sum(self.verdicts.get(v, 0) for v in FINISHED)

    @property
    def completion_rate(self) -> float | None:
        """Reads that got to the end, out of the reads started."""
        return self.finished / self.started if self.started else None

    @property
    def active_ratio(self) -> float | None:
        """The median active time against the expected reading time."""
        if self.median_active_s is None or not self.expected_s:
            return None
        return self.median_active_s / self.expected_s


def get_engagement(session: Session, article_id: uuid.UUID, expected_s: int) -> Engagement:
    """The article's reads counted by status (one grouped query) and the median active time of
    the closed ones (one query for the middle row or two)."""
    rows = session.execute(
        select(
            Read.status,
            func.count(),
            func.sum(case((Read.page_view.is_(True), 1), else_=0)),
            func.coalesce(func.sum(Read.points + Read.quiz_points), 0),
        )
        .where(Read.article_id == article_id)
        .group_by(Read.status)
    ).all()
    counts = {str(status): int(n) for status, n, _views, _points in rows}
    points = {str(status): int(p or 0) for status, _n, _views, p in rows}
    views = sum(int(v or 0) for _s, _n, v, _p in rows)
    closed = sum(n for status, n in counts.items() if status != OPEN)
    return Engagement(
        page_views=get_views(session, article_id),
        started=sum(counts.values()),
        after_page_view=views,
        open=counts.get(OPEN, 0),
        credited=counts.get(Verdict.CREDITED.value, 0),
        verdicts={s: n for s, n in counts.items() if s != OPEN},
        points_paid=points.get(Verdict.CREDITED.value, 0),
        points_held=points.get(Verdict.HELD.value, 0),
        median_active_s=_median_active_s(session, article_id, closed),
        expected_s=expected_s,
    )


def _median_active_s(session: Session, article_id: uuid.UUID, closed: int) -> float | None:
    if not closed:
        return None
    middle = session.scalars(
        select(Read.active_ms)
        .where(Read.article_id == article_id, Read.status != OPEN)
        .order_by(Read.active_ms)
        .offset((closed - 1) // 2)
        .limit(2 if closed % 2 == 0 else 1)
    ).all()
    return sum(middle) / len(middle) / 1000 if middle else None
