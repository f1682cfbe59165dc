"""The demo content that `serve` loads: enough variety to show every feature of the article page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from readtoearn.articles import demo
from readtoearn.articles.models import Article, Author, Category
from readtoearn.config import Settings

BASE = "https://demo.readtoearn.example"
# What the demo claims, counted by articles/text.py: the words read, lead, key points, body and
# captions (README and reports quote these numbers).
EXPECTED_WORDS = {
    "/fr/ia/orvane-levee-40-milliards": 1722,
    "/fr/crypto/veltis-stablecoin-euro-3-milliards": 820,
    "/fr/energie/stockea-batteries-240-mw-lyon": 182,
    "/fr/economie/tramelle-suppressions-postes-2027": 332,
    "/fr/crypto/auditia-leve-12-millions-smart-contracts": 409,
    "/en/energy/northmere-calder-grid-deal": 1732,
    "/en/crypto/brightwater-withdrawals-halted": 199,
    "/en/ai/lumora-raises-forecast-q3-2026": 497,
    "/en/economy/harwick-lowe-14000-jobs": 276,
    "/en/ai/sorami-raises-85m-warehouse-robots": 207,
}
FOUR_MINUTE_ARTICLE = BASE + "/fr/crypto/veltis-stablecoin-euro-3-milliards"


@pytest.fixture
def articles(session: Session, settings: Settings) -> list[Article]:
    assert demo.load(session, settings) == len(EXPECTED_WORDS)
    return list(session.scalars(select(Article).where(Article.source == "demo")))


def by_language(articles: list[Article], language: str) -> list[Article]:
    return [a for a in articles if a.language == language]


def test_demo_has_ten_articles_in_both_languages(articles: list[Article]) -> None:
    assert len(articles) == len(EXPECTED_WORDS) >= 8
    assert len(by_language(articles, "fr")) == 5
    assert len(by_language(articles, "en")) == 5


def test_word_counts_are_what_the_demo_claims(articles: list[Article]) -> None:
    counted = {
        a.canonical_url.removeprefix(BASE): a.word_count for a in articles if a.canonical_url
    }
    assert counted == EXPECTED_WORDS


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_language_has_a_short_and_a_long_article(
    articles: list[Article], language: str
) -> None:
    words = [a.word_count for a in by_language(articles, language)]
    assert min(words) <= 200
    assert max(words) >= 1500


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fr", {"Intelligence artificielle", "Crypto", "Économie", "Énergie"}),
        ("en", {"Artificial intelligence", "Crypto", "Economy", "Energy"}),
    ],
)
def test_categories_are_named_in_the_article_language(
    articles: list[Article], language: str, names: set[str]
) -> None:
    used = {c.name for a in by_language(articles, language) for c in a.categories}
    assert used == names
    assert all(a.categories for a in articles)


def test_at_least_three_authors_each_with_a_bio(session: Session, articles: list[Article]) -> None:
    authors = {author for a in articles for author in a.authors}
    assert len(authors) >= 3
    assert all(len(author.bio.split()) >= 15 for author in authors)
    assert any(len(a.authors) > 1 for a in articles)  # a co-signed article


def test_author_profiles_carry_a_french_bio_and_a_colour(articles: list[Article]) -> None:
    for author in {author for a in articles for author in a.authors}:
        profile = demo.profile_for(author.slug)
        assert profile is not None
        assert profile.bio_in("en") == author.bio
        assert profile.bio_in("fr") != author.bio and profile.bio_fr
        assert re.fullmatch(r"#[0-9a-f]{6}", profile.avatar_color)
    assert demo.profile_for("nobody-at-all") is None


def test_some_articles_have_an_in_brief_box_and_others_none(articles: list[Article]) -> None:
    with_points = [a for a in articles if a.key_points]
    assert {a.language for a in with_points} == {"fr", "en"}
    assert all(2 <= len(a.key_points) <= 3 for a in with_points)
    assert len(with_points) < len(articles)


def test_the_820_word_french_article_reads_in_four_minutes(articles: list[Article]) -> None:
    article = next(a for a in articles if a.canonical_url == FOUR_MINUTE_ARTICLE)
    assert article.language == "fr"
    assert article.word_count == 820  # 770 in the body, 50 in the lead, key points and caption
    assert article.image_count == 1  # the hero image only
    assert article.reading_seconds == 236  # 820 words at 220 wpm + 12 s for the image
    assert article.reading_minutes == 4


def test_every_image_is_a_local_svg_with_alt_text_and_caption(articles: list[Article]) -> None:
    for article in articles:
        assert article.image_url and article.image_url.startswith("/static/demo/")
        path = demo.static_path(article.image_url)
        assert path is not None and path.is_file(), article.image_url
        assert path.read_text(encoding="utf-8").lstrip().startswith("<svg")
        assert article.image_alt and article.image_caption
        assert "<img" not in article.html


def test_articles_are_dated_across_november_2026_in_several_zones(articles: list[Article]) -> None:
    for article in articles:
        assert article.published_at is not None
        assert (article.published_at.year, article.published_at.month) == (2026, 11)
    offsets = {a.published_offset_min for a in articles}
    assert {60, 0, -300}.issubset(offsets)
    dates = sorted(a.published_at for a in articles if a.published_at)
    assert dates[-1] - dates[0] >= timedelta(days=20)


def test_bodies_have_sub_headings_paragraphs_and_a_lead(articles: list[Article]) -> None:
    for article in articles:
        assert article.html.count("<h2>") >= 2, article.title
        assert article.paragraph_count >= 3, article.title
        assert article.lead and article.description


def test_french_articles_use_french_typography(articles: list[Article]) -> None:
    # The source, the stored HTML and the stored titles and text all keep no-break spaces.
    html = {a.canonical_url: a.html for a in articles}
    stored = {a.canonical_url: a for a in articles}
    french = [d for d in demo.drafts() if d.language == "fr"]
    assert len(french) == 5
    for draft in french:
        text = " ".join([draft.title, draft.lead, html[draft.canonical_url], *draft.key_points])
        assert not re.search(r" [:;!?%»]", text), draft.title  # a plain space before them
        assert not re.search(r"« ", text), draft.title
        assert not re.search(r"\d \d{3}\b", text), draft.title  # "16 000" takes a no-break space
        assert "'" not in text, draft.title
    assert any("\u202f000" in html[d.canonical_url] for d in french)
    assert any("\u202f000" in stored[d.canonical_url].text for d in french)
    assert all(stored[d.canonical_url].title == d.title for d in french)


def test_the_body_is_dense_with_hedged_figures(articles: list[Article]) -> None:
    french = re.sub("[\u00a0\u202f]", " ", " ".join(a.text for a in by_language(articles, "fr")))
    english = " ".join(a.text for a in by_language(articles, "en"))
    for needle in ["jusqu’à", "environ", "au moins", "milliards de dollars", "Mds $", "trimestre"]:
        assert needle in french
    for needle in ["up to", "about", "at least", "could", "bn", "14,000 jobs", "in Q", "in 2015"]:
        assert needle in english
    assert re.search(r"\d+,\d %", french)  # "7,5 %"
    assert re.search(r"\d+(\.\d)?%", english)


def test_loading_twice_does_not_duplicate(
    session: Session, settings: Settings, articles: list[Article]
) -> None:
    def counts() -> tuple[int | None, ...]:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Article, Author, Category)
        )

    before = counts()
    assert demo.load(session, settings) == len(EXPECTED_WORDS)
    assert counts() == before
