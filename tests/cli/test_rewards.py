"""`readtoearn rewards` and `readtoearn points`, through click's CliRunner on a SQLite file."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from readtoearn.accounts import service as accounts
from readtoearn.cli import cli
from readtoearn.db import Database, make_engine
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "READTOEARN_SECRET_KEY": "cli-test-secret-key-that-is-long-enough-0123",
        "READTOEARN_PASSWORD_HASH_TIME_COST": "1",
        "READTOEARN_PASSWORD_HASH_MEMORY_KIB": "1024",
    }
    assert run(values, "db", "upgrade").exit_code == 0
    assert run(values, "budget", "fund", "1000", "--key", "f").exit_code == 0
    made = run(
        values,
        "users",
        "create",
        "--email",
        "ada@example.org",
        "--password",
        "a long passphrase 42",
    )
    assert made.exit_code == 0, made.output
    return values


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env)


def reader_id(env: dict[str, str]) -> uuid.UUID:
    db = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    with db.session() as s:
        user = accounts.get_user_by_email(s, "ada@example.org")
        assert user is not None
        uid = user.id
    db.dispose()
    return uid


def test_grant_create_import_redeem_cancel(env, tmp_path) -> None:
    granted = run(env, "points", "grant", "ada@example.org", "120", "--reason", "Contest prize")
    assert granted.exit_code == 0, granted.output
    assert "ada@example.org has 120 point(s)" in granted.output
    assert run(env, "points", "grant", "bob@example.org", "5", "--reason", "x").exit_code == 1

    made = run(
        env, "rewards", "create", "--kind", "code", "--name", "Cinema voucher", "--cost", "50"
    )
    assert made.exit_code == 0, made.output
    assert made.output.split()[1] == "cinema-voucher"
    csv = tmp_path / "codes.csv"
    csv.write_text("code\nCINE-1\nCINE-2\nCINE-1\n", encoding="utf-8")
    imported = run(env, "rewards", "codes", "import", "cinema-voucher", str(csv))
    assert imported.exit_code == 0, imported.output
    assert "imported 2 code(s), skipped 1 duplicate(s); 2 in stock" in imported.output
    listed = run(env, "rewards", "list")
    assert "cinema-voucher" in listed.output and "stock 2" in listed.output

    db = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    with db.session(write=True) as s:
        done = rewards.redeem(s, reader_id(env), "cinema-voucher", "k1")
        rid = done.redemption.id
        assert done.code == "CINE-1"
    cancelled = run(env, "rewards", "cancel", str(rid), "--burn-code")
    assert cancelled.exit_code == 0, cancelled.output
    assert "50 point(s) returned" in cancelled.output and "burned" in cancelled.output
    assert run(env, "rewards", "cancel", str(rid)).exit_code == 1
    with db.session() as s:
        reward = rewards.get_reward(s, "cinema-voucher")
        assert rewards.stock_left(s, reward) == 1
        assert ledger.balance(s, ledger.get_or_create_wallet(s, reader_id(env))).available == 120
        assert ledger.audit(s).ok
    db.dispose()
    audited = run(env, "audit")
    assert audited.exit_code == 0 and "every invariant holds" in audited.output


def test_stock_ship_and_draw(env) -> None:
    run(env, "points", "grant", "ada@example.org", "100", "--reason", "r")
    made = run(
        env,
        "rewards",
        "create",
        "--kind",
        "physical",
        "--name",
        "Mug",
        "--cost",
        "10",
        "--stock",
        "1",
    )
    assert made.exit_code == 0, made.output
    assert "3 unit(s) left" in run(env, "rewards", "stock", "mug", "2").output
    refused = run(env, "rewards", "stock", "mug", "-9")
    assert refused.exit_code == 1 and "fewer are left" in refused.output
    run(env, "rewards", "create", "--kind", "draw", "--name", "Trip", "--cost", "5")
    db = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    address = {"name": "A", "line1": "1 St", "postal_code": "1", "city": "C", "country": "FR"}
    with db.session(write=True) as s:
        mug = rewards.redeem(s, reader_id(env), "mug", "m", shipping_address=address).redemption.id
        rewards.redeem(s, reader_id(env), "trip", "t")
    db.dispose()
    assert "1 St" in run(env, "rewards", "redemptions", "mug").output
    assert run(env, "rewards", "ship", str(mug)).exit_code == 0
    assert run(env, "rewards", "ship", str(mug)).exit_code == 1
    drawn = run(env, "rewards", "draw", "trip", "--winners", "3", "--seed", "s1")
    assert drawn.exit_code == 0, drawn.output
    assert "seed s1: 1 winner(s) among 1" in drawn.output
    assert run(env, "rewards", "draw", "trip", "--winners", "1").exit_code == 1


def test_bad_input_is_one_line(env, tmp_path) -> None:
    bad = run(env, "rewards", "create", "--kind", "premium", "--name", "P", "--cost", "5")
    assert bad.exit_code == 1 and "number of days" in bad.output
    assert (
        run(
            env,
            "rewards",
            "create",
            "--kind",
            "draw",
            "--name",
            "D",
            "--cost",
            "5",
            "--until",
            "soon",
        ).exit_code
        == 1
    )
    missing = run(env, "rewards", "codes", "import", "nothing", str(tmp_path / "none.csv"))
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    empty = tmp_path / "empty.csv"
    empty.write_text("code\n", encoding="utf-8")
    run(env, "rewards", "create", "--kind", "code", "--name", "V", "--cost", "5")
    assert "no codes" in run(env, "rewards", "codes", "import", "v", str(empty)).output
    assert "no reward" in run(env, "rewards", "stock", "nothing", "1").output
