"""Pages anonymous readers share: cached per version and language, revalidated with 304s, kept
private when signed in, dropped when the catalogue changes (also by another worker), and the
visitor's own part from the tracker's JSON call."""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from readtoearn.accounts import service as accounts
from readtoearn.app import create_app
from readtoearn.reading import tokens
from readtoearn.web import client as who
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import fund, make_reader

URL = "https://news.example/markets/record-round"


@pytest.fixture
def article(session, settings):
    article = make_article(session, settings, paragraphs=6, url=URL)
    session.commit()
    return article


def path_of(article) -> str:
    return f"/articles/{article.id}/{article.slug}"


def test_an_anonymous_article_page_is_public_and_cached(client, app, article) -> None:
    first = client.get(path_of(article))
    assert first.status_code == 200
    control = first.headers["cache-control"]
    assert control == "public, max-age=60, stale-while-revalidate=300"
    assert first.headers["etag"].startswith('"')
    modified = parsedate_to_datetime(first.headers["last-modified"])
    assert modified == article.updated_at.replace(microsecond=0)
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in first.headers["vary"].split(",")}
    assert "set-cookie" not in first.headers  # a shared cache must never keep a cookie
    assert len(app.state.page_cache) == 1
    again = client.get(path_of(article))
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    # Nothing of the visitor is on the shared page: no view token, no panel.
    soup = BeautifulSoup(first.text, "html.parser")
    assert soup.select_one("meta[name=rte-view-token]") is None
    assert soup.select_one("#rte-tracker") is None and soup.select_one("#rte-visitor")


