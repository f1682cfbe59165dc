"""Article pages against a static file served by the same app, in one run, driven by wrk.

Starts `uvicorn readtoearn.app:create_app --factory` in a subprocess (one worker, no access log) on
a temporary SQLite database holding demo-like articles, then drives it with wrk (a C load
generator, so the client costs little; `apt-get install wrk`), 8 connections, in turns:
- static:   GET /static/site.css (the baseline: no database, no template);
- anonymous: GET of the article pages without cookies (the cached page, web/pagecache.py);
- signed-in: the same pages with a reader's session cookie (rendered for them, private);
- revalidate: the same anonymous pages with If-None-Match (answered 304).
The machine's speed drifts, so each round runs every kind for --seconds / --rounds; the figures
add the rounds up. Prints each kind's req/s and latency, its ratio to the static file per round
and over all rounds; the last lines are `ratio <kind>/static=…`.

    .venv/bin/python bench/pages.py [--seconds 16] [--rounds 4] [--connections 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from readtoearn import migrations
from readtoearn.accounts import service as accounts
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


def prepare(data_dir: Path) -> tuple[dict[str, str], list[str], str]:
    """A migrated SQLite file with the articles and a reader; the server's environment, the page
    paths and the reader's session cookie."""
    url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    settings = Settings(data_dir=data_dir, database_url=url, secret_key=SECRET)
    database = Database(make_engine(url))
    migrations.upgrade(database.engine)
    paths = []
    with database.session(write=True) as session:
        for index in range(ARTICLES):
            article = articles.save_article(session, demo_like_draft(index), settings).article
            paths.append(f"/articles/{article.id}/{article.slug}")
        reader = accounts.create_user(
            session, settings, email="bench-reader@example.org", password=None
        )
        cookie = accounts.start_session(session, settings, reader)
    database.dispose()
    env = {
        **os.environ,
        "READTOEARN_DATA_DIR": str(data_dir),
        "READTOEARN_DATABASE_URL": url,
        "READTOEARN_SECRET_KEY": SECRET,
    }
    return env, paths, cookie


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


WRK_SCRIPT = r"""
-- Each request takes the next page of the list; the mode says which headers go with it.
local pages = dofile(os.getenv("RTE_PAGES"))
local mode = os.getenv("RTE_MODE")
local cookie = os.getenv("RTE_COOKIE")
local device = os.getenv("RTE_DEVICE")
local i = 0
function request()
  i = i % #pages + 1
  local page = pages[i]
  local headers = {["Accept-Language"] = "en"}
  if mode == "signed-in" then
    -- A signed-in reader's browser also sends the cookies it was given on its first page.
    headers["Cookie"] = "rte_session=" .. cookie .. "; " .. device
  end
  if mode == "revalidate" then headers["If-None-Match"] = page[2] end
  if mode == "static" then return wrk.format("GET", "/static/site.css", headers) end
  return wrk.format("GET", page[1], headers)
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""
MODES = ("static", "anonymous", "signed-in", "revalidate")


def run_wrk(
    url: str, mode: str, seconds: float, connections: int, tmp: Path, cookie: str, device: str
) -> tuple[int, int, float, float, float]:
    """One wrk run: (requests, errors, seconds, p50 ms, p99 ms)."""
    env = {
        **os.environ,
        "RTE_PAGES": str(tmp / "pages.lua"),
        "RTE_MODE": mode,
        "RTE_COOKIE": cookie,
        "RTE_DEVICE": device,
    }
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(seconds, 1):.0f}s", "--latency",
         "-s", str(tmp / "pages.lua.wrk"), url],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    done, errors, duration, p50, p99 = line.split()[1:]
    return int(done), int(errors), float(duration), float(p50), float(p99)


def check(base: str, pages: list[str], cookie: str) -> tuple[list[tuple[str, str]], str]:
    """Each page answers as each kind expects; returns (path, ETag) pairs for revalidation and
    the cookies a signed-in reader's browser is given on its first page (its device and CSRF
    cookies), which a browser sends with every page after, as wrk does from then on."""
    pairs = []
    device = ""
    for path in pages:
        anonymous = httpx.get(base + path, headers={"Accept-Language": "en"}, timeout=10)
        assert anonymous.status_code == 200 and "<h1" in anonymous.text, anonymous.status_code
        assert anonymous.headers["cache-control"].startswith("public"), anonymous.headers
        etag = anonymous.headers["etag"]
        again = httpx.get(base + path, headers={"If-None-Match": etag, "Accept-Language": "en"})
        assert again.status_code == 304, again.status_code
        mine = httpx.get(base + path, cookies={"rte_session": cookie}, timeout=10)
        assert mine.headers["cache-control"] == "private, no-store", mine.headers
        assert 'id="rte-tracker"' in mine.text, "the signed-in page has the reading panel"
        device = device or "; ".join(
            f"{name}={mine.cookies[name]}" for name in ("rte_device", "rte_csrf")
        )
        pairs.append((path, etag))
    assert "rte_device=" in device, "a signed-in reader's first page gives a device cookie"
    return pairs, device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=16.0, help="per kind, over all rounds")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/pages.py needs wrk (apt-get install wrk)")

    runs: dict[str, list[tuple[int, int, float, float, float]]] = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory(prefix="rte-bench-") as tmp:
        data = Path(tmp)
        env, pages, cookie = prepare(data)
        port = free_port()
        server = start_server(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            pairs, device = check(base, pages, cookie)
            size = len(httpx.get(base + pages[0]).content)
            print(f"{len(pages)} article pages of about {size} bytes; static file /static/site.css")
            # Lua long brackets keep the ETag's own quotes.
            table = ",".join(f'{{"{path}",[[{etag}]]}}' for path, etag in pairs)
            (data / "pages.lua").write_text(f"return {{{table}}}")
            (data / "pages.lua.wrk").write_text(WRK_SCRIPT)
            share = args.seconds / args.rounds
            for index in range(args.rounds + 1):  # round 0 warms up and is not counted
                for mode in MODES:
                    result = run_wrk(
                        base, mode, share if index else 1, args.connections, data, cookie, device
                    )
                    if index:
                        runs[mode].append(result)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"one uvicorn worker, wrk with {args.connections} connections, SQLite, loopback")
    rates = {}
    for mode, results in runs.items():
        rates[mode] = sum(r[0] for r in results) / sum(r[2] for r in results)
        p50 = sorted(r[3] for r in results)[len(results) // 2]
        p99 = max(r[4] for r in results)
        errors = sum(r[1] for r in results)
        print(
            f"{mode:<10} {rates[mode]:8.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  "
            f"({errors} errors)"
        )
    for mode in MODES[1:]:
        by_round = [
            r[0] / r[2] / (s[0] / s[2]) for s, r in zip(runs["static"], runs[mode], strict=True)
        ]
        print(f"{mode} by round: " + " ".join(f"{x:.2f}" for x in by_round))
    print(
        "load average (1, 5, 15 min) at the end: " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    for mode in MODES[1:]:
        print(f"ratio {mode}/static={rates[mode] / rates['static']:.2f}")


if __name__ == "__main__":
    main()
