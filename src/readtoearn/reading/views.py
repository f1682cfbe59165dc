"""Page views per article and day, for the console's engagement figures.

A view is counted when an article's page is shown to someone: a signed-in reader's page as it is
rendered, a signed-out visitor's when the page's script asks for their part
(`GET /api/v1/articles/{id}/reader`, which the shared, cached page always makes; a visitor
without JavaScript, and most crawlers, are not counted). Counting costs no write: each server
process adds to a counter in its memory, and its sweep adds what it counted to `article_views`
(one upsert per article and day, `views = views + n`), so several processes never overwrite each
other. What a process counted after its last sweep is written when it stops; a process killed
outright loses at most one sweep's worth of views.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from readtoearn.db import Database
from readtoearn.reading.models import ArticleView

Key = tuple[uuid.UUID, date]


class ViewCounter:
    """Views counted in this process since its last sweep (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[Key] = Counter()

    def count(self, article_id: uuid.UUID, when: datetime) -> None:
        with self._lock:
            self._counts[(article_id, when.date())] += 1

    def take(self) -> Counter[Key]:
        """What was counted, leaving the counter empty."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        return counts

    def give_back(self, counts: Counter[Key]) -> None:
        """Counts a sweep could not write, kept for the next one."""
        with self._lock:
            self._counts.update(counts)


def add_views(session: Session, counts: Counter[Key]) -> None:
    """Add counted views to the stored ones (one statement for all articles and days)."""
    rows = [{"article_id": a, "day": d, "views": n} for (a, d), n in counts.items() if n]
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ArticleView).values(rows)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ArticleView.article_id, ArticleView.day],
            set_={"views": ArticleView.views + statement.excluded.views},
        )
    )


def flush_views(database: Database, counter: ViewCounter) -> int:
    """Write what this process counted (the sweep, and the server's shutdown); the views
    written. On a failure the counts are kept for the next sweep."""
    counts = counter.take()
    if not counts:
        return 0
    try:
        with database.session(write=True) as session:
            add_views(session, counts)
    except Exception:
        counter.give_back(counts)
        raise
    return sum(counts.values())


def get_views(session: Session, article_id: uuid.UUID) -> int:
    """An article's page views, all days."""
    total = session.scalar(
        select(func.coalesce(func.sum(ArticleView.views), 0)).where(
            ArticleView.article_id == article_id
        )
    )
    return int(total or 0)
