"""What search engines and feed readers fetch: /robots.txt, /sitemap.xml and RSS feeds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from readtoearn.articles import service as articles
from readtoearn.articles.models import Article, Category
from readtoearn.articles.provenance import last_changed
from readtoearn.web.deps import SessionDep, SettingsDep

router = APIRouter(include_in_schema=False)

FEED_ITEMS = 30
SITEMAP_ARTICLES = 5000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Pages a search engine has no business crawling: a reader's own, the operator's, the API.
PRIVATE_PATHS = ("/account", "/operator", "/api/", "/reads", "/quiz")


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def _article_url(base: str, article: Article) -> str:
    return f"{base}/articles/{article.id}/{article.slug}"


def _xml(root: ET.Element, media_type: str) -> Response:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type=f"{media_type}; charset=utf-8")


@router.get("/robots.txt", response_class=PlainTextResponse)
def robots(settings: SettingsDep) -> PlainTextResponse:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS)]
    lines.append(f"Sitemap: {_base(settings.base_url)}/sitemap.xml")
    return PlainTextResponse("\n".join(lines) + "\n")


@router.get("/sitemap.xml")
def sitemap(session: SessionDep, settings: SettingsDep) -> Response:
    base = _base(settings.base_url)
    items, _total = articles.list_articles(session, limit=SITEMAP_ARTICLES)
    root = ET.Element("urlset", xmlns=SITEMAP_NS)
    _url(root, f"{base}/", max((last_changed(a) for a in items), default=None))
    for category in articles.list_categories(session):
        _url(root, f"{base}/categories/{category.slug}", None)
    for article in items:
        _url(root, _article_url(base, article), last_changed(article))
    return _xml(root, "application/xml")


def _url(root: ET.Element, loc: str, modified: datetime | None) -> None:
    url = ET.SubElement(root, "url")
    ET.SubElement(url, "loc").text = loc
    if modified is not None:
        ET.SubElement(url, "lastmod").text = _aware(modified).isoformat(timespec="seconds")


@router.get("/feed.xml")
def latest_feed(session: SessionDep, settings: SettingsDep) -> Response:
    items, _total = articles.list_articles(session, limit=FEED_ITEMS)
    return _rss(settings.site_name, settings.site_tagline, settings.base_url, "/", items)


@router.get("/categories/{slug}/feed.xml")
def category_feed(slug: str, session: SessionDep, settings: SettingsDep) -> Response:
    category: Category = articles.get_category(session, slug)
    items, _total = articles.list_articles(session, limit=FEED_ITEMS, category_slug=slug)
    title = f"{category.name} · {settings.site_name}"
    return _rss(title, settings.site_tagline, settings.base_url, f"/categories/{slug}", items)


def _rss(title: str, tagline: str, base_url: str, path: str, items: list[Article]) -> Response:
    base = _base(base_url)
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = base + path
    ET.SubElement(channel, "description").text = tagline
    for article in items:
        item = ET.SubElement(channel, "item")
        url = _article_url(base, article)
        ET.SubElement(item, "title").text = article.title
        ET.SubElement(item, "link").text = url
        ET.SubElement(item, "guid", isPermaLink="true").text = url
        ET.SubElement(item, "description").text = article.description or article.lead
        when = article.published_at or article.created_at
        if when is not None:
            ET.SubElement(item, "pubDate").text = format_datetime(_aware(when))
        for category in article.categories:
            ET.SubElement(item, "category").text = category.name
    return _xml(rss, "application/rss+xml")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
