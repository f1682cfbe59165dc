"""What the webhooks' outbox costs a verdict: the flush that writes a read's verdict, timed with the
outbox's listener on and off, in the same run, on the same database.

Ours: `sites/outbox.py`, the `before_flush` listener that queues webhook deliveries in the
verdict's own transaction, in two settings: no webhook at all (most installations: one query),
and a site with a webhook that wants `read.credited` (the delivery queued with the verdict).
Baseline: the same flushes with the listener removed. Each read's verdict is one transaction
(status set, flush, commit), as a completion commits.

    .venv/bin/python bench/outbox.py                 # 1,000 verdicts a side, 3 rounds, SQLite
    .venv/bin/python bench/outbox.py --reads 300 --rounds 2
    .venv/bin/python bench/outbox.py --pg postgresql://postgres@127.0.0.1:5432/test

Prints the verdicts per second of each side and the ratios ours/baseline.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from readtoearn import migrations
from readtoearn.accounts.models import User
from readtoearn.articles.models import Article
from readtoearn.config import normalise_database_url
from readtoearn.db import Database, make_engine, new_id
from readtoearn.reading.models import Read
from readtoearn.sites import outbox
from readtoearn.sites import service as sites
from readtoearn.sites.models import SiteArticle, SiteReader, WebhookDelivery


def fill(database: Database, reads: int) -> tuple[list[uuid.UUID], uuid.UUID]:
    """Open reads of one reader, each of its own article, all registered by one site."""
    with database.session(write=True) as session:
        site = sites.create_site(session, name="Bench", origins=["https://b.example"], actor="b")
        reader = User(email="reader@bench.example", display_name="reader")
        session.add(reader)
        session.flush()
        session.add(SiteReader(site_id=site.id, external_id="1", user_id=reader.id))
        ids = []
        for n in range(reads):
            article = Article(
                slug=f"a{n}", content_hash=f"{n:064d}", title=f"A{n}", language="en",
                html="<p>x</p>", text="x", word_count=1, paragraph_count=1,
                reading_seconds=1, reading_minutes=1, canonical_url=f"https://b.example/{n}",
            )  # fmt: skip
            session.add(article)
            session.flush()
            session.add(SiteArticle(article_id=article.id, site_id=site.id))
            read = Read(
                id=new_id(), reader_id=reader.id, article_id=article.id, nonce="00" * 8,
                flags=[], paragraphs_seen=[], reasons=[],
            )  # fmt: skip
            session.add(read)
            ids.append(read.id)
        return ids, site.id


def verdicts(database: Database, ids: list[uuid.UUID], status: str) -> float:
    """Seconds to give each read a verdict, one transaction each."""
    began = time.perf_counter()
    for read_id in ids:
        with database.session(write=True) as session:
            read = session.get(Read, read_id)
            assert read is not None
            read.status, read.points = status, 10
    return time.perf_counter() - began


def reopen(database: Database, ids: list[uuid.UUID]) -> None:
    with database.session(write=True) as session:
        session.execute(text("DELETE FROM webhook_deliveries"))
        for read_id in ids:
            read = session.get(Read, read_id)
            assert read is not None
            read.status = "open"


def timed(database: Database, ids: list[uuid.UUID], *, listener: bool) -> float:
    """One side: every read given its verdict, then reopened (untimed) for the next round."""
    if not listener:
        event.remove(Session, "before_flush", outbox._queue)
    try:
        return verdicts(database, ids, "credited")
    finally:
        outbox.install()
        reopen(database, ids)


def run(database: Database, reads: int, rounds: int) -> None:
    ids, site_id = fill(database, reads)
    timed(database, ids, listener=True)  # warm-up: caches, pages, the listener's first query
    best: dict[str, float] = {}

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, seconds), seconds)

    # The sides take turns, so a machine busy for a while slows both alike; the best round counts.
    for _ in range(rounds):
        keep("baseline (no listener)", timed(database, ids, listener=False))
        keep("ours, no webhook", timed(database, ids, listener=True))
    with database.session(write=True) as session:
        site = sites.get_site(session, site_id)
        sites.add_webhook(
            session, site, url="https://b.example/h", events=["read.credited"], actor="b"
        )
    for _ in range(rounds):
        keep("ours, one webhook", verdicts(database, ids, "credited"))
        with database.session() as session:
            queued = len(session.scalars(select(WebhookDelivery.id)).all())
        assert queued == reads, queued
        reopen(database, ids)
    base = best["baseline (no listener)"]
    print(f"{reads} verdicts per side, one transaction each, best of {rounds} rounds")
    print(f"({database.engine.dialect.name})")
    for name, seconds in best.items():
        rate, ratio = reads / seconds, base / seconds
        print(f"  {name:26} {rate:8.0f} verdicts/s   ratio to baseline {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reads", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default="", help="a PostgreSQL URL (a fresh schema is made)")
    args = parser.parse_args()
    if args.pg:
        schema = f"bench_outbox_{uuid.uuid4().hex[:8]}"
        admin = make_engine(normalise_database_url(args.pg))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(
            normalise_database_url(args.pg), connect_args={"options": f"-csearch_path={schema}"}
        )
        try:
            migrations.upgrade(engine)
            run(Database(engine), args.reads, args.rounds)
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        migrations.upgrade(engine)
        try:
            run(Database(engine), args.reads, args.rounds)
        finally:
            engine.dispose()
            os.sync()


if __name__ == "__main__":
    main()
