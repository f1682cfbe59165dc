"""Issue #10, "A crowd at the door": kill -9 the real server under a crowd of clients, then
hold what every client was told against the ledger (bench/crash.py, in a short form)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import PG_URL, REDIS_URL

BENCH = Path(__file__).resolve().parents[2] / "bench"
# Short enough for CI: reads take three 5 s beats, and completions straddle the kill.
READERS = 8
KILL_AT_S = 16.0
ARRIVE_S = 2.0


def load_crash() -> ModuleType:
    """bench/crash.py as a module (bench/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("bench_crash", BENCH / "crash.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_a_killed_sqlite_server_restarts_and_the_ledger_agrees_with_every_client(
    tmp_path: Path,
) -> None:
    crash = load_crash()
    result = crash.run(tmp_path, readers=READERS, kill_at=KILL_AT_S, arrive_s=ARRIVE_S)
    summary = result.render()
    assert result.audit_status == 0, summary
    assert result.comparison.ok, summary
    assert result.ok, summary
    assert result.credited_reads == READERS, summary
    # The server was down for a moment under load: some requests must have met a dead or
    # refused connection and been replayed.
    assert result.died_requests > 0, summary
    assert any("restarted" in line for line in result.killed), summary


@pytest.mark.postgres
def test_a_killed_worker_is_replaced_and_the_ledger_agrees_with_every_client(
    tmp_path: Path,
) -> None:
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
        kill_at=KILL_AT_S,
        arrive_s=ARRIVE_S,
        pg_url=PG_URL,
        redis_url=REDIS_URL,
        workers=2,
    )
    summary = result.render()
    assert result.audit_status == 0, summary
    assert result.ok, summary
    assert result.credited_reads == READERS, summary
    assert any("replaced" in line for line in result.killed), summary
