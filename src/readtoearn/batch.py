"""Group commit: units of write work from many requests share one transaction and one commit.

A commit costs a round trip and, on PostgreSQL, an fsync; many writers each in a transaction of
their own also queue on the same hot rows. The committer takes every unit that is waiting, runs
each in a savepoint of one transaction, and commits once, as TigerBeetle's clients batch their
requests:

- each unit keeps its own result: one that raises is rolled back to its savepoint alone, and its
  caller gets its error, while the others go on;
- each unit keeps its own idempotency: units are the same service calls as before (transfer ids
  derived from the read, the Idempotency-Key, ...), so running one again changes nothing;
- nobody hears of success before the commit: results are handed out after it, and when the commit
  fails for a reason a fresh transaction cures (a deadlock, a serialization failure) the whole
  batch runs again;
- what a unit asked to do after its commit (`db.after_commit`) runs after the batch's commit, and
  is dropped with the unit when its savepoint is rolled back.

A unit may come in two halves (`Later`): its work (or nothing) prepares some items, e.g. ledger
transfers, and says what to do with their results. The committer runs every unit's first half,
then hands the items of all of them to one call (`Later.apply`, e.g. the ledger's
`create_transfer_groups`: a hundred transfers in one call cost a fraction of a hundred calls),
then gives each unit its own results, in the order the units came. A unit whose second half
raises cannot be cut out of that one call, so the transaction is rolled back whole and run again
without it (it hears its error); nothing of it or of the others is committed twice or lost.
A `Later` handed to the committer as the unit itself (no first half) needs no savepoint at all.

A unit that has waited `wait_s` (the database's `db_wait_s`) without being begun is refused
with `Busy` (503, Retry-After) and never run, so a crowd that outruns the commits meets fast
refusals rather than a queue minutes long.

There is no waiting to fill a batch: a unit that arrives while the committer is idle runs at once,
alone. Units pile up only while a commit is in flight, which is exactly when sharing pays.

Each committer is one thread (the app has two: see app.py). On SQLite it is a writer like any
other (it takes the one writer's place for each batch); on PostgreSQL the batches of several
processes interleave, and rows are locked in id order inside each unit, as always.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from prometheus_client import Counter, Histogram
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from readtoearn.db import AFTER_COMMIT, BUSY_REFUSALS, Database, backoff_s, is_retryable
from readtoearn.errors import Busy

log = logging.getLogger(__name__)
T = TypeVar("T")
U = TypeVar("U")

BATCH_RETRIES = Counter(
    "readtoearn_group_commit_retries_total",
    "Units run again because their batch or their savepoint met a deadlock or the like",
)
BATCH_SIZE = Histogram(
    "readtoearn_group_commit_units",
    "Units of work that shared one commit",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
SHARED_CALL = Histogram(
    "readtoearn_group_commit_shared_call_units",
    "Units whose items (ledger transfers) went into one call",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)


@dataclass(frozen=True, slots=True)
class Later(Generic[T]):
    """A unit's second half: `items` applied with every other waiting unit's in one call to
    `apply` (one sequence of results per group of items), then `then` with this unit's own."""

    items: Sequence[Any]
    then: Callable[[Session, list[Any]], T]
    apply: Callable[[Session, list[Sequence[Any]]], list[list[Any]]]

    def now(self, session: Session) -> T:
        """Finish alone, at once (outside the committer)."""
        return self.then(session, self.apply(session, [self.items])[0])

    def followed_by(self, after: Callable[[Session, T], U]) -> Later[U]:
        """The same items, and `after` run on what `then` gave (work that needs the outcome)."""
        then = self.then
        return Later(
            self.items, lambda session, results: after(session, then(session, results)), self.apply
        )

    @staticmethod
    def done(value: U) -> Later[U]:
        """A unit with nothing left to apply: its second half only hands back `value`."""
        return Later((), lambda _session, _results: value, _nothing)


def _nothing(_session: Session, groups: list[Sequence[Any]]) -> list[list[Any]]:
    return [[] for _ in groups]


def finish_now(session: Session, outcome: T | Later[T]) -> T:
    """What a unit of work gives, finished at once when it came in two halves."""
    return outcome.now(session) if isinstance(outcome, Later) else outcome


