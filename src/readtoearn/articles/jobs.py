"""Imports started from the console, run in the background with their progress kept in memory.

A job reads one source (a URL, a feed, an uploaded file) with the importer, then stores each
item in a write transaction of its own, as `readtoearn import` does, with the article's summary
and an `article.import` entry in the audit trail. Its progress ("12 of 30 imported, 2 failed")
lives in the process that runs it: the console's status page and JSON endpoint read it there.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from readtoearn.accounts.trail import record_action
from readtoearn.articles.fetch import new_client
from readtoearn.articles.importer import (
    Importer,
    ImportItem,
    ImportOutcome,
    database_error,
    store,
)
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.db import Database, utcnow
from readtoearn.errors import RateLimited

log = logging.getLogger(__name__)
KEEP_JOBS = 100  # finished jobs remembered per process, oldest forgotten first
KEEP_OUTCOMES = 500  # outcomes listed per job (the counts go on)
# Each running import is a thread fetching pages: a few per person, a few more per process.
MAX_RUNNING_PER_PERSON = 3
MAX_RUNNING = 12

# Called in the item's transaction once its article is stored (the summary at import).
AfterStore = Callable[[Session, Article], object]


@dataclass
class ImportJob:
    """One import from the console and how far it has got."""

    id: str
    source: str  # the URL, or the uploaded file's name
    kind: str  # url, feed or file
    by_id: uuid.UUID | None
    started_at: datetime
    total: int | None = None  # known once the source is read
    created: int = 0
    updated: int = 0
    failed: int = 0
    finished_at: datetime | None = None
    outcomes: list[ImportOutcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def done(self) -> int:
        return self.created + self.updated + self.failed

    @property
    def running(self) -> bool:
        return self.finished_at is None

    def record(self, outcome: ImportOutcome) -> None:
        with self._lock:
            if not outcome.ok:
                self.failed += 1
            elif outcome.created:
                self.created += 1
            else:
                self.updated += 1
            if len(self.outcomes) < KEEP_OUTCOMES:
                self.outcomes.append(outcome)

    def as_json(self) -> dict[str, Any]:
        """What the status endpoint answers."""
        with self._lock:
            return {
                "id": self.id,
                "source": self.source,
                "kind": self.kind,
                "running": self.running,
                "total": self.total,
                "done": self.done,
                "imported": self.created + self.updated,
                "created": self.created,
                "updated": self.updated,
                "failed": self.failed,
                "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "outcomes": [o.as_json() for o in self.outcomes],
            }


class ImportJobs:
    """The console's imports in this process: started, looked up, forgotten when old."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, ImportJob] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, job_id: str) -> ImportJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def start(
        self,
        database: Database,
        settings: Settings,
        *,
        source: str,
        kind: str,
        label: str,
        by_id: uuid.UUID | None,
        then: AfterStore | None = None,
        on_change: Callable[[], None] | None = None,
        cleanup: Path | None = None,
    ) -> ImportJob:
        """Start importing `source` (a URL or a file path; `label` is what the pages show). In a
        thread of its own when the database allows background work; else (a test's shared
        connection) at once, in the caller's thread."""
        job = ImportJob(
            id=uuid.uuid4().hex, source=label, kind=kind, by_id=by_id, started_at=utcnow()
        )
        with self._lock:
            running = [j for j in self._jobs.values() if j.running]
            mine = sum(j.by_id == by_id for j in running)
            if mine >= MAX_RUNNING_PER_PERSON or len(running) >= MAX_RUNNING:
                raise RateLimited(
                    "too many imports are running: wait for one to finish",
                    code="import_busy" if mine >= MAX_RUNNING_PER_PERSON else "imports_busy",
                )
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].running:
                    break
                self._jobs.popitem(last=False)

        def work() -> None:
            run_job(job, database, settings, source, then=then, on_change=on_change)
            if cleanup is not None:
                cleanup.unlink(missing_ok=True)

        if database.background_work:
            threading.Thread(target=work, name=f"import-{job.id[:8]}", daemon=True).start()
        else:
            work()
        return job


def run_job(
    job: ImportJob,
    database: Database,
    settings: Settings,
    source: str,
    *,
    then: AfterStore | None = None,
    on_change: Callable[[], None] | None = None,
) -> None:
    """Read the source, then store each item in its own transaction; never raises."""
    client = new_client(settings, public_only=not settings.import_private_addresses)
    importer = Importer(settings, client=client)
    try:
        items = importer.items(source)
        job.total = len(items)
        for item in items:
            outcome = _import_one(database, importer, item, job.by_id, then)
            job.record(outcome)
            if outcome.ok and on_change is not None:
                on_change()
    except Exception:  # a job must end, and say so, whatever happened
        log.exception("the console's import %s failed", job.id)
        job.record(ImportOutcome(job.source, error="the import stopped on an unexpected error"))
    finally:
        client.close()
        job.finished_at = utcnow()


def _import_one(
    database: Database,
    importer: Importer,
    item: ImportItem,
    by_id: uuid.UUID | None,
    then: AfterStore | None,
) -> ImportOutcome:
    draft = importer.load(item)  # may fetch a page: before any transaction
    if isinstance(draft, ImportOutcome):
        return draft

    def after(session: Session, article: Article) -> None:
        if then is not None:
            then(session, article)
        record_action(
            session,
            by_id,
            "article.import",
            target=("article", article.id),
            after={"title": article.title, "source": item.label, "kind": item.kind},
        )

    try:
        with database.session(write=True) as session:
            return store(session, item, draft, importer.settings, then=after)
    except SQLAlchemyError as exc:  # at commit
        return ImportOutcome(item.label, error=database_error(exc))
