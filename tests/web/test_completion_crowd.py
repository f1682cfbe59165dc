"""A crowd of completions on a budget that cannot pay them all, through the real server: their
credits share one ledger call per batch (readtoearn.batch), every reader hears their own verdict,
a read the budget could not pay is held and holds no transfer, and the ledger agrees with every
client (bench/crash.py without the kill, on a small budget)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_URL, REDIS_URL
from tests.web.test_crash import load_crash

pytestmark = pytest.mark.timeout(240)

READERS = 12
POINTS = 10  # points_per_read's default
PAYABLE = 6  # reads the budget can pay


def _check(result: Any, summary: str) -> None:
    assert result.ok, summary
    credited, held = result.credited_reads, result.held_reads
    assert credited + held == READERS, summary
    # Quiz bonuses draw on the same budget: at most PAYABLE reads are paid, at least one is,
    # and a read was held only when the budget could no longer pay one.
    assert 1 <= credited <= PAYABLE and held >= READERS - PAYABLE, summary
    assert 0 <= result.budget_left < POINTS, summary


def test_completions_beyond_the_budget_are_held_and_every_client_hears_the_truth(
    tmp_path: Path,
) -> None:
    crash = load_crash()
    result = crash.run(
        tmp_path,
        readers=READERS,
        kill_at=None,
        arrive_s=0.3,
        funding=PAYABLE * POINTS,
        grants=False,
    )
    _check(result, result.render())


@pytest.mark.postgres
def test_completions_beyond_the_budget_on_two_postgresql_workers(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip("PostgreSQL: READTOEARN_TEST_DATABASE_URL is not set")
    if not REDIS_URL:
        pytest.skip(
            "Redis (several workers share open reads): READTOEARN_TEST_REDIS_URL is not set"
        )
    crash = load_crash()
    result = crash.run(
        tmp_path,
        readers=READERS,
        kill_at=None,
        arrive_s=0.3,
        funding=PAYABLE * POINTS,
        grants=False,
        pg_url=PG_URL,
        redis_url=REDIS_URL,
        workers=2,
    )
    _check(result, result.render())
