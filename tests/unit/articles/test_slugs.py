"""Slugs end on a whole word, within the length limit; slugs already stored never change."""

from __future__ import annotations

from sqlalchemy import select

from readtoearn.articles import service
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.articles.models import Author, Category
from readtoearn.articles.text import earlier_slug, slugify
from tests.factories import article_html, make_article

LONG_TITLE = (
    "Unions and ministers met late on Thursday night to discuss what the new government plans next"
)


def test_a_long_title_is_cut_after_the_last_whole_word() -> None:
    slug = slugify(LONG_TITLE)
    assert len(slug) <= 80
    assert slug == "unions-and-ministers-met-late-on-thursday-night-to-discuss-what-the-new"
    # The first rule cut in the middle of a word.
    assert earlier_slug(LONG_TITLE).endswith("-the-new-governme")
    assert set(slug.split("-")) <= set(LONG_TITLE.lower().split())


def test_a_word_that_ends_exactly_at_the_limit_is_kept() -> None:
    title = "x" * 75 + " word more"
    assert slugify(title, max_length=80) == "x" * 75 + "-word"
    assert slugify("a" * 70 + " " + "b" * 9, max_length=80) == "a" * 70 + "-" + "b" * 9


def test_french_accents_ligatures_and_apostrophes() -> None:
    title = (
        "Le cœur de l’économie française bat plus vite que prévu selon les économistes de la "
        "Banque de France"
    )
    slug = slugify(title)
    assert slug == (
        "le-coeur-de-l-economie-francaise-bat-plus-vite-que-prevu-selon-les-economistes"
    )
    assert len(slug) <= 80
    assert slugify("Intelligence artificielle : l'été 2026") == (
        "intelligence-artificielle-l-ete-2026"
    )
    assert slugify("Théo Marchal") == "theo-marchal"


def test_a_single_very_long_word_is_cut_at_the_limit() -> None:
    word = "Anticonstitutionnellement" * 5
    assert slugify(word) == word.lower()[:80]
    assert slugify(word, max_length=20) == "anticonstitutionnell"
    assert slugify("!!!") == "item"


def test_a_stored_article_keeps_its_slug_when_imported_again(session, settings) -> None:
    article = make_article(session, settings, title=LONG_TITLE, url="https://news.example/pens")
    # A slug made by the first rule, as stored before: its URL must keep working.
    article.slug = earlier_slug(LONG_TITLE)
    session.flush()
    again = make_article(
        session, settings, title=LONG_TITLE + " (updated)", url="https://news.example/pens"
    )
    assert again.id == article.id
    assert again.slug == earlier_slug(LONG_TITLE)


def test_authors_and_categories_stored_under_the_first_rule_are_found(session, settings) -> None:
    name = "Cœur de métier"
    session.add(Category(slug=earlier_slug(name), name=name))
    session.add(Author(slug=earlier_slug("Zoë Œuvray"), name="Zoë Œuvray", bio=""))
    session.flush()
    draft = ArticleDraft(
        title="Les métiers du port",
        html=article_html(4, "fr"),
        language="fr",
        authors=[AuthorDraft(name="Zoë Œuvray")],
        categories=[name],
    )
    article = service.save_article(session, draft, settings).article
    assert [c.slug for c in article.categories] == ["cur-de-metier"]
    assert len(session.scalars(select(Category)).all()) == 1
    assert [a.slug for a in article.authors] == [earlier_slug("Zoë Œuvray")]
    assert len(session.scalars(select(Author)).all()) == 1
    # A new category gets the new rule's slug.
    assert slugify("Sœurs et frères") == "soeurs-et-freres"
