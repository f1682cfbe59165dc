"""The account pages and the auth API, through the real app and a real database."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import User
from readtoearn.app import create_app
from readtoearn.config import Settings
from readtoearn.web.routes.accounts import safe_next
from tests.conftest import SECRET

PASSWORD = "correct horse battery"
INTEGRATOR_SECRET = "integrator-shared-secret-0123456789-abcdef"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        base_url="http://testserver",
        integrator_secret=INTEGRATOR_SECRET,
        login_max_attempts=5,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        ledger_expire_every_s=0,  # the app shares the test's connection: no background job
    )


def csrf_token(client: TestClient, path: str = "/account/login") -> str:
    page = client.get(path)
    assert page.status_code == 200
    match = CSRF_INPUT.search(page.text)
    assert match, "the form carries a CSRF field"
    return match.group(1)


def sign_up(client: TestClient, email: str = "ann@example.org", **fields: str):
    data = {
        "email": email,
        "password": PASSWORD,
        "display_name": "Ann",
        "language": "en",
        "csrf_token": csrf_token(client, "/account/signup"),
        **fields,
    }
    return client.post("/account/signup", data=data, follow_redirects=False)


def make_reader(session, settings, email: str = "ann@example.org", **kwargs) -> User:
    kwargs.setdefault("password", PASSWORD)
    user = accounts.create_user(session, settings, email=email, **kwargs)
    session.commit()
    return user


def log_in(client: TestClient, email: str = "ann@example.org", password: str = PASSWORD, **extra):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/account/login", data=data, follow_redirects=False)


def set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


def outbox_links(settings: Settings) -> list[str]:
    outbox = settings.data_dir / "outbox"
    if not outbox.exists():
        return []
    text = "".join(p.read_text() for p in sorted(outbox.glob("*.eml")))
    return re.findall(r"http://testserver(/account/reset/[A-Za-z0-9_-]+)", text)


# -- joining -----------------------------------------------------------------------------------


def test_signup_page_sets_a_csrf_cookie_and_field(client) -> None:
    page = client.get("/account/signup")
    assert page.status_code == 200
    assert CSRF_INPUT.search(page.text)
    cookie = set_cookies(page)["rte_csrf"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    # The field is a signature of the cookie, not the cookie itself.
    assert client.cookies["rte_csrf"] not in page.text
    # A returning browser keeps its cookie.
    assert "rte_csrf" not in set_cookies(client.get("/account/signup"))


JOINED_AT = "/account/login?joined=1&next="


def test_signup_then_login_goes_to_next(client, session) -> None:
    response = sign_up(client, "  Ann@Example.org ", next="/articles/x?page=2")
    assert response.status_code == 303
    assert response.headers["location"] == JOINED_AT + "%2Farticles%2Fx%3Fpage%3D2"
    assert "rte_session" not in set_cookies(response)  # joining does not log in
    user = session.scalar(select(User).where(User.email == "ann@example.org"))
    assert user is not None and user.display_name == "Ann"
    page = client.get(response.headers["location"])
    assert "We have sent a message to this address" in page.text
    assert 'name="next" value="/articles/x?page=2"' in page.text
    login = log_in(client, next="/articles/x?page=2")
    assert login.headers["location"] == "/articles/x?page=2"
    cookie = set_cookies(login)["rte_session"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    profile = client.get("/account")
    assert profile.status_code == 200
    assert "ann@example.org" in profile.text and "Ann" in profile.text
    assert PASSWORD not in response.text + profile.text


def test_signup_without_next_goes_to_the_account(client) -> None:
    assert sign_up(client).headers["location"] == JOINED_AT + "%2Faccount"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\tx",
    ],
)
def test_open_redirects_are_refused(client, target) -> None:
    response = sign_up(client, next=target)
    assert response.status_code == 303
    assert response.headers["location"] == JOINED_AT + "%2Faccount"


def test_safe_next() -> None:
    assert safe_next("/a/b?c=d#e") == "/a/b?c=d#e"
    assert safe_next(None) == "/account"
    assert safe_next("https://x.example", "/") == "/"


def mail_texts(settings: Settings) -> list[str]:
    outbox = settings.data_dir / "outbox"
    return [p.read_text() for p in sorted(outbox.glob("*.eml"))] if outbox.exists() else []


def test_signup_says_nothing_of_who_has_an_account(client, session, settings) -> None:
    """Guards against a sign-up oracle: an address with an account got 'an account with this
    e-mail already exists'; now both answers are the same and the owner is told by e-mail."""
    make_reader(session, settings)
    taken = sign_up(client, "ANN@example.org")
    new = sign_up(client, "bob@example.org")
    assert taken.status_code == new.status_code == 303
    assert taken.headers["location"] == new.headers["location"]
    assert set(set_cookies(taken)) == set(set_cookies(new))
    assert "already exists" not in client.get(taken.headers["location"]).text
    assert session.scalar(select(func.count()).select_from(User)) == 2
    to_ann = [m for m in mail_texts(settings) if "To: ann@example.org" in m]
    assert len(to_ann) == 1 and "You already have an account" in to_ann[0]
    assert "/account/reset" in to_ann[0]
    # The owner's password is untouched, and a flood of attempts sends a few mails at most.
    assert log_in(client).status_code == 303
    for _ in range(6):
        sign_up(client, "ann@example.org")
    assert len([m for m in mail_texts(settings) if "To: ann@example.org" in m]) == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "short"}, "at least 10 characters"),
        ({"password": "password123"}, "too easy to guess"),
        ({"email": "not-an-address"}, "does not look like an e-mail address"),
        ({"language": "de"}, "the language must be"),
    ],
)
def test_signup_errors_are_shown_on_the_form(client, session, fields, message) -> None:
    response = sign_up(client, **fields)
    assert response.status_code == 400
    assert message in response.text
    assert 'class="form-error"' in response.text
    assert session.scalar(select(User)) is None


