"""Open reads between beats: the store's contract (in memory and in Redis), and how a read's
state reaches the database (completion, resume, idle sweep) without losing a beat."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from readtoearn.accounts import service as accounts
from readtoearn.errors import Conflict, NotFound, Unavailable
from readtoearn.reading import service as reading
from readtoearn.reading import tokens
from readtoearn.reading.live import (
    BeatRecord,
    LiveRead,
    LiveStore,
    MemoryLiveStore,
    RedisLiveStore,
    StoreUnavailable,
    make_live_store,
)
from readtoearn.reading.models import Read, ReadBeat
from readtoearn.reading.rules import Rules
from tests.conftest import REDIS_URL
from tests.factories import make_article
from tests.readers import fund


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[LiveStore]:
    if request.param == "memory":
        yield MemoryLiveStore()
        return
    if not REDIS_URL:
        pytest.skip("Redis: READTOEARN_TEST_REDIS_URL is not set")
    import redis
    import redis.asyncio

    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"rte:test:{uuid.uuid4().hex}:"
    yield RedisLiveStore(
        client, prefix=prefix, async_client=lambda: redis.asyncio.Redis.from_url(REDIS_URL)
    )
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


def run_async(coroutine: Any) -> Any:
    """Run a coroutine on a loop of its own (in a thread: the browser tests leave one running)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def live(reader_id: uuid.UUID | None = None, **changes: Any) -> LiveRead:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "reader_id": reader_id or uuid.uuid4(),
        "article_id": uuid.uuid4(),
        "content_hash": "abc",
        "word_count": 800,
        "paragraph_count": 12,
        "next_seq": 1,
        "nonce": "00112233aabbccdd",
        "last_beat_at": 1_000_000.0,
    }
    return LiveRead(**{**values, **changes})


def after(state: LiveRead, at: float) -> LiveRead:
    """The state one beat later."""
    return replace(
        state,
        next_seq=state.next_seq + 1,
        nonce=tokens.new_nonce(),
        last_beat_at=at,
        beats_total=state.beats_total + 1,
    )


def record(seq: int, at: float = 1_000_012.0, credited_ms: int = 12_000) -> BeatRecord:
    return BeatRecord(
        seq, at, 12_000, credited_ms, 0.25, 2, 90, True, True, False, False, (3, 2, 0, 0, 0)
    )


# -- the store's contract ---------------------------------------------------------------------


def test_a_state_survives_the_round_trip() -> None:
    state = live(paragraphs_seen=(0, 1, 5), flags=("automation",), scroll_max=0.5)
    assert LiveRead.loads(state.dumps()) == state
    assert BeatRecord.loads(record(3).dumps()) == record(3)


def test_seed_keeps_what_the_store_holds(store: LiveStore) -> None:
    first = live()
    assert store.seed(first) == first
    other = replace(first, active_ms=99)
    assert store.seed(other) == first
    assert store.load(first.id, first.reader_id).state == first


def test_advance_is_a_compare_and_set(store: LiveStore) -> None:
    state = store.seed(live())
    one = after(state, 1_000_012.0)
    assert store.advance(one, state.version, record(1), credited=True)
    # The same token again: the version has moved on, nothing changes.
    assert not store.advance(after(state, 1_000_013.0), state.version, record(1), credited=True)
    assert store.load(state.id, state.reader_id).state == one
    assert [r.seq for r in store.records(state.id)] == [1]