class _Redo(Exception):
    """A unit's second half failed: the batch runs again without it."""

    def __init__(self, unit: _Unit[Any], error: Exception) -> None:
        super().__init__(str(error))
        self.unit = unit
        self.error = error


@dataclass(eq=False)
class _Unit(Generic[T]):
    work: Callable[[Session], Later[T]] | Later[T] | Callable[[Session], T]
    future: Future[T] = field(default_factory=Future)
    attempts: int = 0
    queued_at: float = field(default_factory=time.monotonic)


_STOP: Any = object()


class GroupCommitter:
    """Runs units of work (`work(session) -> result`) in shared transactions on a thread of its
    own; `run` (async) and `run_blocking` wait for the unit's own result after the commit."""

    def __init__(
        self,
        database: Database,
        *,
        max_batch: int = 100,
        attempts: int = 10,
        wait_s: float | None = None,
        prelude: Callable[[Session], object] | None = None,
    ) -> None:
        self.database = database
        # Run first in every batch's transaction (the app takes the hot row's lock there, so
        # batches queue on it before they hold anything else).
        self.prelude = prelude
        # A unit not begun within this many seconds is refused as Busy, never run: the queue
        # cannot grow into minutes of waiting when units arrive faster than they commit.
        self.wait_s = database.wait_s if wait_s is None else wait_s
        self.max_batch = max_batch
        self.attempts = attempts
        self._queue: queue.SimpleQueue[_Unit[Any]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- submitting ---------------------------------------------------------------------------

    @overload
    def submit(self, work: Later[T]) -> Future[T]: ...
    @overload
    def submit(self, work: Callable[[Session], Later[T]]) -> Future[T]: ...
    @overload
    def submit(self, work: Callable[[Session], T]) -> Future[T]: ...
    def submit(self, work: Any) -> Future[Any]:
        """Queue a unit of work (or its second half alone); its future holds the result once the
        batch has committed."""
        unit: _Unit[Any] = _Unit(work)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="readtoearn-group-commit", daemon=True
                )
                self._thread.start()
            self._queue.put(unit)
        return unit.future

    @overload
    async def run(self, work: Later[T]) -> T: ...
    @overload
    async def run(self, work: Callable[[Session], Later[T]]) -> T: ...
    @overload
    async def run(self, work: Callable[[Session], T]) -> T: ...
    async def run(self, work: Any) -> Any:
        """Run a unit of work and wait (on the event loop, holding no thread) for its result.

        The wait is shielded: a client that goes away does not take its unit out of a batch, so
        the unit takes effect once or not at all, and a replay with the same key tells which.
        """
        future = self.submit(work)
        return await asyncio.shield(asyncio.wrap_future(future))

    @overload
    def run_blocking(self, work: Later[T]) -> T: ...
    @overload
    def run_blocking(self, work: Callable[[Session], Later[T]]) -> T: ...
    @overload
    def run_blocking(self, work: Callable[[Session], T]) -> T: ...
    def run_blocking(self, work: Any) -> Any:
        """Run a unit of work from a thread and wait for its result."""
        return self.submit(work).result()

    def close(self, timeout: float = 30.0) -> None:
        """Finish what is queued, then stop the thread (work given later starts a new one: an
        app's lifespan may end and begin again, as test clients do)."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join(timeout)

    # -- the committer thread -----------------------------------------------------------------

    def _serve(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    unit = self._queue.get_nowait()
                except queue.Empty:
                    break
                if unit is _STOP:
                    stopping = True
                    break
                batch.append(unit)
            try:
                self._commit(batch)
            except BaseException as exc:  # never leave a caller waiting
                log.exception("group commit failed")
                for unit in batch:
                    _settle(unit, error=exc)

    def _commit(self, batch: list[_Unit[Any]]) -> None:
        while batch:
            try:
                outcomes, again = self._run_once(batch)
            except DBAPIError as exc:
                if not is_retryable(exc):
                    raise
                again, outcomes = batch, []
                log.info("group commit of %d unit(s) retried: %s", len(batch), exc.orig)
            except _Redo as redo:
                # Not the others' fault: they run again at once, their attempts untouched.
                _settle(redo.unit, error=redo.error)
                batch = [unit for unit in batch if unit is not redo.unit]
                continue
            for unit, value, error in outcomes:
                _settle(unit, value=value, error=error)
            batch = []
            BATCH_RETRIES.inc(len(again))
            for unit in again:
                unit.attempts += 1
                if unit.attempts >= self.attempts or self._too_late(unit):
                    _settle(unit, error=Busy())
                else:
                    batch.append(unit)
            if batch:
                time.sleep(backoff_s(batch[0].attempts))

    def _too_late(self, unit: _Unit[Any]) -> bool:
        """A unit that has waited `wait_s` since it was queued is not begun (again)."""
        return time.monotonic() - unit.queued_at > self.wait_s

    def _run_once(
        self, batch: list[_Unit[Any]]
    ) -> tuple[list[tuple[_Unit[Any], Any, BaseException | None]], list[_Unit[Any]]]:
        """One transaction for the batch: (unit, result, error) for each unit that is settled,
        and the units to run again (their savepoint met a deadlock or the like)."""
        try:
            with self.database.writer_turn():
                return self._in_transaction(batch)
        except Busy as exc:  # the units' own errors never get here: this is the admission's
            return [(unit, None, exc) for unit in batch], []

    def _in_transaction(
        self, batch: list[_Unit[Any]]
    ) -> tuple[list[tuple[_Unit[Any], Any, BaseException | None]], list[_Unit[Any]]]:
        database = self.database
        outcomes: list[tuple[_Unit[Any], Any, BaseException | None]] = []
        again: list[_Unit[Any]] = []
        session = database.open(write=True)
        actions: list[Callable[[], object]] = []
        session.info[AFTER_COMMIT] = actions
        try:
            # Begin now, outside any unit: a database that cannot be had (another process holds
            # SQLite's writer) fails the batch once, not each of its units after a wait.
            session.connection()
            if self.prelude is not None:
                self.prelude(session)
            later: list[tuple[_Unit[Any], Later[Any]]] = []
            for unit in batch:
                if unit.attempts == 0 and self._too_late(unit):
                    BUSY_REFUSALS.labels("group_commit").inc()
                    outcomes.append((unit, None, Busy()))
                    continue
                if isinstance(unit.work, Later):  # nothing to do before its items
                    later.append((unit, unit.work))
                    continue
                mark = len(actions)
                try:
                    with session.begin_nested():
                        value = unit.work(session)
                except Exception as exc:
                    del actions[mark:]
                    if isinstance(exc, DBAPIError) and is_retryable(exc):
                        again.append(unit)
                    else:
                        outcomes.append((unit, None, exc))
                else:
                    if isinstance(value, Later):
                        later.append((unit, value))
                    else:
                        outcomes.append((unit, value, None))
            outcomes += _second_halves(session, later)
        except BaseException:
            database.abandon(session)
            raise
        BATCH_SIZE.observe(len(batch))
        database.finish(session)
        return outcomes, again


def _second_halves(
    session: Session, later: list[tuple[_Unit[Any], Later[Any]]]
) -> list[tuple[_Unit[Any], Any, BaseException | None]]:
    """Apply the waiting units' items, one call per kind of item, then finish each unit in the
    order they came; a unit whose second half raises sends the batch round again without it."""
    results: dict[int, list[Any]] = {}
    kinds: dict[Any, list[int]] = {}
    for i, (_unit, half) in enumerate(later):
        kinds.setdefault(half.apply, []).append(i)
    for apply, members in kinds.items():
        groups = apply(session, [later[i][1].items for i in members])
        if apply is not _nothing:
            SHARED_CALL.observe(len(members))
        for i, group in zip(members, groups, strict=True):
            results[i] = list(group)
    outcomes: list[tuple[_Unit[Any], Any, BaseException | None]] = []
    for i, (unit, half) in enumerate(later):
        try:
            outcomes.append((unit, half.then(session, results[i]), None))
        except DBAPIError as exc:
            if is_retryable(exc):
                raise
            raise _Redo(unit, exc) from exc
        except Exception as exc:
            raise _Redo(unit, exc) from exc
    return outcomes


def _settle(unit: _Unit[Any], *, value: Any = None, error: BaseException | None = None) -> None:
    if unit.future.done():
        return
    if error is not None:
        unit.future.set_exception(error)
    else:
        unit.future.set_result(value)
