"""Database engine, sessions, the declarative base and shared column types."""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiologic
from prometheus_client import Counter
from sqlalchemy import JSON, Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool, QueuePool, StaticPool
from sqlalchemy.types import TypeDecorator

from readtoearn.errors import Busy

T = TypeVar("T")

BUSY_REFUSALS = Counter(
    "readtoearn_database_busy_total",
    "Requests refused because the database could not take them within db_wait_s",
    ["kind"],
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7 (RFC 9562), made in Python so every database behaves the same."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    """WAL, foreign keys, and SQLAlchemy-controlled BEGIN (DEFERRED or IMMEDIATE)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself; pysqlite's own BEGIN breaks savepoints.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Another process's writer (a CLI command, a second worker) is waited for as long as a
        # request waits for this process's own: then "database is locked", a 503 to retry.
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A transaction that reads then writes must hold the write lock from the start, or
        # SQLite answers SQLITE_BUSY whatever the timeout; write sessions ask for IMMEDIATE.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, wait_s: float = 5.0, **kwargs: Any) -> Engine:
    """An engine for the URL, configured for SQLite or PostgreSQL; a request waits at most
    `wait_s` seconds for a pooled connection."""
    kwargs.setdefault("pool_timeout", wait_s)
    if url.startswith("sqlite"):
        poolclass = kwargs.pop("poolclass", None) or _sqlite_pool(url)
        if poolclass is not QueuePool:
            for key in ("pool_size", "max_overflow", "pool_timeout"):
                kwargs.pop(key, None)
        else:
            kwargs.setdefault("pool_size", 8)
            kwargs.setdefault("max_overflow", 8)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": wait_s},
            poolclass=poolclass,
            **kwargs,
        )
        _configure_sqlite(engine, int(wait_s * 1000))
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _sqlite_pool(url: str) -> Any:
    if url in ("sqlite://", "sqlite:///:memory:"):
        return StaticPool
    return QueuePool if os.environ.get("READTOEARN_SQLITE_POOL") != "null" else NullPool


# What the current task or thread has been admitted to: (database, write) pairs. A context
# variable, so the admission taken on the event loop follows the request into the thread pool.
_ADMITTED: ContextVar[tuple[tuple[Database, bool], ...]] = ContextVar(
    "readtoearn_admitted", default=()
)