def test_only_one_of_two_racing_beats_moves_the_chain(store: LiveStore) -> None:
    state = store.seed(live())
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def beat(i: int) -> None:
        barrier.wait()
        results.append(
            store.advance(after(state, 1_000_012.0 + i), state.version, record(1), credited=True)
        )

    threads = [threading.Thread(target=beat, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert len(store.records(state.id)) == 1


def test_a_closed_read_takes_no_beat_and_closing_again_is_harmless(store: LiveStore) -> None:
    state = store.seed(live())
    assert store.close(state.id, state.chain)
    assert store.close(state.id, state.chain)  # a verdict asked again
    closed = store.load(state.id, state.reader_id).state
    assert closed is not None and closed.closed
    assert not store.advance(after(state, 1_000_012.0), state.version, record(1), credited=True)
    assert not store.close(state.id, "9:ffffffffffffffff")
    assert not store.close(uuid.uuid4(), state.chain)


def test_drop_and_trim(store: LiveStore) -> None:
    state = store.seed(live())
    current = state
    for seq in (1, 2, 3):
        nxt = after(current, 1_000_000.0 + 12 * seq)
        assert store.advance(nxt, current.version, record(seq), credited=False)
        current = nxt
    store.trim(state.id, 3)
    assert [r.seq for r in store.records(state.id)] == [3]
    assert not store.drop(state.id, state.version)  # a beat came in since
    assert store.load(state.id, state.reader_id).state == current
    assert store.drop(state.id, current.version)
    assert store.load(state.id, state.reader_id).state is None
    assert store.records(state.id) == []
    assert store.drop(state.id)  # already gone


def test_put_replaces_the_state_and_keeps_the_beats(store: LiveStore) -> None:
    state = store.seed(live())
    one = after(state, 1_000_012.0)
    store.advance(one, state.version, record(1), credited=True)
    resumed = replace(one, nonce=tokens.new_nonce())
    store.put(resumed)
    assert store.load(state.id, state.reader_id).state == resumed
    assert [r.seq for r in store.records(state.id)] == [1]


def test_idle_lists_reads_by_their_last_beat(store: LiveStore) -> None:
    quiet = store.seed(live(last_beat_at=1_000.0))
    busy = store.seed(live(last_beat_at=5_000.0))
    assert store.idle(2_000.0) == [quiet.id]
    assert set(store.idle(float("inf"))) == {quiet.id, busy.id}
    store.drop(quiet.id)
    assert store.idle(2_000.0) == []


def test_an_expired_read_leaves_the_idle_index(store: LiveStore) -> None:
    if not isinstance(store, RedisLiveStore):
        pytest.skip("only Redis expires reads on its own")
    gone = store.seed(live(last_beat_at=1_000.0))
    store._client.delete(f"{store._prefix}r:{gone.id}")  # as its time-to-live does
    assert store.idle(2_000.0) == []
    assert store._client.zcard(f"{store._prefix}idle") == 0


def test_a_reader_s_other_reads_are_seen(store: LiveStore) -> None:
    reader = uuid.uuid4()
    first, second = store.seed(live(reader)), store.seed(live(reader))
    assert store.load(second.id, reader).others_credited_at == 0.0
    store.advance(after(first, 1_000_012.0), first.version, record(1), credited=True)
    assert store.load(second.id, reader).others_credited_at == 1_000_012.0
    assert store.load(first.id, reader).others_credited_at == 0.0  # not its own
    # A beat that earned nothing is not activity.
    store.advance(after(second, 1_000_020.0), second.version, record(1, 1_000_020.0, 0), False)
    assert store.load(first.id, reader).others_credited_at == 0.0


def test_the_beat_route_s_calls_agree_with_the_others(store: LiveStore) -> None:
    """aload and aadvance (the event loop's) see and change what load and advance do."""
    reader = uuid.uuid4()
    state, other = store.seed(live(reader)), store.seed(live(reader))

    async def beat() -> tuple[Any, ...]:
        try:
            missing = await store.aload(uuid.uuid4(), reader)
            loaded = await store.aload(state.id, reader)
            one = after(state, 1_000_012.0)
            moved = await store.aadvance(one, state.version, record(1), credited=True)
            again = await store.aadvance(after(state, 1_000_013.0), state.version, record(1), True)
            return missing, loaded, one, moved, again
        finally:
            await store.aclose()

    missing, loaded, one, moved, again = run_async(beat())
    assert missing.state is None
    assert loaded.state == state and loaded.others_credited_at == 0.0
    assert moved and not again
    assert store.load(state.id, reader).state == one
    assert store.load(other.id, reader).others_credited_at == 1_000_012.0
    assert [r.seq for r in store.records(state.id)] == [1]
    # A store without an asyncio client runs the blocking one in a thread.
    if isinstance(store, RedisLiveStore):
        plain = RedisLiveStore(store._client, prefix=store._prefix)
        assert run_async(plain.aload(state.id, reader)).state == one


def test_an_unreachable_redis_is_a_clear_unavailable() -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    store = RedisLiveStore(client)
    with pytest.raises(StoreUnavailable) as caught:
        store.load(uuid.uuid4(), uuid.uuid4())
    assert isinstance(caught.value, Unavailable)
    with pytest.raises(StoreUnavailable):
        store.seed(live())
    assert store.idle(0.0) == []  # the sweep just skips a turn
    import redis.asyncio

    down = RedisLiveStore(
        client,
        async_client=lambda: redis.asyncio.Redis(
            host="127.0.0.1", port=1, socket_connect_timeout=0.2
        ),
    )

    async def load() -> None:
        try:
            await down.aload(uuid.uuid4(), uuid.uuid4())
        finally:
            await down.aclose()

    with pytest.raises(StoreUnavailable):
        run_async(load())

    async def beat() -> None:  # the beat script's own connection (script_batch.RedisWire)
        try:
            await down.abeat(Rules(), uuid.uuid4(), uuid.uuid4(), ["|"])
        finally:
            await down.aclose()

    with pytest.raises(StoreUnavailable):
        run_async(beat())


# -- from the store to the database -----------------------------------------------------------


def beat_of(token: str, seq: int, paragraph: int) -> reading.Beat:
    return reading.Beat(
        token=token,
        seq=seq,
        active_ms=12_000,
        scroll_max=0.1 * seq,
        paragraphs_seen=[paragraph],
        visible=True,
        focused=True,
        events={"wheel": seq, "scroll": 2},
    )


@pytest.fixture
def opened(session, settings, clock):  # type: ignore[no-untyped-def]
    fund(session)
    reader = accounts.create_user(session, settings, email="ada@example.org", password=None)
    article = make_article(session, settings, paragraphs=6)
    return reader, article


def start(session, store, settings, clock, reader, article) -> reading.Started:  # type: ignore[no-untyped-def]
    view = tokens.sign_view(
        settings.resolved_secret_key,
        article.id,
        clock.now().timestamp(),
        tokens.reader_subject(reader.id),
    )
    return reading.start_read(
        session, store, settings, clock, reader_id=reader.id, article_id=article.id, view_token=view
    )


def beats(session, store, settings, clock, reader, read_id, token, seqs) -> str:  # type: ignore[no-untyped-def]
    for seq in seqs:
        clock.advance(12)
        token = reading.record_beat(
            session, store, settings, clock,
            reader_id=reader.id, read_id=read_id, beat=beat_of(token, seq, min(seq - 1, 5)),
        ).token  # fmt: skip
    return token


def rows(session, read_id: uuid.UUID) -> list[ReadBeat]:
    session.expire_all()
    return list(
        session.scalars(select(ReadBeat).where(ReadBeat.read_id == read_id).order_by(ReadBeat.seq))
    )


def test_beats_reach_the_database_at_the_verdict(session, settings, clock, opened) -> None:
    reader, article = opened
    store = MemoryLiveStore()
    started = start(session, store, settings, clock, reader, article)
    read_id = started.read.id
    token = beats(session, store, settings, clock, reader, read_id, started.token, range(1, 10))
    session.expire_all()
    row = session.get_one(Read, read_id)
    assert (row.next_seq, row.beats_total) == (1, 0)  # the beats have not touched the database
    assert rows(session, read_id) == []
    outcome = reading.complete_read(
        session, store, settings, clock, reader_id=reader.id, read_id=str(read_id), token=token
    )
    assert outcome.verdict == "credited"
    written = rows(session, read_id)
    assert [b.seq for b in written] == list(range(1, 10))
    assert written[0].events == {"scroll": 2, "wheel": 1, "key": 0, "pointer": 0, "touch": 0}
    assert sum(b.credited_ms for b in written) == session.get_one(Read, read_id).active_ms
    assert session.get_one(Read, read_id).next_seq == 10


def test_an_unfinished_verdict_writes_the_beats_and_the_read_goes_on(
    session, settings, clock, opened
) -> None:
    reader, article = opened
    store = MemoryLiveStore()
    started = start(session, store, settings, clock, reader, article)
    read_id = started.read.id
    token = beats(session, store, settings, clock, reader, read_id, started.token, [1, 2])
    outcome = reading.complete_read(
        session, store, settings, clock, reader_id=reader.id, read_id=str(read_id), token=token
    )
    assert outcome.verdict == "incomplete"
    assert [b.seq for b in rows(session, read_id)] == [1, 2]
    token = beats(session, store, settings, clock, reader, read_id, token, range(3, 10))
    final = reading.complete_read(
        session, store, settings, clock, reader_id=reader.id, read_id=str(read_id), token=token
    )
    assert final.verdict == "credited"
    assert [b.seq for b in rows(session, read_id)] == list(range(1, 10))  # each beat once


def test_resuming_writes_the_read_and_renews_the_chain(session, settings, clock, opened) -> None:
    reader, article = opened
    store = MemoryLiveStore()
    started = start(session, store, settings, clock, reader, article)
    read_id = started.read.id
    old = beats(session, store, settings, clock, reader, read_id, started.token, [1, 2, 3])
    again = start(session, store, settings, clock, reader, article)
    assert again.resumed and again.read.id == read_id
    assert again.read.beats_total == 3 and again.read.next_seq == 4
    assert [b.seq for b in rows(session, read_id)] == [1, 2, 3]
    with pytest.raises(Conflict):
        beats(session, store, settings, clock, reader, read_id, old, [4])
    beats(session, store, settings, clock, reader, read_id, again.token, [4])


def test_idle_reads_are_written_and_come_back_on_the_next_beat(
    session, database, settings, clock, opened
) -> None:
    reader, article = opened
    store = MemoryLiveStore()
    started = start(session, store, settings, clock, reader, article)
    read_id = started.read.id
    token = beats(session, store, settings, clock, reader, read_id, started.token, [1, 2])
    session.commit()
    assert reading.flush_idle(database, store, clock, idle_s=300) == 0  # not idle yet
    clock.advance(301)
    assert reading.flush_idle(database, store, clock, idle_s=300) == 1
    assert store.load(read_id, reader.id).state is None  # forgotten by the store
    session.expire_all()
    assert session.get_one(Read, read_id).beats_total == 2
    assert [b.seq for b in rows(session, read_id)] == [1, 2]
    # The reader comes back: the next beat loads the read from the database.
    with pytest.raises(reading.NeedsDatabase):
        beats(None, store, settings, clock, reader, read_id, token, [3])
    assert store.load(read_id, reader.id).state is None  # nothing half-done
    beats(session, store, settings, clock, reader, read_id, token, [3])
    assert store.load(read_id, reader.id).state.beats_total == 3  # type: ignore[union-attr]


def test_a_process_restart_loses_only_unwritten_beats(session, settings, clock, opened) -> None:
    reader, article = opened
    store = MemoryLiveStore()
    started = start(session, store, settings, clock, reader, article)
    read_id = started.read.id
    stale = beats(session, store, settings, clock, reader, read_id, started.token, [1, 2])
    restarted = MemoryLiveStore()  # the beats above were never written
    with pytest.raises(Conflict):
        beats(session, restarted, settings, clock, reader, read_id, stale, [3])
    again = start(session, restarted, settings, clock, reader, article)  # the tracker restarts
    assert again.resumed and again.read.beats_total == 0
    beats(session, restarted, settings, clock, reader, read_id, again.token, [1])


def test_a_beat_racing_the_verdict_makes_the_verdict_wait(session, settings, clock, opened) -> None:
    reader, article = opened

    class Racing(MemoryLiveStore):
        def close(self, read_id: uuid.UUID, expected: str) -> bool:
            # A beat with the same token lands between reading the state and closing the read.
            state = self.load(read_id, reader.id).state
            assert state is not None
            self.advance(after(state, state.last_beat_at + 1), state.version, record(99), False)
            return super().close(read_id, expected)

    store = Racing()
    started = start(session, store, settings, clock, reader, article)
    token = beats(session, store, settings, clock, reader, started.read.id, started.token, [1, 2])
    token = beats(session, store, settings, clock, reader, started.read.id, token, range(3, 10))
    with pytest.raises(Conflict):
        reading.complete_read(
            session, store, settings, clock,
            reader_id=reader.id, read_id=str(started.read.id), token=token,
        )  # fmt: skip


def test_another_reader_cannot_beat_a_read_the_store_holds(
    session, settings, clock, opened
) -> None:
    reader, article = opened
    store = MemoryLiveStore()
    started = start(session, store, settings, clock, reader, article)
    thief = accounts.create_user(session, settings, email="eve@example.org", password=None)
    with pytest.raises(NotFound):
        beats(session, store, settings, clock, thief, started.read.id, started.token, [1])
    assert store.records(started.read.id) == []
    count = session.scalar(select(func.count()).select_from(ReadBeat))
    assert count == 0


def test_redis_is_used_when_configured(settings) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(make_live_store(settings), MemoryLiveStore)
    shared = make_live_store(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    assert isinstance(shared, RedisLiveStore) and not shared.in_process
