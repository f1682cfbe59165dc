"""`readtoearn users freeze` and `unfreeze`: a reader frozen from the command line, with a
reason, recorded in the audit trail; errors are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from readtoearn.accounts import service as accounts
from readtoearn.accounts import trail
from readtoearn.db import Database, make_engine
from readtoearn.fraud import freezes
from readtoearn.ledger import service as ledger
from tests.cli.test_users import PASSWORD, run


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A fresh, migrated SQLite database for the command line (as in tests/cli/test_users.py)."""
    values = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "READTOEARN_SECRET_KEY": "cli-test-secret-key-that-is-long-enough-0123",
        "READTOEARN_PASSWORD_HASH_TIME_COST": "1",
        "READTOEARN_PASSWORD_HASH_MEMORY_KIB": "1024",
        "READTOEARN_PASSWORD_HASH_PARALLELISM": "1",
    }
    upgraded = run(values, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    return values


def test_a_reader_is_frozen_and_unfrozen_from_the_command_line(env) -> None:
    made = run(env, "users", "create", "--email", "ada@example.org", "--password", PASSWORD)
    assert made.exit_code == 0, made.output
    no_reason = run(env, "users", "freeze", "ada@example.org", "--reason", " ")
    assert no_reason.exit_code != 0 and "give a reason" in no_reason.output
    unknown = run(env, "users", "freeze", "bob@example.org", "--reason", "x")
    assert unknown.exit_code != 0 and "no user has the e-mail" in unknown.output
    done = run(env, "users", "freeze", "ada@example.org", "--reason", "Chargeback")
    assert done.exit_code == 0, done.output
    assert "ada@example.org is frozen" in done.output
    again = run(env, "users", "freeze", "ada@example.org", "--reason", "Chargeback")
    assert again.exit_code != 0 and "already frozen" in again.output
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session() as s:
            user = accounts.get_user_by_email(s, "ada@example.org")
            assert user is not None
            reader_id = user.id
            record = freezes.get_freeze(s, reader_id)
            assert record is not None and record.reason == "Chargeback"
            assert ledger.is_frozen(
                s, ledger.account_id(ledger.AccountCode.WALLET, owner_id=reader_id)
            )
        undone = run(env, "users", "unfreeze", "ada@example.org", "--reason", "Resolved")
        assert undone.exit_code == 0 and "unfrozen" in undone.output
        with database.session() as s:
            assert freezes.get_freeze(s, reader_id) is None
            actions = trail.list_actions(s, trail.TrailFilter(target=str(reader_id)))
            assert sorted((a.action, a.note, a.actor_id) for a in actions) == [
                ("reader.freeze", "Chargeback", None),
                ("reader.unfreeze", "Resolved", None),
            ]
    finally:
        database.dispose()
