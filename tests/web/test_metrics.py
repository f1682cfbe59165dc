"""Prometheus metrics at /metrics: requests by route template, reads by verdict."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from readtoearn.app import create_app
from readtoearn.config import Settings
from tests.factories import make_article
from tests.readers import Client, fund, make_reader

TOKEN = "metrics-token-for-the-tests-0123456789"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"metrics_token": TOKEN})


def sample(text: str, prefix: str) -> float:
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


def test_requests_are_counted_by_route_template(client, session, settings) -> None:
    article = make_article(session, settings)
    session.commit()
    before = client.get("/metrics", headers=SCRAPE).text
    client.get(f"/api/v1/articles/{article.id}")
    after = client.get("/metrics", headers=SCRAPE)
    assert after.status_code == 200
    assert after.headers["content-type"].startswith("text/plain")
    key = 'readtoearn_http_requests_total{method="GET",route="/api/v1/articles/{article_id}"'
    assert sample(after.text, key) == sample(before, key) + 1
    assert str(article.id) not in after.text


def test_reads_are_counted_by_verdict(client, clock, session, settings) -> None:
    fund(session)
    _, bearer = make_reader(session, settings)
    article = make_article(session, settings, paragraphs=12)
    session.commit()
    key = 'readtoearn_reads_completed_total{verdict="credited"}'
    before = sample(client.get("/metrics", headers=SCRAPE).text, key)
    reader = Client(client, clock, settings, article, bearer)
    reader.start()
    reader.read_like_a_human()
    reader.complete()
    reader.complete()  # a repeat is not a second read
    assert sample(client.get("/metrics", headers=SCRAPE).text, key) == before + 1
    assert sample(client.get("/metrics", headers=SCRAPE).text, "readtoearn_beats_total") > 0


def test_metrics_need_the_token(client, settings, database) -> None:
    """Guards /metrics, which was public on the app's port."""
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert "readtoearn_" not in wrong.text
    assert client.get("/metrics", headers=SCRAPE).status_code == 200
    without = settings.model_copy(update={"metrics_token": ""})
    with TestClient(create_app(without, database=database)) as off:
        assert off.get("/metrics").status_code == 404
        assert off.get("/metrics", headers=SCRAPE).status_code == 404
