import os
import uuid

import pytest

from readtoearn.accounts.ratelimit import (
    MemoryRateLimiter,
    RedisRateLimiter,
    make_rate_limiter,
)
from readtoearn.config import Settings

REDIS_URL = os.environ.get("READTOEARN_TEST_REDIS_URL", "")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_memory_counts_per_key_and_forgets_after_the_window() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(clock=clock)
    assert [limiter.hit("a", 60) for _ in range(3)] == [1, 2, 3]
    assert limiter.count("a", 60) == 3
    assert limiter.count("b", 60) == 0
    clock.now += 59
    assert limiter.count("a", 60) == 3
    clock.now += 1
    assert limiter.count("a", 60) == 0
    assert limiter.hit("a", 60) == 1


def test_memory_reset() -> None:
    limiter = MemoryRateLimiter()
    limiter.hit("a", 60)
    limiter.reset("a")
    limiter.reset("never seen")
    assert limiter.count("a", 60) == 0


def test_memory_stays_bounded() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(clock=clock, max_keys=10)
    for i in range(100):
        limiter.hit(f"k{i}", 60)
    assert len(limiter._windows) <= 10
    assert limiter.count("k99", 60) == 1


def test_the_setting_chooses_the_backend(tmp_path) -> None:
    assert isinstance(make_rate_limiter(Settings(data_dir=tmp_path)), MemoryRateLimiter)
    chosen = make_rate_limiter(Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/15"))
    assert isinstance(chosen, RedisRateLimiter)


def test_redis_down_lets_attempts_through(tmp_path) -> None:
    limiter = make_rate_limiter(Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/15"))
    assert limiter.hit("a", 60) == 0
    assert limiter.count("a", 60) == 0
    limiter.reset("a")


@pytest.fixture
def redis_limiter():
    if not REDIS_URL:
        pytest.skip("Redis: READTOEARN_TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"rte:test:{uuid.uuid4().hex}:"
    yield RedisRateLimiter(client, prefix=prefix), client, prefix
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


def test_redis_counts_expires_and_resets(redis_limiter) -> None:
    limiter, client, prefix = redis_limiter
    assert [limiter.hit("a", 60) for _ in range(3)] == [1, 2, 3]
    assert limiter.count("a", 60) == 3
    assert limiter.count("b", 60) == 0
    assert 0 < client.ttl(prefix + "a") <= 60  # the window expires on its own
    limiter.reset("a")
    assert limiter.count("a", 60) == 0


def test_redis_window_ends(redis_limiter) -> None:
    limiter, client, prefix = redis_limiter
    limiter.hit("a", 60)
    client.pexpire(prefix + "a", 1)  # fast-forward: the window is over
    import time

    time.sleep(0.01)
    assert limiter.count("a", 60) == 0
    assert limiter.hit("a", 60) == 1
