"""`readtoearn users`, through click's CliRunner on a fresh SQLite database."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from readtoearn.accounts import passwords
from readtoearn.accounts import service as accounts
from readtoearn.cli import cli
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine

PASSWORD = "correct horse battery"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "READTOEARN_SECRET_KEY": "cli-test-secret-key-that-is-long-enough-0123",
        "READTOEARN_PASSWORD_HASH_TIME_COST": "1",
        "READTOEARN_PASSWORD_HASH_MEMORY_KIB": "1024",
        "READTOEARN_PASSWORD_HASH_PARALLELISM": "1",
    }
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=values)
    assert result.exit_code == 0, result.output
    return values


def run(env: dict[str, str], *args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), env=env, input=input)


def stored_user(env: dict[str, str], email: str):
    settings = Settings(data_dir=Path(env["READTOEARN_DATA_DIR"]))
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session() as session:
            user = accounts.get_user_by_email(session, email)
            return user, settings
    finally:
        database.dispose()


def test_create_prints_the_id(env) -> None:
    result = run(
        env,
        "users",
        "create",
        "--email",
        " Op@Example.org",
        "--password",
        PASSWORD,
        "--name",
        "Olive",
        "--operator",
        "--language",
        "fr",
    )
    assert result.exit_code == 0, result.output
    user_id = uuid.UUID(result.output.strip())
    user, settings = stored_user(env, "op@example.org")
    assert user is not None and user.id == user_id
    assert (user.display_name, user.language, user.is_operator) == ("Olive", "fr", True)
    assert passwords.verify_password(settings, user.password_hash, PASSWORD)
    assert PASSWORD not in result.output


def test_create_a_reader_with_defaults_and_a_prompted_password(env) -> None:
    result = run(
        env, "users", "create", "--email", "ann@example.org", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    user, _settings = stored_user(env, "ann@example.org")
    assert user is not None and not user.is_operator and user.display_name == "ann"
    assert PASSWORD not in result.output  # hidden input is not echoed


def test_duplicate_email_is_one_line_and_exit_1(env) -> None:
    assert (
        run(env, "users", "create", "--email", "ann@example.org", "--password", PASSWORD).exit_code
        == 0
    )
    result = run(env, "users", "create", "--email", "ANN@example.org", "--password", PASSWORD)
    assert result.exit_code == 1
    assert result.output.strip() == "Error: an account with this e-mail already exists"
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "ann@example.org", "--password", "password123"], "too easy to guess"),
        (["--email", "ann@example.org", "--password", "short"], "at least 10 characters"),
        (["--email", "nope", "--password", PASSWORD], "does not look like an e-mail address"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(env, args, message) -> None:
    result = run(env, "users", "create", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_bad_language_is_refused_by_the_option(env) -> None:
    result = run(
        env, "users", "create", "--email", "a@b.example", "--password", PASSWORD, "--language", "de"
    )
    assert result.exit_code == 2
    assert "'de' is not one of 'fr', 'en'" in result.output


def test_list(env) -> None:
    empty = run(env, "users", "list")
    assert empty.exit_code == 0 and "no users yet" in empty.output
    run(
        env,
        "users",
        "create",
        "--email",
        "ann@example.org",
        "--password",
        PASSWORD,
        "--name",
        "Ann",
    )
    run(env, "users", "create", "--email", "op@example.org", "--password", PASSWORD, "--operator")
    result = run(env, "users", "list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].split()[:5] == ["id", "email", "name", "language", "role"]
    assert "ann@example.org" in lines[1] and "reader" in lines[1] and "Ann" in lines[1]
    assert "op@example.org" in lines[2] and "operator" in lines[2]
    assert PASSWORD not in result.output and "argon2" not in result.output


def test_without_migrations_the_error_is_readable(tmp_path) -> None:
    env = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    result = run(env, "users", "list")
    assert result.exit_code == 1
    assert result.output.startswith("Error: database error:")


def test_readers_created_by_an_operator_have_a_verified_address(env) -> None:
    result = run(env, "users", "create", "--email", "ed@example.org", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    user, _settings = stored_user(env, "ed@example.org")
    assert user is not None and accounts.is_email_verified(user)