def test_revalidation_answers_304(client, article) -> None:
    first = client.get(path_of(article))
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    same = client.get(path_of(article), headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == etag and same.headers["cache-control"].startswith("public")
    weak = client.get(path_of(article), headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    assert client.get(path_of(article), headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(path_of(article), headers={"If-Modified-Since": modified}).status_code == 304
    older = format_datetime(parsedate_to_datetime(modified).replace(year=2000), usegmt=True)
    assert client.get(path_of(article), headers={"If-Modified-Since": older}).status_code == 200
    assert (
        client.get(path_of(article), headers={"If-Modified-Since": "nonsense"}).status_code == 200
    )
    # If-None-Match wins over If-Modified-Since.
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert client.get(path_of(article), headers=both).status_code == 200


def test_each_language_has_its_own_copy(client, app, article) -> None:
    english = client.get(path_of(article), headers={"Accept-Language": "en"})
    french = client.get(path_of(article), headers={"Accept-Language": "fr"})
    assert english.headers["content-language"] == "en"
    assert french.headers["content-language"] == "fr"
    assert english.headers["etag"] != french.headers["etag"]
    assert "Se connecter" in french.text and "Log in" in english.text
    assert len(app.state.page_cache) == 2


def test_a_signed_in_reader_gets_a_private_page_of_their_own(
    client, app, session, settings, article
) -> None:
    fund(session)
    user, _ = make_reader(session, settings, "ada")
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
    session.commit()
    page = client.get(path_of(article))
    assert page.headers["cache-control"] == "private, no-store"
    assert "etag" not in page.headers
    # A private page may carry cookies: the browser's device cookie is set as on any page.
    assert any(c.startswith(f"{who.DEVICE_COOKIE}=") for c in page.headers.get_list("set-cookie"))
    soup = BeautifulSoup(page.text, "html.parser")
    tracker = soup.select_one("#rte-tracker")
    assert tracker is not None and tracker["data-view-token"]
    assert soup.select_one("#rte-visitor") is None
    assert len(app.state.page_cache) == 0


def test_lists_are_cached_and_revalidated(client, article) -> None:
    for path in ("/", "/categories/economy", f"/authors/{article.authors[0].slug}"):
        first = client.get(path)
        assert first.status_code == 200, path
        assert first.headers["cache-control"].startswith("public"), path
        assert first.headers["last-modified"], path
        again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304, path
    assert client.get("/categories/nothing-here").status_code == 404


def test_an_edit_shows_at_once_even_from_another_worker(
    settings, database, clock, session, article
) -> None:
    """Two apps on one database stand for two workers: an edit made through one (here, an
    import of the same URL) is seen by the other, whose cached copy is dropped."""
    fresh = settings.model_copy(update={"page_cache_check_s": 0})
    one = create_app(fresh, database=database, clock=clock)
    with TestClient(one) as first:
        before = first.get(path_of(article))
        assert "Markets brace" in before.text
        make_article(session, settings, url=URL, title="Markets brace for a smaller round")
        session.commit()
        after = first.get(path_of(article))
        assert "a smaller round" in after.text
        assert after.headers["etag"] != before.headers["etag"]
        assert first.get(path_of(article), headers={"If-None-Match": before.headers["etag"]})
        new = first.get("/")
        assert "a smaller round" in new.text


def test_the_cache_waits_its_check_interval_and_stays_bounded(
    settings, database, clock, session, article
) -> None:
    slow = settings.model_copy(update={"page_cache_check_s": 3600, "page_cache_entries": 2})
    app = create_app(slow, database=database, clock=clock)
    with TestClient(app) as http:
        http.get(path_of(article))
        make_article(session, settings, url=URL, title="Markets brace for a smaller round")
        session.commit()
        # Within the check interval the process keeps what it rendered.
        assert "Markets brace for a record" in http.get(path_of(article)).text
        http.get("/")
        http.get("/?page=1")
        assert len(app.state.page_cache) == 2
        app.state.page_cache.forget()
        assert "a smaller round" in http.get(path_of(article)).text


def test_the_visitor_s_own_part_comes_from_the_json_call(client, settings, clock, article):
    view = client.get(f"/api/v1/articles/{article.id}/reader")
    assert view.status_code == 200
    assert view.headers["cache-control"] == "private, no-store"
    body = view.json()
    assert body["signed_in"] is False and body["points"] is None and body["rewarded"] is None
    device = client.cookies[who.DEVICE_COOKIE]
    device_id = who.identity.verify_device(settings.resolved_secret_key, device)
    assert device_id
    at = tokens.verify_view(
        settings.resolved_secret_key,
        body["view_token"],
        article.id,
        [tokens.device_subject(device_id)],
        3600,
        clock.now().timestamp(),
    )
    assert at
    missing = client.get("/api/v1/articles/01234567-89ab-cdef-0123-456789abcdef/reader")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_a_signed_in_reader_s_part_holds_their_panel(client, session, settings, clock, article):
    fund(session)
    user, bearer = make_reader(session, settings, "ada")
    session.commit()
    body = client.get(
        f"/api/v1/articles/{article.id}/reader", headers={"Authorization": f"Bearer {bearer}"}
    ).json()
    assert body["signed_in"] is True
    assert body["points"] == settings.points_per_read and body["rewarded"] is None
    assert tokens.verify_view(
        settings.resolved_secret_key,
        body["view_token"],
        article.id,
        [tokens.reader_subject(user.id)],
        3600,
        clock.now().timestamp(),
    )
    bad = client.get(
        f"/api/v1/articles/{article.id}/reader", headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401


def test_a_signed_in_page_shares_the_article_part_and_follows_edits(
    settings, database, clock, session, article
) -> None:
    """A signed-in reader's page reads only their own part once the article's is known, and
    shows an edit as soon as the catalogue's version says so."""
    fund(session)
    user, _ = make_reader(session, settings, "ada")
    cookie = accounts.start_session(session, settings, user)
    session.commit()
    fresh = settings.model_copy(update={"page_cache_check_s": 0})
    app = create_app(fresh, database=database, clock=clock)
    with TestClient(app) as http:
        http.get(path_of(article))  # a visitor first: the article's part is kept
        http.cookies.set(SESSION_COOKIE, cookie)
        mine = BeautifulSoup(http.get(path_of(article)).text, "html.parser")
        tracker = mine.select_one("#rte-tracker")
        assert tracker is not None and tracker["data-view-token"]
        assert mine.select_one(".promo") is None and mine.select_one("#rte-visitor") is None
        make_article(session, settings, url=URL, title="Markets brace for a smaller round")
        session.commit()
        assert "a smaller round" in http.get(path_of(article)).text


def test_the_visitor_script_is_small_and_asks_only_this_site(client) -> None:
    script = client.get("/static/visitor.js")
    assert script.status_code == 200 and len(script.content) < 4 * 1024
    assert b"http://" not in script.content and b"https://" not in script.content
    assert b"/api/v1/articles/" in script.content
