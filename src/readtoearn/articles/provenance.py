"""Where an article was first published, and when its content last changed.

An article imported from a publisher's site keeps that page's address (`canonical_url`): pages
name the publisher ("Originally published at ..."). Demo articles and articles whose address is on
this site have no other origin. Their last change is the publisher's modified date when one was
read, else the publication time, else when the row was stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from readtoearn.articles.models import Article

# A modified date this close to the publication time is the same moment written twice.
SAME_MOMENT = timedelta(minutes=1)


@dataclass(frozen=True)
class Origin:
    name: str
    url: str


def original_site(article: Article, base_url: str) -> Origin | None:
    """The publisher's page the article was imported from, when it is on another site."""
    url = article.canonical_url
    if not url or article.source == "demo":
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return None
    if host == (urlsplit(base_url).hostname or "").lower():
        return None
    name = str((article.extra or {}).get("site_name") or "").strip()
    return Origin(name=name or host.removeprefix("www."), url=url)


def shown_modified(article: Article) -> datetime | None:
    """The publisher's modified date when it says more than the publication time."""
    modified, published = article.modified_at, article.published_at
    if modified is None:
        return None
    if published is not None and modified - published < SAME_MOMENT:
        return None
    return modified


def last_changed(article: Article) -> datetime:
    """When the article's content last changed (JSON-LD dateModified, the sitemap's lastmod)."""
    return article.modified_at or article.published_at or article.updated_at
