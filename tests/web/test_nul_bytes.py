"""A NUL character anywhere a client can put text is refused as invalid input, in one place
(web/nul.py), before any route runs (issue #18: on PostgreSQL, 14 routes answered 500 with a
`DataError` for a NUL in a query, a path or a form field)."""

from __future__ import annotations

import pytest

from tests.web.test_accounts import csrf_token

API_ROUTES = [
    ("GET", "/api/v1/articles?category=news%00"),
    ("GET", "/api/v1/articles?author=ann%00"),
    ("GET", "/api/v1/rewards/abc%00def"),
    ("POST", "/api/v1/rewards/abc%00def/redemptions"),
    ("GET", "/api/v1/articles?category=news%00&author=x"),
]
PAGE_ROUTES = [
    "/categories/news%00",
    "/authors/ann%00",
    "/authors/ann%00/avatar.svg",
    "/rewards/abc%00def",
    "/?q=%00",
]
FORMS = [
    ("/account/login", {"email": "ann\x00@example.org", "password": "whatever it is"}),
    ("/account/reset", {"email": "ann@example.org\x00"}),
    (
        "/account/signup",
        {"email": "ann@example.org", "password": "correct horse battery", "display_name": "A\x00"},
    ),
]


def assert_refused_json(response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_characters"


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_api_refuses_a_nul_in_the_path_or_query(client, method, path) -> None:
    """Guards the API routes that answered 500 on PostgreSQL."""
    response = client.request(method, path, json={} if method == "POST" else None)
    assert_refused_json(response)


def test_api_refuses_a_nul_in_a_json_string(client) -> None:
    """Guards /auth/token, whose e-mail reached the database."""
    body = '{"email": "ann\\u0000@example.org", "password": "whatever it is"}'
    response = client.post(
        "/api/v1/auth/token", content=body, headers={"content-type": "application/json"}
    )
    assert_refused_json(response)


def test_an_escaped_backslash_before_u0000_is_no_nul(client) -> None:
    body = '{"email": "ann\\\\u0000@example.org", "password": "whatever it is"}'
    response = client.post(
        "/api/v1/auth/token", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize("path", PAGE_ROUTES)
def test_pages_refuse_a_nul_in_the_path_or_query(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "NUL character" in response.text


@pytest.mark.parametrize(("path", "fields"), FORMS)
def test_forms_refuse_a_nul_in_a_field(client, path, fields) -> None:
    """Guards the login, reset and sign-up forms (URL-encoded, as browsers send them)."""
    data = {**fields, "csrf_token": csrf_token(client, path)}
    response = client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 400
    assert "NUL character" in response.text


def test_a_multipart_field_is_checked_but_not_a_file(client) -> None:
    token = csrf_token(client)
    fields = {"email": "ann\x00@example.org", "password": "whatever", "csrf_token": token}
    response = client.post("/account/login", files={k: (None, v) for k, v in fields.items()})
    assert response.status_code == 400
    clean = {**fields, "email": "ann@example.org"}
    files = {k: (None, v) for k, v in clean.items()}
    files["upload"] = ("a.bin", b"\x00\x01\x02")
    response = client.post("/account/login", files=files)
    assert response.status_code == 401  # a wrong password, the NUL in a file being no matter
