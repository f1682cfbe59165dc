"""Imports started from the console, run in the background with their progress in the database.

A job reads one source (a URL, a feed, an uploaded file) with the importer, then stores each
item in a write transaction of its own, as `readtoearn import` does, with the article's summary
and an `article.import` entry in the audit trail. Its progress ("12 of 30 imported, 2 failed")
is a row of `import_jobs`, with one row of `import_job_outcomes` per item (the first
KEEP_OUTCOMES), written by the thread running it in short transactions of their own after each
item, never across a fetch: whichever worker process a status request reaches reads it there.

The thread runs in the process that started the job and dies with it. While it runs, it moves
`heartbeat_at` on every HEARTBEAT_S (and with each item); a job not finished whose heartbeat is
older than STALE_AFTER_S is *interrupted* (its server stopped or was restarted): it no longer
counts as running, and its page says so instead of waiting for ever.

A person runs at most MAX_RUNNING_PER_PERSON imports at once, counted from the table (so across
workers); a process at most MAX_RUNNING, counted in its memory. Old jobs are forgotten when a new
one is started, in the same transaction: only the newest KEEP_JOBS are kept, none past KEEP_DAYS.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.trail import record_action
from readtoearn.articles.fetch import new_client
from readtoearn.articles.importer import (
    Importer,
    ImportItem,
    ImportOutcome,
    database_error,
    store,
)
from readtoearn.articles.models import Article, ImportJob, ImportJobOutcome
from readtoearn.config import Settings
from readtoearn.db import Database, new_id, run_in_transaction, utcnow
from readtoearn.errors import RateLimited, ReadToEarnError

log = logging.getLogger(__name__)
KEEP_JOBS = 100  # jobs kept in the table, the oldest forgotten first (running ones never)
KEEP_DAYS = 30  # and none older than this
KEEP_OUTCOMES = 500  # outcomes listed per job (the counts go on)
# Each running import is a thread fetching pages: a few per person, a few more per process.
MAX_RUNNING_PER_PERSON = 3
MAX_RUNNING = 12
HEARTBEAT_S = 10.0  # how often a running job's thread says it is alive
STALE_AFTER_S = 60.0  # a job not finished and silent this long is interrupted

RUNNING = "running"
FINISHED = "finished"
INTERRUPTED = "interrupted"

# Called in the item's transaction once its article is stored (the summary at import).
AfterStore = Callable[[Session, Article], object]


def worker_name() -> str:
    """This process, as the jobs it runs name it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


# --------------------------------------------------------------------------- reading jobs


def state_of(job: ImportJob, now: datetime) -> str:
    """running, finished, or interrupted (not finished, and its heartbeat stopped)."""
    if job.finished_at is not None:
        return FINISHED
    if job.heartbeat_at < now - timedelta(seconds=STALE_AFTER_S):
        return INTERRUPTED
    return RUNNING


def get_job(session: Session, job_id: str) -> ImportJob | None:
    """The job with this id (as its page's address spells it), or None."""
    try:
        key = uuid.UUID(hex=job_id)
    except ValueError:
        return None
    return session.get(ImportJob, key)


def list_outcomes(session: Session, job: ImportJob) -> list[dict[str, Any]]:
    """What happened to each item so far (the first KEEP_OUTCOMES), in order."""
    query = (
        select(ImportJobOutcome.outcome)
        .where(ImportJobOutcome.job_id == job.id)
        .order_by(ImportJobOutcome.position)
    )
    return list(session.scalars(query))


def describe(session: Session, job: ImportJob, now: datetime) -> dict[str, Any]:
    """What the status endpoint answers, and what the status page shows."""
    state = state_of(job, now)
    return {
        "id": job.id.hex,
        "source": job.source,
        "kind": job.kind,
        "state": state,
        "running": state == RUNNING,
        "total": job.total,
        "done": job.created + job.updated + job.failed,
        "imported": job.created + job.updated,
        "created": job.created,
        "updated": job.updated,
        "failed": job.failed,
        "started_at": job.started_at.isoformat(),
        "heartbeat_at": job.heartbeat_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "outcomes": list_outcomes(session, job),
    }


def _alive(now: datetime) -> Any:
    """Jobs still running somewhere: not finished, heartbeat fresh."""
    fresh = now - timedelta(seconds=STALE_AFTER_S)
    return (ImportJob.finished_at.is_(None)) & (ImportJob.heartbeat_at >= fresh)


# --------------------------------------------------------------------------- writing jobs


def open_job(
    session: Session,
    *,
    job_id: uuid.UUID,
    source: str,
    kind: str,
    by_id: uuid.UUID | None,
    now: datetime,
) -> ImportJob:
    """Record a new job, refused (`import_busy`) when its starter already runs
    MAX_RUNNING_PER_PERSON; old jobs are forgotten in the same transaction."""
    if by_id is not None:  # two workers starting this person's imports take turns here
        session.execute(select(User.id).where(User.id == by_id).with_for_update())
    mine = session.scalar(
        select(func.count()).select_from(ImportJob).where(ImportJob.by_id == by_id, _alive(now))
    )
    if (mine or 0) >= MAX_RUNNING_PER_PERSON:
        raise RateLimited(
            "too many imports are running: wait for one to finish", code="import_busy"
        )
    job = ImportJob(
        id=job_id, source=source[:2000], kind=kind, by_id=by_id, worker=worker_name(),
        started_at=now, heartbeat_at=now,
    )  # fmt: skip
    session.add(job)
    session.flush()
    prune(session, now)
    return job