def test_signup_in_french(client) -> None:
    headers = {"Accept-Language": "fr"}
    page = client.get("/account/signup", headers=headers)
    assert "Rejoindre le programme" in page.text and "Mot de passe" in page.text
    data = {
        "email": "a@b.example",
        "password": "password123",
        "csrf_token": CSRF_INPUT.search(page.text).group(1),
    }
    response = client.post("/account/signup", data=data, headers=headers)
    assert "ce mot de passe est trop facile à deviner" in response.text


# -- CSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/account/signup",
        "/account/login",
        "/account/logout",
        "/account/password",
        "/account/reset",
        "/account/reset/abc",
    ],
)
def test_every_form_post_needs_the_csrf_token(client, path) -> None:
    client.get("/account/login")  # the browser has a CSRF cookie
    missing = client.post(path, data={"email": "a@b.example", "password": PASSWORD})
    assert missing.status_code == 403
    assert "text/html" in missing.headers["content-type"]
    assert "This form has expired or did not come from this site" in missing.text
    wrong = client.post(path, data={"email": "a@b.example", "csrf_token": "x" * 43})
    assert wrong.status_code == 403


def test_a_token_only_works_with_its_own_cookie(client, app) -> None:
    token = csrf_token(client)
    with TestClient(app) as other:
        other.get("/account/login")  # another browser, another cookie
        response = other.post(
            "/account/login", data={"email": "a@b.example", "password": "x", "csrf_token": token}
        )
        assert response.status_code == 403
    client.cookies.delete("rte_csrf")
    no_cookie = client.post(
        "/account/login", data={"email": "a@b.example", "password": "x", "csrf_token": token}
    )
    assert no_cookie.status_code == 403


