"""Password hashing (argon2id) and the rules a new password must pass.

Each hash takes password_hash_memory_kib of memory while it runs. A process runs at most
`hash_slots(settings)` of them at once (password_hash_memory_budget_mib divided by the memory of
one hash); a request that finds no slot within HASH_WAIT_S gets Busy (503 with Retry-After)
instead of a share of an ever-growing heap.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from readtoearn.config import Settings
from readtoearn.errors import Busy, InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 1024

# Passwords that appear near the top of every leaked list, in English and French.
COMMON = frozenset(
    {
        "password",
        "password1",
        "password12",
        "password123",
        "password1234",
        "passw0rd",
        "motdepasse",
        "motdepasse1",
        "motdepasse123",
        "azertyuiop",
        "qwertyuiop",
        "qwertzuiop",
        "azerty1234",
        "azerty123456",
        "qwerty1234",
        "qwerty123456",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "iloveyou123",
        "jetaime123",
        "letmein123",
        "welcome123",
        "bienvenue1",
        "bienvenue123",
        "sunshine123",
        "football123",
        "monkey1234",
        "dragon1234",
        "baseball123",
        "superman123",
        "princess123",
        "changeme123",
        "administrator",
        "readtoearn",
        "readtoearn1",
        "readtoearn123",
    }
)
KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "azertyuiop", "asdfghjkl", "qsdfghjklm", "zxcvbnm")
# How long a request waits for a hashing slot before it is answered 503: a few hashes' time.
HASH_WAIT_S = 1.0


def hash_slots(settings: Settings) -> int:
    """How many argon2 hashes this process runs at once: the memory budget over one hash's."""
    per_hash_mib = max(settings.password_hash_memory_kib, 8 * settings.password_hash_parallelism)
    return max(1, settings.password_hash_memory_budget_mib * 1024 // per_hash_mib)


@cache
def _semaphore(slots: int) -> threading.BoundedSemaphore:
    # One per process (and per size, for the tests' apps of different settings).
    return threading.BoundedSemaphore(slots)


@contextmanager
def hashing_slot(settings: Settings) -> Iterator[None]:
    """Hold one of the process's hashing slots, or raise Busy when none frees up in time."""
    semaphore = _semaphore(hash_slots(settings))
    if not semaphore.acquire(timeout=HASH_WAIT_S):
        raise Busy()
    try:
        yield
    finally:
        semaphore.release()


def hasher(settings: Settings) -> PasswordHasher:
    """The argon2id hasher for the configured cost parameters."""
    return _hasher(
        settings.password_hash_time_cost,
        settings.password_hash_memory_kib,
        settings.password_hash_parallelism,
    )


@cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost,
        memory_cost=max(memory_kib, 8 * parallelism),
        parallelism=parallelism,
        type=Type.ID,
    )


@cache
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash(secrets.token_urlsafe(16))


def hash_password(settings: Settings, password: str) -> str:
    """The argon2id hash of a password (salted, encoded with its parameters); Busy when the
    process is already hashing all it may."""
    with hashing_slot(settings):
        return hasher(settings).hash(password)


def verify_password(settings: Settings, encoded: str | None, password: str) -> bool:
    """Whether a password matches a hash; with no hash, spend the same time and say no. Busy
    when the process is already hashing all it may."""
    ph = hasher(settings)
    with hashing_slot(settings):
        if encoded is None:
            # Verify against a throwaway hash so an unknown e-mail costs as long as a wrong one.
            params = (
                settings.password_hash_time_cost,
                settings.password_hash_memory_kib,
                settings.password_hash_parallelism,
            )
            with suppress(VerificationError):
                ph.verify(_dummy_hash(*params), password)
            return False
        try:
            return ph.verify(encoded, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(settings: Settings, encoded: str) -> bool:
    """Whether a hash was made with other parameters than the configured ones."""
    try:
        return hasher(settings).check_needs_rehash(encoded)
    except InvalidHashError:
        return True


def check_strength(password: str, *, email: str = "", display_name: str = "") -> None:
    """Refuse passwords that are too short, too long or too easy to guess."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            f"the password must be at least {MIN_LENGTH} characters long", code="weak_password"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            f"the password must be at most {MAX_LENGTH} characters long", code="weak_password"
        )
    if is_obvious(password, email=email, display_name=display_name):
        raise InvalidInput(
            "this password is too easy to guess: choose a less common one", code="weak_password"
        )


def is_obvious(password: str, *, email: str = "", display_name: str = "") -> bool:
    """Common passwords, one repeated character, keyboard runs, or the account's own name."""
    folded = password.casefold().strip()
    if folded in COMMON or len(set(folded)) <= 2:
        return True
    if _is_run(folded):
        return True
    local_part = email.casefold().partition("@")[0]
    personal = {email.casefold(), local_part, display_name.casefold().replace(" ", "")}
    stripped = folded.rstrip(string.digits + string.punctuation)
    return any(len(p) >= 4 and (folded == p or stripped == p) for p in personal)


def _is_run(folded: str) -> bool:
    """A slice of a keyboard row or the alphabet, forwards or backwards, possibly repeated."""
    sources = (*KEYBOARD_ROWS, string.ascii_lowercase, string.digits)
    for source in sources:
        for text in (source, source[::-1]):
            doubled = text * (len(folded) // len(text) + 2)
            if folded in doubled:
                return True
    return False
