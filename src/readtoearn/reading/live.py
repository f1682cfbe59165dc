"""Open reads while the tracker beats: kept out of the database until the read is settled.

A beat arrives every 12 s from every reader on a page; writing each one to the database would
make the busiest endpoint a write transaction. Instead the state of an open read lives here (in
the process, or in Redis when several workers share the load) and the database receives it in one
go: when the read is completed or resumed, and when it has gone idle (see `flush_idle`).

While a read is here, this copy is the truth and the `reads` row is a snapshot of an earlier
moment. Every change goes through a compare-and-set on the read's version (its next seq and
nonce), so two beats carrying the same token can never both move the chain on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol

from readtoearn.config import Settings
from readtoearn.errors import Unavailable
from readtoearn.reading.rules import Rules

log = logging.getLogger(__name__)

Words = tuple[int, ...]  # words per paragraph of an article version

# How long a reader's credited activity is remembered for the parallel-tabs test.
ACTIVITY_TTL_S = 3600


class StoreUnavailable(Unavailable):
    """The store of open reads cannot be reached (Redis down): try again shortly."""

    code = "reading_unavailable"


@dataclass(frozen=True, slots=True)
class LiveRead:
    """What the server knows of an open read between two beats."""

    id: uuid.UUID
    reader_id: uuid.UUID
    article_id: uuid.UUID
    content_hash: str
    word_count: int
    paragraph_count: int
    next_seq: int
    nonce: str
    last_beat_at: float  # the server's clock, seconds since the epoch
    active_ms: int = 0
    beats_total: int = 0
    beats_credited: int = 0
    paragraphs_seen: tuple[int, ...] = ()
    words_seen: int = 0
    scroll_max: float = 0.0
    allowance_words: int = 0
    flags: tuple[str, ...] = ()
    closed: bool = False  # a verdict was given; the database is about to say so
    started_at: float = 0.0  # the server's clock when the read began: no read outruns it
    input_at: float = 0.0  # the server's clock at the last beat that reported a trusted input
    # The chain token this process signed for the read's current version, when it did: a beat
    # carrying exactly it needs no parsing or MAC check (kept in memory only, never in Redis).
    token: str = field(default="", compare=False, repr=False)

    @property
    def chain(self) -> str:
        """Where the token chain stands: changes with every beat and every resume."""
        return f"{self.next_seq}:{self.nonce}"

    @property
    def version(self) -> str:
        """The chain, marked with "x" once the read is closed."""
        return f"x{self.chain}" if self.closed else self.chain

    def dumps(self) -> str:
        """A compact JSON array, in field order (Redis keeps one per open read)."""
        return json.dumps(
            [
                str(self.id),
                str(self.reader_id),
                str(self.article_id),
                self.content_hash,
                self.word_count,
                self.paragraph_count,
                self.next_seq,
                self.nonce,
                self.last_beat_at,
                self.active_ms,
                self.beats_total,
                self.beats_credited,
                self.paragraphs_seen,
                self.words_seen,
                self.scroll_max,
                self.allowance_words,
                self.flags,
                self.closed,
                self.started_at,
                self.input_at,
            ],
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, text: str | bytes) -> LiveRead:
        v = json.loads(text)
        if len(v) < 20:  # written before reads kept their start: the last beat is the bound
            v = [*v[:18], v[8] - v[9] / 1000, 0.0]
        return cls(
            uuid.UUID(v[0]), uuid.UUID(v[1]), uuid.UUID(v[2]), v[3], v[4], v[5], v[6], v[7],
            v[8], v[9], v[10], v[11], tuple(v[12]), v[13], v[14], v[15], tuple(v[16]), v[17],
            v[18], v[19],
        )  # fmt: skip


class BeatRecord(NamedTuple):
    """One beat as received and credited, until it is written to `read_beats`.

    The memory store keeps it as a plain tuple of plain values, which the garbage collector
    stops tracking (it does not untrack subclasses of tuple): a busy server holds hundreds of
    thousands of these, and scanning them made full collections take tens of milliseconds.
    """

    seq: int
    received_at: float
    claimed_ms: int
    credited_ms: int
    scroll_max: float
    new_paragraphs: int
    new_words: int
    visible: bool
    focused: bool
    webdriver: bool
    overlap: bool
    events: tuple[int, ...]  # counts, in the order of EVENT_KINDS

    def dumps(self) -> str:
        return json.dumps(self, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | bytes) -> BeatRecord:
        values = json.loads(text)
        values[-1] = tuple(values[-1])
        return cls(*values)


EVENT_KINDS = ("scroll", "wheel", "key", "pointer", "touch")


@dataclass(frozen=True, slots=True)
class Loaded:
    """A read's live state (None when the store does not hold it) and when another read of the
    same reader was last credited time (0 when none was)."""

    state: LiveRead | None
    others_credited_at: float = 0.0


class LiveStore(Protocol):
    """Where open reads live between beats. Every method is safe to call from several threads."""

    # True when calls never wait on the network: the beat route then runs them on the event loop.
    in_process: bool

    def load(self, read_id: uuid.UUID, reader_id: uuid.UUID) -> Loaded: ...

    def seed(self, state: LiveRead, words: Words | None = None) -> LiveRead:
        """Keep `state` unless the store already holds this read; returns what it holds.

        `words` (per paragraph of the read's article version) lets a store credit beats itself.
        """
        ...

    def put(self, state: LiveRead, words: Words | None = None) -> None:
        """Replace a read's state (its beats not yet in the database are kept)."""
        ...

    def advance(self, state: LiveRead, expected: str, record: BeatRecord, credited: bool) -> bool:
        """Move a read to `state` and keep the beat `record`, only if its version is `expected`."""
        ...

    def close(self, read_id: uuid.UUID, expected: str) -> bool:
        """Mark a read as given a verdict, only if its chain is `expected` (idempotent)."""
        ...

    def records(self, read_id: uuid.UUID) -> list[BeatRecord]:
        """The beats of a read not yet written to the database, in seq order."""
        ...

    def trim(self, read_id: uuid.UUID, below_seq: int) -> None:
        """Forget the beats before `below_seq` (they are in the database now)."""
        ...

    def drop(self, read_id: uuid.UUID, expected: str | None = None) -> bool:
        """Forget a read (only if its version is `expected`, when given)."""
        ...

    def idle(self, before: float, limit: int = 500) -> list[uuid.UUID]:
        """Reads whose last beat came before `before`."""
        ...

    # The beat route's two calls, for the event loop (they never block it).
    async def aload(self, read_id: uuid.UUID, reader_id: uuid.UUID) -> Loaded: ...

    async def aadvance(
        self, state: LiveRead, expected: str, record: BeatRecord, credited: bool
    ) -> bool: ...

    async def aclose(self) -> None:
        """Close what the event loop's calls opened (when the server stops)."""
        ...

    # A beat in one call (the Redis store's script, readtoearn.reading.live_script): the reply,
    # or None when this store has no such call.
    def beat(
        self, rules: Rules, read_id: uuid.UUID, reader_id: uuid.UUID, args: list[str]
    ) -> Any: ...

    async def abeat(
        self, rules: Rules, read_id: uuid.UUID, reader_id: uuid.UUID, args: list[str]
    ) -> Any: ...


@dataclass
class MemoryLiveStore:
    """Open reads in this process: for one server process (the out-of-the-box `serve`)."""

    in_process = True
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _reads: dict[uuid.UUID, LiveRead] = field(default_factory=dict)
    _records: dict[uuid.UUID, list[tuple[Any, ...]]] = field(default_factory=dict)
    # reader id -> read id -> when that read was last credited time
    _activity: dict[uuid.UUID, dict[uuid.UUID, float]] = field(default_factory=dict)

    def load(self, read_id: uuid.UUID, reader_id: uuid.UUID) -> Loaded:
        with self._lock:
            state = self._reads.get(read_id)
            activity = self._activity.get(reader_id)
            latest = 0.0
            if activity:
                latest = max((t for r, t in activity.items() if r != read_id), default=0.0)
            return Loaded(state, latest)

    def seed(self, state: LiveRead, words: Words | None = None) -> LiveRead:
        with self._lock:
            return self._reads.setdefault(state.id, state)

    def put(self, state: LiveRead, words: Words | None = None) -> None:
        with self._lock:
            self._reads[state.id] = state

    def beat(self, rules: Rules, read_id: uuid.UUID, reader_id: uuid.UUID, args: list[str]) -> Any:
        return None  # beats.prepare_beat credits in this process: no round trip to save

    async def abeat(
        self, rules: Rules, read_id: uuid.UUID, reader_id: uuid.UUID, args: list[str]
    ) -> Any:
        return None

    def advance(self, state: LiveRead, expected: str, record: BeatRecord, credited: bool) -> bool:
        with self._lock:
            current = self._reads.get(state.id)
            if current is None or current.closed or current.version != expected:
                return False
            self._reads[state.id] = state
            self._records.setdefault(state.id, []).append(tuple(record))
            if credited:
                activity = self._activity.setdefault(state.reader_id, {})
                activity[state.id] = state.last_beat_at
                if len(activity) > 8:
                    horizon = state.last_beat_at - ACTIVITY_TTL_S
                    for read_id in [r for r, t in activity.items() if t < horizon]:
                        del activity[read_id]
            return True

    def close(self, read_id: uuid.UUID, expected: str) -> bool:
        with self._lock:
            current = self._reads.get(read_id)
            if current is None or current.version not in (expected, "x" + expected):
                return False
            self._reads[read_id] = _closed(current)
            return True

    def records(self, read_id: uuid.UUID) -> list[BeatRecord]:
        with self._lock:
            return [BeatRecord._make(r) for r in self._records.get(read_id, ())]

    def trim(self, read_id: uuid.UUID, below_seq: int) -> None:
        with self._lock:
            kept = [r for r in self._records.get(read_id, ()) if r[0] >= below_seq]
            if kept:
                self._records[read_id] = kept
            else:
                self._records.pop(read_id, None)

    def drop(self, read_id: uuid.UUID, expected: str | None = None) -> bool:
        with self._lock:
            current = self._reads.get(read_id)
            if current is None:
                return True
            if expected is not None and current.version != expected:
                return False
            del self._reads[read_id]
            self._records.pop(read_id, None)
            return True

    async def aload(self, read_id: uuid.UUID, reader_id: uuid.UUID) -> Loaded:
        return self.load(read_id, reader_id)  # a dict lookup: no need to leave the loop

    async def aadvance(
        self, state: LiveRead, expected: str, record: BeatRecord, credited: bool
    ) -> bool:
        return self.advance(state, expected, record, credited)

    async def aclose(self) -> None:
        pass

    def idle(self, before: float, limit: int = 500) -> list[uuid.UUID]:
        with self._lock:
            horizon = time.time() - ACTIVITY_TTL_S
            for reader_id in [r for r, a in self._activity.items() if max(a.values()) < horizon]:
                del self._activity[reader_id]
            return [r.id for r in self._reads.values() if r.last_beat_at < before][:limit]


def _closed(state: LiveRead) -> LiveRead:
    return replace(state, closed=True)


# Each script works on: KEYS[1] the read's hash (v: version, s: state), KEYS[2] its list of beats,
# KEYS[3] the reader's activity hash, KEYS[4] the sorted set of live reads by last beat.
_ADVANCE = """
local v = redis.call('HGET', KEYS[1], 'v')
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[5])
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[7])
  redis.call('EXPIRE', KEYS[3], ARGV[9])
end
redis.call('EXPIRE', KEYS[1], ARGV[8])
redis.call('EXPIRE', KEYS[2], ARGV[8])
return 1
"""
_LOAD = """
return {redis.call('HGET', KEYS[1], 's'), redis.call('HGETALL', KEYS[3])}
"""
# ARGV[6], the words per paragraph (JSON), is kept in field w for the beat script.
_SEED = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'v', ARGV[1], 's', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
  if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'w', ARGV[6]) end
