"""Proof of work with ALTCHA: a small cost in CPU time for every sign-up, token and redemption.

The server hands out a signed challenge (`GET /api/v1/pow/challenge`); the browser's widget (or
an API client) searches for the counter that solves it and sends the solution with the form (the
`altcha` field) or the request (`X-Altcha` header). A solution is accepted once, before its
challenge expires, and only with a signature made with our key.

The challenge follows ALTCHA's v2 protocol in its "deterministic" form: the server picks a
secret counter in [0, pow_max_number] and publishes only a prefix of the key it derives, so the
solver tries counters one by one and does on average pow_max_number / 2 hashes (SHA-256), while
the server checks a solution with a single one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import altcha

from readtoearn.config import Settings
from readtoearn.errors import InvalidInput

log = logging.getLogger(__name__)

ALGORITHM = "SHA-256"
# The replay store keeps a used solution until its challenge expires, plus this margin.
REPLAY_MARGIN_S = 60
MAX_PAYLOAD_LENGTH = 4096
REQUIRED = "complete the anti-robot check (it needs JavaScript), then send the form again"
INVALID = "the anti-robot check is invalid, expired or already used: complete it again"


class ProofRequired(InvalidInput):
    """No solution came with a request that needs one."""

    code = "pow_required"


class ProofInvalid(InvalidInput):
    """A solution that is malformed, wrongly signed, wrong, expired or used before."""

    code = "pow_invalid"


def hmac_key(settings: Settings) -> str:
    """The key that signs challenges: derived from the secret key, never the key itself."""
    secret = settings.resolved_secret_key.encode()
    return hmac.new(secret, b"readtoearn/altcha/v1", hashlib.sha256).hexdigest()


class ReplayStore(Protocol):
    """Remembers used solutions until they expire."""

    def first_use(self, key: str, ttl_s: int) -> bool:
        """Record a use of `key`; True the first time within `ttl_s` seconds."""
        ...


class MemoryReplayStore:
    """Used solutions kept in this process (one worker), forgotten once expired."""

    def __init__(self, clock: Callable[[], float] = time.time, max_keys: int = 200_000) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}  # key -> forgotten after

    def first_use(self, key: str, ttl_s: int) -> bool:
        with self._lock:
            now = self._clock()
            if self._seen.get(key, 0.0) > now:
                return False
            if len(self._seen) >= self._max_keys:
                self._seen = {k: until for k, until in self._seen.items() if until > now}
                if len(self._seen) >= self._max_keys:
                    # Still full of live solutions: refusing every newcomer would lock honest
                    # readers out, so the ones closest to expiry go (they are near useless).
                    keep = sorted(self._seen.items(), key=lambda kv: kv[1])[self._max_keys // 2 :]
                    self._seen = dict(keep)
            self._seen[key] = now + ttl_s
            return True


class RedisReplayStore:
    """Used solutions kept in Redis (`SET NX EX`), shared by every worker and node. When Redis
    cannot be reached the solution is accepted (and it is logged), like the rate limits."""

    def __init__(self, client: Any, prefix: str = "rte:pow:") -> None:
        import redis

        self._client = client
        self._prefix = prefix
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)

    def first_use(self, key: str, ttl_s: int) -> bool:
        try:
            return bool(self._client.set(self._prefix + key, 1, nx=True, ex=max(1, ttl_s)))
        except self._errors as exc:
            log.warning("proof of work: Redis unavailable (%s)", type(exc).__name__)
            return True


def make_replay_store(settings: Settings) -> ReplayStore:
    """Redis when redis_url is set, else in process."""
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=2.0, socket_connect_timeout=2.0
        )
        return RedisReplayStore(client)
    return MemoryReplayStore()


class ProofOfWork:
    """Makes challenges and checks their solutions, each accepted once."""

    def __init__(
        self,
        settings: Settings,
        replays: ReplayStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.replays = replays
        self._clock = clock
        self._key = hmac_key(settings)

    @property
    def enabled(self) -> bool:
        return self.settings.pow_enabled

    def challenge(self) -> dict[str, Any]:
        """A fresh signed challenge, as the widget and API clients expect it."""
        expires_at = int(self._clock()) + self.settings.pow_expires_s
        made = altcha.create_challenge(
            ALGORITHM,
            1,  # one SHA-256 per counter: the work is in the number of counters
            counter=secrets.randbelow(self.settings.pow_max_number + 1),
            expires_at=expires_at,
            hmac_secret=self._key,
        )
        return dict(made.to_dict())

    def verify(self, payload: str | None) -> None:
        """Accept a solution once, or ProofRequired / ProofInvalid. Nothing is checked when the
        gate is off (pow_enabled false)."""
        if not self.enabled:
            return
        payload = (payload or "").strip()
        if not payload:
            raise ProofRequired(REQUIRED)
        if len(payload) > MAX_PAYLOAD_LENGTH:
            raise ProofInvalid(INVALID)
        try:
            parsed = altcha.Payload.from_base64(payload)
            expires_at = parsed.challenge.parameters.expires_at
            signature = parsed.challenge.signature
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise ProofInvalid(INVALID) from None
        now = self._clock()
        # Unsigned fields are not trusted yet: the expiry is read here only to refuse early, and
        # the library checks it again with the signature.
        if not isinstance(expires_at, int) or expires_at <= now or not signature:
            raise ProofInvalid(INVALID)
        try:
            result = altcha.verify_solution(parsed, self._key)
        except (ValueError, TypeError, AttributeError):
            raise ProofInvalid(INVALID) from None
        if not result.verified:
            raise ProofInvalid(INVALID)
        # The signature names the challenge (its nonce and salt are random): one use each.
        ttl = int(expires_at - now) + REPLAY_MARGIN_S
        if not self.replays.first_use(str(signature)[:128], ttl):
            raise ProofInvalid(INVALID)