def prune(session: Session, now: datetime, *, keep: int = KEEP_JOBS) -> int:
    """Forget the jobs no longer running that are past the newest `keep` or older than
    KEEP_DAYS (their outcomes go with them)."""
    newest = select(ImportJob.id).order_by(ImportJob.started_at.desc()).limit(keep)
    old = now - timedelta(days=KEEP_DAYS)
    result = session.execute(
        delete(ImportJob)
        .where(
            ~_alive(now),
            or_(ImportJob.started_at < old, ImportJob.id.not_in(newest.scalar_subquery())),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class Progress:
    """What the running thread knows of its job; written to the row after each item."""

    job_id: uuid.UUID
    total: int | None = None
    created: int = 0
    updated: int = 0
    failed: int = 0

    @property
    def done(self) -> int:
        return self.created + self.updated + self.failed

    def count(self, outcome: ImportOutcome) -> None:
        if not outcome.ok:
            self.failed += 1
        elif outcome.created:
            self.created += 1
        else:
            self.updated += 1

    def write(
        self,
        session: Session,
        now: datetime,
        outcome: ImportOutcome | None = None,
        *,
        finished: bool = False,
    ) -> None:
        """The counts and the heartbeat on the job's row, and the outcome last counted."""
        values: dict[str, Any] = {
            "total": self.total, "created": self.created, "updated": self.updated,
            "failed": self.failed, "heartbeat_at": now,
        }  # fmt: skip
        if finished:
            values["finished_at"] = now
        session.execute(update(ImportJob).where(ImportJob.id == self.job_id).values(**values))
        position = self.done - 1
        if outcome is not None and position < KEEP_OUTCOMES:
            row = ImportJobOutcome(job_id=self.job_id, position=position, outcome=outcome.as_json())
            session.add(row)


def beat(session: Session, job_id: uuid.UUID, now: datetime) -> None:
    """The running job's thread is alive."""
    session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.finished_at.is_(None))
        .values(heartbeat_at=now)
    )


# --------------------------------------------------------------------------- running jobs


class ImportJobs:
    """The console's imports running in this process (at most MAX_RUNNING); the jobs and their
    progress live in the database."""

    def __init__(self) -> None:
        self._running: set[uuid.UUID] = set()
        self._lock = threading.Lock()

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

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
    ) -> uuid.UUID:
        """Start importing `source` (a URL or a file path; `label` is what the pages show) and
        return the job's id. In a thread of its own when the database allows background work;
        else (a test's shared connection) at once, in the caller's thread."""
        job_id = new_id()
        with self._lock:
            if len(self._running) >= MAX_RUNNING:
                raise RateLimited(
                    "too many imports are running: wait for one to finish", code="imports_busy"
                )
            self._running.add(job_id)
        try:
            with database.session(write=True) as session:
                open_job(session, job_id=job_id, source=label, kind=kind, by_id=by_id, now=utcnow())
        except BaseException:
            self._done(job_id)
            raise

        def work() -> None:
            try:
                run_job(job_id, database, settings, source, label, by_id=by_id, then=then,
                        on_change=on_change)  # fmt: skip
            finally:
                self._done(job_id)
                if cleanup is not None:
                    cleanup.unlink(missing_ok=True)

        if database.background_work:
            threading.Thread(target=work, name=f"import-{job_id.hex[-8:]}", daemon=True).start()
        else:
            work()
        return job_id

    def _done(self, job_id: uuid.UUID) -> None:
        with self._lock:
            self._running.discard(job_id)


def run_job(
    job_id: uuid.UUID,
    database: Database,
    settings: Settings,
    source: str,
    label: str,
    *,
    by_id: uuid.UUID | None,
    then: AfterStore | None = None,
    on_change: Callable[[], None] | None = None,
) -> None:
    """Read the source, then store each item in its own transaction and write the job's
    progress in another; never raises."""
    progress = Progress(job_id)
    client = new_client(settings, public_only=not settings.import_private_addresses)
    importer = Importer(settings, client=client)
    try:
        with _beating(database, job_id):
            items = importer.items(source)
            progress.total = len(items)
            _save(database, lambda s: progress.write(s, utcnow()))
            for item in items:
                outcome = _import_one(database, importer, item, by_id, then)
                progress.count(outcome)
                _save(database, partial(_write_item, progress, outcome))
                if outcome.ok and on_change is not None:
                    on_change()
    except Exception:  # a job must end, and say so, whatever happened
        log.exception("the console's import %s failed", job_id)
        failure = ImportOutcome(label, error="the import stopped on an unexpected error")
        progress.count(failure)
        _save(database, lambda s: progress.write(s, utcnow(), failure))
    finally:
        client.close()
        try:  # retried: a job left unfinished would read as interrupted
            run_in_transaction(database, lambda s: progress.write(s, utcnow(), finished=True))
        except (SQLAlchemyError, ReadToEarnError):
            log.exception("the console's import %s could not be marked finished", job_id)


def _write_item(progress: Progress, outcome: ImportOutcome, session: Session) -> None:
    progress.write(session, utcnow(), outcome)


def _save(database: Database, work: Callable[[Session], object]) -> None:
    """One short write of a job's progress; a failure is logged (the next write has the counts)."""
    try:
        with database.session(write=True) as session:
            work(session)
    except (SQLAlchemyError, ReadToEarnError):
        log.warning("could not write an import's progress", exc_info=True)


@contextmanager
def _beating(database: Database, job_id: uuid.UUID) -> Iterator[None]:
    """Move the job's heartbeat on every HEARTBEAT_S while the block runs (one fetch may take
    longer than STALE_AFTER_S allows between items). Not on a test's shared connection, where
    the job runs in the caller's thread and a second thread's statements would interleave."""
    if not database.background_work:
        yield
        return
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(HEARTBEAT_S):
            _save(database, lambda s: beat(s, job_id, utcnow()))

    thread = threading.Thread(target=loop, name=f"import-beat-{job_id.hex[-8:]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT_S)


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
