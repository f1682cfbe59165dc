import os
import threading
import uuid

import pytest

from readtoearn.accounts.ratelimit import (
    MemoryRateLimiter,
    RedisRateLimiter,
    make_rate_limiter,
)
from readtoearn.config import Settings
from readtoearn.errors import RateLimited

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
    assert len(limiter.storage._windows) <= 10
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


# -- rates in the notation of `limits` ---------------------------------------------------------


def test_a_rate_refuses_past_its_amount_with_the_seconds_to_wait() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(clock=clock)
    for _ in range(3):
        limiter.limit("3/minute", "signup", "group-a")
    with pytest.raises(RateLimited) as caught:
        limiter.limit("3/minute", "signup", "group-a")
    assert caught.value.code == "rate_limited"
    assert caught.value.retry_after_s == 60
    limiter.limit("3/minute", "signup", "group-b")  # another key has its own window
    clock.now += 45
    with pytest.raises(RateLimited) as caught:
        limiter.limit("3/minute", "signup", "group-a")
    assert caught.value.retry_after_s == 15
    clock.now += 15
    limiter.limit("3/minute", "signup", "group-a")  # a new window


def test_rates_take_the_libraries_notation() -> None:
    limiter = MemoryRateLimiter(clock=FakeClock())
    for _ in range(2):
        limiter.limit("2 per 15 minutes", "k")
    with pytest.raises(RateLimited) as caught:
        limiter.limit("2 per 15 minutes", "k")
    assert caught.value.retry_after_s == 900


def test_counting_and_deciding_are_one_step_across_threads() -> None:
    limiter = MemoryRateLimiter()
    allowed: list[bool] = []
    start = threading.Barrier(40)

    def attempt() -> None:
        start.wait()
        try:
            limiter.limit("10/minute", "crowd")
            allowed.append(True)
        except RateLimited:
            allowed.append(False)

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 10 and allowed.count(False) == 30


def test_redis_down_lets_rates_through(tmp_path) -> None:
    limiter = make_rate_limiter(Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/15"))
    for _ in range(5):
        limiter.limit("1/minute", "k")  # nothing raised: the limits wait for Redis to return


def test_redis_rates_are_shared_between_limiters(redis_limiter) -> None:
    limiter, client, prefix = redis_limiter
    other = RedisRateLimiter(client, prefix=prefix)  # another worker, the same Redis
    limiter.limit("2/minute", "token", "group")
    other.limit("2/minute", "token", "group")
    with pytest.raises(RateLimited) as caught:
        limiter.limit("2/minute", "token", "group")
    assert 0 < (caught.value.retry_after_s or 0) <= 60


def test_a_mistyped_rate_is_refused_when_the_app_is_made(tmp_path) -> None:
    from readtoearn.app import create_app

    with pytest.raises(ValueError, match="READTOEARN_RATE_LIMIT_REDEEM='twenty a day'"):
        create_app(Settings(data_dir=tmp_path, rate_limit_redeem="twenty a day"))
