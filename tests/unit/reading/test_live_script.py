"""The beat script (one round trip to Redis) credits exactly as the Python path does.

Random reads are beaten through both: the memory store (beats.prepare_beat, in Python) and Redis
(live_script, in Lua); every answer, error, state and beat record must be the same.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from readtoearn.clock import ManualClock
from readtoearn.config import Settings
from readtoearn.errors import Conflict, ReadToEarnError
from readtoearn.reading import beats as beatlib
from readtoearn.reading import live_script, snapshot, tokens
from readtoearn.reading.live import LiveRead, MemoryLiveStore, RedisLiveStore
from readtoearn.reading.reads import sign
from readtoearn.reading.snapshot import paragraph_words
from tests.conftest import REDIS_URL, SECRET
from tests.unit.reading.test_live import run_async

START = 1_800_000_000.123456


@pytest.fixture
def redis_store() -> Iterator[RedisLiveStore]:
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


class Nonces:
    """The same nonces, in the same order, for both paths (so their tokens can be compared)."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def __call__(self) -> str:
        return self.random.randbytes(8).hex()


def words_of(paragraphs: int, rng: random.Random) -> tuple[int, ...]:
    return tuple(rng.randint(5, 120) for _ in range(paragraphs))


def opened(reader: uuid.UUID, rng: random.Random) -> tuple[LiveRead, tuple[int, ...]]:
    paragraphs = rng.randint(3, 20)
    words = words_of(paragraphs, rng)
    state = LiveRead(
        id=uuid.uuid4(),
        reader_id=reader,
        article_id=uuid.uuid4(),
        content_hash=uuid.uuid4().hex,
        word_count=sum(words),
        paragraph_count=paragraphs,
        next_seq=1,
        nonce=tokens.new_nonce(),
        last_beat_at=START,
        started_at=START,
    )
    # The Python path reads the words from its cache of article versions.
    snapshot._PARAGRAPH_WORDS[(state.article_id, state.content_hash)] = words
    assert paragraph_words(None, state.article_id, state.content_hash) == words
    return state, words


def a_beat(rng: random.Random, state: LiveRead, token: str) -> beatlib.Beat:
    seq = state.next_seq
    roll = rng.random()
    if roll < 0.04:
        seq += 1  # a seq that does not match its token
    elif roll < 0.07:
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")  # a forged MAC
    elif roll < 0.09:
        token = "not-a-token"
    paragraphs = rng.sample(range(state.paragraph_count), rng.randint(0, state.paragraph_count))
    if rng.random() < 0.03:
        paragraphs.append(state.paragraph_count + rng.randint(0, 3))  # no such paragraph
    events = {k: rng.choice((0, 0, 1, 3)) for k in ("scroll", "wheel", "key", "pointer", "touch")}
    return beatlib.Beat(
        token=token,
        seq=seq,
        active_ms=rng.choice((0, 3_000, 11_999, 12_000, 14_500, 60_000)),
        scroll_max=rng.choice((0.0, 0.1, 0.33, 0.95, 1.0, 1.7)),
        paragraphs_seen=paragraphs,
        visible=rng.random() > 0.1,
        focused=rng.random() > 0.1,
        events=events,
        viewport_h=rng.choice((None, 0, 700, 900)),
        document_h=rng.choice((None, 0, 2_000, 9_000)),
        webdriver=rng.random() < 0.05,
    )


def outcome(
    store: Any, settings: Settings, clock: ManualClock, reader: uuid.UUID, read: uuid.UUID, b: Any
) -> Any:
    try:
        result = beatlib.record_beat(
            None, store, settings, clock, reader_id=reader, read_id=read, beat=b
        )
    except ReadToEarnError as exc:
        return (type(exc).__name__, exc.code)
    return result


