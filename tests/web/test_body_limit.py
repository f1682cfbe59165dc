"""The API's body limit holds whether the body's size is declared or not (issue #18: a 10 MB
chunked body was answered 400 instead of the documented 413)."""

from __future__ import annotations

import httpx
import pytest

from tests.web.test_crowd import crowd_settings, live

pytestmark = pytest.mark.timeout(60)


def chunks(total: int, size: int = 64 * 1024):
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_a_huge_chunked_body_is_413_through_the_server(committing_database, tmp_path) -> None:
    """Guards BodyLimit for bodies of unknown size, sent chunked through a real HTTP server."""
    settings = crowd_settings(tmp_path)
    with live(committing_database, settings) as server:
        huge = [
            httpx.post(
                f"{server.url}{path}", content=chunks(10 * 1024 * 1024), headers=headers, timeout=30
            )
            for path in ("/api/v1/auth/token", "/api/v1/reads")
            for headers in ({"content-type": "application/json"}, {})
        ]
        small = httpx.post(
            f"{server.url}/api/v1/auth/token",
            content=iter([b'{"email": "a@example.org", ', b'"password": "not the one"}']),
            headers={"content-type": "application/json"},
            timeout=30,
        )
    for response in huge:
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
    # A small chunked body reaches its route whole.
    assert small.status_code == 401
