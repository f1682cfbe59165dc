"""Search (articles/search.py) against a search with no index, in one run, on one database.

The database is filled with --articles articles made from the real news texts of
orangesum/dev.jsonl (French) and cnndm/dev.jsonl (English), each text used again under another
title when N is larger than the sets. Then, in turns, --rounds rounds of one query per word of a
fixed list of French and English words:
- baseline: what a site with no search index does: `lower(title || text) LIKE '%word%'`, the
  newest 10 and the count (no stemming, no ranking, no snippet: less work, and still slower);
- search: `search.search()` as the page calls it: stemmed full-text match in both languages
  (FTS5 on SQLite, the GIN index on PostgreSQL), ranked, 10 results with their snippets, and
  the count.
Prints the median time of each per round and over all rounds, and the ratio search/baseline on
the last line. Also prints what keeping the index costs when articles are written, on SQLite:
the flushes' time per article with the index, and on a second database without it (the flush
listener removed) as its baseline.

    .venv/bin/python bench/search.py [--articles 5000] [--rounds 5]
        [--data ../shared/data] [--database-url postgresql://...]  # default: a temporary SQLite
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from readtoearn import migrations
from readtoearn.articles import search
from readtoearn.articles.models import Article
from readtoearn.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SETS = (("orangesum", "fr"), ("cnndm", "en"))
WORDS = (
    "économie", "élections", "gouvernement", "football", "entreprise", "police", "climat",
    "president", "police", "company", "children", "hospital", "election", "market", "running",
    "weather", "banque", "santé", "court", "school",
)  # fmt: skip
PAGE = 10


def texts(data: Path) -> list[tuple[str, str]]:
    found = []
    for name, language in SETS:
        with (data / name / "dev.jsonl").open(encoding="utf-8") as handle:
            found += [(json.loads(line)["text"], language) for line in handle if line.strip()]
    return found


def fill(session: Session, data: Path, count: int) -> float:
    """Store `count` articles; returns the seconds spent keeping the search index (SQLite)."""
    sources = texts(data)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    index_s = 0.0
    batch: list[Article] = []
    for number in range(count):
        body, language = sources[number % len(sources)]
        words = body.split()
        title = " ".join(words[number % 7 : number % 7 + 9])
        digest = hashlib.sha256(f"{number}".encode()).hexdigest()
        batch.append(
            Article(
                slug=f"article-{number}",
                content_hash=digest,
                title=title,
                lead="",
                language=language,
                published_at=start + timedelta(hours=number),
                html=f"<p>{body}</p>",
                text=body,
                word_count=len(words),
                paragraph_count=1,
                reading_seconds=60,
                reading_minutes=1,
                extra={},
            )
        )
        if len(batch) == 200 or number == count - 1:
            session.add_all(batch)
            began = time.perf_counter()
            session.flush()  # the flush listener writes the FTS rows (SQLite)
            index_s += time.perf_counter() - began
            session.commit()
            batch = []
    return index_s


def flush_without_index(tmp: Path, data: Path, count: int) -> float:
    """The same articles written with no search index kept: ms per article."""
    engine = make_engine(f"sqlite:///{tmp / 'bare.sqlite3'}")
    migrations.upgrade(engine)
    event.remove(Session, "after_flush", search._after_flush)
    try:
        with Session(engine) as session:
            return fill(session, data, count) / count * 1000
    finally:
        event.listen(Session, "after_flush", search._after_flush)
        engine.dispose()


def baseline(session: Session, word: str) -> int:
    pattern = f"%{word.lower()}%"
    condition = or_(func.lower(Article.title).like(pattern), func.lower(Article.text).like(pattern))
    total = session.scalar(select(func.count()).select_from(Article).where(condition)) or 0
    session.scalars(
        select(Article).where(condition).order_by(Article.published_at.desc()).limit(PAGE)
    ).all()
    return int(total)


def searched(session: Session, word: str) -> int:
    return search.search(session, word, limit=PAGE).total


def timed(session: Session, work: Callable[[Session, str], int]) -> list[float]:
    times = []
    for word in WORDS:
        began = time.perf_counter()
        work(session, word)
        times.append(time.perf_counter() - began)
        session.rollback()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'search.sqlite3'}"
        engine = make_engine(url)
        migrations.upgrade(engine)
        with Session(engine) as session:
            began = time.perf_counter()
            index_s = fill(session, args.data, args.articles)
            fill_s = time.perf_counter() - began
            print(f"{engine.dialect.name}: {args.articles} articles stored in {fill_s:.1f} s")
            if engine.dialect.name == "sqlite":
                per = index_s / args.articles * 1000
                bare = flush_without_index(Path(tmp), args.data, args.articles)
                print(
                    f"writes: {per:.2f} ms per article with the FTS5 rows, {bare:.2f} ms "
                    f"without (ratio {per / bare:.2f})"
                )
            for word in WORDS[:3]:
                print(
                    f"  {word!r}: like {baseline(session, word)}, search {searched(session, word)}"
                )
            session.rollback()
            all_base: list[float] = []
            all_search: list[float] = []
            for number in range(1, args.rounds + 1):
                base = timed(session, baseline)
                found = timed(session, searched)
                all_base += base
                all_search += found
                print(
                    f"round {number}: baseline {statistics.median(base) * 1000:.2f} ms, "
                    f"search {statistics.median(found) * 1000:.2f} ms (median per query)"
                )
        engine.dispose()
    base_ms = statistics.median(all_base) * 1000
    search_ms = statistics.median(all_search) * 1000
    print(f"all rounds: baseline {base_ms:.2f} ms, search {search_ms:.2f} ms per query")
    print(f"ratio search/baseline: {search_ms / base_ms:.2f}")


if __name__ == "__main__":
    main()
