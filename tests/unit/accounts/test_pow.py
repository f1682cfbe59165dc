"""Proof of work (ALTCHA): challenges signed with a derived key, solutions accepted once, before
they expire, and only when right."""

from __future__ import annotations

import base64
import json
import os
import uuid
from pathlib import Path

import altcha
import pytest

from readtoearn.accounts.pow import (
    MemoryReplayStore,
    ProofInvalid,
    ProofOfWork,
    ProofRequired,
    RedisReplayStore,
    hmac_key,
    make_replay_store,
)
from readtoearn.config import Settings
from tests.conftest import SECRET

REDIS_URL = os.environ.get("READTOEARN_TEST_REDIS_URL", "")


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=SECRET, pow_enabled=True, pow_max_number=2000)


def solved(checker: ProofOfWork) -> str:
    challenge = altcha.Challenge.from_dict(checker.challenge())
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


def test_a_solution_is_accepted_once(settings) -> None:
    checker = ProofOfWork(settings, MemoryReplayStore())
    payload = solved(checker)
    checker.verify(payload)
    with pytest.raises(ProofInvalid) as caught:
        checker.verify(payload)
    assert caught.value.code == "pow_invalid"


def test_the_work_is_bounded_by_the_max_number(settings) -> None:
    checker = ProofOfWork(settings, MemoryReplayStore())
    for _ in range(20):
        challenge = altcha.Challenge.from_dict(checker.challenge())
        solution = altcha.solve_challenge(challenge)
        assert solution is not None and 0 <= solution.counter <= settings.pow_max_number


def test_missing_and_malformed_solutions(settings) -> None:
    checker = ProofOfWork(settings, MemoryReplayStore())
    for empty in (None, "", "   "):
        with pytest.raises(ProofRequired) as required:
            checker.verify(empty)
        assert required.value.code == "pow_required"
    for junk in ("%%%", "bm90IGpzb24=", base64.b64encode(b"[1, 2]").decode(), "A" * 5000):
        with pytest.raises(ProofInvalid):
            checker.verify(junk)


def test_a_wrong_counter_or_a_changed_challenge_is_refused(settings) -> None:
    checker = ProofOfWork(settings, MemoryReplayStore())
    data = json.loads(base64.b64decode(solved(checker)))
    wrong = json.loads(json.dumps(data))
    wrong["solution"]["counter"] += 1
    with pytest.raises(ProofInvalid):
        checker.verify(base64.b64encode(json.dumps(wrong).encode()).decode())
    longer = json.loads(json.dumps(data))
    longer["challenge"]["parameters"]["expiresAt"] += 86400  # unsigned: refused
    with pytest.raises(ProofInvalid):
        checker.verify(base64.b64encode(json.dumps(longer).encode()).decode())
    checker.verify(base64.b64encode(json.dumps(data).encode()).decode())  # the original is fine


def test_a_solution_past_its_expiry_is_refused(settings) -> None:
    clock = FakeClock(1_900_000_000.0)
    checker = ProofOfWork(settings, MemoryReplayStore(clock=clock), clock=clock)
    payload = solved(checker)
    clock.now += settings.pow_expires_s + 1
    with pytest.raises(ProofInvalid):
        checker.verify(payload)


def test_challenges_are_signed_with_a_derived_key_never_the_secret(settings) -> None:
    key = hmac_key(settings)
    assert SECRET not in key and len(key) == 64
    checker = ProofOfWork(settings, MemoryReplayStore())
    elsewhere = Settings(data_dir=settings.data_dir, secret_key=SECRET + "-other", pow_enabled=True)
    other = ProofOfWork(elsewhere, MemoryReplayStore())
    with pytest.raises(ProofInvalid):
        other.verify(solved(checker))


def test_the_gate_can_be_turned_off(settings) -> None:
    off = ProofOfWork(settings.model_copy(update={"pow_enabled": False}), MemoryReplayStore())
    off.verify(None)
    off.verify("anything")


def test_the_memory_store_forgets_expired_solutions_and_stays_bounded() -> None:
    clock = FakeClock(1000.0)
    store = MemoryReplayStore(clock=clock, max_keys=10)
    assert store.first_use("a", 60) and not store.first_use("a", 60)
    clock.now += 61
    assert store.first_use("a", 60)
    for i in range(100):
        store.first_use(f"k{i}", 60)
    assert len(store._seen) <= 10
    assert not store.first_use("k99", 60)


def test_the_setting_chooses_the_replay_store(tmp_path) -> None:
    assert isinstance(make_replay_store(Settings(data_dir=tmp_path)), MemoryReplayStore)
    chosen = make_replay_store(Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/15"))
    assert isinstance(chosen, RedisReplayStore)
    assert chosen.first_use("a", 60)  # Redis down: accepted, and logged


def test_redis_store_is_shared_and_expires() -> None:
    if not REDIS_URL:
        pytest.skip("Redis: READTOEARN_TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"rte:test:{uuid.uuid4().hex}:"
    try:
        one, two = RedisReplayStore(client, prefix=prefix), RedisReplayStore(client, prefix=prefix)
        assert one.first_use("sig", 30)
        assert not two.first_use("sig", 30)  # another worker sees the use
        assert 0 < client.ttl(prefix + "sig") <= 30
    finally:
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()