elseif ARGV[6] ~= '' and redis.call('HEXISTS', KEYS[1], 'w') == 0 then
  redis.call('HSET', KEYS[1], 'w', ARGV[6])
end
return redis.call('HGET', KEYS[1], 's')
"""
_PUT = """
redis.call('HSET', KEYS[1], 'v', ARGV[1], 's', ARGV[2])
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[1], 'w', ARGV[6])
else
  redis.call('HDEL', KEYS[1], 'w')
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
return 1
"""
_CLOSE = """
local v = redis.call('HGET', KEYS[1], 'v')
if v == 'x' .. ARGV[1] then return 1 end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', 'x' .. ARGV[1], 's', ARGV[2])
return 1
"""
_DROP = """
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[4], ARGV[2])
return 1
"""
_TRIM = """
local items = redis.call('LRANGE', KEYS[2], 0, -1)
local n = 0
for _, item in ipairs(items) do
  if cjson.decode(item)[1] < tonumber(ARGV[1]) then n = n + 1 else break end
end
if n > 0 then redis.call('LTRIM', KEYS[2], n, -1) end
return n
"""

# Reads whose keys expired (a read left for days) leave the index here rather than come back.
_IDLE = """
local found = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])) do
  if redis.call('EXISTS', ARGV[3] .. id) == 1 then
    table.insert(found, id)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return found
