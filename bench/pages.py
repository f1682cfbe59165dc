"""Article page throughput, against a static file served by the same app, in one run.

Starts `uvicorn readtoearn.app:create_app --factory` in a subprocess (one worker, no access log) on
a temporary SQLite database holding demo-like articles, then drives it from this process with a
few concurrent httpx clients: first GET /static/site.css (the baseline: no database, no template),
then GET of the article pages. Prints req/s, p50 and p99 for both; the last line is the ratio.

    .venv/bin/python bench/pages.py [--requests 3000] [--concurrency 8]

Bounded in time: each phase stops after --seconds even if its requests are not all done.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from readtoearn import migrations
from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
ARTICLES = 12
PARAGRAPH = (
    "The board approved a plan worth up to $50bn on Tuesday, after a $100bn funding round that "
    "could value the group at up to $830bn; about 16,000 jobs could follow in the fourth quarter "
    "of 2026, according to people familiar with the talks, who asked not to be named."
)


@dataclass
class Result:
    name: str
    done: int
    failed: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        ordered = sorted(self.latencies) or [0.0]
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        return (
            f"{self.name:<8} {self.done:>6} requests in {self.seconds:5.2f} s: "
            f"{self.rate:8.1f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
            + (f"  ({self.failed} failed)" if self.failed else "")
        )


def demo_like_draft(index: int) -> ArticleDraft:
    """About 700 words, with sub-headings, a picture and an In brief box, like a real article."""
    sections = []
    for part in range(4):
        sections.append(f"<h2>Part {part + 1}</h2>")
        sections.extend(f"<p>{PARAGRAPH} ({index}.{part}.{n})</p>" for n in range(4))
    return ArticleDraft(
        title=f"Markets brace for a record funding round, day {index + 1}",
        html="".join(sections),
        canonical_url=f"https://bench.example/articles/{index}",
        language="fr" if index % 3 == 0 else "en",
        lead="Investors expect the largest round of the year, and the biggest valuation yet.",
        published_at=datetime(2026, 11, 1, 9, 30, tzinfo=UTC) + timedelta(days=index),
        authors=[AuthorDraft(name="Claire Fontaine", bio="Claire covers technology markets.")],
        categories=["Get informed", "Artificial intelligence"],
        image_url="/static/favicon.svg",
        image_alt="A placeholder picture",
        image_caption="A caption under the picture.",
        key_points=["A $100bn round is on the table", "About 16,000 jobs could follow"],
    )


def prepare(data_dir: Path) -> tuple[dict[str, str], list[str]]:
    """A migrated SQLite file with the articles; the server's environment and the page paths."""
    url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    settings = Settings(data_dir=data_dir, database_url=url, secret_key=SECRET)
    database = Database(make_engine(url))
    migrations.upgrade(database.engine)
    paths = []
    with database.session(write=True) as session:
        for index in range(ARTICLES):
            article = articles.save_article(session, demo_like_draft(index), settings).article
            paths.append(f"/articles/{article.id}/{article.slug}")
    database.dispose()
    env = {
        **os.environ,
        "READTOEARN_DATA_DIR": str(data_dir),
        "READTOEARN_DATABASE_URL": url,
        "READTOEARN_SECRET_KEY": SECRET,
    }
    return env, paths


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "readtoearn.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start within 20 s")


async def drive(
    name: str, base: str, paths: list[str], total: int, concurrency: int, seconds: float
) -> Result:
    """`concurrency` clients, each with its own keep-alive connection, sharing `total` requests."""
    latencies: list[float] = []
    failed = 0
    issued = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal issued, failed
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            while issued < total and time.perf_counter() < deadline:
                path = paths[issued % len(paths)]
                issued += 1
                began = time.perf_counter()
                response = await http.get(path)
                latencies.append(time.perf_counter() - began)
                if response.status_code != 200:
                    failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return Result(name, len(latencies) - failed, failed, elapsed, latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0, help="time limit per phase")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rte-bench-") as tmp:
        env, pages = prepare(Path(tmp))
        port = free_port()
        server = start_server(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            sample = httpx.get(base + pages[0], timeout=5)
            assert sample.status_code == 200 and "<h1" in sample.text, sample.status_code
            print(f"article page: {len(sample.content)} bytes; static file: /static/site.css")
            warm_up = ["/static/site.css", *pages]
            asyncio.run(drive("warm-up", base, warm_up, 200, args.concurrency, 5.0))
            static = asyncio.run(
                drive(
                    "static",
                    base,
                    ["/static/site.css"],
                    args.requests,
                    args.concurrency,
                    args.seconds,
                )
            )
            page = asyncio.run(
                drive("page", base, pages, args.requests, args.concurrency, args.seconds)
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"one uvicorn worker, {args.concurrency} concurrent httpx clients, SQLite, loopback")
    print(static.line())
    print(page.line())
    print(f"ratio page/static={page.rate / static.rate:.2f}")


if __name__ == "__main__":
    main()
