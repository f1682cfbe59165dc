"""E-mail verification before any redemption, where readers meet it: the mail sent on joining,
the link that shows a button (mail scanners fetch links, they do not press buttons), the account
page's status and its "send again", the API's `email_verified`, and who is verified on creation."""

from __future__ import annotations

import email
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import EmailVerification, User
from readtoearn.config import Settings
from readtoearn.db import utcnow
from tests.conftest import SECRET
from tests.readers import STRONG_PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"(http://testserver/verify-email\?token=[A-Za-z0-9_-]+)")
INTEGRATOR_SECRET = "integrator-shared-secret-0123456789-abcdef"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        base_url="http://testserver",
        integrator_secret=INTEGRATOR_SECRET,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        ledger_expire_every_s=0,
        email_verification_days=3,
    )


def csrf(client: TestClient, path: str) -> str:
    match = CSRF_INPUT.search(client.get(path).text)
    assert match
    return match.group(1)


def join(client: TestClient, address: str = "ann@example.org", language: str = "en"):
    data = {
        "email": address,
        "password": STRONG_PASSWORD,
        "display_name": "Ann",
        "language": language,
        "csrf_token": csrf(client, "/account/signup"),
    }
    response = client.post("/account/signup", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    # Joining does not log in (docs/accounts.md): the joiner logs in next.
    login = {
        "email": address,
        "password": STRONG_PASSWORD,
        "csrf_token": csrf(client, "/account/login"),
    }
    assert client.post("/account/login", data=login, follow_redirects=False).status_code == 303
    return response


def mails(settings: Settings) -> list[email.message.EmailMessage]:
    outbox = settings.data_dir / "outbox"
    found = []
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        found.append(parsed)
    return found


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message) -> str:
    match = LINK.search(body(message))
    assert match, body(message)
    return match.group(1)


def user(session, address: str = "ann@example.org") -> User:
    session.expire_all()
    found = session.scalar(select(User).where(User.email == address))
    assert found is not None
    return found


def test_joining_sends_a_link_that_confirms_on_its_button(client, settings, session) -> None:
    join(client)
    [message] = mails(settings)
    assert message["To"] == "ann@example.org"
    assert "Confirm your e-mail address" in message["Subject"]
    assert "within 3 days" in body(message)
    link = link_in(message)
    # Opening the link (as a mail scanner would) confirms nothing: it shows a button.
    page = client.get(link.removeprefix("http://testserver"))
    assert page.status_code == 200 and "Confirm my address" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert user(session).email_verified_at is None
    token = link.split("token=", 1)[1]
    # The button posts the token with the form's CSRF field; without it nothing happens.
    forged = client.post("/verify-email", data={"token": token})
    assert forged.status_code == 403
    assert user(session).email_verified_at is None
    done = client.post(
        "/verify-email", data={"token": token, "csrf_token": CSRF_INPUT.search(page.text).group(1)}
    )
    assert done.status_code == 200 and "ann@example.org is confirmed" in done.text
    assert accounts.is_email_verified(user(session))
    # The account page says so, and offers no "send again".
    account = client.get("/account")
    assert "confirmed" in account.text and "Send the link again" not in account.text
    # A link works once.
    again = client.get(link.removeprefix("http://testserver"))
    assert again.status_code == 400 and "invalid or has expired" in again.text


def test_a_french_reader_gets_a_french_mail_and_page(client, settings) -> None:
    join(client, language="fr")
    [message] = mails(settings)
    assert "Confirmez votre adresse e-mail" in message["Subject"]
    assert "d'ici 3 jours" in body(message)
    page = client.get(link_in(message).removeprefix("http://testserver"))
    assert "Confirmer mon adresse" in page.text