class Database:
    """An engine, the two session factories (reading, and writing: IMMEDIATE on SQLite) and the
    gate in front of them.

    The gate is what keeps a crowd from hanging the server (docs/architecture.md): a request is
    admitted to the database on the event loop, before it takes a thread, so a thread is only
    ever held by work that can proceed. SQLite has one writer at a time: writers queue on a
    one-place semaphore. Every other session takes one of a fixed number of connection slots,
    fewer than the pool holds. Nobody waits longer than `wait_s`: past it the request is refused
    with `Busy` (503, Retry-After) and nothing it did is kept.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        wait_s: float = 5.0,
        sessions: sessionmaker[Session] | None = None,
    ) -> None:
        self.engine = engine
        self.wait_s = wait_s
        self.read_sessions = sessions or sessionmaker(engine, expire_on_commit=False)
        writer = engine.execution_options(sqlite_immediate=True)
        self.write_sessions = sessions or sessionmaker(writer, expire_on_commit=False)
        single_writer = sessions is None and engine.dialect.name == "sqlite"
        # Sessions handed in may all be one connection (a test's rolled-back transaction): a
        # worker polling all the time (webhook deliveries) would interleave with the requests'
        # statements on it. The app's slow sweep still runs (its tests drive it).
        self.background_work = sessions is None
        self._writer = aiologic.Semaphore(1) if single_writer else None
        self._slots = aiologic.Semaphore(self.slots)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def slots(self) -> int:
        """How many sessions may hold a connection at once (a third of the pool kept spare for
        the writer, background jobs and a request's second session)."""
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            return max(1, (pool.size() + pool._max_overflow) * 2 // 3)
        return 32

    # -- admission ------------------------------------------------------------------------------

    def _gate(self, write: bool) -> aiologic.Semaphore:
        if write and self._writer is not None:
            return self._writer  # the one writer never waits behind readers
        return self._slots

    def _covered(self, write: bool) -> bool:
        """True when this task or thread was already admitted to what `write` needs."""
        for database, held_write in _ADMITTED.get():
            if database is self and (held_write or not write or self._writer is None):
                return True
        return False

    def _busy(self, write: bool) -> Busy:
        BUSY_REFUSALS.labels("write" if write else "read").inc()
        return Busy()

    @asynccontextmanager
    async def admitted(self, *, write: bool, wait_s: float | None = None) -> AsyncIterator[None]:
        """Wait on the event loop (holding no thread) until the database can take this unit of
        work; `Busy` after `wait_s` (the database's own by default)."""
        if self._covered(write):
            yield
            return
        gate = self._gate(write)
        if not await gate.async_acquire(timeout=self.wait_s if wait_s is None else wait_s):
            raise self._busy(write)
        try:
            with self._holding(write):
                yield
        finally:
            gate.release()

    @contextmanager
    def admitted_here(self, *, write: bool) -> Iterator[None]:
        """`admitted` for a thread of its own (the CLI, background jobs): blocks this thread."""
        if self._covered(write):
            yield
            return
        gate = self._gate(write)
        if not gate.green_acquire(timeout=self.wait_s):
            raise self._busy(write)
        try:
            with self._holding(write):
                yield
        finally:
            gate.release()

    @contextmanager
    def _holding(self, write: bool) -> Iterator[None]:
        """Note the admission where this task's or thread's later sessions will see it."""
        outer = _ADMITTED.get()
        _ADMITTED.set((*outer, (self, write)))
        try:
            yield
        finally:
            _ADMITTED.set(outer)

    @contextmanager
    def writer_turn(self) -> Iterator[None]:
        """The one writer's place (SQLite), for a thread of its own that writes on behalf of many
        requests (the group committer): it takes no connection slot, since it is one per process
        and must not queue behind the requests it serves. Elsewhere, nothing to wait for."""
        if self._writer is None:
            yield
            return
        with self.admitted_here(write=True):
            yield

    # -- sessions -------------------------------------------------------------------------------

    def open(self, *, write: bool) -> Session:
        """A new session (no connection is taken until it is used); the caller must have been
        admitted, and ends it with `finish` or `abandon`."""
        session = (self.write_sessions if write else self.read_sessions)()
        session.begin()
        return session

    @staticmethod
    def finish(session: Session) -> None:
        """Commit and close, then run what waited for the commit (see `after_commit`)."""
        try:
            session.commit()
        finally:
            session.close()
        _run_after_commit(session)

    @staticmethod
    def abandon(session: Session) -> None:
        """Roll back and close."""
        try:
            session.rollback()
        finally:
            session.close()

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error (admitted first,
        waiting in this thread: for the CLI, background jobs and work already admitted)."""
        with self.admitted_here(write=write):
            session = self.open(write=write)
            try:
                yield session
            except BaseException:
                self.abandon(session)
                raise
            self.finish(session)

    def dispose(self) -> None:
        self.engine.dispose()


# --------------------------------------------------------------------------- retries


RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def is_retryable(exc: BaseException) -> bool:
    """True for the errors a fresh transaction can cure: serialization, deadlock, races."""
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None)
    if state in RETRYABLE_SQLSTATES:
        return True
    if state == "23505":  # a concurrent twin inserted the same id first
        name = getattr(getattr(orig, "diag", None), "constraint_name", "") or ""
        return name.startswith(("pk_ledger_", "uq_ledger_"))
    return "database is locked" in str(orig or "")


def run_in_transaction(
    database: Database, work: Callable[[Session], T], *, attempts: int = 10
) -> T:
    """Run work(session) in a write transaction, again in a fresh one when the database asks."""
    for attempt in range(attempts):
        try:
            with database.session(write=True) as session:
                return work(session)
        except DBAPIError as exc:
            if attempt == attempts - 1 or not is_retryable(exc):
                raise
            time.sleep(backoff_s(attempt))
    raise AssertionError("unreachable")


def backoff_s(attempt: int) -> float:
    """How long to wait before trying a transaction again: random, growing, at most 0.1 s."""
    return random.uniform(0, min(0.1, 0.002 * 2**attempt))


AFTER_COMMIT = "readtoearn_after_commit"


def after_commit(session: Session, action: Callable[[], object]) -> None:
    """Run `action` once the session's work is committed, never if it is rolled back.

    Work run by the group committer (readtoearn.batch) keeps its actions apart, so the actions of
    a unit whose savepoint was rolled back are dropped while the others' run after the one commit.
    """
    pending = session.info.get(AFTER_COMMIT)
    if pending is not None:
        pending.append(action)
        return

    queued = session.info.get(_QUEUED)
    if queued is None:
        queued = session.info[_QUEUED] = []
        if not session.info.get(_LISTENING):
            session.info[_LISTENING] = True
            event.listen(session, "after_commit", _run_queued)
            event.listen(session, "after_transaction_end", _drop_queued)
    queued.append(action)


_QUEUED = "readtoearn_after_commit_queued"
_LISTENING = "readtoearn_after_commit_listening"


def _run_queued(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a savepoint is released: wait for the outermost.
    if session.in_nested_transaction():
        return
    for action in session.info.pop(_QUEUED, ()):
        action()


def _drop_queued(session: Session, transaction: Any) -> None:
    # The outermost transaction ended without a commit (after one, the queue is empty already).
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)


def _run_after_commit(session: Session) -> None:
    for action in session.info.pop(AFTER_COMMIT, ()):
        action()


def dialect_insert(conn: Connection) -> Any:
    """The database's own INSERT construct (for ON CONFLICT DO NOTHING, on both databases)."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert
