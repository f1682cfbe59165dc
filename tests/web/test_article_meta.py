"""The article page names the publisher it was imported from, its modified date and its authors'
bios in the article's language; the sitemap and JSON-LD carry the modified date."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from bs4 import BeautifulSoup

from readtoearn.articles import bios, demo
from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.sites import service as sites
from tests.factories import article_html

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PUBLISHED = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
MODIFIED = datetime(2026, 11, 22, 16, 45, tzinfo=UTC)
AUTHOR = AuthorDraft(
    name="Inès Delorme",
    bio="Inès covers energy.",
    bios={"en": "Inès covers energy.", "fr": "Inès couvre l’énergie."},
)


def _article(session, settings, *, language="en", url="https://lefil.example/a", **extra):
    draft = ArticleDraft(
        title="Les réseaux électriques" if language == "fr" else "Power grids under strain",
        html=article_html(5, language),
        canonical_url=url,
        language=language,
        published_at=PUBLISHED,
        authors=[AUTHOR],
        site_name="Le Fil",
        **extra,
    )
    article = articles.save_article(session, draft, settings, source="url").article
    session.commit()
    return article


def _soup(client, article) -> BeautifulSoup:
    response = client.get(f"/articles/{article.id}/{article.slug}")
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def _json_ld(soup: BeautifulSoup) -> dict:
    (data,) = [json.loads(s.get_text()) for s in soup.select("script[type='application/ld+json']")]
    return data


def test_an_imported_article_names_its_publisher_and_its_update(client, session, settings) -> None:
    article = _article(session, settings, modified_at=MODIFIED)
    soup = _soup(client, article)
    origin = soup.select_one(".article__origin")
    assert origin is not None
    assert origin.get_text(" ", strip=True) == "Originally published at Le Fil"
    assert origin.a["href"] == "https://lefil.example/a"
    updated = soup.select_one(".meta__updated")
    assert updated is not None and "Updated on" in updated.get_text()
    assert updated.time["datetime"] == "2026-11-22T16:45+00:00"
    # Our page stays the canonical one (readers earn points here); the publisher's page is the
    # visible line, and JSON-LD's isBasedOn.
    page_url = f"{settings.base_url}/articles/{article.id}/{article.slug}"
    assert soup.select_one("link[rel=canonical]")["href"] == page_url
    assert soup.select_one("meta[property='og:url']")["content"] == page_url
    data = _json_ld(soup)
    assert data["isBasedOn"] == "https://lefil.example/a"
    assert data["dateModified"].startswith("2026-11-22T16:45:00")
    assert data["datePublished"].startswith("2026-11-20T08:00:00")
    assert soup.select_one("meta[property='article:modified_time']")["content"].startswith(
        "2026-11-22T16:45:00"
    )


def test_the_lines_follow_the_article_s_language(client, session, settings) -> None:
    article = _article(session, settings, language="fr", modified_at=MODIFIED)
    soup = _soup(client, article)
    assert soup.select_one(".article__origin").get_text(" ", strip=True) == (
        "Publié à l’origine sur Le Fil"
    )
    assert "Mis à jour le" in soup.select_one(".meta__updated").get_text()


def test_no_update_line_without_a_later_modified_date(client, session, settings) -> None:
    article = _article(session, settings, modified_at=PUBLISHED)
    soup = _soup(client, article)
    assert soup.select_one(".meta__updated") is None
    assert _json_ld(soup)["dateModified"].startswith("2026-11-20T08:00:00")


def test_no_origin_line_for_our_own_or_demo_articles(client, session, settings) -> None:
    own = _article(session, settings, url=f"{settings.base_url}/stories/grids")
    assert _soup(client, own).select_one(".article__origin") is None
    demo.load(session, settings)
    session.commit()
    first = articles.list_articles(session, limit=1)[0][0]
    assert first.source == "demo"
    assert _soup(client, first).select_one(".article__origin") is None


def test_the_sitemap_s_lastmod_is_the_modified_date(client, session, settings) -> None:
    changed = _article(session, settings, modified_at=MODIFIED)
    unchanged = _article(session, settings, url="https://lefil.example/b", language="fr")
    root = ET.fromstring(client.get("/sitemap.xml").content)
    lastmod = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root}
    base = settings.base_url
    assert lastmod[f"{base}/articles/{changed.id}/{changed.slug}"] == "2026-11-22T16:45:00+00:00"
    assert lastmod[f"{base}/articles/{unchanged.id}/{unchanged.slug}"] == (
        "2026-11-20T08:00:00+00:00"
    )


def test_the_author_box_speaks_the_article_s_language(client, session, settings) -> None:
    english = _article(session, settings, url="https://lefil.example/en")
    french = _article(session, settings, url="https://lefil.example/fr", language="fr")
    # The reader's interface is English for both: the box follows each article's language.
    assert _soup(client, english).select_one(".author-box__bio").get_text() == (
        "Inès covers energy."
    )
    assert _soup(client, french).select_one(".author-box__bio").get_text() == (
        "Inès couvre l’énergie."
    )
    # The author page follows the page's language.
    slug = english.authors[0].slug
    page = BeautifulSoup(client.get(f"/authors/{slug}").text, "html.parser")
    assert page.select_one(".author-profile__bio").get_text() == "Inès covers energy."
    client.cookies.set("lang", "fr")
    page = BeautifulSoup(client.get(f"/authors/{slug}").text, "html.parser")
    assert page.select_one(".author-profile__bio").get_text() == "Inès couvre l’énergie."


def test_a_bio_in_another_language_is_marked_with_it(client, session, settings) -> None:
    draft = ArticleDraft(
        title="Power grids under strain",
        html=article_html(5),
        canonical_url="https://lefil.example/only-fr",
        language="en",
        authors=[AuthorDraft(name="Léa Montreuil", bios={"fr": "Analyste des marchés."})],
    )
    article = articles.save_article(session, draft, settings).article
    session.commit()
    bio = _soup(client, article).select_one(".author-box__bio")
    assert bio.get_text() == "Analyste des marchés."
    assert bio["lang"] == "fr"


def test_demo_authors_have_bios_in_both_languages(client, session, settings) -> None:
    demo.load(session, settings)
    session.commit()
    claire = demo.authors()["claire"]
    stored = articles.get_author(session, claire.slug)
    assert stored.bios == {"en": claire.bio, "fr": claire.bio_fr}
    assert stored.bio == claire.bio
    client.cookies.set("lang", "fr")
    page = BeautifulSoup(client.get(f"/authors/{claire.slug}").text, "html.parser")
    assert page.select_one(".author-profile__bio").get_text() == claire.bio_fr


def test_the_publisher_api_sets_bios_and_the_modified_date(client, session, settings) -> None:
    site = sites.create_site(session, name="Le Fil", origins=["https://lefil.example"], actor="t")
    key = sites.create_key(session, site, scopes=["articles:write"], actor="t").key
    session.commit()
    body = {
        "url": "https://lefil.example/api-piece",
        "title": "Power grids under strain",
        "text": "\n\n".join(
            f"Grid operators warned of a tight winter again ({i})." for i in range(8)
        ),
        "language": "en",
        "published_at": "2026-11-20T08:00:00Z",
        "modified_at": "2026-11-22T16:45:00Z",
        "authors": [
            {
                "name": "Hugo Ferrand",
                "bios": {"en": "Hugo runs Veltis.", "fr": "Hugo dirige Veltis."},
            }
        ],
    }
    headers = {"Authorization": f"Bearer {key}"}
    response = client.post("/api/v1/articles", json=body, headers=headers)
    assert response.status_code == 201, response.text
    article = articles.get_article(session, response.json()["id"])
    session.refresh(article)
    assert article.modified_at == MODIFIED
    assert article.authors[0].bios == {"en": "Hugo runs Veltis.", "fr": "Hugo dirige Veltis."}
    soup = _soup(client, article)
    assert soup.select_one(".article__origin").a["href"] == "https://lefil.example/api-piece"
    assert soup.select_one(".author-box__bio").get_text() == "Hugo runs Veltis."
    bad = body | {"authors": [{"name": "Hugo Ferrand", "bios": {"de": "Hugo."}}]}
    response = client.post("/api/v1/articles", json=bad, headers=headers)
    assert response.status_code == 422
    assert "error" in response.json()


def test_a_bio_set_later_shows_on_the_cached_page(client, session, settings) -> None:
    settings.page_cache_check_s = 0  # look for changed articles at every request
    article = _article(session, settings, url="https://lefil.example/later", language="fr")
    assert _soup(client, article).select_one(".author-box__bio").get_text() == (
        "Inès couvre l’énergie."
    )
    bios.set_bio(session, article.authors[0].slug, "fr", "Inès suit l’énergie et l’industrie.")
    session.commit()
    assert _soup(client, article).select_one(".author-box__bio").get_text() == (
        "Inès suit l’énergie et l’industrie."
    )


def test_the_article_api_gives_the_modified_date(client, session, settings) -> None:
    article = _article(session, settings, url="https://lefil.example/api", modified_at=MODIFIED)
    data = client.get(f"/api/v1/articles/{article.id}").json()
    assert data["modified_at"].startswith("2026-11-22T16:45:00")
    listed = client.get("/api/v1/articles").json()["items"]
    assert [item["modified_at"] for item in listed if item["id"] == str(article.id)] == [
        data["modified_at"]
    ]
