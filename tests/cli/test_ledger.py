"""`readtoearn audit` and `readtoearn ledger`, through click's CliRunner on a fresh SQLite file."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from readtoearn.cli import cli
from readtoearn.db import Database, make_engine, new_id
from readtoearn.ledger import service as ledger
from readtoearn.ledger.interfaces import TransferSpec
from readtoearn.ledger.models import TransferCode


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "READTOEARN_SECRET_KEY": "cli-test-secret-key-that-is-long-enough-0123",
    }
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=values)
    assert result.exit_code == 0, result.output
    return values


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(cli, list(args), env=env)


def database(env: dict[str, str]) -> Database:
    return Database(make_engine(env["READTOEARN_DATABASE_URL"]))


def reward_reader(env: dict[str, str], reader: uuid.UUID, points: int, when: datetime) -> None:
    db = database(env)
    with db.session(write=True) as s:
        wallet = ledger.get_or_create_wallet(s, reader)
        spec = TransferSpec(
            new_id(), ledger.programme_budget(s), wallet, points, TransferCode.READ_REWARD
        )
        assert ledger.create_transfers(s, [spec], now=when)[0].created
    db.dispose()


def test_fund_show_and_audit(env) -> None:
    assert (
        "the budget holds 500 point(s)" in run(env, "budget", "fund", "500", "--key", "k1").output
    )
    assert "already funded" in run(env, "budget", "fund", "500", "--key", "k1").output
    reader = uuid.uuid4()
    reward_reader(env, reader, 30, datetime.now(UTC))
    shown = run(env, "ledger", "show", f"wallet:{reader}")
    assert shown.exit_code == 0, shown.output
    assert "available 30" in shown.output
    assert "+30  read_reward" in shown.output
    budget = run(env, "ledger", "show", "budget")
    assert "available 470" in budget.output
    result = run(env, "audit")
    assert result.exit_code == 0, result.output
    assert "every invariant holds" in result.output


def test_audit_fails_readably_when_a_balance_was_tampered_with(env) -> None:
    run(env, "budget", "fund", "100", "--key", "k1")
    db = database(env)
    with db.engine.begin() as conn:
        sql = "UPDATE ledger_accounts SET credits_posted = credits_posted + 5 WHERE code = :code"
        conn.execute(text(sql), {"code": "budget"})
    db.dispose()
    result = run(env, "audit")
    assert result.exit_code == 1
    assert "problem(s)" in result.output
    assert "[ledger_posted] ledger points: posted debits 100 != credits 105" in result.output
    assert "Traceback" not in result.output


def test_show_refuses_a_bad_account(env) -> None:
    result = run(env, "ledger", "show", "nonsense")
    assert result.exit_code == 1
    assert "not an account" in result.output
    missing = run(env, "ledger", "show", str(uuid.uuid4()))
    assert missing.exit_code == 1
    assert "no ledger account" in missing.output


def test_expire_moves_old_points_to_the_expiry_sink(env) -> None:
    run(env, "budget", "fund", "100", "--key", "k1")
    reader = uuid.uuid4()
    reward_reader(env, reader, 40, datetime.now(UTC) - timedelta(days=100))
    unset = run(env, "ledger", "expire")
    assert "points never expire" in unset.output
    result = run({**env, "READTOEARN_POINTS_EXPIRY_DAYS": "30"}, "ledger", "expire")
    assert result.exit_code == 0, result.output
    assert "expired 40 point(s) from 1 wallet(s)" in result.output
    assert "posted 40" in run(env, "ledger", "show", "expiry").output
    assert run(env, "audit").exit_code == 0
    bad = run(env, "ledger", "expire", "--now", "yesterday")
    assert bad.exit_code == 1
    assert "not an ISO 8601 time" in bad.output
