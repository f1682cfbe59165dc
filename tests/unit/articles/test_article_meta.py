"""An article's publisher, its modified date and its authors' bios per language."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from readtoearn.articles import service
from readtoearn.articles.bios import Bio, bio_for
from readtoearn.articles.extract import extract_article
from readtoearn.articles.importer import record_draft
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.articles.models import Author
from readtoearn.articles.provenance import last_changed, original_site, shown_modified
from readtoearn.errors import InvalidInput
from tests.factories import article_html, make_article

BODY = "".join(
    f"<p>The harbour authority approved a new ferry line to the islands on Monday ({i}).</p>"
    for i in range(8)
)


def page(head: str, body: str = "") -> str:
    return (
        f"<html lang='en'><head><title>Ferries</title>{head}</head><body><article>"
        f"<h1>A ferry line to the islands</h1>{body}{BODY}</article></body></html>"
    )


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        (
            '<meta property="article:modified_time" content="2026-11-21T10:00:00+01:00">',
            "",
            datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        ),
        (
            '<script type="application/ld+json">'
            + json.dumps(
                {
                    "@type": "NewsArticle",
                    "headline": "A ferry line",
                    "datePublished": "2026-11-20T08:00:00Z",
                    "dateModified": "2026-11-22T18:30:00Z",
                }
            )
            + "</script>",
            "",
            datetime(2026, 11, 22, 18, 30, tzinfo=UTC),
        ),
        (
            "",
            '<p>Published <time class="published" datetime="2026-11-20T08:00:00Z">20 Nov</time>'
            ', updated <time class="entry-updated" datetime="2026-11-23T07:15:00Z">23 Nov</time>'
            "</p>",
            datetime(2026, 11, 23, 7, 15, tzinfo=UTC),
        ),
        ("", "", None),
    ],
)
def test_the_extractor_reads_the_modified_date(head, body, expected) -> None:
    draft = extract_article(page(head, body), "https://ferries.example/line")
    assert draft.modified_at == expected


def test_the_modified_date_is_stored_apart_from_the_row_time(session, settings) -> None:
    draft = ArticleDraft(
        title="A ferry line to the islands",
        html=article_html(4),
        canonical_url="https://ferries.example/line",
        published_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        modified_at=datetime(2026, 11, 22, 9, 0, tzinfo=timezone(timedelta(hours=1))),
    )
    article = service.save_article(session, draft, settings).article
    assert article.modified_at == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert article.updated_at != article.modified_at
    assert shown_modified(article) == article.modified_at
    assert last_changed(article) == article.modified_at
    # Imported again without a date: the publisher's date stays; one before the publication
    # time is nonsense and ignored.
    draft.modified_at = None
    assert service.save_article(session, draft, settings).article.modified_at == (
        datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    )
    draft.modified_at = datetime(2020, 1, 1, tzinfo=UTC)
    assert service.save_article(session, draft, settings).article.modified_at == (
        datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    )


def test_a_modified_date_equal_to_the_publication_is_not_shown(session, settings) -> None:
    article = make_article(session, settings, published_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    assert shown_modified(article) is None
    assert last_changed(article) == article.published_at
    article.modified_at = article.published_at + timedelta(seconds=20)
    assert shown_modified(article) is None
    article.modified_at = article.published_at + timedelta(hours=3)
    assert shown_modified(article) == article.modified_at


def test_json_records_carry_modified_at_and_bios() -> None:
    draft = record_draft(
        {
            "title": "A ferry line",
            "text": "Words " * 40,
            "published_at": "2026-11-20T08:00:00Z",
            "modified_at": "2026-11-21T08:00:00+02:00",
            "authors": [{"name": "Inès Delorme", "bio": "Energy.", "bios": {"fr": "Énergie."}}],
        }
    )
    assert draft.modified_at == datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    assert draft.authors[0].bios == {"fr": "Énergie."}
    with pytest.raises(InvalidInput, match="modified_at"):
        record_draft({"title": "x", "text": "y", "modified_at": "last Tuesday"})
    with pytest.raises(InvalidInput, match="bios"):
        record_draft({"title": "x", "text": "y", "authors": [{"name": "A", "bios": {"de": "z"}}]})
    with pytest.raises(InvalidInput, match="bios"):
        record_draft({"title": "x", "text": "y", "authors": [{"name": "A", "bios": ["z"]}]})


def _save(session, settings, language: str, author: AuthorDraft, url: str):
    draft = ArticleDraft(
        title=f"Un article {url}" if language == "fr" else f"An article {url}",
        html=article_html(4, language),
        canonical_url=f"https://news.example/{url}",
        language=language,
        authors=[author],
    )
    return service.save_article(session, draft, settings).article


def test_bios_are_kept_per_language_with_the_default(session, settings) -> None:
    both = AuthorDraft(name="Inès Delorme", bio="Energy reporter.", bios={"fr": "Journaliste."})
    author = _save(session, settings, "en", both, "a").authors[0]
    assert author.bio == "Energy reporter."
    assert author.bios == {"fr": "Journaliste."}
    # A bio with no language (an author box, a record's "bio") is the article's language's.
    plain = AuthorDraft(name="Inès Delorme", bio="Energy and the French economy.")
    author = _save(session, settings, "en", plain, "b").authors[0]
    assert author.bios == {"fr": "Journaliste.", "en": "Energy and the French economy."}
    assert author.bio == "Energy and the French economy."


def test_a_page_shows_its_language_s_bio_then_the_default_then_another(session) -> None:
    author = Author(slug="a", name="A", bio="Default.", bios={"en": "English.", "fr": "Français."})
    assert bio_for(author, "fr") == Bio("Français.", "fr")
    assert bio_for(author, "en") == Bio("English.", "en")
    only_fr = Author(slug="b", name="B", bio="", bios={"fr": "Français."})
    assert bio_for(only_fr, "en") == Bio("Français.", "fr")  # marked as French
    default = Author(slug="c", name="C", bio="Default.", bios={"fr": "Français."})
    assert bio_for(default, "en") == Bio("Default.", None)
    same = Author(slug="d", name="D", bio="English.", bios={"en": "English."})
    assert bio_for(same, "fr") == Bio("English.", "en")
    assert bio_for(Author(slug="e", name="E", bio="", bios={}), "en") is None


def test_the_original_site_is_another_site_s_page(session, settings) -> None:
    article = make_article(session, settings, url="https://www.lefilcrypto.example/ia/nimbus")
    origin = original_site(article, "https://read.example.org")
    assert origin is not None
    assert origin.url == "https://www.lefilcrypto.example/ia/nimbus"
    assert origin.name == "lefilcrypto.example"
    article.extra = {"site_name": "Le Fil Crypto"}
    assert original_site(article, "https://read.example.org").name == "Le Fil Crypto"
    # The same host as this site, no URL, or a demo article: no other origin.
    assert original_site(article, "http://www.lefilcrypto.example:8000") is None
    article.source = "demo"
    assert original_site(article, "https://read.example.org") is None
    plain = make_article(session, settings, url=None, title="No address")
    assert original_site(plain, "https://read.example.org") is None
