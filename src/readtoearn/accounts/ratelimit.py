"""Rate limits with the `limits` library: fixed windows counted in this process by default, in
Redis (shared by every worker and node) when redis_url is set.

Counting and deciding are one step: every attempt is counted first, by one atomic increment,
and refused when the count it gets back is over the limit. A crowd of simultaneous attempts
therefore cannot all read "under the limit" before any of them is counted.

When Redis cannot be reached the limiter lets attempts through (and logs it) rather than turning
every request into an error.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from readtoearn.config import Settings
from readtoearn.errors import RateLimited

log = logging.getLogger(__name__)

TOO_MANY_REQUESTS = "too many attempts: wait a little before trying again"


class MemoryStorage(Storage):
    """A `limits` storage of fixed windows in this process (right for a single worker).

    Unlike the library's own memory storage it takes one lock for every operation (so an
    increment is atomic across threads), runs no timer thread, holds at most `max_keys` windows
    and reads an injectable clock.
    """

    STORAGE_SCHEME = None  # built directly, never from a URI

    def __init__(self, clock: Callable[[], float] = time.time, max_keys: int = 100_000) -> None:
        super().__init__()
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (ends at, count)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def _live(self, key: str, now: float) -> tuple[float, int] | None:
        window = self._windows.get(key)
        if window is not None and window[0] <= now:
            del self._windows[key]
            return None
        return window

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self._lock:
            now = self._clock()
            window = self._live(key, now)
            if window is None:
                if len(self._windows) >= self._max_keys:
                    self._prune(now)
                window = (now + expiry, 0)
            count = max(window[1] + amount, 0)
            self._windows[key] = (window[0], count)
            return count

    def get(self, key: str) -> int:
        with self._lock:
            window = self._live(key, self._clock())
            return window[1] if window else 0

    def get_expiry(self, key: str) -> float:
        with self._lock:
            now = self._clock()
            window = self._live(key, now)
            return window[0] if window else now

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._windows)
            self._windows.clear()
            return count

    def _prune(self, now: float) -> None:
        for key in [k for k, (ends, _) in self._windows.items() if ends <= now]:
            del self._windows[key]
        if len(self._windows) >= self._max_keys:  # still full: forget the oldest half
            oldest = sorted(self._windows.items(), key=lambda kv: kv[1][0])
            for key, _ in oldest[: self._max_keys // 2]:
                del self._windows[key]


@lru_cache(maxsize=64)
def rate(text: str) -> RateLimitItem:
    """A rate in the notation of `limits` ("10/hour", "30 per 15 minutes"), parsed once."""
    return parse(text)


RATE_SETTINGS = (
    "rate_limit_signup",
    "rate_limit_login",
    "rate_limit_token",
    "rate_limit_start_read",
    "rate_limit_redeem",
    "rate_limit_embed",
)


def check_rates(settings: Settings) -> None:
    """ValueError naming the setting when one of the rates is not in the notation of `limits`."""
    for name in RATE_SETTINGS:
        text = getattr(settings, name)
        try:
            rate(text)
        except ValueError:
            raise ValueError(
                f"READTOEARN_{name.upper()}={text!r} is not a rate such as '10/hour' or "
                "'30 per 15 minutes'"
            ) from None


class RateLimiter:
    """Fixed windows over a `limits` storage: plain counters (`hit`, `count`, `reset`) for the
    login and e-mail limits, and rates in the `limits` notation (`limit`) for the rest."""

    def __init__(self, storage: Storage, clock: Callable[[], float] = time.time) -> None:
        self.storage = storage
        self._clock = clock
        self._windows = FixedWindowRateLimiter(storage)

    def _unavailable(self, exc: Exception) -> None:
        log.warning("rate limiter: storage unavailable (%s)", type(exc).__name__)

    def hit(self, key: str, window_s: int, cost: int = 1) -> int:
        """Count one attempt (atomically); return the attempts of the current window, this one
        included (0 when the storage cannot be reached)."""
        try:
            return self.storage.incr(key, window_s, amount=cost)
        except (StorageError, OSError) as exc:
            self._unavailable(exc)
            return 0

    def give_back(self, key: str, window_s: int) -> None:
        """Uncount one attempt that turned out not to be one the limit is about."""
        self.hit(key, window_s, cost=-1)

    def count(self, key: str, window_s: int) -> int:
        """The attempts of the current window."""
        try:
            return self.storage.get(key)
        except (StorageError, OSError) as exc:
            self._unavailable(exc)
            return 0

    def reset(self, key: str) -> None:
        """Forget a key (after a successful login, say)."""
        try:
            self.storage.clear(key)
        except (StorageError, OSError) as exc:
            self._unavailable(exc)

    def retry_after(self, key: str) -> int:
        """Whole seconds until the window of a key ends (at least 1)."""
        try:
            ends = self.storage.get_expiry(key)
        except (StorageError, OSError) as exc:
            self._unavailable(exc)
            return 1
        return max(1, math.ceil(ends - self._clock()))

    def limit(
        self,
        rate_text: str,
        *key: str,
        message: str = TOO_MANY_REQUESTS,
        code: str = "rate_limited",
    ) -> None:
        """Count one attempt against a rate for a key; RateLimited (with the seconds to wait)
        when it is over."""
        item = rate(rate_text)
        try:
            if self._windows.hit(item, *key):
                return
            reset_at = self._windows.get_window_stats(item, *key).reset_time
        except (StorageError, OSError) as exc:
            self._unavailable(exc)
            return
        retry = max(1, math.ceil(reset_at - self._clock()))
        raise RateLimited(message, code=code, retry_after_s=retry)


class MemoryRateLimiter(RateLimiter):
    """Windows kept in this process; right for a single worker."""

    def __init__(self, clock: Callable[[], float] = time.time, max_keys: int = 100_000) -> None:
        super().__init__(MemoryStorage(clock=clock, max_keys=max_keys), clock=clock)


class RedisRateLimiter(RateLimiter):
    """Windows kept in Redis, shared by every worker and node (a Lua script increments a key and
    sets its expiry in one step)."""

    def __init__(self, client: Any, prefix: str = "rte:rl:") -> None:
        storage = RedisStorage(
            "redis://",
            connection_pool=client.connection_pool,
            key_prefix=prefix.rstrip(":"),
            wrap_exceptions=True,
        )
        super().__init__(storage)


def make_rate_limiter(settings: Settings) -> RateLimiter:
    """Redis when redis_url is set, else the in-process limiter."""
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0
        )
        return RedisRateLimiter(client)
    return MemoryRateLimiter()