def test_an_expired_or_unknown_link_says_so(client, settings, session) -> None:
    join(client)
    link = link_in(mails(settings)[0]).removeprefix("http://testserver")
    row = session.scalar(select(EmailVerification))
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    expired = client.get(link)
    assert expired.status_code == 400 and "ask for a new one" in expired.text
    unknown = client.get("/verify-email?token=nothing-like-it")
    assert unknown.status_code == 400
    posted = client.post(
        "/verify-email", data={"token": "nothing", "csrf_token": csrf(client, "/account/login")}
    )
    assert posted.status_code == 400 and "invalid or has expired" in posted.text
    assert user(session).email_verified_at is None


def test_the_account_page_sends_the_link_again_a_few_times(client, settings, session) -> None:
    join(client)
    account = client.get("/account")
    assert "not confirmed yet" in account.text and "Send the link again" in account.text
    for _ in range(accounts.VERIFICATION_REQUESTS_PER_HOUR):
        sent = client.post("/account/verify-email", data={"csrf_token": csrf(client, "/account")})
        assert sent.status_code == 200 and "new confirmation link" in sent.text
    assert len(mails(settings)) == 1 + accounts.VERIFICATION_REQUESTS_PER_HOUR
    refused = client.post("/account/verify-email", data={"csrf_token": csrf(client, "/account")})
    assert refused.status_code == 429 and "wait before asking again" in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert len(mails(settings)) == 1 + accounts.VERIFICATION_REQUESTS_PER_HOUR
    # The newest link works; using it retires the older ones.
    newest = link_in(mails(settings)[-1]).split("token=", 1)[1]
    oldest = link_in(mails(settings)[0]).split("token=", 1)[1]
    token = csrf(client, "/account")
    assert client.post("/verify-email", data={"token": newest, "csrf_token": token}).is_success
    assert (
        client.post("/verify-email", data={"token": oldest, "csrf_token": token}).status_code == 400
    )
    assert accounts.is_email_verified(user(session))
    # Verified: asking again sends nothing.
    client.post("/account/verify-email", data={"csrf_token": token})
    assert len(mails(settings)) == 1 + accounts.VERIFICATION_REQUESTS_PER_HOUR


def test_a_mail_that_cannot_leave_does_not_stop_joining(client, settings, session, app) -> None:
    class Down:
        def send(self, message) -> None:
            raise ConnectionRefusedError("no SMTP server")

    app.state.email_backend = Down()
    join(client)
    assert user(session).email_verified_at is None
    refused = client.post("/account/verify-email", data={"csrf_token": csrf(client, "/account")})
    assert refused.status_code == 503 and "could not send the e-mail" in refused.text


def test_the_api_says_whether_the_address_is_verified(client, settings, session) -> None:
    join(client)
    token = client.post(
        "/api/v1/auth/token", json={"email": "ann@example.org", "password": STRONG_PASSWORD}
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=auth).json()["email_verified"] is False
    link = link_in(mails(settings)[0])
    client.post(
        "/verify-email",
        data={"token": link.split("token=", 1)[1], "csrf_token": csrf(client, "/account")},
    )
    assert client.get("/api/v1/me", headers=auth).json()["email_verified"] is True


def exchange(client: TestClient, **claims) -> dict:
    claims = {"exp": int(time.time()) + 300, **claims}
    assertion = accounts.sign_assertion(INTEGRATOR_SECRET, claims)
    response = client.post("/api/v1/auth/exchange", json={"assertion": assertion})
    assert response.status_code == 200, response.text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {response.json()['token']}"})
    return me.json()


def test_integrators_vouch_for_addresses_with_email_verified(client, settings) -> None:
    assert exchange(client, sub="1", email="ann@example.org")["email_verified"] is False
    assert exchange(client, sub="2", email="bob@example.org", email_verified=True)["email_verified"]
    # A later assertion may vouch for the address on record, never for another one.
    assert not exchange(client, sub="1", email="eve@example.org", email_verified=True)[
        "email_verified"
    ]
    assert exchange(client, sub="1", email="ann@example.org", email_verified=True)["email_verified"]
    # "true" as a string is not a claim of verification.
    assert not exchange(client, sub="3", email="cy@example.org", email_verified="true")[
        "email_verified"
    ]
    assert mails(settings) == []  # nobody was asked to confirm an address the integrator owns
