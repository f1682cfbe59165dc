"""Prometheus metrics at /metrics: requests by route template, reads by verdict."""

from __future__ import annotations

from tests.factories import make_article
from tests.readers import Client, fund, make_reader


def sample(text: str, prefix: str) -> float:
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


def test_requests_are_counted_by_route_template(client, session, settings) -> None:
    article = make_article(session, settings)
    session.commit()
    before = client.get("/metrics").text
    client.get(f"/api/v1/articles/{article.id}")
    after = client.get("/metrics")
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
    before = sample(client.get("/metrics").text, key)
    reader = Client(client, clock, settings, article, bearer)
    reader.start()
    reader.read_like_a_human()
    reader.complete()
    reader.complete()  # a repeat is not a second read
    assert sample(client.get("/metrics").text, key) == before + 1
    assert sample(client.get("/metrics").text, "readtoearn_beats_total") > 0
