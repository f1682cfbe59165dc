"""`readtoearn import`: articles from saved pages, URLs, RSS/Atom feeds and JSON files."""

from __future__ import annotations

import itertools
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from readtoearn import migrations
from readtoearn.articles.importer import Importer, ImportItem, ImportOutcome, database_error, store
from readtoearn.articles.models import Article
from readtoearn.cli.base import friendly_errors, load_settings, open_database
from readtoearn.cli.import_pool import AUTO_POOL_MIN_ITEMS, Loaded, loaded_items, worker_count
from readtoearn.config import Settings
from readtoearn.db import Database
from readtoearn.summaries import service as summaries

EPILOG = """\b
Examples:
  readtoearn import saved/article.html saved/other.html.gz
  readtoearn import https://news.example/2026/11/a-story/
  readtoearn import https://news.example/feed/ exports/articles.jsonl
  readtoearn import --json feed.xml > imported.jsonl
"""


@click.command("import", epilog=EPILOG)
@click.argument("sources", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on stderr (default: when stderr is a terminal and there is more "
    "than one item).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0, max=64),
    default=None,
    help="Processes that extract and summarise articles while this one stores them in order "
    "(default: READTOEARN_IMPORT_WORKERS, else one per core from 8 articles on; 1: all in this "
    "process).",
)
@friendly_errors
def import_articles(
    sources: tuple[str, ...], as_json: bool, progress: bool | None, workers: int | None
) -> None:
    """Import articles from SOURCES: .html/.html.gz files, URLs, feeds, .json/.jsonl files.

    Importing an article again updates it (same canonical URL, or same text) and never
    duplicates it. Each article is stored in its own transaction; the command exits with
    status 1 when any item failed, naming each failure.
    """
    settings = load_settings()
    counts = {"created": 0, "updated": 0, "failed": 0}
    with open_database(settings) as database, ExitStack() as stack:
        migrations.upgrade(database.engine)
        importer = Importer(settings)
        stack.callback(importer.close)
        items = _Sources(importer, sources)
        # Enough sources read to choose the number of processes; the rest as the import goes.
        items.read_ahead(AUTO_POOL_MIN_ITEMS)
        processes = worker_count(workers, settings.import_workers, items.total)
        summarised: frozenset[int] = frozenset()
        if processes > 1:
            with database.session() as session:
                summarised = summaries.summarised_versions(session)
        loaded = loaded_items(importer, items, processes, warn=_warn, summarised=summarised)
        # The pool's processes start first: no thread of ours (the bar's) exists when they fork.
        stack.callback(loaded.close)
        bar: Progress | None = None
        stop = stack.enter_context(_StopBetweenArticles())
        try:
            first = next(loaded, None)
            if _want_progress(progress, items.total):
                bar = items.bar = stack.enter_context(_progress())
                bar.add_task("importing", total=items.total)
            for item in itertools.chain([first] if first else [], loaded):
                if stop.asked:
                    raise KeyboardInterrupt
                outcome = import_item(database, importer, item)
                _report(outcome, as_json)
                if not outcome.ok:
                    counts["failed"] += 1
                else:
                    counts["created" if outcome.created else "updated"] += 1
                if bar is not None:
                    bar.advance(bar.task_ids[0])
        except KeyboardInterrupt:
            # Between two articles (or, at a second Ctrl-C, in one: rolled back whole); the
            # ones printed are stored.
            loaded.close()
            click.echo(f"interrupted: {_counts(counts)}", err=True)
            sys.exit(130)
    click.echo(_counts(counts), err=as_json)
    if counts["failed"]:
        sys.exit(1)


class _StopBetweenArticles:
    """Ctrl-C asks the import to stop after the article it is storing; a second one stops it
    at once. Only in the main thread (where signals are handled)."""

    def __init__(self) -> None:
        self.asked = False
        self._previous: Any = None

    def __enter__(self) -> _StopBetweenArticles:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._ask)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _ask(self, signum: int, frame: object) -> None:
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True


class _Sources:
    """The items of the sources, read in turn (a URL fetched when the import reaches it, as
    the progress bar goes), and their total as known so far."""

    def __init__(self, importer: Importer, sources: tuple[str, ...]) -> None:
        self.importer = importer
        self.pending = iter(sources)
        self.total = len(sources)
        self.read: list[ImportItem] = []
        self.bar: Progress | None = None

    def read_ahead(self, count: int) -> None:
        while len(self.read) < count:
            source = next(self.pending, None)
            if source is None:
                return
            self.read.extend(self._items(source))

    def __iter__(self) -> Iterator[ImportItem]:
        yield from self.read
        for source in self.pending:
            yield from self._items(source)

    def _items(self, source: str) -> list[ImportItem]:
        items = self.importer.items(source)
        self.total += len(items) - 1
        if self.bar is not None:
            self.bar.update(self.bar.task_ids[0], total=self.total)
        return items


def _counts(counts: dict[str, int]) -> str:
    return f"{counts['created']} imported, {counts['updated']} updated, {counts['failed']} failed"


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def import_item(database: Database, importer: Importer, item: ImportItem | Loaded) -> ImportOutcome:
    """Load one item (unless a worker did), then store it and its summary in a write
    transaction of its own."""
    loaded = item if isinstance(item, Loaded) else Loaded(item, importer.load(item))
    draft = loaded.draft
    if isinstance(draft, ImportOutcome):
        return draft
    try:
        with database.session(write=True) as session:
            return store(
                session,
                loaded.item,
                draft,
                importer.settings,
                then=_summarise(importer.settings, loaded.ready),
            )
    except SQLAlchemyError as exc:  # at commit
        return ImportOutcome(loaded.item.label, error=database_error(exc))


def _summarise(
    settings: Settings, ready: summaries.ReadySummary | None = None
) -> Callable[[Session, Article], None]:
    return lambda session, article: summaries.summarise_at_import(
        session, article, settings, ready=ready
    )


def _want_progress(wanted: bool | None, total: int) -> bool:
    if wanted is not None:
        return wanted
    return total > 1 and Console(stderr=True).is_terminal


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        # Article lines keep going to stdout; on a terminal they are printed above the bar.
        redirect_stdout=sys.stdout.isatty(),
        redirect_stderr=False,
    )


def _report(outcome: ImportOutcome, as_json: bool) -> None:
    if not outcome.ok:
        click.echo(f"failed: {outcome.label}: {outcome.error}", err=True)
        if as_json:
            click.echo(json.dumps(outcome.as_json(), ensure_ascii=False))
        return
    if as_json:
        click.echo(json.dumps(outcome.as_json(), ensure_ascii=False))
        return
    status = "" if outcome.created else "  (updated)"
    click.echo(
        f"{outcome.id}  {outcome.language}  {outcome.words:>5} words  "
        f"{outcome.reading_minutes:>2} min  {outcome.title}{status}"
    )
