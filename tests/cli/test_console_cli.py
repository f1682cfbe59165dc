"""`readtoearn users role`, `users create --role`, and the command line's actions in the trail."""

from __future__ import annotations

from readtoearn.accounts import roles, trail
from readtoearn.db import Database, make_engine
from tests.cli.test_users import PASSWORD, env, run, stored_user

__all__ = ["env"]


def actions(env: dict[str, str]) -> list[tuple[str, str | None, str]]:
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session() as session:
            return [
                (a.action, a.after.get("role"), a.note)
                for a in reversed(trail.list_actions(session))
            ]
    finally:
        database.dispose()


def test_a_role_is_given_and_taken_back(env) -> None:
    made = run(env, "users", "create", "--email", "ed@example.org", "--password", PASSWORD)
    assert made.exit_code == 0, made.output
    given = run(env, "users", "role", "ed@example.org", "editor", "--note", "new hire")
    assert given.exit_code == 0, given.output
    assert given.output.strip() == "ed@example.org is now editor"
    user, _ = stored_user(env, "ed@example.org")
    assert roles.role_of(user) is roles.Role.EDITOR
    listed = run(env, "users", "list")
    assert "editor" in listed.output
    again = run(env, "users", "role", "ed@example.org", "editor")
    assert again.output.strip() == "ed@example.org is already editor"
    taken = run(env, "users", "role", "ed@example.org", "none")
    assert taken.exit_code == 0
    user, _ = stored_user(env, "ed@example.org")
    assert roles.role_of(user) is None and not user.is_operator
    assert actions(env) == [("user.role", "editor", "new hire"), ("user.role", None, "")]


def test_create_with_a_role(env) -> None:
    made = run(
        env,
        "users",
        "create",
        "--email",
        "sue@example.org",
        "--password",
        PASSWORD,
        "--role",
        "support",
    )
    assert made.exit_code == 0, made.output
    user, _ = stored_user(env, "sue@example.org")
    assert user.is_operator and roles.role_of(user) is roles.Role.SUPPORT


def test_bad_role_or_unknown_user_is_one_line_and_non_zero(env) -> None:
    unknown = run(env, "users", "role", "ghost@example.org", "editor")
    assert unknown.exit_code != 0
    assert "no user has the e-mail ghost@example.org" in unknown.output
    run(env, "users", "create", "--email", "ed@example.org", "--password", PASSWORD)
    odd = run(env, "users", "role", "ed@example.org", "admin")
    assert odd.exit_code != 0 and "unknown role 'admin'" in odd.output
    assert "Traceback" not in odd.output and len(odd.output.strip().splitlines()) == 1
    assert actions(env) == []


def test_funding_from_the_command_line_is_recorded(env) -> None:
    funded = run(env, "budget", "fund", "500", "--note", "launch")
    assert funded.exit_code == 0, funded.output
    assert actions(env) == [("budget.fund", None, "launch")]


def test_rewards_made_on_the_command_line_are_recorded(env, tmp_path) -> None:
    made = run(env, "rewards", "create", "--kind", "code", "--name", "Voucher", "--cost", "50")
    assert made.exit_code == 0, made.output
    codes = tmp_path / "codes.csv"
    codes.write_text("code\nA-1\nA-2\nA-1\n")
    imported = run(env, "rewards", "codes", "import", "voucher", str(codes))
    assert imported.exit_code == 0, imported.output
    assert "imported 2 code(s), skipped 1 duplicate(s)" in imported.output
    assert [a for a, _role, _note in actions(env)] == ["reward.create", "reward.codes"]


def test_commands_follow_the_rules_set_in_the_console(env, monkeypatch) -> None:
    from readtoearn.cli.base import load_settings, open_database
    from readtoearn.fraud.models import ProgrammeRule

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    with database.session(write=True) as session:
        session.add(ProgrammeRule(name="points_expiry_days", value=90))
        session.add(ProgrammeRule(name="quiz_bonus_points", value=8))
    database.dispose()
    monkeypatch.setenv("READTOEARN_QUIZ_BONUS_POINTS", "6")
    settings = load_settings()
    with open_database(settings):
        assert settings.points_expiry_days == 90
        assert settings.quiz_bonus_points == 6, "the environment wins"