"""


class RedisLiveStore:
    """Open reads in Redis, shared by every worker and node (READTOEARN_REDIS_URL).

    A read's keys expire `ttl_s` after its last beat; the idle sweep writes reads to the database
    long before that.
    """

    in_process = False

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = "rte:live:",
        ttl_s: int = 2 * 86400,
        async_client: Callable[[], Any] | None = None,
    ) -> None:
        import redis

        self._client = client
        # The beat route's calls go through a redis.asyncio client (made per event loop); without
        # one they run the blocking client in a thread.
        self._make_async = async_client
        self._async: _AsyncSide | None = None
        self._prefix = prefix
        self._ttl = ttl_s
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._scripts: dict[Any, Any] = {
            name: client.register_script(source)
            for name, source in (
                ("load", _LOAD),
                ("advance", _ADVANCE),
                ("seed", _SEED),
                ("put", _PUT),
                ("close", _CLOSE),
                ("drop", _DROP),
                ("trim", _TRIM),
                ("idle", _IDLE),
            )
        }

    def _keys(self, read_id: uuid.UUID, reader_id: uuid.UUID | None = None) -> list[str]:
        return [
            f"{self._prefix}r:{read_id}",
            f"{self._prefix}b:{read_id}",
            f"{self._prefix}a:{reader_id}",
            f"{self._prefix}idle",
        ]

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        """Redis errors become StoreUnavailable (a 503: try again shortly), logged once."""
        try:
            yield
        except self._errors as exc:
            raise _unavailable(exc) from None

    def _run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        with self._reaching():
            return self._scripts[name](keys=keys, args=args)

    def load(self, read_id: uuid.UUID, reader_id: uuid.UUID) -> Loaded:
        return _loaded(read_id, *self._run("load", self._keys(read_id, reader_id), []))

    def _async_side(self) -> _AsyncSide:
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            assert self._make_async is not None
            client = self._make_async()
            scripts: dict[Any, Any] = {
                "load": client.register_script(_LOAD),
                "advance": client.register_script(_ADVANCE),
            }
            self._async = _AsyncSide(loop, client, scripts, {})
        return self._async

    async def aload(self, read_id: uuid.UUID, reader_id: uuid.UUID) -> Loaded:
        if self._make_async is None:
            return await asyncio.to_thread(self.load, read_id, reader_id)
        scripts = self._async_side().scripts
        with self._reaching():
            text, pairs = await scripts["load"](keys=self._keys(read_id, reader_id))
        return _loaded(read_id, text, pairs)

    def seed(self, state: LiveRead, words: Words | None = None) -> LiveRead:
        keys = self._keys(state.id)
        args = [state.version, state.dumps(), str(state.id), state.last_beat_at, self._ttl]
        return LiveRead.loads(self._run("seed", keys, [*args, _words_json(words)]))

    def put(self, state: LiveRead, words: Words | None = None) -> None:
        keys = self._keys(state.id)
        args = [state.version, state.dumps(), str(state.id), state.last_beat_at, self._ttl]
        self._run("put", keys, [*args, _words_json(words)])

    def _beat_script(self, scripts: dict[Any, Any], client: Any, rules: Rules) -> Any:
        """The beat script for these rules, registered once per client."""
        script = scripts.get(rules)
        if script is None:
            from readtoearn.reading.live_script import beat_source

            script = scripts[rules] = client.register_script(beat_source(rules, self._ttl))
        return script

    def beat(self, rules: Rules, read_id: uuid.UUID, reader_id: uuid.UUID, args: list[str]) -> Any:
        script = self._beat_script(self._scripts, self._client, rules)
        with self._reaching():
            return script(keys=self._keys(read_id, reader_id), args=args)

    async def abeat(
        self, rules: Rules, read_id: uuid.UUID, reader_id: uuid.UUID, args: list[str]
    ) -> Any:
        if self._make_async is None:
            return await asyncio.to_thread(self.beat, rules, read_id, reader_id, args)
        side = self._async_side()
        # Beats arriving together share one batch (reading/script_batch.py).
        batcher = side.batchers.get(rules)
        if batcher is None:
            from readtoearn.reading.live_script import beat_source
            from readtoearn.reading.script_batch import RedisWire, ScriptBatcher

            batcher = side.batchers[rules] = ScriptBatcher(
                RedisWire(side.client), beat_source(rules, self._ttl)
            )
        try:  # as _reaching does, without a context manager on the busiest path
            return await batcher(self._keys(read_id, reader_id), args)
        except self._errors as exc:
            raise _unavailable(exc) from None

    def advance(self, state: LiveRead, expected: str, record: BeatRecord, credited: bool) -> bool:
        args = self._advance_args(state, expected, record, credited)
        return bool(self._run("advance", self._keys(state.id, state.reader_id), args))

    def _advance_args(
        self, state: LiveRead, expected: str, record: BeatRecord, credited: bool
    ) -> list[Any]:
        return [
            expected,
            state.version,
            state.dumps(),
            record.dumps(),
            str(state.id),
            state.last_beat_at,
            repr(state.last_beat_at) if credited else "",
            self._ttl,
            ACTIVITY_TTL_S,
        ]

    async def aadvance(
        self, state: LiveRead, expected: str, record: BeatRecord, credited: bool
    ) -> bool:
        if self._make_async is None:
            return await asyncio.to_thread(self.advance, state, expected, record, credited)
        scripts = self._async_side().scripts
        keys = self._keys(state.id, state.reader_id)
        args = self._advance_args(state, expected, record, credited)
        with self._reaching():
            return bool(await scripts["advance"](keys=keys, args=args))

    async def aclose(self) -> None:
        if self._async is not None:
            side, self._async = self._async, None
            if side.loop is asyncio.get_running_loop():
                for batcher in side.batchers.values():  # each with its connection
                    await batcher.aclose()
                await side.client.aclose()

    def close(self, read_id: uuid.UUID, expected: str) -> bool:
        loaded = self.load(read_id, read_id)
        if loaded.state is None:
            return False
        closed = _closed(loaded.state).dumps()
        return bool(self._run("close", self._keys(read_id), [expected, closed]))

    def records(self, read_id: uuid.UUID) -> list[BeatRecord]:
        with self._reaching():
            items = self._client.lrange(self._keys(read_id)[1], 0, -1)
        return [BeatRecord.loads(item) for item in items]

    def trim(self, read_id: uuid.UUID, below_seq: int) -> None:
        self._run("trim", self._keys(read_id), [below_seq])

    def drop(self, read_id: uuid.UUID, expected: str | None = None) -> bool:
        return bool(self._run("drop", self._keys(read_id), [expected or "", str(read_id)]))

    def idle(self, before: float, limit: int = 500) -> list[uuid.UUID]:
        keys = [self._keys(uuid.UUID(int=0))[3]]
        try:
            found = self._run("idle", keys, [before, limit, f"{self._prefix}r:"])
        except StoreUnavailable:
            return []  # the sweep skips a turn
        return [uuid.UUID(item.decode()) for item in found]


class _AsyncSide(NamedTuple):
    """The asyncio client of one event loop, its registered scripts and the beat scripts'
    batchers (one per set of rules, each over a connection of its own)."""

    loop: asyncio.AbstractEventLoop
    client: Any
    scripts: dict[str, Any]
    batchers: dict[Rules, Any]


def _unavailable(exc: BaseException) -> StoreUnavailable:
    """A Redis error as the 503 it becomes, logged once (by its kind: never its text)."""
    log.warning("open reads: Redis unavailable (%s)", type(exc).__name__)
    return StoreUnavailable("reading is paused for a moment: try again shortly")


def _words_json(words: Words | None) -> str:
    return "" if words is None else json.dumps(list(words), separators=(",", ":"))


def _loaded(read_id: uuid.UUID, text: bytes | None, pairs: list[bytes]) -> Loaded:
    """What the load script answered: the state (None when absent) and the reader's activity
    as a flat list of read id, time, read id, time..."""
    own = str(read_id).encode()
    times = (float(t) for r, t in zip(pairs[::2], pairs[1::2], strict=True) if r != own)
    return Loaded(LiveRead.loads(text) if text else None, max(times, default=0.0))


def make_live_store(settings: Settings) -> LiveStore:
    """Redis when redis_url is set (shared by every worker), else this process's memory."""
    if settings.redis_url:
        import redis
        import redis.asyncio

        url = settings.redis_url
        client = redis.Redis.from_url(url, socket_timeout=2.0)
        return RedisLiveStore(
            client, async_client=lambda: redis.asyncio.Redis.from_url(url, socket_timeout=2.0)
        )
    return MemoryLiveStore()
