"""Readers' article lists with the console's status filter, against the same lists without it.

Since articles can be unpublished or deleted from the console, every list readers see (home,
category, author, feeds, sitemap, the API) keeps the published ones only: a condition on
`articles.status` (indexed with published_at, migration 0018; a JSON key before, which made
SQLite read every article whole) in the query and in its count. This measures what that costs,
in one run, on one database filled with --articles articles (one in ten unpublished or deleted):
- baseline: the list as it was (newest first, a page of 10, and the total), no status condition;
- published: `articles.list_articles` as readers get it now (page and total).
Both run in turns, --rounds rounds of --repeat lists each; prints the median time of each, per
round and over all rounds, and the ratio published/baseline on the last line.

    .venv/bin/python bench/article_lists.py [--articles 20000] [--rounds 5] [--repeat 30]
        [--body-kb 8] [--database-url postgresql://...]   # default: a temporary SQLite file
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from readtoearn import migrations
from readtoearn.articles import service as articles
from readtoearn.articles.models import Article
from readtoearn.db import make_engine, new_id

PAGE = 10


def fill(session: Session, count: int, body_kb: int) -> None:
    body = " ".join(["Words of the article body."] * (body_kb * 1024 // 27 + 1))
    start = datetime(2020, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(count):
        status = {3: "unpublished", 7: "deleted"}.get(n % 10)
        rows.append(
            {
                "id": new_id(),
                "slug": f"story-{n}",
                "canonical_url": f"https://bench.example/{n}",
                "content_hash": uuid.uuid4().hex,
                "title": f"Story number {n}",
                "description": "",
                "lead": "",
                "language": "en" if n % 3 else "fr",
                "published_at": start + timedelta(minutes=n),
                "html": f"<p>{body}</p>",
                "text": body,
                "key_points": [],
                "word_count": 300,
                "image_count": 0,
                "paragraph_count": 3,
                "reading_seconds": 80,
                "reading_minutes": 2,
                "source": "bench",
                "status": status or "published",
                "extra": {},
                "image_alt": "",
                "image_caption": "",
            }
        )
        if len(rows) == 2000:
            session.execute(insert(Article), rows)
            rows = []
    if rows:
        session.execute(insert(Article), rows)
    session.commit()


def baseline(session: Session) -> int:
    """The readers' list before the status filter: a page, newest first, and the total."""
    query = select(Article)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = query.order_by(
        Article.published_at.desc().nulls_last(), Article.created_at.desc(), Article.id.desc()
    )
    items = session.scalars(ordered.limit(PAGE)).all()
    return len(items) + total


def published(session: Session) -> int:
    items, total = articles.list_articles(session, limit=PAGE)
    return len(items) + total


def timed(session: Session, work: Callable[[Session], int], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work(session)
        times.append(time.perf_counter() - began)
        session.expunge_all()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--body-kb", type=int, default=8, help="size of each body (html and text)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        engine = make_engine(url)
        migrations.upgrade(engine)
        with Session(engine) as session:
            if not session.scalar(select(func.count()).select_from(Article)):
                fill(session, args.articles, args.body_kb)
            shown = session.scalar(select(func.count()).select_from(Article))
            print(f"{engine.dialect.name}: {shown} articles, 1 in 10 unpublished or deleted")
            every: dict[str, list[float]] = {"baseline": [], "published": []}
            for turn in range(args.rounds):
                got = {}
                for name, work in (("baseline", baseline), ("published", published)):
                    times = timed(session, work, args.repeat)
                    every[name] += times
                    got[name] = statistics.median(times)
                ratio = got["published"] / got["baseline"]
                print(
                    f"round {turn + 1}: baseline {got['baseline'] * 1000:.2f} ms, "
                    f"published {got['published'] * 1000:.2f} ms, ratio {ratio:.2f}"
                )
        engine.dispose()
    base, mine = statistics.median(every["baseline"]), statistics.median(every["published"])
    print(f"median baseline {base * 1000:.2f} ms, published {mine * 1000:.2f} ms")
    print(f"ratio published/baseline={mine / base:.2f}")


if __name__ == "__main__":
    main()
