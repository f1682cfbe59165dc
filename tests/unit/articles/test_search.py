"""Search (SQLite FTS5 / PostgreSQL full text), related articles and language editions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from readtoearn.articles import search
from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.articles.models import Article
from readtoearn.config import Settings
from readtoearn.errors import InvalidInput

FILLER_EN = "The report came out on a quiet morning and readers took their time with every line. "
FILLER_FR = "Le rapport est sorti un matin calme et les lecteurs ont pris le temps de tout lire. "


def save(
    session: Session,
    settings: Settings,
    title: str,
    body: str,
    *,
    language: str = "en",
    categories: tuple[str, ...] = (),
    author: str = "Ada Lovelace",
    url: str | None = None,
    days: int = 0,
    translations: tuple[str, ...] = (),
) -> Article:
    filler = FILLER_FR if language == "fr" else FILLER_EN
    draft = ArticleDraft(
        title=title,
        html=f"<p>{filler * 2}</p><p>{body}</p>",
        canonical_url=url or f"https://news.example/{language}/{abs(hash(title))}",
        language=language,
        published_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=days),
        authors=[AuthorDraft(name=author)],
        categories=list(categories),
        translations=list(translations),
    )
    return articles.save_article(session, draft, settings).article


def titles(results: search.Results) -> list[str]:
    return [hit.article.title for hit in results.hits]


def test_french_stemming_finds_the_plural_other_forms_and_accentless_words(
    session, settings
) -> None:
    save(session, settings, "Le budget de l'État", "L'économie française ralentit.", language="fr")
    save(session, settings, "La météo", "Il pleut sur la ville depuis trois jours.", language="fr")

    assert titles(search.search(session, "économies")) == ["Le budget de l'État"]
    assert titles(search.search(session, "ÉCONOMIQUE")) == ["Le budget de l'État"]
    assert titles(search.search(session, "état budget")) == ["Le budget de l'État"]
    assert titles(search.search(session, "ECONOMIE etat")) == ["Le budget de l'État"]


def test_english_stemming_finds_running_from_run(session, settings) -> None:
    save(session, settings, "Marathon day", "She will run the whole course in the rain.")
    save(session, settings, "Bank rates", "The central bank held its rates again.")

    assert titles(search.search(session, "running")) == ["Marathon day"]
    assert titles(search.search(session, "runs")) == ["Marathon day"]
    assert search.search(session, "swimming").total == 0


def test_every_word_must_match_and_the_title_ranks_first(session, settings) -> None:
    save(session, settings, "Solar panels", "Farmers install panels on barns.", days=1)
    save(session, settings, "Farm news", "Solar energy and solar panels on every farm.", days=2)
    save(session, settings, "Wind farms", "Turbines turn on the hills.", days=3)

    found = search.search(session, "solar panels")
    assert set(titles(found)) == {"Solar panels", "Farm news"}
    assert titles(found)[0] == "Solar panels"  # both words in its title
    assert found.total == 2


def test_language_filter_and_pagination(session, settings) -> None:
    for day in range(5):
        save(session, settings, f"Climate report {day}", "The climate warms.", days=day)
    save(session, settings, "Le climat", "Le climat se réchauffe vite.", language="fr")

    # A word is read in both languages: "climate" is also French "climat"'s stem.
    assert search.search(session, "climate").total == 6
    assert search.search(session, "climate", language="en").total == 5
    assert titles(search.search(session, "climat", language="fr")) == ["Le climat"]
    first = search.search(session, "climate", language="en", limit=2)
    second = search.search(session, "climate", language="en", limit=2, offset=2)
    assert len(first.hits) == len(second.hits) == 2
    assert not set(titles(first)) & set(titles(second))


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "climate*",
        "-climate",
        "NEAR(climate report)",
        "climate AND OR NOT",
        "(((climate",
        "col:climate",
        "climate^2 {x}",
        "'; DROP TABLE articles; --",
        "\\x00 \u202e climate",
    ],
)
def test_query_syntax_is_read_as_plain_words(session, settings, query: str) -> None:
    save(session, settings, "Climate report", "The climate warms and the report says so.")
    found = search.search(session, query)  # never a syntax error
    assert found.total in (0, 1)


def test_syntax_characters_alone_and_long_queries_are_refused_clearly(session) -> None:
    with pytest.raises(InvalidInput, match="words"):
        search.search(session, ' "*-() ')
    with pytest.raises(InvalidInput, match="too long"):
        search.search(session, "word " * 100)


def test_the_snippet_highlights_the_matched_words(session, settings) -> None:
    body = " ".join(["Nothing to see here."] * 20) + " Then the harbour cranes stopped. "
    body += " ".join(["Quiet again."] * 20)
    save(session, settings, "Port strike", body)

    hit = search.search(session, "crane").hits[0]
    marked = [part for part, matched in hit.snippet if matched]
    assert marked == ["cranes"]
    assert hit.snippet[0] == ("… ", False)  # cut around the match, not the article's start
    assert len("".join(p for p, _ in hit.snippet).split()) <= search.SNIPPET_WORDS + 2
    assert [part for part, matched in hit.title if matched] == []


def test_edits_and_deletes_keep_the_index_in_step(session, settings) -> None:
    article = save(session, settings, "Old headline", "Bees make honey in the summer.")
    assert search.search(session, "honey").total == 1

    article.title = "Beekeeping"
    article.text = "Wasps are no bees at all, and they make no wax."
    session.flush()
    assert search.search(session, "honey").total == 0
    assert titles(search.search(session, "beekeeping wax")) == ["Beekeeping"]

    session.execute(delete(Article).where(Article.id == article.id))
    assert search.search(session, "beekeeping").total == 0
    if session.get_bind().dialect.name == "sqlite":  # the trigger dropped the row too
        left = session.execute(text("SELECT count(*) FROM article_search")).scalar_one()
        assert left == 0


def test_unpublished_articles_are_not_found(session, settings) -> None:
    article = save(session, settings, "Hidden story", "A story about lighthouses.")
    article.status = "unpublished"
    session.flush()
    assert search.search(session, "lighthouses").total == 0


def test_postgresql_searches_through_the_gin_index(session, settings) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    save(session, settings, "Indexed", "Glaciers retreat every year.")
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = session.execute(
        text(
            f"EXPLAIN SELECT a.id FROM articles a WHERE {search.PG_DOCUMENT} @@ "
            "(websearch_to_tsquery('french', 'glacier') || "
            "websearch_to_tsquery('english', 'glacier'))"
        )
    ).all()
    assert "article_search_document" in " ".join(row[0] for row in plan)


def test_related_articles_share_categories_then_authors_then_are_recent(session, settings) -> None:
    me = save(session, settings, "Chips", "Chip makers grow.", categories=("Tech", "Economy"))
    both = save(session, settings, "Fabs", "New fabs open.", categories=("Tech", "Economy"))
    one = save(session, settings, "Phones", "Phones sell.", categories=("Tech",), author="Bob")
    author = save(session, settings, "Cars", "Cars sell.", categories=("Auto",))
    recent = save(
        session, settings, "Rain", "It rains.", categories=("Weather",), author="Eve", days=9
    )
    save(session, settings, "Older", "Old news.", categories=("Weather",), author="Eve")
    save(session, settings, "Puces", "Les puces.", language="fr", categories=("Tech", "Economy"))

    related = search.list_related(session, me)
    assert [a.title for a in related] == [both.title, one.title, author.title, recent.title]


def test_related_articles_leave_out_hidden_ones(session, settings) -> None:
    me = save(session, settings, "Chips", "Chip makers grow.", categories=("Tech",))
    other = save(session, settings, "Fabs", "New fabs open.", categories=("Tech",))
    other.status = "deleted"
    session.flush()
    assert search.list_related(session, me) == []


def test_language_editions_share_a_translation_group(session, settings) -> None:
    en_url, fr_url = "https://news.example/en/budget", "https://news.example/fr/budget"
    english = save(session, settings, "The budget", "Spending rises.", url=en_url,
                   translations=(fr_url,))  # fmt: skip
    french = save(session, settings, "Le budget", "Les dépenses montent.", language="fr",
                  url=fr_url, translations=(en_url,))  # fmt: skip
    alone = save(session, settings, "Alone", "No other edition.")

    assert english.translation_group == french.translation_group is not None
    assert search.list_translations(session, english) == [french]
    assert search.list_translations(session, french) == [english]
    assert search.list_translations(session, alone) == []
    group = session.scalars(select(Article.translation_group).where(Article.id == alone.id)).one()
    assert group is None


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("L'économie repart", "e\u0301conomie"),  # typed decomposed
        ("Istanbul et Ankara", "İSTANBUL"),
        ("Die Straße", "strasse"),
        ("La ﬁnance verte", "finance"),
    ],
)
def test_unicode_forms_of_a_word_find_it(session, settings, title: str, query: str) -> None:
    save(session, settings, title, "Un texte sur la ville et ses habitants.", language="fr")
    if session.get_bind().dialect.name != "sqlite" and query in ("strasse", "finance"):
        pytest.skip("PostgreSQL keeps ß and ligatures (docs/search.md)")
    assert titles(search.search(session, query)) == [title]


def test_the_migration_indexes_the_articles_already_stored(tmp_path) -> None:
    import json

    from readtoearn import migrations
    from readtoearn.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrations.upgrade(engine, "0015_frozen")
    article_id = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO articles (id, slug, content_hash, title, description, lead, "
                "language, image_alt, image_caption, html, text, key_points, word_count, "
                "image_count, paragraph_count, reading_seconds, reading_minutes, source, extra, "
                "created_at, updated_at) VALUES (:id, 'old', :id, 'Les vendanges', '', '', "
                "'fr', '', '', '<p>x</p>', 'Les vignerons récoltent le raisin.', :points, 5, 0, "
                "1, 60, 1, 'import', '{}', :now, :now)"
            ),
            {"id": article_id.hex, "points": json.dumps([]), "now": "2026-12-01 00:00:00"},
        )
    migrations.upgrade(engine)
    with Session(engine) as session:
        found = search.search(session, "vendange raisins")
        assert [hit.article.id for hit in found.hits] == [article_id]
    engine.dispose()


def test_reindex_writes_the_sqlite_index_again(session, settings) -> None:
    save(session, settings, "Harvest time", "The growers pick the grapes.")
    if session.get_bind().dialect.name != "sqlite":
        assert search.reindex(session) == 0  # PostgreSQL computes its own
        return
    session.execute(text("DELETE FROM article_search"))
    assert search.search(session, "grape").total == 0
    assert search.reindex(session) == 1
    assert search.search(session, "grape").total == 1


def test_the_consoles_edits_and_unpublishing_reach_search(session, settings) -> None:
    from readtoearn.articles import editing

    article = save(session, settings, "Old harbour", "The ferries leave at dawn.")
    changed = editing.edit_article(
        session, article, settings, title="Lighthouse keepers", lead="A lonely job.",
        categories=[], key_points=[], by=None,
    )  # fmt: skip
    assert changed
    assert search.search(session, "harbour").total == 0
    assert titles(search.search(session, "lighthouse lonely")) == ["Lighthouse keepers"]
    editing.set_status(session, article, "unpublished", by=None)
    assert search.search(session, "lighthouse").total == 0
    editing.set_status(session, article, "published", by=None)
    assert search.search(session, "lighthouse").total == 1


def test_related_articles_then_come_by_shared_words(session, settings) -> None:
    me = save(session, settings, "Volcano erupts near Naples", "Ash covers the bay.",
              categories=("Science",))  # fmt: skip
    shared = save(session, settings, "Lab results", "New samples.", categories=("Science",),
                  author="Bob")  # fmt: skip
    alike = save(session, settings, "Flights resume", "Planes fly again over Naples after the "
                 "volcano calmed down.", categories=("Travel",), author="Eve")  # fmt: skip
    newest = save(session, settings, "Football", "A late goal.", categories=("Sport",),
                  author="Eve", days=30)  # fmt: skip
    save(session, settings, "Le volcan de Naples", "Les cendres.", language="fr")

    assert search.list_related(session, me) == [shared, alike, newest]
