"""Cookies on https and CSRF tokens bound to the session (issue #18)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from readtoearn.app import create_app
from tests.web.test_accounts import PASSWORD, csrf_token, log_in, make_reader, set_cookies


def test_the_language_cookie_is_secure_on_https(settings, database) -> None:
    """Guards the `lang` cookie, which was the one cookie without Secure on https."""
    https = settings.model_copy(update={"base_url": "https://news.example"})
    with TestClient(create_app(https, database=database), base_url="https://news.example") as c:
        response = c.get("/language", params={"lang": "fr"}, follow_redirects=False)
        assert response.status_code == 303
        assert "Secure" in set_cookies(response)["lang"]
    with TestClient(create_app(settings, database=database)) as plain:
        response = plain.get("/language", params={"lang": "fr"}, follow_redirects=False)
        assert "Secure" not in set_cookies(response)["lang"]


def test_a_csrf_pair_from_another_browser_is_refused(client, app, session, settings) -> None:
    """Guards the binding of the token to the session: A's session with B's cookie and token
    (planted from a sibling subdomain, say) was accepted."""
    make_reader(session, settings)
    assert log_in(client).status_code == 303
    with TestClient(app) as other:
        token_b = csrf_token(other, "/account/password")
        cookie_b = other.cookies["rte_csrf"]
    client.cookies.set("rte_csrf", cookie_b)
    form = {
        "current_password": PASSWORD,
        "new_password": "another long passphrase",
        "new_password_again": "another long passphrase",
    }
    planted = client.post("/account/password", data={**form, "csrf_token": token_b})
    assert planted.status_code == 403
    # The browser's own pair works.
    own = client.post(
        "/account/password", data={**form, "csrf_token": csrf_token(client, "/account/password")}
    )
    assert own.status_code == 200


def test_a_form_from_before_login_needs_a_reload(client, session, settings) -> None:
    make_reader(session, settings)
    stale = csrf_token(client, "/account/login")
    assert log_in(client).status_code == 303
    response = client.post("/account/logout", data={"csrf_token": stale}, follow_redirects=False)
    assert response.status_code == 403
    fresh = csrf_token(client, "/account")
    response = client.post("/account/logout", data={"csrf_token": fresh}, follow_redirects=False)
    assert response.status_code == 303
