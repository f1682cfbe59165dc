"""What an article page links to beyond itself: share links, related articles, its editions in
other languages (hreflang), and the interface editions of the site's listing pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment
from sqlalchemy.orm import Session
from starlette.requests import Request

from readtoearn.articles import search
from readtoearn.articles.models import Article
from readtoearn.web import i18n

# Plain links, no third-party script: each network's own "share this URL" address.
NETWORKS = (
    ("X", "https://twitter.com/intent/tweet?url={url}&text={title}"),
    ("Facebook", "https://www.facebook.com/sharer/sharer.php?u={url}"),
    ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?url={url}"),
    ("WhatsApp", "https://wa.me/?text={title}%20{url}"),
)


@dataclass(frozen=True)
class ShareLink:
    name: str
    url: str


@dataclass(frozen=True)
class Edition:
    language: str
    url: str


def share_links(page_url: str, title: str) -> list[ShareLink]:
    """E-mail and social-network links sharing the canonical URL, every part URL-encoded."""
    url, text = quote(page_url, safe=""), quote(title, safe="")
    links = [ShareLink("E-mail", f"mailto:?subject={text}&body={url}")]
    links += [ShareLink(name, pattern.format(url=url, title=text)) for name, pattern in NETWORKS]
    return links


def article_extras(
    session: Session, article: Article, page_url: str, base_url: str
) -> dict[str, Any]:
    """The article page's share links, related articles and language editions (with itself)."""
    base = base_url.rstrip("/")
    others = search.list_translations(session, article)
    editions = [Edition(article.language, page_url)] if others else []
    editions += [Edition(o.language, f"{base}/articles/{o.id}/{o.slug}") for o in others]
    return {
        "share_links": share_links(page_url, article.title),
        "related": search.list_related(session, article),
        "editions": editions,
    }


def interface_editions(request: Request, base_url: str) -> list[Edition]:
    """A listing page in each interface language (`?lang=`), then x-default: the page itself."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    here = base_url.rstrip("/") + request.url.path
    found = [
        Edition(lang, here + "?" + urlencode([*query, ("lang", lang)])) for lang in i18n.LANGUAGES
    ]
    return [*found, Edition("x-default", here + ("?" + urlencode(query) if query else ""))]


def install(env: Environment) -> None:
    env.globals["interface_editions"] = interface_editions
