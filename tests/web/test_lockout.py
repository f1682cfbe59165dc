"""A lockout that does not lock the owner out (issue #18): whoever knows an address can make its
logins fail for a while, but the owner's right password from a device the account was seen on
still passes; the owner is told by e-mail, once; and past a few failures an address costs a
proof of work and a growing wait."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from readtoearn.accounts import service as accounts
from readtoearn.config import Settings
from tests.web.test_accounts import CSRF_INPUT, PASSWORD, set_cookies
from tests.web.test_trust_gates import gate_settings, serve, solve

EMAIL = "owner@example.org"
__all__ = ["serve"]  # the fixture, shared with the trust gates tests


@pytest.fixture
def settings(tmp_path) -> Settings:
    return gate_settings(tmp_path, login_max_attempts=4, login_pow_after=2, login_slowdown_s=0)


def csrf(client: TestClient) -> str:
    match = CSRF_INPUT.search(client.get("/account/login").text)
    assert match
    return match.group(1)


def log_in(client: TestClient, password: str, **extra: str) -> Any:
    data = {"email": EMAIL, "password": password, "csrf_token": csrf(client), **extra}
    return client.post("/account/login", data=data, follow_redirects=False)


def join(client: TestClient) -> None:
    """The owner joins from their browser (which is then one of the account's devices)."""
    page = client.get("/account/signup")
    token = CSRF_INPUT.search(page.text)
    assert token
    data = {"email": EMAIL, "password": PASSWORD, "display_name": "Owner", "language": "en"}
    joined = client.post(
        "/account/signup", data={**data, "csrf_token": token.group(1)}, follow_redirects=False
    )
    assert joined.status_code == 303
    client.cookies.delete("rte_session")


def lock(attacker: TestClient, settings: Settings) -> None:
    for n in range(settings.login_max_attempts):
        assert log_in(attacker, f"guess number {n}").status_code == 401
    assert log_in(attacker, "one more guess").status_code == 429


def outbox(settings: Settings) -> list[str]:
    folder = settings.data_dir / "outbox"
    return [p.read_text() for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


def test_the_owner_passes_a_lockout_from_a_known_device(serve, settings) -> None:
    """Guards against the lockout as a denial of service: it refused the right password too."""
    owner = serve(settings, "198.51.100.7")
    attacker = serve(settings, "203.0.113.66")
    join(owner)
    lock(attacker, settings)

    # The attacker, even with the right password, and anyone on a new device, wait.
    assert log_in(attacker, PASSWORD).status_code == 429
    stranger = serve(settings, "198.51.100.7")
    refused = log_in(stranger, PASSWORD)
    assert refused.status_code == 429
    assert "a device you have used here before" in refused.text
    token = stranger.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert token.status_code == 429

    # The owner's browser is known: the right password passes, a wrong one is still refused.
    assert log_in(owner, "not my password").status_code == 401
    passed = log_in(owner, PASSWORD)
    assert passed.status_code == 303
    assert "rte_session" in set_cookies(passed)
    # ...and the lockout holds for everyone else.
    assert log_in(attacker, PASSWORD).status_code == 429


def test_a_known_device_has_its_own_limit(serve, settings) -> None:
    """Guards against a copied device cookie becoming a way around the limit."""
    owner = serve(settings)
    join(owner)
    lock(serve(settings, "203.0.113.66"), settings)
    for n in range(settings.login_max_attempts):
        assert log_in(owner, f"guess {n}").status_code == 401
    assert log_in(owner, PASSWORD).status_code == 429


def test_a_login_on_a_device_makes_it_known(serve, settings) -> None:
    """A device the owner logged in from (not only joined from) passes a later lockout."""
    join(serve(settings))
    laptop = serve(settings, "198.51.100.9")
    assert log_in(laptop, PASSWORD).status_code == 303
    laptop.cookies.delete("rte_session")
    lock(serve(settings, "203.0.113.66"), settings)
    assert log_in(laptop, PASSWORD).status_code == 303


def test_the_owner_is_told_once_per_lockout(serve, settings) -> None:
    """Guards the lockout e-mail: the owner learns of it, and a long attack sends one mail."""
    owner = serve(settings)
    join(owner)
    before = len(outbox(settings))  # the confirmation e-mail
    attacker = serve(settings, "203.0.113.66")
    lock(attacker, settings)
    for _ in range(5):
        assert log_in(attacker, "still guessing").status_code == 429
    mails = outbox(settings)[before:]
    assert len(mails) == 1
    assert "To: owner@example.org" in mails[0]
    assert "paused logins" in mails[0] and "/account/reset" in mails[0]


def test_no_mail_for_an_address_without_account(serve, settings) -> None:
    attacker = serve(settings, "203.0.113.66")
    lock(attacker, settings)
    assert outbox(settings) == []


def test_a_proof_of_work_after_a_few_failures(serve, tmp_path) -> None:
    """Guards the per-address cost: past login_pow_after failures the page asks for a proof."""
    settings = gate_settings(
        tmp_path, login_max_attempts=10, login_pow_after=2, login_slowdown_s=0, pow_enabled=True
    )
    owner = serve(settings)
    accounts_client = serve(settings, "203.0.113.66")
    # Joining asks for a proof of work anyway.
    page = owner.get("/account/signup")
    token = CSRF_INPUT.search(page.text)
    assert token
    data = {"email": EMAIL, "password": PASSWORD, "display_name": "O", "language": "en"}
    data |= {"csrf_token": token.group(1), "altcha": solve(owner)}
    assert owner.post("/account/signup", data=data, follow_redirects=False).status_code == 303

    first = log_in(accounts_client, "guess one")
    assert first.status_code == 401 and "altcha-widget" not in first.text
    second = log_in(accounts_client, "guess two")
    assert second.status_code == 401 and "altcha-widget" in second.text
    missing = log_in(accounts_client, PASSWORD)
    assert missing.status_code == 400
    assert "altcha-widget" in missing.text
    solved = log_in(accounts_client, PASSWORD, altcha=solve(accounts_client))
    assert solved.status_code == 303


def test_the_wait_grows_with_the_failures(tmp_path) -> None:
    settings = gate_settings(tmp_path, login_pow_after=3, login_slowdown_s=1.0)
    waits = [accounts.login_slowdown_s(settings, n) for n in range(12)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3:6] == [1.0, 2.0, 3.0]
    assert max(waits) == accounts.MAX_LOGIN_SLOWDOWN_S
