"""`readtoearn import --workers N`: worker processes extract and summarise, the command stores in
order; the rows are the same as with one process, Ctrl-C and a killed worker leave no half-written
article."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect, select

from readtoearn.articles.importer import ImportOutcome
from readtoearn.articles.models import Article
from readtoearn.cli import cli
from readtoearn.cli.import_pool import AUTO_POOL_MIN_ITEMS, worker_count
from readtoearn.db import Database, make_engine
from readtoearn.summaries.models import ArticleSummary

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-secret-key-that-is-long-enough-0123456789"
# Columns that differ between two imports of the same sources (ids and row times).
VOLATILE = {"id", "article_id", "created_at", "updated_at", "translation_group"}


def env_for(tmp_path: Path, name: str) -> dict[str, str]:
    return {
        "READTOEARN_DATA_DIR": str(tmp_path / "data"),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / name}.sqlite3",
        "READTOEARN_SECRET_KEY": SECRET,
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["import", *args], env=env, catch_exceptions=False)


def rows(env: dict[str, str]) -> list[dict[str, Any]]:
    """Every article with its summaries, without ids and row times, in title order."""
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session() as session:
            found = []
            for article in session.scalars(select(Article).order_by(Article.title)):
                record = _columns(article)
                summaries = session.scalars(
                    select(ArticleSummary).where(ArticleSummary.article_id == article.id)
                )
                record["summaries"] = [_columns(s) for s in summaries]
                found.append(record)
            return found
    finally:
        database.dispose()


def _columns(row: object) -> dict[str, Any]:
    mapper = inspect(type(row))
    return {c.key: getattr(row, c.key) for c in mapper.column_attrs if c.key not in VOLATILE}


def copies(folder: Path, count: int) -> list[Path]:
    """`count` different articles made from the French and English fixture pages."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = [(PAGES / "fr-wordpress.html").read_text(), (PAGES / "en-news.html").read_text()]
    made = []
    for number in range(count):
        page = pages[number % 2]
        page = re.sub(r"(https://[a-z]+\.example/)", rf"\g<1>copy-{number}/", page)
        page = page.replace("Nimbus IA", f"Nimbus IA {number}").replace(
            "Harbour City", f"Harbour City {number}"
        )
        path = folder / f"page-{number:03d}.html"
        path.write_text(page)
        made.append(path)
    return made


def test_two_workers_store_the_same_rows_as_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><p>Too short.</p></body></html>")
    records = tmp_path / "records.jsonl"
    records.write_text(
        json.dumps({"title": "Un article en JSON", "text": " ".join(["Le texte du jour."] * 30)})
        + "\nnot json\n"
    )
    sources = [
        str(PAGES / "fr-wordpress.html"),
        str(PAGES / "en-news.html"),
        str(PAGES / "feed-full.rss"),
        str(bad),
        str(records),
        str(tmp_path / "missing.html"),
        *map(str, copies(tmp_path / "copies", 4)),
    ]
    one, two = env_for(tmp_path, "one"), env_for(tmp_path, "two")
    first = run(one, "--workers", "1", *sources)
    second = run(two, "--workers", "2", *sources)

    assert first.exit_code == second.exit_code == 1  # three sources fail, the same way
    assert first.stderr == second.stderr
    assert "failed: " + str(bad) in second.stderr
    assert second.stdout.splitlines()[-1] == "9 imported, 0 updated, 3 failed"
    without_ids = [re.sub(r"^\S+", "", line) for line in first.stdout.splitlines()]
    assert [re.sub(r"^\S+", "", line) for line in second.stdout.splitlines()] == without_ids

    stored = rows(two)
    assert len(stored) == 9
    assert all(len(r["summaries"]) == 1 and r["summaries"][0]["summary"] for r in stored)
    assert any(r["summaries"][0]["figures"] for r in stored)
    assert stored == rows(one)


def test_a_summary_computed_for_another_text_is_not_stored(
    tmp_path: Path, database: Database, settings: Any
) -> None:
    from readtoearn.articles.importer import Importer
    from readtoearn.cli.import_pool import Loaded
    from readtoearn.cli.importer import import_item
    from readtoearn.summaries.service import ready_summary

    importer = Importer(settings)
    (item,) = importer.items(str(PAGES / "en-news.html"))
    draft = importer.load(item)
    wrong = ready_summary("A different text. It talks about 42 cats in Paris.", "en")
    outcome = import_item(database, importer, Loaded(item, draft, wrong))
    assert outcome.ok, outcome.error
    with database.session() as session:
        stored = session.scalars(select(ArticleSummary)).one()
    assert "cats" not in stored.summary
    assert stored.summary.split()[0] in draft.html


def test_the_number_of_workers() -> None:
    cores = os.cpu_count() or 1
    assert worker_count(None, 0, AUTO_POOL_MIN_ITEMS) == min(cores, AUTO_POOL_MIN_ITEMS)
    assert worker_count(None, 0, AUTO_POOL_MIN_ITEMS - 1) == 1
    assert worker_count(None, 3, 100) == 3
    assert worker_count(2, 3, 100) == 2
    assert worker_count(4, 0, 2) == 2  # never more processes than articles
    assert worker_count(1, 4, 100) == 1


