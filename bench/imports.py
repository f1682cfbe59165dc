"""`readtoearn import` of many article pages: articles per second with one process and with the
process pool, against the plain cost of parsing the same pages, in one run.

Usage: .venv/bin/python bench/imports.py [--articles 1000] [--workers 1,2] [--per-task 1,8]
                                         [--data ../shared/data]

It writes N article pages (HTML files with a header, navigation, byline, lead, sub-headings and a
footer) built from the real news texts of orangesum/dev.jsonl and cnndm/dev.jsonl (each text used
again with another title and URL when N is larger than the sets), then runs the real CLI,
`readtoearn import DIR --no-progress --workers W`, in a subprocess on a new SQLite database for
each W, and counts the articles and summaries stored; then imports the same pages again into
each database ("again": every article updated, nothing changed). The baseline is the same pages
parsed (`extract_article`) in this process with nothing else done: a floor no import can go under
on one core. CPU time of the import includes its worker processes (and the start: imports, and the
sentence encoder loaded by each process); the part spent in the command's own process, the one
that writes, is printed apart: with workers it bounds the rate on an idle machine. With workers,
each run is made once per --per-task value (articles a worker prepares at once, their sentences
encoded together): 1 is the per-article path, 8 the command's default.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from readtoearn.articles.extract import extract_article
from readtoearn.summaries.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SETS = (("orangesum", "fr"), ("cnndm", "en"))
# The CLI, with the CPU time of its own process (the one writer) printed last on stderr.
RUN_CLI = """
import atexit, os, resource, sys
from readtoearn.cli import import_pool, main
import_pool.ARTICLES_PER_TASK = int(os.environ.get("BENCH_ARTICLES_PER_TASK", "8"))
def report():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"command-cpu {usage.ru_utime + usage.ru_stime}", file=sys.stderr)
atexit.register(report)
sys.argv = ["readtoearn", *sys.argv[1:]]
main()
"""


def page(number: int, title: str, text: str, language: str) -> str:
    """A news page around one text: the lead, then paragraphs of three sentences, a sub-heading
    every four paragraphs."""
    sentences = split_sentences(text, language)
    lead, rest = sentences[:1], sentences[1:]
    paragraphs = [" ".join(rest[i : i + 3]) for i in range(0, len(rest), 3)]
    body = []
    for index, paragraph in enumerate(paragraphs):
        if index and index % 4 == 0:
            body.append(f"<h2>{'Suite' if language == 'fr' else 'More'} {index // 4}</h2>")
        body.append(f"<p>{html.escape(paragraph)}</p>")
    url = f"https://news.example/{language}/{number}/"
    return f"""<!doctype html>
