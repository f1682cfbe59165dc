"""Publishers' API keys and scopes, the article API and CORS by site, through the HTTP API."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from readtoearn.sites import service as sites
from tests.factories import article_html, make_article
from tests.readers import make_reader

ORIGIN = "https://news.example"
SENTENCE = "The harbour authority approved a new ferry line to the islands on Monday morning."


def body_text(paragraphs: int = 6) -> str:
    return "\n\n".join(f"{SENTENCE} ({i})" for i in range(paragraphs))


@pytest.fixture
def publisher(session) -> dict[str, Any]:
    site = sites.create_site(session, name="Daily News", origins=[ORIGIN], actor="test")
    other = sites.create_site(session, name="Other", origins=["https://other.example"], actor="t")
    write = sites.create_key(session, site, scopes=["articles:write"], actor="test").key
    sso = sites.create_key(session, site, scopes=["readers:sso"], actor="test").key
    other_key = sites.create_key(session, other, scopes=["articles:write"], actor="test").key
    session.commit()
    return {"site": site, "write": write, "sso": sso, "other": other_key}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def article_body(path: str = "/2026/ferry", **extra: Any) -> dict[str, Any]:
    return {
        "url": ORIGIN + path,
        "title": "A ferry line to the islands",
        "text": body_text(),
    } | extra


def test_keys_are_checked_and_scoped(client, session, publisher) -> None:
    cases = [
        ({}, 401, "invalid_key"),
        (auth("rtk_not-a-key"), 401, "invalid_key"),
        ({"Authorization": "Basic abc"}, 401, "invalid_key"),
        (auth(publisher["sso"]), 403, "missing_scope"),
    ]
    for headers, status, code in cases:
        response = client.post("/api/v1/articles", json=article_body(), headers=headers)
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code
    revoked = sites.create_key(session, publisher["site"], scopes=["articles:write"], actor="t")
    sites.revoke_key(session, publisher["site"], revoked.row.id, actor="t")
    session.commit()
    response = client.post("/api/v1/articles", json=article_body(), headers=auth(revoked.key))
    assert response.status_code == 401


def test_post_is_idempotent_by_canonical_url(client, publisher) -> None:
    first = client.post("/api/v1/articles", json=article_body(), headers=auth(publisher["write"]))
    assert first.status_code == 201, first.text
    created = first.json()
    assert created["status"] == "created" and created["paragraphs"] == 6
    again = client.post(
        "/api/v1/articles",
        json=article_body(title="A ferry line to the islands, updated"),
        headers=auth(publisher["write"]),
    )
    assert again.status_code == 200, again.text
    assert again.json()["id"] == created["id"] and again.json()["status"] == "updated"
    found = client.get("/api/v1/articles", params={"url": ORIGIN + "/2026/ferry"}).json()
    assert [item["id"] for item in found["items"]] == [created["id"]]
    assert found["items"][0]["title"] == "A ferry line to the islands, updated"
    assert client.get("/api/v1/articles", params={"url": ORIGIN + "/nope"}).json()["items"] == []
    summary = client.get(f"/api/v1/articles/{created['id']}/summary")
    assert summary.status_code == 200 and summary.json()["summary"]


def test_a_whole_page_is_extracted_with_its_canonical_link(client, publisher) -> None:
    page = (
        f'<html><head><title>Tides</title><link rel="canonical" href="{ORIGIN}/tides">'
        "</head><body><header>Menu</header><article><h1>Tides rise along the coast</h1>"
        f"{article_html(7)}</article><footer>Contact</footer></body></html>"
    )
    response = client.post(
        "/api/v1/articles", json={"html": page}, headers=auth(publisher["write"])
    )
    assert response.status_code == 201, response.text
    assert response.json()["url"] == ORIGIN + "/tides"
    assert response.json()["paragraphs"] == 7


def test_only_the_sites_own_urls_and_articles(client, session, settings, publisher) -> None:
    write = auth(publisher["write"])
    foreign = client.post(
        "/api/v1/articles", json=article_body() | {"url": "https://else.example/x"}, headers=write
    )
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "foreign_url"
    bare = client.post("/api/v1/articles", json={"title": "T", "text": body_text()}, headers=write)
    assert bare.status_code == 400 and bare.json()["error"]["code"] == "url_required"
    empty = client.post("/api/v1/articles", json={}, headers=write)
    assert empty.status_code == 400
    created = client.post("/api/v1/articles", json=article_body(), headers=write).json()
    other = auth(publisher["other"])
    for method in ("put", "delete"):
        kwargs = {"json": {"title": "Taken", "text": body_text()}} if method == "put" else {}
        response = getattr(client, method)(
            f"/api/v1/articles/{created['id']}", headers=other, **kwargs
        )
        assert response.status_code == 404, response.text
    # An article with the same words at another URL is not silently moved.
    copy = client.post("/api/v1/articles", json=article_body("/copy"), headers=write)
    assert copy.status_code == 409 and copy.json()["error"]["code"] == "duplicate_text"
    # An article imported on the command line at the site's URL is claimed by the site.
    imported = make_article(session, settings, url=ORIGIN + "/imported")
    session.commit()
    claimed = client.post(
        "/api/v1/articles",
        json={"url": ORIGIN + "/imported", "title": imported.title, "html": article_html(6)},
        headers=write,
    )
    assert claimed.status_code == 200 and claimed.json()["id"] == str(imported.id)


def test_put_replaces_and_delete_removes_or_withdraws(client, session, settings, publisher) -> None:
    write = auth(publisher["write"])
    created = client.post("/api/v1/articles", json=article_body(), headers=write).json()
    replaced = client.put(
        f"/api/v1/articles/{created['id']}",
        json={"title": "Ferry line delayed", "text": body_text(9)},
        headers=write,
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["paragraphs"] == 9 and replaced.json()["url"] == created["url"]
    moved = client.put(
        f"/api/v1/articles/{created['id']}", json=article_body("/elsewhere"), headers=write
    )
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "url_mismatch"
    gone = client.delete(f"/api/v1/articles/{created['id']}", headers=write)
    assert gone.status_code == 200 and gone.json()["status"] == "deleted"
    assert client.get(f"/api/v1/articles/{created['id']}").status_code == 404
    assert client.delete(f"/api/v1/articles/{created['id']}", headers=write).status_code == 404

    read_one = client.post("/api/v1/articles", json=article_body("/read"), headers=write).json()
    _reader, token = make_reader(session, settings)
    session.commit()
    started = client.post(
        "/api/v1/reads",
        json={"article_id": read_one["id"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert started.status_code == 201, started.text
    withdrawn = client.delete(f"/api/v1/articles/{read_one['id']}", headers=write)
    assert withdrawn.json()["status"] == "withdrawn"
    assert client.get("/api/v1/articles", params={"url": ORIGIN + "/read"}).json()["items"] == []
    # Posting it again brings it back, with the same id.
    back = client.post("/api/v1/articles", json=article_body("/read"), headers=write)
    assert back.status_code == 200 and back.json()["id"] == read_one["id"]


class _Page(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def publisher_site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_article_is_fetched_by_its_url(client, session, settings, publisher_site) -> None:
    settings.import_private_addresses = True  # the test's site is on 127.0.0.1
    site = sites.create_site(session, name="Local", origins=[publisher_site], actor="test")
    key = sites.create_key(session, site, scopes=["articles:write"], actor="test").key
    session.commit()
    _Page.body = (
        "<html><head><title>Harbour</title></head><body><article>"
        f"<h1>The harbour reopens</h1>{article_html(8)}</article></body></html>"
    ).encode()
    response = client.post(
        "/api/v1/articles", json={"url": publisher_site + "/harbour"}, headers=auth(key)
    )
    assert response.status_code == 201, response.text
    assert response.json()["url"] == publisher_site + "/harbour"
    assert response.json()["paragraphs"] == 8


def test_cors_follows_each_sites_origins(client, publisher, app) -> None:
    def preflight(origin: str) -> Any:
        return client.options(
            "/api/v1/reads",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )

    allowed = preflight(ORIGIN)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    refused = preflight("https://evil.example")
    assert "access-control-allow-origin" not in refused.headers
    simple = client.get("/api/v1/articles", headers={"Origin": "https://other.example"})
    assert simple.headers["access-control-allow-origin"] == "https://other.example"


def test_the_global_cors_setting_keeps_working(settings, database, clock) -> None:
    from fastapi.testclient import TestClient

    from readtoearn.app import create_app

    settings.cors_origins = ["https://legacy.example"]
    with TestClient(create_app(settings, database=database, clock=clock)) as legacy:
        response = legacy.get("/api/v1/articles", headers={"Origin": "https://legacy.example"})
    assert response.headers["access-control-allow-origin"] == "https://legacy.example"


@pytest.mark.parametrize(
    ("path", "method"), [("/api/v1/me/engagement", "PATCH"), ("/api/v1/articles/x", "PUT")]
)
def test_a_sites_pages_may_send_every_method_the_api_documents(client, publisher, path, method):
    allowed = client.options(
        path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": method}
    )
    assert allowed.status_code == 200
    assert method in allowed.headers["access-control-allow-methods"]
