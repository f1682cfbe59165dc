"""A deadlock, a serialization failure or a locked SQLite file is a 503 "try again", never a 500:
the transaction was rolled back whole, so the same request can be sent again."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from readtoearn.app import create_app


class DatabaseSaid(Exception):
    def __init__(self, sqlstate: str | None, text: str = "") -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


def app_failing_with(settings, database, orig: Exception):  # type: ignore[no-untyped-def]
    app = create_app(settings, database=database)

    @app.post("/api/v1/_test/fail")
    def fail() -> None:
        raise OperationalError("UPDATE ledger_accounts ...", {}, orig)

    @app.get("/fail")
    def fail_page() -> None:
        raise OperationalError("UPDATE ledger_accounts ...", {}, orig)

    return app


def test_a_deadlock_is_a_503_to_retry(settings, database) -> None:
    for state in ("40P01", "40001", "55P03"):
        app = app_failing_with(settings, database, DatabaseSaid(state))
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.post("/api/v1/_test/fail")
        assert response.status_code == 503, state
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"]["code"] == "busy"
        assert "ledger_accounts" not in response.text


def test_a_locked_sqlite_file_is_a_503_page_too(settings, database) -> None:
    app = app_failing_with(settings, database, DatabaseSaid(None, "database is locked"))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/fail", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert "text/html" in response.headers["content-type"]
    assert "try again" in response.text


def test_any_other_database_error_stays_a_500_without_details(settings, database) -> None:
    app = app_failing_with(settings, database, DatabaseSaid("42P01", "no such table"))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/api/v1/_test/fail")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal"
    assert "no such table" not in response.text


def test_a_busy_page_tries_again_by_itself_and_a_busy_form_says_nothing_was_done(
    settings, database
) -> None:
    from readtoearn.errors import Busy

    app = create_app(settings, database=database)

    @app.get("/busy")
    def busy_page() -> None:
        raise Busy("the service is busy")

    @app.post("/busy")
    def busy_form() -> None:
        raise Busy("the service is busy")

    with TestClient(app) as client:
        page = client.get("/busy", headers={"Accept": "text/html"})
        form = client.post("/busy", headers={"Accept": "text/html"})
        french = client.get("/busy", headers={"Accept": "text/html", "Accept-Language": "fr"})
    assert page.status_code == form.status_code == 503
    assert page.headers["retry-after"] == form.headers["retry-after"] == "1"
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "try again by itself" in page.text
    assert "http-equiv" not in form.text
    assert "nothing was done" in form.text
    assert "Le site est très demandé" in french.text
