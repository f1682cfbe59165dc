from tests.factories import make_article


def test_health(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_list_and_get_articles(client, session, settings) -> None:
    article = make_article(session, settings)
    session.commit()
    listing = client.get("/api/v1/articles").json()
    assert listing["total"] == 1 and listing["next_offset"] is None
    item = listing["items"][0]
    assert item["id"] == str(article.id)
    assert item["reading_minutes"] == article.reading_minutes
    detail = client.get(f"/api/v1/articles/{article.id}").json()
    assert detail["paragraphs"] == 7  # the lead (paragraph 0) and six paragraphs
    assert detail["key_points"] == ["First point", "Second point"]
    assert detail["authors"][0]["name"] == "Ada Lovelace"
    assert detail["text"].startswith("The background")


def test_pagination(client, session, settings) -> None:
    for i in range(3):
        make_article(session, settings, url=f"https://n.example/{i}", title=f"Story number {i}")
    session.commit()
    page = client.get("/api/v1/articles", params={"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_offset"] == 2 and page["total"] == 3
    rest = client.get("/api/v1/articles", params={"limit": 2, "offset": 2}).json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None


def test_errors_are_json_with_the_right_status(client) -> None:
    for path in ("/api/v1/articles/0190f0f0-0000-7000-8000-000000000000", "/api/v1/articles/nope"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    response = client.get("/api/v1/articles", params={"limit": 0})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("limit:")
    assert client.get("/api/v1/nothing").json()["error"]["code"] == "not_found"
    assert client.patch("/api/v1/articles").status_code == 405
    # Registering an article needs a site's key (docs/integration.md).
    assert client.post("/api/v1/articles").status_code == 401


def test_openapi_docs(client) -> None:
    assert client.get("/api/docs").status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/articles/{article_id}" in spec["paths"]