def test_a_bad_number_of_workers_is_one_line(tmp_path: Path) -> None:
    result = run(env_for(tmp_path, "bad"), "--workers", "-1", str(PAGES / "en-news.html"))
    assert result.exit_code == 2
    assert "--workers" in result.output
    assert "Traceback" not in result.output


def _start(
    tmp_path: Path, count: int, workers: str = "2"
) -> tuple[subprocess.Popen[str], dict[str, str]]:
    folder = tmp_path / "many"
    copies(folder, count)
    env = {**os.environ, **env_for(tmp_path, "many")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "readtoearn",
            "import",
            "--no-progress",
            "--workers",
            workers,
            folder,
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, env


def _wait_for_lines(process: subprocess.Popen[str], count: int) -> list[str]:
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 120
    while len(lines) < count and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    return lines


def _stored(env: dict[str, str]) -> tuple[int, int]:
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session() as session:
            articles = session.scalars(select(Article)).all()
            summarised = {s.article_id for s in session.scalars(select(ArticleSummary))}
            return len(articles), sum(a.id in summarised for a in articles)
    finally:
        database.dispose()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_between_articles(tmp_path: Path, workers: str) -> None:
    process, env = _start(tmp_path, 80, workers)
    try:
        before = _wait_for_lines(process, 3)
        assert len(before) == 3
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    printed = len(before) + len([line for line in out.splitlines() if "words" in line])
    assert process.returncode == 130, err
    assert "interrupted: " in err and "Traceback" not in err
    articles, summarised = _stored(env)
    assert 3 <= articles < 80
    assert articles == printed == summarised  # every article stored whole, with its summary


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(c) for c in text)
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.timeout(180)
def test_a_killed_worker_loses_nothing(tmp_path: Path) -> None:
    process, env = _start(tmp_path, 40)
    try:
        assert len(_wait_for_lines(process, 2)) == 2
        workers = _children(process.pid)
        assert workers, "the import runs worker processes"
        os.kill(workers[0], signal.SIGKILL)
        out, err = process.communicate(timeout=150)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "warning: the worker processes stopped" in err
    assert out.splitlines()[-1] == "40 imported, 0 updated, 0 failed"
    assert _stored(env) == (40, 40)


def test_workers_fetch_feed_entries_pages_as_one_process_does(tmp_path: Path) -> None:
    from tests.unit.articles.test_import_http import local_site

    with local_site() as site:
        fr = site.page("/fr/nimbus", (PAGES / "fr-wordpress.html").read_bytes())
        en = site.page("/en/docks", (PAGES / "en-news.html").read_bytes())
        big = site.stream("/huge", 50 * 1024 * 1024, declare=True)
        feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>
            <item><title>FR</title><link>{fr}</link></item>
            <item><title>EN</title><link>{en}</link></item>
            <item><title>Huge</title><link>{big}</link></item>
            </channel></rss>"""
        site.page("/feed", feed.encode(), "application/rss+xml")
        site.page("/atom", (PAGES / "feed-full.atom").read_bytes(), "application/atom+xml")
        sources = (site.url + "/feed", site.url + "/atom", en)
        one, two = env_for(tmp_path, "one"), env_for(tmp_path, "two")
        first = run(one, "--workers", "1", *sources)
        second = run(two, "--workers", "2", *sources)
    assert second.exit_code == first.exit_code == 1
    assert (
        second.stderr
        == first.stderr
        == f"failed: {big}: response too large (50.0 MB; limit 10.0 MB)\n"
    )
    assert second.stdout.splitlines()[-1] == first.stdout.splitlines()[-1]
    assert rows(two) == rows(one)


def test_workers_skip_the_summary_of_a_version_already_summarised(settings: Any) -> None:
    from readtoearn.articles.importer import Importer
    from readtoearn.articles.service import content_hash
    from readtoearn.articles.text import normalise_space, sanitise_html, text_of
    from readtoearn.cli.import_pool import _summaries_of
    from readtoearn.summaries.service import version_key

    importer = Importer(settings)
    (item,) = importer.items(str(PAGES / "en-news.html"))
    draft = importer.load(item)
    assert not isinstance(draft, ImportOutcome)
    (made,) = _summaries_of([draft], frozenset())
    assert made is not None and made.summary
    version = content_hash(normalise_space(draft.title), text_of(sanitise_html(draft.html)))
    assert _summaries_of([draft], frozenset({version_key(version)})) == [None]
    assert _summaries_of([draft], frozenset({version_key(version) ^ 1})) == [made]


def test_importing_again_with_workers_keeps_the_summaries(tmp_path: Path) -> None:
    sources = [str(p) for p in copies(tmp_path / "copies", 6)]
    env = env_for(tmp_path, "again")
    assert run(env, "--workers", "2", *sources).exit_code == 0
    first = rows(env)
    again = run(env, "--workers", "2", *sources)
    assert again.exit_code == 0
    assert again.stdout.splitlines()[-1] == "0 imported, 6 updated, 0 failed"
    assert rows(env) == first
