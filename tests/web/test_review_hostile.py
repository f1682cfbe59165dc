"""A hostile review of the console's articles, search and imports: what a careless editor or an
attacker sends is a message on the page or a refusal, never a 500 nor a way past the guards."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from readtoearn.articles.models import Article, Category
from tests.factories import make_article
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import csrf


@pytest.fixture
def story(session, settings) -> Article:
    article = make_article(session, settings, title="Harbour cranes return", paragraphs=8)
    session.commit()
    return article


def edit(client, article: Article, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf(client, f"/operator/articles/{article.id}")
    data = {"csrf_token": token, "title": article.title, "lead": article.lead or ""}
    data |= {"categories": "", "key_points": "", **fields}
    return client.post(f"/operator/articles/{article.id}", data=data, follow_redirects=False)


def category_names(session, article: Article) -> list[str]:
    session.expire_all()
    return [c.name for c in session.get(Article, article.id).categories]  # type: ignore[union-attr]


def test_a_category_name_too_long_for_its_column_is_a_message(client, session, settings, story):  # type: ignore[no-untyped-def]
    as_operator(client, session, settings)
    before = category_names(session, story)
    answer = edit(client, story, categories="harbour " * 40)
    assert answer.status_code == 400
    assert "The name of a category is too long (200 characters at most)." in answer.text
    assert category_names(session, story) == before
    client.cookies.set("lang", "fr")
    french = edit(client, story, categories="x" * 201)
    assert "Le nom d’une catégorie est trop long (200 caractères au plus)." in french.text


def test_a_category_without_letters_or_digits_is_a_message(client, session, settings, story):  # type: ignore[no-untyped-def]
    as_operator(client, session, settings)
    before = category_names(session, story)
    answer = edit(client, story, categories="Ports\n!!! ???")
    assert answer.status_code == 400
    assert "A category needs letters or digits." in answer.text
    assert category_names(session, story) == before
    assert session.scalar(select(Category).where(Category.name == "!!! ???")) is None
