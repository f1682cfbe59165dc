"""What the one script tag is told about the page it sits on: the article at the page's canonical
URL, the paragraphs the server counts (so the script finds the same ones), the reader signed in by
the site's token, and a page-view token for them.

A paragraph is named by its fingerprint: the first letters and digits of its text, lower-cased.
The script computes the same from the page and watches the elements that match, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import lxml.html
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.accounts.service import IssuedToken
from readtoearn.articles import text as textlib
from readtoearn.articles.models import Article
from readtoearn.clock import Clock
from readtoearn.config import Settings
from readtoearn.errors import Forbidden
from readtoearn.reading import service as reading
from readtoearn.sites.catalogue import find_article
from readtoearn.sites.models import Site
from readtoearn.sites.registry import is_allowed_origin
from readtoearn.sites.sso import issue_reader_token, sign_in

FINGERPRINT_LENGTH = 32


def fingerprint(text: str) -> str:
    """The first letters and digits of a paragraph, lower-cased (embed.js computes the same)."""
    return "".join(ch for ch in text.lower() if ch.isalnum())[:FINGERPRINT_LENGTH]


def tracked_paragraphs(article: Article) -> list[str]:
    """The text of each paragraph the tracker numbers, in order (`data-p` 0, 1, …)."""
    texts: list[str] = []
    if article.html.strip():
        root = lxml.html.fragment_fromstring(article.html, create_parent="div")
        texts = [t for p in root.iter("p") if (t := textlib.normalise_space(p.text_content()))]
    lead = textlib.normalise_space(article.lead)
    # Where the lead is counted as paragraph 0, the server's count says so.
    if lead and len(texts) + 1 == article.paragraph_count:
        texts.insert(0, lead)
    return texts


@dataclass(frozen=True)
class Embedded:
    article: Article
    fingerprints: list[str]
    points: int
    reader: User | None
    token: IssuedToken | None
    view_token: str | None
    # The reader's earlier verdict on this article ("credited", "held", "rejected"), if any.
    rewarded: str | None


def open_embed(
    session: Session,
    settings: Settings,
    clock: Clock,
    site: Site,
    *,
    origin: str | None,
    url: str,
    sso: str | None,
    signup_address: str | None = None,
) -> Embedded:
    """The article of a page of the site, and its reader when the page carries a sign-in token.
    A page of an origin the site does not allow is refused."""
    if not is_allowed_origin(site, origin):
        raise Forbidden(
            f"this page's origin ({origin or 'none'}) is not allowed for this site: an operator "
            "adds it with `readtoearn sites set-origins`",
            code="origin_not_allowed",
        )
    article = find_article(session, site, url)
    fingerprints = [fingerprint(t) for t in tracked_paragraphs(article)]
    now: datetime = clock.now()
    if not sso:
        points = int(reading.requirements(article, settings)["points"])
        return Embedded(article, fingerprints, points, None, None, None, None)
    reader = sign_in(session, settings, site, sso, now, signup_address=signup_address)
    token = issue_reader_token(session, settings, reader)
    panel = reading.get_panel(session, settings, clock, reader_id=reader.id, article=article)
    rewarded = panel.rewarded.status if panel.rewarded is not None else None
    return Embedded(article, fingerprints, panel.points, reader, token, panel.view_token, rewarded)
