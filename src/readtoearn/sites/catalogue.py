"""The article API: a site registers, updates and withdraws its articles, keyed by canonical URL.

A site may only register URLs of its own origins, and only change the articles it registered (or
unclaimed ones at its URLs, imported on the command line before the site existed). Loading a draft
(which may fetch the page) is done before any transaction; storing it is one savepoint.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from readtoearn.articles import service as articles
from readtoearn.articles import text as textlib
from readtoearn.articles.extract import extract_article
from readtoearn.articles.fetch import new_client
from readtoearn.articles.importer import Importer, record_draft
from readtoearn.articles.interfaces import ArticleDraft
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.db import utcnow
from readtoearn.errors import Conflict, Forbidden, InvalidInput, NotFound
from readtoearn.reading.models import Read
from readtoearn.sites.models import Site, SiteArticle
from readtoearn.sites.registry import origin_of
from readtoearn.summaries import service as summaries

URL_PATTERN = re.compile(r"^https?://", re.IGNORECASE)


def check_own_url(site: Site, url: str | None) -> str:
    """The URL when it is on one of the site's origins; InvalidInput or Forbidden otherwise."""
    if not url or not URL_PATTERN.match(url) or len(url) > 2000:
        raise InvalidInput("an article needs its canonical http(s) URL", code="url_required")
    origin = origin_of(url)
    if origin is None or origin not in site.origins:
        raise Forbidden("this URL is not on one of the site's allowed origins", code="foreign_url")
    return url


def load_draft(
    settings: Settings, site: Site, record: dict[str, Any], *, replacing: bool = False
) -> ArticleDraft:
    """A draft from a request body: its JSON fields, its HTML (a page or the article's body),
    or, with only a `url`, the page fetched from the site. Runs outside any transaction.
    `replacing` an article, the URL may be left out (the article keeps its own)."""
    url = record.get("url")
    if isinstance(url, str) and url:
        check_own_url(site, url)
    if record.get("html") or record.get("text"):
        draft = record_draft(record)
    elif isinstance(url, str) and url:
        # A publisher's page may redirect anywhere: public addresses only, as the console's
        # imports (a site on the server's own network needs READTOEARN_IMPORT_PRIVATE_ADDRESSES).
        http = new_client(settings, public_only=not settings.import_private_addresses)
        try:
            fetched = Importer(settings, client=http).fetch(url)
        finally:
            http.close()
        if fetched.kind != "html":
            raise InvalidInput(f"the URL is not a page ({fetched.content_type})", code="not_a_page")
        draft = extract_article(fetched.body, fetched.url, charset=fetched.charset)
        draft.canonical_url = draft.canonical_url or url
    else:
        raise InvalidInput("send a url to fetch, or html, or title and text", code="invalid")
    # The page's own canonical link must be the site's too (it is the key).
    if draft.canonical_url or url or not replacing:
        draft.canonical_url = check_own_url(site, draft.canonical_url or url)
    # Editions are the site's own pages: another site's article named there would get this
    # article as its other-language edition (hreflang, the language link) on our pages.
    foreign = [u for u in draft.translations if origin_of(u) not in site.origins]
    if foreign and record.get("translations"):
        raise Forbidden(
            "translations must be URLs on the site's allowed origins, as the article's own URL",
            code="foreign_url",
        )
    draft.translations = [u for u in draft.translations if u not in foreign]
    return draft


def _same_text_elsewhere(session: Session, draft: ArticleDraft) -> bool:
    title = textlib.normalise_space(draft.title)
    digest = articles.content_hash(title, textlib.text_of(textlib.sanitise_html(draft.html)))
    found = session.scalar(select(Article.canonical_url).where(Article.content_hash == digest))
    return found is not None


def _owner(session: Session, article_id: uuid.UUID) -> SiteArticle | None:
    return session.get(SiteArticle, article_id)


@dataclass(frozen=True)
class Registered:
    article: Article
    created: bool


def register_article(
    session: Session, settings: Settings, site: Site, draft: ArticleDraft
) -> Registered:
    """Create or update the article at the draft's canonical URL for this site (idempotent)."""
    url = check_own_url(site, draft.canonical_url)
    at_url = session.scalar(select(Article.id).where(Article.canonical_url == url))
    if at_url is None and _same_text_elsewhere(session, draft):
        # save_article would take it for this one (it matches by text): another page's article.
        raise Conflict("an article with the same text exists at another URL", code="duplicate_text")
    with session.begin_nested():
        saved = articles.save_article(session, draft, settings, source="api")
        owner = _owner(session, saved.article.id)
        if owner is not None and owner.site_id != site.id:
            raise Conflict("another site registered this article", code="article_owned")
    if owner is None:
        session.add(SiteArticle(article_id=saved.article.id, site_id=site.id))
    else:
        owner.withdrawn_at = None
    session.flush()
    summaries.summarise_at_import(session, saved.article, settings)
    return Registered(article=saved.article, created=saved.created)


def get_site_article(session: Session, site: Site, article_id: str | uuid.UUID) -> Article:
    """One of the site's articles by id; NotFound for another site's (or none)."""
    article = articles.get_article(session, article_id)
    owner = _owner(session, article.id)
    if owner is None or owner.site_id != site.id or owner.withdrawn_at is not None:
        raise NotFound("no article of this site has this id", code="not_found")
    return article


def update_article(
    session: Session, settings: Settings, site: Site, article_id: str, draft: ArticleDraft
) -> Registered:
    """Replace one of the site's articles (its canonical URL stays what it was)."""
    article = get_site_article(session, site, article_id)
    if draft.canonical_url and draft.canonical_url != article.canonical_url:
        raise Conflict("the body's url is not this article's", code="url_mismatch")
    draft.canonical_url = article.canonical_url
    return register_article(session, settings, site, draft)


def withdraw_article(session: Session, site: Site, article_id: str) -> str:
    """Delete one of the site's articles; one that readers have read is withdrawn instead (kept
    for their history, found no more). Returns "deleted" or "withdrawn"."""
    article = get_site_article(session, site, article_id)
    if session.scalar(select(exists().where(Read.article_id == article.id))):
        owner = _owner(session, article.id)
        assert owner is not None  # get_site_article checked it
        owner.withdrawn_at = utcnow()
        return "withdrawn"
    session.delete(article)
    session.flush()
    return "deleted"


def find_article(session: Session, site: Site | None, url: str) -> Article:
    """The article whose canonical URL this is (for a site: one it may show), or NotFound."""
    article = session.scalar(select(Article).where(Article.canonical_url == url.strip()))
    if article is None or articles.status_of(article) != articles.PUBLISHED:
        raise NotFound("no article has this URL", code="article_not_found")
    if site is not None:
        owner = _owner(session, article.id)
        if owner is not None and (owner.site_id != site.id or owner.withdrawn_at is not None):
            raise NotFound("no article has this URL", code="article_not_found")
        if owner is None and origin_of(url) not in site.origins:
            raise NotFound("no article has this URL", code="article_not_found")
    return article


def find_articles_by_url(session: Session, url: str) -> list[Article]:
    """The article at a canonical URL, as a list of one, or none (withdrawn ones are not found)."""
    article = session.scalar(select(Article).where(Article.canonical_url == url.strip()))
    if article is None or articles.status_of(article) != articles.PUBLISHED:
        return []  # unpublished or deleted from the console: not found either
    owner = _owner(session, article.id)
    return [] if owner is not None and owner.withdrawn_at is not None else [article]