@pytest.mark.parametrize("seed", range(6))
def test_random_reads_get_the_same_credit_either_way(
    redis_store: RedisLiveStore, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(secret_key=SECRET, beat_interval_s=12)
    rng = random.Random(seed)
    memory = MemoryLiveStore()
    reader = uuid.uuid4()
    reads = [opened(reader, rng) for _ in range(3)]  # parallel tabs of one reader
    token: dict[uuid.UUID, str] = {}
    for state, words in reads:
        memory.put(state, words)
        redis_store.put(state, words)
        token[state.id] = sign(settings, state, state.next_seq, state.nonce)
    clocks = {"memory": ManualClock(datetime.fromtimestamp(START, UTC))}
    clocks["redis"] = ManualClock(clocks["memory"].now())
    scripted = 0
    for step in range(120):
        state, _ = rng.choice(reads)
        current = memory.load(state.id, reader).state
        assert current is not None
        b = a_beat(rng, current, token[state.id])
        gap = rng.choice((0.0, 0.4, 5.0, 11.9, 12.0, 12.7, 13.25, 20.0, 37.0))
        answers = []
        for name, store in (("memory", memory), ("redis", redis_store)):
            clocks[name].advance(gap)
            monkeypatch.setattr(tokens, "new_nonce", Nonces(seed * 1000 + step))
            answers.append(outcome(store, settings, clocks[name], reader, state.id, b))
        assert answers[0] == answers[1], (seed, step, b)
        if isinstance(answers[0], beatlib.BeatResult):
            token[state.id] = answers[0].token
            scripted += 1
        assert memory.load(state.id, reader).state == redis_store.load(state.id, reader).state
        assert memory.records(state.id) == redis_store.records(state.id)
    assert scripted > 60


def test_the_beat_is_one_call_to_redis(
    redis_store: RedisLiveStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the event loop a beat is a single EVALSHA in a single round trip; beats arriving
    together share theirs, and of two carrying the same token exactly one moves the chain on."""
    settings = Settings(secret_key=SECRET)
    rng = random.Random(7)
    reader = uuid.uuid4()
    reads = [opened(reader, rng) for _ in range(6)]
    for state, words in reads:
        redis_store.put(state, words)
    clock = ManualClock(datetime.fromtimestamp(START + 12, UTC))

    def first_beat(state: LiveRead) -> beatlib.Beat:
        return beatlib.Beat(
            token=sign(settings, state, 1, state.nonce), seq=1, active_ms=12_000,
            scroll_max=0.2, paragraphs_seen=[0], visible=True, focused=True, events={"wheel": 2},
        )  # fmt: skip

    trips: list[list[str]] = []  # per round trip to Redis, the commands it carried
    direct: list[str] = []

    async def beats() -> list[Any]:
        try:
            from readtoearn.reading.script_batch import RedisWire

            client = redis_store._async_side().client
            execute_command, run = client.execute_command, RedisWire.run

            async def counted(wire: RedisWire, commands: Any) -> Any:
                trips.append([str(c[0]) for c in commands])
                return await run(wire, commands)

            async def command(*args: Any, **options: Any) -> Any:
                direct.append(str(args[0]))
                return await execute_command(*args, **options)

            client.execute_command = command
            monkeypatch.setattr(RedisWire, "run", counted)
            await redis_store.abeat(  # loads the script (NOSCRIPT, SCRIPT LOAD, again)
                beatlib.rules_of(settings), uuid.uuid4(), reader, ["|".join(["", "0"] + [""] * 15)]
            )
            trips.clear()
            direct.clear()
            one = await beatlib.record_beat_async(
                redis_store, settings, clock, reader_id=reader, read_id=reads[0][0].id,
                beat=first_beat(reads[0][0]),
            )  # fmt: skip
            assert trips == [["EVALSHA"]] and direct == []
            trips.clear()
            together = [
                beatlib.record_beat_async(
                    redis_store,
                    settings,
                    clock,
                    reader_id=reader,
                    read_id=state.id,
                    beat=first_beat(state),
                )
                for state, _ in reads[1:]
            ]
            twice = [
                beatlib.record_beat_async(
                    redis_store,
                    settings,
                    clock,
                    reader_id=reader,
                    read_id=reads[0][0].id,
                    beat=beatlib.Beat(
                        token=one.token,
                        seq=2,
                        active_ms=1_000,
                        scroll_max=0.2,
                        paragraphs_seen=[1],
                        visible=True,
                        focused=True,
                    ),
                )
                for _ in range(2)
            ]
            return [one, *await asyncio.gather(*together, *twice, return_exceptions=True)]
        finally:
            await redis_store.aclose()

    results = run_async(beats())
    assert all(isinstance(r, beatlib.BeatResult) for r in results[:6])
    assert [type(r).__name__ for r in results[6:]].count("BeatResult") == 1
    (refused,) = [r for r in results[6:] if not isinstance(r, beatlib.BeatResult)]
    assert isinstance(refused, Conflict) and refused.code == "out_of_order"
    assert len(trips) < 7 and sum(len(t) for t in trips) == 7  # seven beats, fewer round trips
    assert direct == []
    state = redis_store.load(reads[0][0].id, reader).state
    assert state is not None and state.next_seq == 3


def test_a_script_redis_does_not_know_is_loaded_and_sent_again(redis_store) -> None:  # type: ignore[no-untyped-def]
    import redis.asyncio

    from readtoearn.reading.script_batch import RedisWire, ScriptBatcher

    source = f"return ARGV[1] .. '{uuid.uuid4().hex}'"  # a script Redis has never seen

    async def call() -> list[Any]:
        client = redis.asyncio.Redis.from_url(REDIS_URL)
        batcher = ScriptBatcher(RedisWire(client), source)
        try:
            return list(await asyncio.gather(batcher(["k"], ["a"]), batcher(["k"], ["b"])))
        finally:
            await batcher.aclose()
            await client.aclose()

    first, second = run_async(call())
    assert first.startswith(b"a") and second.startswith(b"b")


def wire_run(batches: Any, timeout_s: float = 2.0, idle_check_s: float = 30.0) -> list[Any]:
    """Run `batches(wire, admin)` on a wire of its own; its answers, or what each raised."""
    import redis.asyncio

    from readtoearn.reading.script_batch import RedisWire

    async def call() -> list[Any]:
        client = redis.asyncio.Redis.from_url(REDIS_URL, socket_timeout=2.0)
        wire = RedisWire(client, timeout_s=timeout_s, idle_check_s=idle_check_s)
        try:
            return list(await batches(wire, client))
        finally:
            await wire.aclose()
            await client.aclose()

    return list(run_async(call()))


async def attempt(coroutine: Any) -> Any:
    try:
        return await coroutine
    except Exception as exc:  # what the caller would hear
        return exc


def test_the_wire_answers_each_command_of_a_batch_in_order(redis_store: RedisLiveStore) -> None:
    """An error reply is that command's answer; the others of the batch keep theirs."""
    from redis.exceptions import NoScriptError, ResponseError

    key = f"rte:test:{uuid.uuid4().hex}"

    async def batches(wire: Any, _: Any) -> list[Any]:
        return [
            await wire.run(
                [
                    ("SET", key, "é1"),
                    ("EVALSHA", "0" * 40, 0),  # a script Redis does not know
                    ("INCR", key),  # not a number: an error reply
                    ("EVAL", "return ARGV[1] .. KEYS[1]", 1, "k", "a"),
                    ("GET", key),
                ]
            )
        ]

    (replies,) = wire_run(batches)
    assert replies[0] in (b"OK", "OK", True)
    assert isinstance(replies[1], NoScriptError)
    assert isinstance(replies[2], ResponseError)
    assert replies[3] == b"ak" and replies[4] == "é1".encode()


def test_a_wire_whose_connection_dies_fails_that_batch_and_the_next_reconnects(
    redis_store: RedisLiveStore,
) -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    async def batches(wire: Any, admin: Any) -> list[Any]:
        first = await wire.run([("CLIENT", "SETNAME", "rte-wire-test"), ("CLIENT", "ID")])
        await admin.execute_command("CLIENT", "KILL", "ID", first[1])
        killed = await attempt(wire.run([("PING",)]))
        return [first, killed, await wire.run([("PING",), ("ECHO", "back")])]

    _, killed, again = wire_run(batches)
    assert isinstance(killed, (RedisConnectionError, OSError))
    assert again[1] == b"back"


def test_a_wire_idle_for_a_while_checks_its_connection_before_the_batch(
    redis_store: RedisLiveStore,
) -> None:
    """A connection dropped while idle (a proxy's timeout, a restart) costs no batch."""

    async def batches(wire: Any, admin: Any) -> list[Any]:
        (first,) = await wire.run([("CLIENT", "ID")])
        await admin.execute_command("CLIENT", "KILL", "ID", first)
        await asyncio.sleep(0.2)  # idle past the wire's check below
        return [first, await wire.run([("CLIENT", "ID"), ("ECHO", "after")])]

    first, (second, echoed) = wire_run(batches, idle_check_s=0.05)
    assert echoed == b"after" and second != first  # a new connection carried it


def test_a_batch_that_runs_late_fails_as_a_timeout_and_leaves_no_reply_behind(
    redis_store: RedisLiveStore,
) -> None:
    """The late reply never reaches the next batch: the connection it was due on is closed."""
    key = f"rte:test:{uuid.uuid4().hex}"

    async def batches(wire: Any, admin: Any) -> list[Any]:
        late = await attempt(wire.run([("BLPOP", key, 5)]))  # nothing comes before the deadline
        for _ in range(200):  # until Redis has seen the connection go (it unblocks the BLPOP)
            if (await admin.info("clients"))["blocked_clients"] == 0:
                break
            await asyncio.sleep(0.01)
        await admin.rpush(key, "late")
        return [late, await wire.run([("ECHO", "next")]), await admin.lrange(key, 0, -1)]

    late, after, left = wire_run(batches, timeout_s=0.2)
    assert isinstance(late, TimeoutError) and isinstance(late, OSError)  # a 503 in the store
    assert after == [b"next"]
    assert left == [b"late"]  # the closed connection's BLPOP took nothing


def test_a_token_signed_before_tokens_carried_their_article_still_works(
    redis_store: RedisLiveStore,
) -> None:
    """Such a token (a read started before the upgrade) takes the general path, two calls."""
    settings = Settings(secret_key=SECRET)
    rng = random.Random(3)
    reader = uuid.uuid4()
    state, words = opened(reader, rng)
    redis_store.put(state, words)
    claims, _, _ = tokens.parse_chain(sign(settings, state, 1, state.nonce))
    assert claims.article_id == state.article_id
    body = state.id.bytes + (1).to_bytes(4, "big") + bytes.fromhex(state.nonce)
    mac = tokens._chain_mac(settings.resolved_secret_key, reader, state.article_id, body)
    old = f"{tokens._b64(body)}.{tokens._b64(mac)}"
    assert tokens.parse_chain(old)[0].article_id is None
    clock = ManualClock(datetime.fromtimestamp(START + 12, UTC))
    b = beatlib.Beat(
        token=old, seq=1, active_ms=12_000, scroll_max=0.2, paragraphs_seen=[0],
        visible=True, focused=True, events={"wheel": 2},
    )  # fmt: skip
    result = beatlib.record_beat(
        None, redis_store, settings, clock, reader_id=reader, read_id=state.id, beat=b
    )
    assert result.active_seconds == 12.0
    # The next token carries the article: the next beat goes through the script.
    assert tokens.parse_chain(result.token)[0].article_id == state.article_id


def test_the_script_knows_the_reasons_it_sets() -> None:
    source = live_script.beat_source(beatlib.rules_of(Settings(secret_key=SECRET)), 3600)
    assert "@" not in source
    for reason in ("no_input", "automation", "too_fast"):
        assert f"'{reason}'" in source
