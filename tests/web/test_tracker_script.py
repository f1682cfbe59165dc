"""The tracker script stays small, self-contained and served by the app."""

from __future__ import annotations

import re
from pathlib import Path

TRACKER = (
    Path(__file__).resolve().parents[2] / "src" / "readtoearn" / "web" / "static" / "tracker.js"
)


def test_the_tracker_is_under_ten_kilobytes() -> None:
    assert TRACKER.stat().st_size < 10 * 1024


def test_the_tracker_makes_no_third_party_requests() -> None:
    source = TRACKER.read_text()
    assert not re.search(r"https?://", source)
    assert "eval(" not in source
    assert "isTrusted" in source  # only real input counts


def test_the_app_serves_the_tracker(client) -> None:
    response = client.get("/static/tracker.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]


def test_publishers_sites_may_call_the_api_from_the_browser(settings, database) -> None:
    from fastapi.testclient import TestClient

    from readtoearn.app import create_app

    allowed = settings.model_copy(update={"cors_origins": ["https://news.example"]})
    with TestClient(create_app(allowed, database=database)) as http:
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }
        ok = http.options("/api/v1/reads", headers={"Origin": "https://news.example", **preflight})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://news.example"
        evil = {"Origin": "https://evil.example", **preflight}
        other = http.options("/api/v1/reads", headers=evil)
        assert "access-control-allow-origin" not in other.headers
