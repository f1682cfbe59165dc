"""/api/docs works offline: Swagger UI's files come from the installed package, not a CDN."""

from __future__ import annotations

from swagger_ui_bundle import swagger_ui_path


def test_the_docs_page_loads_only_our_own_files(client) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "http" not in page.text.replace("http-equiv", ""), "no address outside the site"
    for src in ("/api/docs/swagger-ui-bundle.js", "/api/docs/swagger-ui.css", "/api/docs/start.js"):
        assert src in page.text
        assert client.get(src).status_code == 200, src
    bundle = client.get("/api/docs/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    with open(f"{swagger_ui_path}/swagger-ui-bundle.js", "rb") as shipped:
        assert bundle.content == shipped.read()
    assert "/api/openapi.json" in client.get("/api/docs/start.js").text


def test_only_the_listed_files_are_served(client) -> None:
    for name in ("index.html", "..%2F..%2F__init__.py", "swagger-ui.js.map"):
        assert client.get(f"/api/docs/{name}").status_code == 404, name