<html lang="{language}"><head><meta charset="utf-8">
<title>{html.escape(title)} | News Example</title>
<link rel="canonical" href="{url}">
<meta property="og:title" content="{html.escape(title)}">
<meta property="article:published_time" content="2026-11-{1 + number % 28:02d}T08:00:00+01:00">
</head><body>
<header><a href="/">News Example</a><nav><a href="/world/">World</a> <a href="/tech/">Tech</a>
<a href="/join/">Join</a></nav></header>
<main><article>
<h1>{html.escape(title)}</h1>
<p class="byline">By <a href="/authors/a-writer/">A. Writer</a>, <time>1 Nov 2026</time></p>
<p class="lead">{html.escape(" ".join(lead))}</p>
{"".join(body)}
</article>
<aside><h3>Most read</h3><ul><li><a href="/1/">One story</a></li><li><a href="/2/">Two</a></li>
</ul></aside></main>
<footer><p>© News Example. All rights reserved.</p></footer>
</body></html>
"""


def write_pages(data: Path, folder: Path, count: int) -> list[Path]:
    rows = []
    for name, language in SETS:
        path = data / name / "dev.jsonl"
        for line in path.open(encoding="utf-8"):
            rows.append((json.loads(line)["text"], language))
    paths = []
    for number in range(count):
        text, language = rows[number % len(rows)]
        round_ = number // len(rows)
        words = text.split()
        title = " ".join(words[:9]).rstrip(".,;:") + (f" ({round_ + 1})" if round_ else "")
        path = folder / f"{number:05d}.html"
        path.write_text(page(number, title, text, language), encoding="utf-8")
        paths.append(path)
    return paths


def parse_only(paths: list[Path]) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        extract_article(path.read_bytes())
    return time.perf_counter() - start, time.process_time() - cpu


def run_import(
    folder: Path, workers: int, scratch: Path, per_task: int = 8
) -> tuple[float, float, float, int, int]:
    database = scratch / f"import-{workers}-{per_task}.sqlite3"
    env = {
        **os.environ,
        "BENCH_ARTICLES_PER_TASK": str(per_task),
        "READTOEARN_DATABASE_URL": f"sqlite:///{database}",
        "READTOEARN_DATA_DIR": str(scratch / "data"),
        "READTOEARN_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
    }
    command = [sys.executable, "-c", RUN_CLI, "import", "--no-progress"]
    command += ["--workers", str(workers), str(folder)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"the import with --workers {workers} failed ({done.returncode})")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    own = float(done.stderr.rsplit("command-cpu ", 1)[1].split()[0])
    with sqlite3.connect(database) as connection:
        articles = connection.execute("select count(*) from articles").fetchone()[0]
        summaries = connection.execute("select count(*) from article_summaries").fetchone()[0]
    return wall, cpu, own, articles, summaries


def stored_summaries(scratch: Path, workers: int, per_task: int) -> str:
    """Every stored summary and "In brief" of one run's database, as one text (to compare
    runs; not the key figures, which another change to the code in the meantime may alter)."""
    database = scratch / f"import-{workers}-{per_task}.sqlite3"
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "select content_hash, backend, summary, in_brief from article_summaries "
            "order by content_hash, backend"
        ).fetchall()
    return json.dumps(rows)


def run_name(what: str, workers: int, per_task: int) -> str:
    return f"{what} --workers {workers}" + (f" ({per_task}/task)" if workers > 1 else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--per-task", default="1,8", help="articles per worker task, with workers")
    args = parser.parse_args()
    # One process has no tasks: --per-task applies to the pool only.
    runs = [
        (workers, per_task)
        for workers in map(int, args.workers.split(","))
        for per_task in (map(int, args.per_task.split(",")) if workers > 1 else [8])
    ]
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        scratch = Path(tmp)
        folder = scratch / "pages"
        folder.mkdir()
        paths = write_pages(args.data, folder, args.articles)
        n = len(paths)
        print(
            f"{n} article pages from {args.data}; {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        wall, cpu = parse_only(paths)
        floor = n / wall
        print(
            f"{'parse only (baseline)':<28}{floor:8.1f} articles/s  "
            f"{1000 * cpu / n:6.1f} ms CPU per article"
        )
        results = {}
        for workers, per_task in runs:
            wall, cpu, own, articles, summaries = run_import(folder, workers, scratch, per_task)
            rate = n / wall
            results[workers, per_task] = rate
            name = run_name("import", workers, per_task)
            print(
                f"{name:<32}{rate:8.1f} articles/s  "
                f"{1000 * cpu / n:6.1f} ms CPU per article, {1000 * own / n:.1f} of them in the "
                f"command's process  {1000 * wall / n:6.1f} ms wall  "
                f"ratio to parse only {rate / floor:.2f}  "
                f"({articles} articles, {summaries} summaries stored)"
            )
        one = next((rate for (w, _), rate in results.items() if w == 1), None)
        for (workers, per_task), rate in results.items():
            if workers != 1 and one is not None:
                print(
                    f"pool speed-up, --workers {workers} ({per_task}/task) against 1: "
                    f"{rate / one:.2f}x"
                )
        stored = {run: stored_summaries(scratch, *run) for run in runs}
        same = len(set(stored.values())) == 1
        print(f"summaries and In brief stored: {'the same' if same else 'DIFFERENT'} in every run")
        for workers, per_task in runs:
            # The same pages again into the same database: every article updated, unchanged.
            wall, cpu, own, articles, summaries = run_import(folder, workers, scratch, per_task)
            name = run_name("again,", workers, per_task)
            print(
                f"{name:<32}{n / wall:8.1f} articles/s  "
                f"{1000 * cpu / n:6.1f} ms CPU per article, {1000 * own / n:.1f} of them in the "
                f"command's process  ({articles} articles, {summaries} summaries stored)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
