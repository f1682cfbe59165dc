import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from readtoearn.articles import service
from readtoearn.articles.interfaces import ArticleDraft
from readtoearn.articles.models import Article, Author
from readtoearn.errors import InvalidInput, NotFound
from tests.factories import article_html, make_article


def test_save_measures_the_article(session, settings) -> None:
    article = make_article(session, settings, paragraphs=6)
    assert article.word_count > 100
    assert article.paragraph_count == 7  # the lead and six paragraphs
    assert article.reading_minutes == 1
    assert [a.name for a in article.authors] == ["Ada Lovelace"]
    assert [c.name for c in article.categories] == ["Economy", "Artificial intelligence"]
    assert article.published_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def test_reimport_by_url_updates_and_never_duplicates(session, settings) -> None:
    first = make_article(session, settings, title="First title")
    second = make_article(session, settings, title="A better title", paragraphs=8)
    assert first.id == second.id
    assert second.title == "A better title"
    assert session.scalar(select(func.count()).select_from(Article)) == 1
    assert session.scalar(select(func.count()).select_from(Author)) == 1


def test_without_url_the_content_hash_is_the_key(session, settings) -> None:
    a = make_article(session, settings, url=None)
    b = make_article(session, settings, url=None)
    assert a.id == b.id


def test_language_is_detected_when_not_declared(session, settings) -> None:
    draft = ArticleDraft(title="Les marchés attendent", html=article_html(4, "fr"), language=None)
    assert service.save_article(session, draft, settings).article.language == "fr"


def test_publication_zone_is_kept(session, settings) -> None:
    paris = timezone(timedelta(hours=1))
    article = make_article(
        session, settings, published_at=datetime(2026, 3, 1, 10, 0, tzinfo=paris)
    )
    assert article.published_offset_min == 60
    assert article.published_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("title", "html", "message"),
    [
        ("", "<p>" + "word " * 50 + "</p>", "no title"),
        ("Title", "", "no article text"),
        ("Title", "<script>" + "x " * 500 + "</script>", "no article text"),
    ],
)
def test_bad_drafts_are_refused_and_nothing_is_written(
    session, settings, title, html, message
) -> None:
    with pytest.raises(InvalidInput, match=message):
        service.save_article(session, ArticleDraft(title=title, html=html), settings)
    assert session.scalar(select(func.count()).select_from(Article)) == 0


def test_unknown_and_malformed_ids_are_not_found(session) -> None:
    with pytest.raises(NotFound):
        service.get_article(session, "not-a-uuid")
    with pytest.raises(NotFound):
        service.get_article(session, "0190f0f0-0000-7000-8000-000000000000")


def test_list_is_newest_first_and_filters(session, settings) -> None:
    old = make_article(
        session,
        settings,
        url="https://n.example/old",
        title="Old news",
        categories=("Economy",),
        published_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    new = make_article(
        session,
        settings,
        url="https://n.example/new",
        title="New news",
        categories=("Crypto",),
        author="Grace Hopper",
    )
    items, total = service.list_articles(session)
    assert [a.id for a in items] == [new.id, old.id] and total == 2
    items, total = service.list_articles(session, category_slug="economy")
    assert [a.id for a in items] == [old.id] and total == 1
    items, _ = service.list_articles(session, author_slug="grace-hopper")
    assert [a.id for a in items] == [new.id]


def test_reading_time_counts_the_lead_key_points_and_captions(session, settings) -> None:
    # The page: about 620 words in the lead, "En bref" box and body, one image. Its
    # publisher says 4 min; counting the body after the lead alone said 3.
    lead = " ".join(["chapô"] * 60)
    points = [" ".join(["point"] * 25), " ".join(["essentiel"] * 25)]
    body = "".join(f"<p>{' '.join(['mot'] * 51)}</p>" for _ in range(10))
    draft = ArticleDraft(
        title="Une page de 620 mots",
        html=body,
        canonical_url="https://news.example/620",
        language="fr",
        lead=lead,
        key_points=points,
        image_url="https://news.example/photo.jpg",
    )
    article = service.save_article(session, draft, settings).article
    assert article.word_count == 620
    assert article.paragraph_count == 11  # the lead, then the body's ten
    assert article.reading_seconds == math.ceil(620 * 60 / 220 + 12)
    assert article.reading_minutes == 4
    assert math.ceil((510 * 60 / 220 + 12) / 60) == 3  # the body alone
