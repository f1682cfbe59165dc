"""Turning reminders off: the signed link of an e-mail (no sign-in), the dashboard's switch, and
`readtoearn reminders send`."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from readtoearn.accounts import preferences
from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import User
from readtoearn.cli import cli
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine, utcnow
from readtoearn.rewards import service as rewards
from readtoearn.web.sessions import SESSION_COOKIE
from tests.readers import fund, make_reader

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def ada(session, settings):
    user, _ = make_reader(session, settings, "ada")
    session.commit()
    return user


def link_path(settings: Settings, user: User) -> str:
    link = preferences.reminders_off_link("http://testserver", settings.secret_key, user.id)
    return link.removeprefix("http://testserver")


def test_the_link_asks_before_it_turns_reminders_off(client, session, settings, ada) -> None:
    path = link_path(settings, ada)
    page = client.get(path)
    assert page.status_code == 200
    assert f'action="{path}"' in page.text
    session.refresh(ada)
    assert ada.email_reminders  # opening the link (a mail scanner) changes nothing

    done = client.post(path)  # no session, no CSRF token: the signature is the proof
    assert done.status_code == 200
    assert 'data-reminders="off"' in done.text
    session.refresh(ada)
    assert not ada.email_reminders


@pytest.mark.parametrize("tamper", ["token", "reader"])
def test_a_forged_link_changes_nothing(client, session, settings, ada, tamper) -> None:
    bob, _ = make_reader(session, settings, "bob")
    session.commit()
    good = link_path(settings, ada)
    path = good[:-4] + "AAAA" if tamper == "token" else good.replace(str(ada.id), str(bob.id))
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 404
        assert "This link is not valid" in response.text
    session.refresh(ada)
    session.refresh(bob)
    assert ada.email_reminders and bob.email_reminders


def test_a_malformed_link_is_a_clean_404(client) -> None:
    assert client.post("/account/reminders/off/not-a-uuid/x").status_code in (404, 422)


def test_the_dashboard_switch_needs_the_reader_and_the_form(client, session, settings, ada) -> None:
    assert client.post("/account/reminders", data={"on": "0"}).status_code in (401, 303, 403)
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, ada))
    session.commit()
    refused = client.post("/account/reminders", data={"on": "0"})
    assert refused.status_code == 403  # no CSRF token
    token = CSRF_INPUT.search(client.get("/account").text).group(1)
    off = client.post(
        "/account/reminders", data={"on": "0", "csrf_token": token}, follow_redirects=False
    )
    assert off.status_code == 303
    session.refresh(ada)
    assert not ada.email_reminders
    client.post("/account/reminders", data={"on": "1", "csrf_token": token})
    session.refresh(ada)
    assert ada.email_reminders


def test_the_command_sends_what_is_due_once(tmp_path: Path) -> None:
    env = {
        "READTOEARN_DATA_DIR": str(tmp_path),
        "READTOEARN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "READTOEARN_SECRET_KEY": "reminders-test-secret-key-long-enough-0123",
        "READTOEARN_POINTS_EXPIRY_DAYS": "3",
        "READTOEARN_BASE_URL": "https://news.example",
    }
    assert CliRunner().invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    settings = Settings(
        data_dir=tmp_path,
        secret_key=env["READTOEARN_SECRET_KEY"],
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
    )
    database = Database(make_engine(env["READTOEARN_DATABASE_URL"]))
    try:
        with database.session(write=True) as session:
            fund(session, 1000)
            user, _ = make_reader(session, settings, "ada")
            user.email_verified_at = utcnow()
            rewards.grant_points(session, user.id, 40, "welcome")
            user_id = user.id
    finally:
        database.dispose()

    first = CliRunner().invoke(cli, ["reminders", "send"], env=env)
    assert first.exit_code == 0, first.output
    assert "1 about expiring points" in first.output
    again = CliRunner().invoke(cli, ["reminders", "send"], env=env)
    assert "0 about expiring points" in again.output

    [eml] = (tmp_path / "outbox").glob("*.eml")
    mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert mail["To"] == "ada@example.org"
    assert "40 of your points expire soon" in mail["Subject"]
    off = f"https://news.example/account/reminders/off/{user_id}/"
    assert mail["List-Unsubscribe"].startswith(f"<{off}")
    assert off in mail.get_payload(decode=True).decode()
