"""What the quests page costs a reader, against a baseline in the same run.

Ours: `quests.list_reader_quests` (every open quest's steps, the reader's credited reads of their
articles, step states and completions: a few queries for the whole page). Baseline: the same
progress asked quest by quest (`progress_of` with one quest at a time, as a page would that
looped over `get_reader_quest`). Both give the same steps done (checked). Also the article page's
step banner, `steps_for_article`, for an article that is a step of several quests.

    .venv/bin/python bench/quests.py --quick
    .venv/bin/python bench/quests.py --quests 200 --pg postgresql://postgres@127.0.0.1:5432/test

Prints milliseconds per call (best of the rounds) for each side, and `baseline/ours`.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from readtoearn import migrations
from readtoearn.accounts.models import User
from readtoearn.articles.models import Article
from readtoearn.config import Settings, normalise_database_url
from readtoearn.db import Database, make_engine, new_id
from readtoearn.ledger import service as ledger
from readtoearn.quests import service as quests
from readtoearn.quests.models import StepKind
from readtoearn.reading.models import Read

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def open_database(url: str) -> tuple[Database, Callable[[], None]]:
    if url:
        schema = f"rte_bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(url, pool_size=1, max_overflow=0)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})

        def drop() -> None:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()

    else:
        folder = tempfile.TemporaryDirectory(prefix="rte-bench-quests-")
        engine = make_engine(f"sqlite:///{Path(folder.name) / 'bench.sqlite3'}")

        def drop() -> None:
            engine.dispose()
            folder.cleanup()

    migrations.upgrade(engine)
    return Database(engine), drop


def seed(db: Database, count: int, rng: random.Random) -> tuple[uuid.UUID, uuid.UUID]:
    """`count` quests of three steps over a pool of articles; one reader who read half of them."""
    with db.session(write=True) as s:
        ledger.fund_budget(s, 10**9, new_id())
        articles = []
        for n in range(max(10, count)):
            article = Article(
                slug=f"bench-{n}",
                content_hash=f"bench-{n}",
                title=f"Bench {n}",
                language="en",
                html="<p>Bench.</p>",
                text="Bench.",
                word_count=1,
                paragraph_count=1,
                reading_seconds=1,
                reading_minutes=1,
            )
            s.add(article)
            articles.append(article)
        reader = User(email="bench@quests.example", display_name="Bench")
        s.add(reader)
        s.flush()
        for article in articles[::2]:
            s.add(
                Read(
                    reader_id=reader.id,
                    article_id=article.id,
                    status="credited",
                    started_at=NOW - timedelta(hours=2),
                    completed_at=NOW - timedelta(hours=1),
                    nonce=uuid.uuid4().hex[:16],
                )
            )
        for n in range(count):
            # Every fourth quest has the first article as a step: the banner has several to show.
            picked = (
                [articles[0], rng.choice(articles[1:])] if n % 4 == 0 else rng.sample(articles, 2)
            )
            steps = [quests.StepDraft(kind=StepKind.READ, article=str(a.id)) for a in picked]
            steps.append(quests.StepDraft(kind=StepKind.LINK, url="https://partner.example/"))
            quests.create_quest(
                s, quests.QuestDraft(title_en=f"Quest {n}", points=10, steps=steps), trail=False
            )
        return reader.id, articles[0].id


def best_ms(fn: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def run(name: str, url: str, count: int, rounds: int) -> None:
    db, drop = open_database(url)
    try:
        reader_id, article_id = seed(db, count, random.Random(7))
        settings = Settings()
        with db.session() as s:

            def ours() -> list[int]:
                items = quests.list_reader_quests(
                    s, settings, reader_id, now=NOW, include_finished=True
                )
                return [p.done for p in items]

            def baseline() -> list[int]:
                listed = quests.list_reader_quests(
                    s, settings, None, now=NOW, include_finished=True
                )
                return [
                    quests.progress_of(s, settings, NOW, reader_id, [p.quest])[0].done
                    for p in listed
                ]

            assert ours() == baseline(), "the two ways disagree"
            ours_ms, base_ms = best_ms(ours, rounds), best_ms(baseline, rounds)
            banner_ms = best_ms(
                lambda: quests.steps_for_article(
                    s, reader_id, article_id, settings=settings, now=NOW
                ),
                rounds,
            )
            shown = len(quests.steps_for_article(s, reader_id, article_id, settings=settings))
        print(
            f"{name}: {count} quests  list_reader_quests {ours_ms:.2f} ms  "
            f"quest by quest {base_ms:.2f} ms  baseline/ours {base_ms / ours_ms:.1f}x  "
            f"step banner ({shown} quests) {banner_ms:.2f} ms",
            flush=True,
        )
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pg", default="", help="a PostgreSQL URL (default: SQLite only)")
    parser.add_argument("--quick", action="store_true", help="20 quests, 3 rounds")
    args = parser.parse_args()
    count, rounds = (20, 3) if args.quick else (args.quests, args.rounds)
    run("sqlite", "", count, rounds)
    if args.pg:
        run("postgresql", normalise_database_url(args.pg), count, rounds)


if __name__ == "__main__":
    main()
