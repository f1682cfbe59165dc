"""A signed-in reader's article page reads only the reader's own part from the database once the
article's part (the article, its body, related articles, editions) is known for the catalogue's
version; an edit or a new article shows at once all the same."""

from __future__ import annotations

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import event

from readtoearn.accounts import service as accounts
from readtoearn.app import create_app
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import fund, make_reader


def path_of(article) -> str:  # type: ignore[no-untyped-def]
    return f"/articles/{article.id}/{article.slug}"


def related_of(html: str) -> list[str]:
    section = BeautifulSoup(html, "html.parser").select_one("section.related")
    return [] if section is None else [a["href"] for a in section.select("a")]


def test_a_signed_in_page_reads_only_the_reader_s_part(settings, database, clock, session) -> None:  # type: ignore[no-untyped-def]
    fund(session)
    first = make_article(session, settings, title="A first story of the day", url=None)
    user, _ = make_reader(session, settings, "ada")
    cookie = accounts.start_session(session, settings, user)
    session.commit()
    app = create_app(
        settings.model_copy(update={"page_cache_check_s": 0}), database=database, clock=clock
    )
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, many) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        with TestClient(app) as http:
            http.cookies.set(SESSION_COOKIE, cookie)
            page = http.get(path_of(first))
            assert page.status_code == 200 and 'id="rte-tracker"' in page.text
            assert related_of(page.text) == []
            statements.clear()
            again = http.get(path_of(first))
            assert again.status_code == 200 and 'id="rte-tracker"' in again.text
            # (The catalogue's version is read at every request here: check interval 0.)
            article_part = [
                s for s in statements
                if ("FROM articles" in s or "article_categories" in s or "summaries" in s)
                and not s.startswith("SELECT count(")
            ]  # fmt: skip
            assert article_part == [], article_part
            # A new article of the same language is related at once (the version moved on).
            second = make_article(session, settings, title="A second story", url=None)
            session.commit()
            assert related_of(http.get(path_of(first)).text) == [path_of(second)]
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
