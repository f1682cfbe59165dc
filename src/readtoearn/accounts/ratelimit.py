"""Counting attempts in fixed windows: in process by default, in Redis when configured."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from readtoearn.config import Settings

log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    """Counts attempts per key in windows of `window_s` seconds."""

    def hit(self, key: str, window_s: int) -> int:
        """Count one attempt; return the attempts of the current window, this one included."""
        ...

    def count(self, key: str, window_s: int) -> int:
        """The attempts of the current window."""
        ...

    def reset(self, key: str) -> None:
        """Forget a key (after a successful login, say)."""
        ...


class MemoryRateLimiter:
    """Windows kept in this process; right for a single worker."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}

    def _current(self, key: str, window_s: int, now: float) -> tuple[float, int]:
        started, count = self._windows.get(key, (now, 0))
        if now - started >= window_s:
            return now, 0
        return started, count

    def hit(self, key: str, window_s: int) -> int:
        with self._lock:
            now = self._clock()
            if len(self._windows) >= self._max_keys:
                self._prune(now, window_s)
            started, count = self._current(key, window_s, now)
            self._windows[key] = (started, count + 1)
            return count + 1

    def count(self, key: str, window_s: int) -> int:
        with self._lock:
            return self._current(key, window_s, self._clock())[1]

    def reset(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def _prune(self, now: float, window_s: int) -> None:
        stale = [k for k, (started, _) in self._windows.items() if now - started >= window_s]
        for key in stale:
            del self._windows[key]
        if len(self._windows) >= self._max_keys:  # still full: forget the oldest half
            for key, _ in sorted(self._windows.items(), key=lambda kv: kv[1][0])[
                : self._max_keys // 2
            ]:
                del self._windows[key]


class RedisRateLimiter:
    """Windows kept in Redis, shared by every worker and node.

    When Redis cannot be reached the limiter lets attempts through (and logs it) rather than
    turning every login into an error.
    """

    def __init__(self, client: Any, prefix: str = "rte:rl:") -> None:
        import redis

        self._client = client
        self._prefix = prefix
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)

    def hit(self, key: str, window_s: int) -> int:
        name = self._prefix + key
        try:
            pipe = self._client.pipeline(transaction=True)
            # The first attempt creates the key with its expiry; INCR keeps the expiry.
            pipe.set(name, 0, ex=window_s, nx=True)
            pipe.incr(name)
            return int(pipe.execute()[1])
        except self._errors as exc:
            log.warning("rate limiter: Redis unavailable (%s)", type(exc).__name__)
            return 0

    def count(self, key: str, window_s: int) -> int:
        try:
            value = self._client.get(self._prefix + key)
        except self._errors as exc:
            log.warning("rate limiter: Redis unavailable (%s)", type(exc).__name__)
            return 0
        return int(value) if value is not None else 0

    def reset(self, key: str) -> None:
        try:
            self._client.delete(self._prefix + key)
        except self._errors as exc:
            log.warning("rate limiter: Redis unavailable (%s)", type(exc).__name__)


def make_rate_limiter(settings: Settings) -> RateLimiter:
    """Redis when redis_url is set, else the in-process limiter."""
    if settings.redis_url:
        import redis

        return RedisRateLimiter(redis.Redis.from_url(settings.redis_url, socket_timeout=2.0))
    return MemoryRateLimiter()
