"""The reading panel on article pages, the wallet page, and their French."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract, extract_from_file
from bs4 import BeautifulSoup

from readtoearn.accounts import service as accounts
from readtoearn.ledger.models import ENTRY_LABELS
from readtoearn.reading.rules import READER_MESSAGES
from readtoearn.reading.snapshot import paragraph_words
from readtoearn.web import i18n
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import Client, fund, make_reader

WEB = Path(__file__).resolve().parents[2] / "src" / "readtoearn" / "web"


# Scripts every page may carry whatever the reader (broken-image placeholders, copy link).
PAGE_SCRIPTS = ("/static/images.js", "/static/share.js")


def reading_scripts(soup):  # type: ignore[no-untyped-def]
    """The page's reading scripts (tracker, visitor), not those every article page has."""
    return [s for s in soup.select("script[src]") if not s["src"].startswith(PAGE_SCRIPTS)]


@pytest.fixture
def article(session, settings):
    article = make_article(session, settings, paragraphs=12)
    session.commit()
    return article


@pytest.fixture
def signed_in(client, session, settings):
    fund(session)
    user, bearer = make_reader(session, settings, "ada")
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
    session.commit()
    return user, bearer


def page(client, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def test_visitors_see_the_promotion_and_no_reading_panel(client, article) -> None:
    soup = page(client, f"/articles/{article.id}/{article.slug}")
    assert soup.select_one(".promo a[href='/join']")
    assert soup.select_one("#rte-tracker") is None
    # The script only asks for the visitor's own part of the shared page (the view token);
    # without it, the link leads to the reader's own page through the login.
    (script,) = reading_scripts(soup)
    assert script["src"].startswith("/static/visitor.js")
    assert soup.select_one("#rte-visitor")["data-article-id"] == str(article.id)
    login = f"/account/login?next=/articles/{article.id}/{article.slug}"
    assert soup.select_one(f"#rte-visitor a[href='{login}']")
    assert soup.select_one("a[href='/account/login']")


def test_readers_get_the_tracker_and_paragraph_numbers(client, session, article, signed_in) -> None:
    soup = page(client, f"/articles/{article.id}/{article.slug}")
    tracker = soup.select_one("#rte-tracker")
    assert tracker["data-article-id"] == str(article.id)
    assert tracker["data-view-token"]
    assert soup.select_one("#rte-progress")
    assert "10 points when you finish reading." in soup.select_one("#rte-status").text
    assert soup.select_one("script[src^='/static/tracker.js']")
    # The lead is paragraph 0 (above the body, marked for the tracker), the body's from 1: what
    # the server counts, and the words it expects per paragraph.
    lead = soup.select_one("p.article__lead")
    assert lead["data-p"] == "0" and lead.has_attr("data-rte-lead")
    numbers = [p["data-p"] for p in soup.select("[data-rte-body] p[data-p]")]
    assert numbers == [str(i) for i in range(1, 13)]
    assert len(soup.select("[data-p]")) == article.paragraph_count == 13
    shown = [len(p.get_text().split()) for p in soup.select("[data-p]")]
    assert shown == list(paragraph_words(session, article.id, article.content_hash))
    assert soup.select_one(".promo") is None
    assert soup.select_one("a[href='/account/wallet']")


def test_a_rewarded_article_says_so_without_a_tracker(
    client, clock, settings, article, signed_in
) -> None:
    reader = Client(client, clock, settings, article, signed_in[1])
    reader.start()
    reader.read_like_a_human()
    assert reader.complete().json()["verdict"] == "credited"
    soup = page(client, f"/articles/{article.id}/{article.slug}")
    assert soup.select_one("#rte-tracker") is None
    assert "You earned 10 points for this article." in soup.select_one(".reading-panel").text
    assert not reading_scripts(soup)


def test_the_wallet_page_lists_reads_and_balances(
    client, clock, settings, article, signed_in
) -> None:
    reader = Client(client, clock, settings, article, signed_in[1])
    reader.start()
    reader.read_like_a_human()
    reader.complete()
    soup = page(client, "/account/wallet")
    assert soup.select_one("[data-balance='available']").text == "10"
    assert soup.select_one("[data-balance='pending']").text == "0"
    row = soup.select_one(f"tr[data-read='{reader.read_id}']")
    assert article.title in row.text
    assert "Credited" in row.text
    assert "You read the whole article at a reading pace." in row.text
    assert "Reading reward" in soup.text


def test_the_wallet_page_speaks_french(client, signed_in) -> None:
    soup = page(client, "/account/wallet?lang=fr")
    assert soup.h1.text == "Mes points"
    assert "Aucune lecture pour l’instant" in soup.text


def test_the_wallet_page_needs_a_reader(client) -> None:
    response = client.get("/account/wallet", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/account/login?next=")


def test_every_reading_string_has_a_french_translation() -> None:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    messages: set[str] = set(READER_MESSAGES.values()) | set(ENTRY_LABELS.values())
    files = [WEB / "templates" / "base.html", *sorted((WEB / "templates" / "reading").glob("*"))]
    for path in files:
        with path.open("rb") as handle:
            for _line, message, _comments, _context in extract("jinja2", handle, keywords):
                first = message[0] if isinstance(message, tuple) else message
                if first:
                    messages.add(first)
    python = extract_from_file("python", str(WEB / "routes" / "wallet.py"))
    messages.update(m for _l, m, _c, _x in python if isinstance(m, str))
    catalogue = i18n.translations("fr")._catalog  # type: ignore[attr-defined]
    known = {key[0] if isinstance(key, tuple) else key for key in catalogue}
    assert sorted(messages - known) == []
