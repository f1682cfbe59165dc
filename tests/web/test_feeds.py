"""What search engines, social networks and feed readers get: robots, sitemap, RSS, share tags."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup

from tests.factories import make_article

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def published(session, settings):
    older = make_article(
        session,
        settings,
        title="R&D budgets <grow> again",
        url="https://news.example/rd",
        categories=("Economy",),
        published_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
        image_url="/static/demo/rd.svg",
        image_alt="A lab bench",
    )
    newer = make_article(
        session,
        settings,
        title="Ports hire </script> again",
        url="https://news.example/ports",
        categories=("Energy",),
        published_at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
    )
    session.commit()
    return older, newer


def test_robots_points_to_the_sitemap_and_keeps_private_pages_out(client, settings) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    assert {"Disallow: /account", "Disallow: /operator", "Disallow: /api/"} <= set(lines)
    assert f"Sitemap: {settings.base_url}/sitemap.xml" in lines


def test_the_sitemap_lists_home_categories_and_articles(client, settings, published) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    urls = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root}
    base = settings.base_url
    assert f"{base}/" in urls
    assert {f"{base}/categories/economy", f"{base}/categories/energy"} <= set(urls)
    for article in published:
        lastmod = urls[f"{base}/articles/{article.id}/{article.slug}"]
        assert lastmod is not None and datetime.fromisoformat(lastmod).tzinfo is not None


def test_the_feed_lists_the_latest_articles_escaped(client, settings, published) -> None:
    older, newer = published
    response = client.get("/feed.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == [newer.title, older.title]
    assert items[0].findtext("link") == f"{settings.base_url}/articles/{newer.id}/{newer.slug}"
    assert items[1].findtext("pubDate") == "Sun, 01 Nov 2026 08:00:00 +0000"
    assert b"<grow>" not in response.content  # escaped, not markup


def test_a_category_has_its_own_feed(client, published) -> None:
    older, _newer = published
    channel = ET.fromstring(client.get("/categories/economy/feed.xml").content).find("channel")
    assert channel is not None
    assert [i.findtext("title") for i in channel.findall("item")] == [older.title]
    assert client.get("/categories/no-such-thing/feed.xml").status_code == 404


def test_an_article_page_carries_open_graph_twitter_and_json_ld(
    client, settings, published
) -> None:
    older, newer = published
    soup = BeautifulSoup(client.get(f"/articles/{older.id}/{older.slug}").text, "html.parser")
    meta = {
        tag.get("property") or tag.get("name"): tag["content"]
        for tag in soup.select("head meta[content]")
    }
    page_url = f"{settings.base_url}/articles/{older.id}/{older.slug}"
    assert meta["og:type"] == "article"
    assert meta["og:title"] == meta["twitter:title"] == older.title
    assert meta["og:url"] == page_url == soup.select_one("link[rel=canonical]")["href"]
    assert meta["og:image"] == meta["twitter:image"] == f"{settings.base_url}/static/demo/rd.svg"
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["og:locale"] == "en_US"
    assert meta["article:published_time"].startswith("2026-11-01T08:00:00")
    (data,) = [json.loads(s.get_text()) for s in soup.select("script[type='application/ld+json']")]
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == older.title
    assert data["datePublished"].startswith("2026-11-01T08:00:00")
    assert data["author"][0]["name"] == "Ada Lovelace"
    assert data["publisher"]["name"] == settings.site_name
    assert data["image"] == [meta["og:image"]]
    # A title that closes the script element cannot break out of the JSON-LD.
    html = client.get(f"/articles/{newer.id}/{newer.slug}").text
    assert "Ports hire </script>" not in html.split("application/ld+json")[1].split("</script>")[0]
    assert soup.select_one("link[rel=alternate][type='application/rss+xml']")["href"].endswith(
        "/feed.xml"
    )