def test_scripts_may_send_the_token_in_a_header(client, session, settings) -> None:
    make_reader(session, settings)
    token = csrf_token(client)
    response = client.post(
        "/account/login",
        data={"email": "ann@example.org", "password": PASSWORD},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303


# -- logging in and out ------------------------------------------------------------------------


def test_login_and_out(client, session, settings) -> None:
    make_reader(session, settings)
    response = log_in(client, " ANN@example.org", next="/somewhere")
    assert response.status_code == 303 and response.headers["location"] == "/somewhere"
    secret = client.cookies["rte_session"]
    assert client.get("/account").status_code == 200

    # Logging out needs POST...
    assert client.get("/account/logout").status_code == 405
    # ... and the CSRF token.
    assert client.post("/account/logout", data={}).status_code == 403
    assert client.get("/account", follow_redirects=False).status_code == 200

    response = client.post(
        "/account/logout", data={"csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert 'rte_session=""' in set_cookies(response)["rte_session"]
    # The session is revoked on the server: replaying the old cookie gets nowhere.
    session.expire_all()
    assert accounts.get_session_user(session, secret) is None
    client.cookies.set("rte_session", secret)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_wrong_password_and_unknown_email_show_the_same_message(client, session, settings) -> None:
    make_reader(session, settings)
    wrong = log_in(client, password="not the password")
    unknown = log_in(client, email="nobody@example.org")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "wrong e-mail or password" in response.text
        assert "rte_session" not in set_cookies(response)
        assert "not the password" not in response.text


def test_login_is_rate_limited(client, session, settings) -> None:
    make_reader(session, settings)
    for _ in range(settings.login_max_attempts):
        assert log_in(client, password="not the password").status_code == 401
    blocked = log_in(client)  # even the right password waits now
    assert blocked.status_code == 429
    assert "too many failed login attempts" in blocked.text
    blocked_api = client.post(
        "/api/v1/auth/token", json={"email": "ann@example.org", "password": PASSWORD}
    )
    assert blocked_api.status_code == 429
    assert blocked_api.json()["error"]["code"] == "too_many_attempts"


def test_login_page_keeps_next(client) -> None:
    page = client.get("/account/login", params={"next": "/a?b=c"})
    assert 'name="next" value="/a?b=c"' in page.text
    evil = client.get("/account/login", params={"next": "//evil.example"})
    assert 'name="next" value="/account"' in evil.text


def test_pages_that_need_a_reader_redirect_to_login(client) -> None:
    for path in ("/account", "/account/password"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/account/login?next=" + path.replace("/", "%2F")


def test_secure_cookies_on_https(settings, database) -> None:
    https = settings.model_copy(update={"base_url": "https://news.example"})
    app = create_app(https, database=database)
    with TestClient(app, base_url="https://news.example") as client:
        page = client.get("/account/signup")
        assert "Secure" in set_cookies(page)["rte_csrf"]
        assert sign_up(client).status_code == 303
        response = log_in(client)
        assert response.status_code == 303
        assert "Secure" in set_cookies(response)["rte_session"]


def test_a_dead_session_cookie_is_cleared(client) -> None:
    client.cookies.set("rte_session", "made-up")
    page = client.get("/account/login")
    assert 'rte_session=""' in set_cookies(page)["rte_session"]


def test_request_state_user_is_set_for_pages(client, app, session, settings) -> None:
    @app.get("/_test/whoami")
    def whoami(request: Request) -> dict[str, str | None]:
        user = getattr(request.state, "user", None)
        return {"email": user.email if user else None}

    assert client.get("/_test/whoami").json() == {"email": None}
    make_reader(session, settings)
    log_in(client)
    assert client.get("/_test/whoami").json() == {"email": "ann@example.org"}


# -- password change ---------------------------------------------------------------------------


def test_password_change(client, app, session, settings) -> None:
    make_reader(session, settings)
    with TestClient(app) as elsewhere:
        log_in(elsewhere)
        assert elsewhere.get("/account", follow_redirects=False).status_code == 200
        log_in(client)
        form = {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "new_password_again": "a brand new passphrase",
            "csrf_token": csrf_token(client, "/account/password"),
        }
        response = client.post("/account/password", data=form)
        assert response.status_code == 200
        assert "Your password has been changed" in response.text
        assert client.get("/account", follow_redirects=False).status_code == 200
        assert elsewhere.get("/account", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert log_in(client).status_code == 401
    assert log_in(client, password="a brand new passphrase").status_code == 303


@pytest.mark.parametrize(
    ("current", "new", "again", "status", "message"),
    [
        (
            "wrong password!",
            "a brand new passphrase",
            "a brand new passphrase",
            401,
            "the current password is wrong",
        ),
        (
            PASSWORD,
            "a brand new passphrase",
            "another passphrase",
            400,
            "the two new passwords differ",
        ),
        (PASSWORD, "motdepasse123", "motdepasse123", 400, "too easy to guess"),
    ],
)
def test_password_change_errors(
    client, session, settings, current, new, again, status, message
) -> None:
    make_reader(session, settings)
    log_in(client)
    form = {
        "current_password": current,
        "new_password": new,
        "new_password_again": again,
        "csrf_token": csrf_token(client, "/account/password"),
    }
    response = client.post("/account/password", data=form)
    assert response.status_code == status
    assert message in response.text


# -- password reset ----------------------------------------------------------------------------


def test_password_reset_flow(client, session, settings, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    make_reader(session, settings)
    log_in(client)
    old_session = client.cookies["rte_session"]
    token = csrf_token(client, "/account/reset")
    sent = client.post("/account/reset", data={"email": "ANN@example.org", "csrf_token": token})
    assert sent.status_code == 200
    assert "If an account exists for this address" in sent.text
    (link,) = outbox_links(settings)
    secret = link.rsplit("/", 1)[1]
    assert secret not in caplog.text  # the secret is never logged

    form_page = client.get(link)
    assert form_page.status_code == 200
    assert form_page.headers["referrer-policy"] == "no-referrer"
    form = {
        "new_password": "a brand new passphrase",
        "new_password_again": "a brand new passphrase",
        "csrf_token": CSRF_INPUT.search(form_page.text).group(1),
    }
    done = client.post(link, data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account/login?reset=done"
    assert "Log in with the new one" in client.get("/account/login?reset=done").text
    session.expire_all()
    assert accounts.get_session_user(session, old_session) is None  # every session ends

    # The session changed (it was ended): a form needs a token bound to the new state.
    again = client.post(link, data={**form, "csrf_token": csrf_token(client)})
    assert again.status_code == 400
    assert "this reset link is invalid or has expired" in again.text
    assert client.get(link).status_code == 400
    assert log_in(client, password="a brand new passphrase").status_code == 303


def test_reset_for_unknown_address_looks_the_same(client, settings) -> None:
    token = csrf_token(client, "/account/reset")
    response = client.post(
        "/account/reset", data={"email": "nobody@example.org", "csrf_token": token}
    )
    assert response.status_code == 200
    assert "If an account exists for this address" in response.text
    assert outbox_links(settings) == []
    bad = client.post("/account/reset", data={"email": "nope", "csrf_token": token})
    assert bad.status_code == 400 and "does not look like an e-mail address" in bad.text


def test_reset_form_errors(client, session, settings) -> None:
    make_reader(session, settings)
    token = csrf_token(client, "/account/reset")
    client.post("/account/reset", data={"email": "ann@example.org", "csrf_token": token})
    (link,) = outbox_links(settings)
    form = {"new_password": "short", "new_password_again": "short", "csrf_token": token}
    assert "at least 10 characters" in client.post(link, data=form).text
    form = {
        "new_password": "a brand new passphrase",
        "new_password_again": "something else!",
        "csrf_token": token,
    }
    assert "the two new passwords differ" in client.post(link, data=form).text
    assert client.get(link).status_code == 200  # the link still works after those
    made_up = client.get("/account/reset/made-up-token")
    assert made_up.status_code == 400
    assert "Ask for a new link" in made_up.text


# -- the API -----------------------------------------------------------------------------------


def get_token(client: TestClient, email: str = "ann@example.org", password: str = PASSWORD):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_api_token_me_and_revoke(client, session, settings) -> None:
    user = make_reader(session, settings, language="fr", display_name="Ann")
    response = get_token(client, " Ann@example.org")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "token_type", "expires_at"}
    assert body["token_type"] == "bearer"
    auth = {"Authorization": f"Bearer {body['token']}"}
    me = client.get("/api/v1/me", headers=auth)
    assert me.status_code == 200
    assert me.json() == {
        "id": str(user.id),
        "email": "ann@example.org",
        "display_name": "Ann",
        "language": "fr",
        "is_operator": False,
        "email_verified": False,
    }
    assert client.delete("/api/v1/auth/token", headers=auth).status_code == 204
    after = client.get("/api/v1/me", headers=auth)
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "unauthorized"
    assert client.delete("/api/v1/auth/token", headers=auth).status_code == 401


def test_api_wrong_credentials_are_401_json_whoever_asks(client, session, settings) -> None:
    make_reader(session, settings)
    wrong = get_token(client, password="not the password")
    unknown = get_token(client, email="nobody@example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {"error": {"code": "bad_credentials", "message": "wrong e-mail or password"}}
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "ann@example.org"},
        {"email": 3, "password": []},
        {"email": "", "password": "x"},
        {"email": "a@b.example", "password": "x", "extra": 1},
        "not json",
        [1, 2],
    ],
)
def test_api_malformed_bodies_are_422_json(client, body) -> None:
    if isinstance(body, str):
        response = client.post(
            "/api/v1/auth/token", content=body, headers={"Content-Type": "application/json"}
        )
    else:
        response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer", "Basic abc", "bearer ", "Token x"])
def test_api_me_refuses_bad_tokens(client, header) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"


def test_api_me_needs_a_reader(client) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "log in first"


def test_api_me_accepts_the_session_cookie(client, session, settings) -> None:
    make_reader(session, settings)
    log_in(client)
    assert client.get("/api/v1/me").json()["email"] == "ann@example.org"


def test_api_revoke_without_a_token(client) -> None:
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_operator_flag_is_reported(client, session, settings) -> None:
    make_reader(session, settings, is_operator=True)
    token = get_token(client).json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["is_operator"] is True


# -- integrators' exchange ---------------------------------------------------------------------


def assertion(secret: str = INTEGRATOR_SECRET, **claims) -> str:
    base = {
        "sub": "wp-7",
        "email": "rita@publisher.example",
        "name": "Rita",
        "exp": int(time.time()) + 120,
    }
    return accounts.sign_assertion(secret, {**base, **claims})


def test_exchange(client, session) -> None:
    response = client.post("/api/v1/auth/exchange", json={"assertion": assertion()})
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["email"] == "rita@publisher.example" and me["display_name"] == "Rita"
    again = client.post("/api/v1/auth/exchange", json={"assertion": assertion()})
    assert again.status_code == 200
    assert (
        client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {again.json()['token']}"}
        ).json()["id"]
        == me["id"]
    )


@pytest.mark.parametrize(
    ("value", "status", "code"),
    [
        (
            lambda: assertion(secret="wrong-secret-that-is-long-enough-000000"),
            401,
            "invalid_assertion",
        ),
        (lambda: assertion(exp=int(time.time()) - 5), 401, "assertion_expired"),
        (lambda: "garbage", 401, "invalid_assertion"),
        (lambda: assertion(email="nope"), 400, "invalid_email"),
    ],
)
def test_exchange_errors(client, value, status, code) -> None:
    response = client.post("/api/v1/auth/exchange", json={"assertion": value()})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_exchange_malformed_body(client) -> None:
    response = client.post("/api/v1/auth/exchange", json={"token": "x"})
    assert response.status_code == 422


def test_exchange_disabled(settings, database) -> None:
    app = create_app(settings.model_copy(update={"integrator_secret": ""}), database=database)
    with TestClient(app) as client:
        response = client.post("/api/v1/auth/exchange", json={"assertion": assertion()})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "exchange_disabled"
