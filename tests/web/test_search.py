"""Search page and API, related articles, share links and hreflang, through the HTML and JSON."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import text

from readtoearn.app import create_app
from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.sites import service as sites
from readtoearn.web import i18n
from tests.factories import make_article
from tests.web.test_pages import one, page_of, soup_of, text_of
from tests.web.test_publisher_api import ORIGIN, article_body, auth

BODY_EN = (
    "<p>The harbour cranes stopped at dawn while the dockers met in the yard. "
    "Nobody knew how long the strike would last, and ships waited outside the port.</p>"
)
BODY_FR = (
    "<p>Les économies d'énergie deviennent une priorité pour les ménages cet hiver. "
    "Les factures montent et chacun cherche à baisser le chauffage sans souffrir du froid.</p>"
)


def save(session, settings, title, html, *, language="en", url, categories=(), translations=(),
         days=0):  # type: ignore[no-untyped-def]  # fmt: skip
    draft = ArticleDraft(
        title=title,
        html=html,
        canonical_url=url,
        language=language,
        published_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=days),
        authors=[AuthorDraft(name="Ada Lovelace")],
        categories=list(categories),
        translations=list(translations),
    )
    article = articles.save_article(session, draft, settings).article
    session.commit()
    return article


@pytest.fixture
def port(session, settings):  # type: ignore[no-untyped-def]
    return save(session, settings, "Dock strike <b>halts</b> the port", BODY_EN,
                url="https://news.example/en/strike", categories=("Economy",))  # fmt: skip


@pytest.fixture
def energie(session, settings):  # type: ignore[no-untyped-def]
    return save(session, settings, "L'hiver des économies", BODY_FR, language="fr",
                url="https://news.example/fr/hiver", categories=("Économie",))  # fmt: skip


def test_the_header_search_box_leads_to_ranked_highlighted_results(client, port, energie) -> None:
    home = soup_of(client.get("/"))
    form = one(home, "header form.site-search")
    assert form["action"] == "/search" and one(form, "input")["name"] == "q"

    response = client.get("/search", params={"q": "crane strike"})
    assert response.status_code == 200
    assert "no-store" in response.headers["cache-control"]
    soup = soup_of(response)
    hits = soup.select("li.search-hit")
    assert len(hits) == 1
    link = one(hits[0], "h2 a")
    assert link["href"] == page_of(port)
    # The title's markup is text, escaped: only our <mark> is an element.
    assert text_of(link) == "Dock strike <b>halts</b> the port"
    assert [m.get_text() for m in link.select("mark")] == ["strike"]
    assert not link.select("b")
    snippet = one(hits[0], ".search-hit__snippet")
    assert {m.get_text() for m in snippet.select("mark")} == {"cranes", "strike"}
    assert one(hits[0], "time")["datetime"].startswith("2026-11-01")
    assert "1 article found" in text_of(one(soup, ".page-intro"))


def test_french_words_find_french_articles_in_a_french_page(client, port, energie) -> None:
    soup = soup_of(client.get("/search", params={"q": "économie", "lang": "fr"}))
    hit = one(soup, "li.search-hit")
    assert one(hit, "a")["href"] == page_of(energie)
    assert [m.get_text() for m in hit.select(".search-hit__snippet mark")] == ["économies"]
    assert "1 article trouvé" in text_of(one(soup, ".page-intro"))
    badge = one(hit, "abbr.search-hit__language")  # all languages shown: each says its own
    assert (text_of(badge), badge["title"]) == ("FR", "En français")


def test_the_language_choice_filters_the_results(client, port, energie) -> None:
    english = soup_of(client.get("/search", params={"q": "strike", "language": "fr"}))
    assert not english.select("li.search-hit")
    assert one(english, "option[selected]")["value"] == "fr"
    assert english.select(".empty")


@pytest.mark.parametrize("q", ['"', "*", "-", "NEAR(", ")(", '"strike', "strike*", "-strike OR",
                               "NEAR(strike port, 2)", "<script>alert(1)</script>"])  # fmt: skip
def test_query_syntax_never_breaks_the_page(client, port, q: str) -> None:
    response = client.get("/search", params={"q": q})
    assert response.status_code == 200
    soup = soup_of(response)
    assert not soup.select("script:not([src])"), "the query is never markup"
    assert soup.select(".search-problem") or soup.select(".page-intro")


def test_empty_and_too_long_searches_get_a_message(client, port) -> None:
    bare = soup_of(client.get("/search"))
    assert one(bare, "form.search-form") and not bare.select(".search-problem")
    nothing = soup_of(client.get("/search", params={"q": " *** "}))
    assert "Type one or more words" in text_of(one(nothing, ".search-problem"))
    long = soup_of(client.get("/search", params={"q": "strike " * 50}))
    assert "too long" in text_of(one(long, ".search-problem"))
    french = soup_of(client.get("/search", params={"q": "x" * 300, "lang": "fr"}))
    assert "trop longue" in text_of(one(french, ".search-problem"))


def test_results_are_paginated_and_links_keep_the_query(client, session, settings) -> None:
    for day in range(12):
        save(session, settings, f"Strike day {day}", BODY_EN.replace("strike", f"strike {day}"),
             url=f"https://news.example/en/strike-{day}", days=day)  # fmt: skip
    first = soup_of(client.get("/search", params={"q": "strike"}))
    assert len(first.select("li.search-hit")) == 10
    following = one(first, "a[rel=next]")["href"]
    assert parse_qs(urlsplit(following).query) == {"q": ["strike"], "page": ["2"]}
    second = soup_of(client.get(following))
    assert len(second.select("li.search-hit")) == 2
    assert client.get("/search", params={"q": "strike", "page": 9}).status_code == 404


def test_the_api_searches_and_refuses_bad_input_with_json(client, port, energie) -> None:
    found = client.get("/api/v1/search", params={"q": "cranes", "language": "en"})
    assert found.status_code == 200
    body = found.json()
    assert body["total"] == 1 and body["terms"] == ["cranes"]
    item = body["items"][0]
    assert item["id"] == str(port.id) and item["page_url"].endswith(page_of(port))
    assert [s["text"] for s in item["snippet"] if s["match"]] == ["cranes"]
    assert "".join(s["text"] for s in item["snippet"]).startswith("The harbour cranes")

    for params, status in (
        ({"q": ""}, 400),
        ({"q": "()*"}, 400),
        ({"q": "x" * 201}, 422),
        ({"q": "port", "language": "de"}, 422),
        ({"q": "port", "limit": 0}, 422),
        ({}, 422),
    ):
        response = client.get("/api/v1/search", params=params)
        assert response.status_code == status, params
        assert response.json()["error"]["code"] == "invalid"
    assert "/api/v1/search" in client.get("/api/openapi.json").json()["paths"]


def test_related_articles_under_an_article(settings, database, clock, session, port) -> None:
    same = save(session, settings, "Port traffic falls", BODY_EN.replace("cranes", "lorries"),
                url="https://news.example/en/traffic", categories=("Economy",))  # fmt: skip
    save(session, settings, "Le port à l'arrêt", BODY_FR, language="fr",
         url="https://news.example/fr/port", categories=("Economy",))  # fmt: skip
    # The catalogue's version is read at every request: as another worker would after its check.
    fresh = settings.model_copy(update={"page_cache_check_s": 0})
    with TestClient(create_app(fresh, database=database, clock=clock)) as client:
        first = client.get(page_of(port))
        assert first.headers["cache-control"].startswith("public")  # the shared, cached page
        related = one(soup_of(first), "section.related")
        assert [a["href"] for a in related.select("a")] == [page_of(same)]
        assert page_of(port) not in str(related)

        # A new article of the same category shows up at once: the catalogue's version moved on.
        newer = save(
            session,
            settings,
            "Ships wait at sea",
            BODY_EN.replace("cranes", "ships"),
            url="https://news.example/en/ships",
            categories=("Economy",),
            days=3,
        )
        again = soup_of(client.get(page_of(port)))
        assert [a["href"] for a in one(again, "section.related").select("a")] == [
            page_of(newer),
            page_of(same),
        ]


def test_share_links_carry_the_encoded_canonical_url_and_title(client, settings, port) -> None:
    soup = soup_of(client.get(page_of(port)))
    share = one(soup, "section.share")
    canonical = one(soup, "link[rel=canonical]")["href"]
    links = {
        text_of(a).replace("(opens in a new tab)", "").strip(): a["href"] for a in share.select("a")
    }
    assert set(links) == {"By e-mail", "X", "Facebook", "LinkedIn", "WhatsApp"}
    mail = urlsplit(links["By e-mail"])
    assert mail.scheme == "mailto"
    assert parse_qs(mail.query) == {"subject": [port.title], "body": [canonical]}
    assert parse_qs(urlsplit(links["X"]).query) == {"url": [canonical], "text": [port.title]}
    assert parse_qs(urlsplit(links["Facebook"]).query) == {"u": [canonical]}
    assert urlsplit(links["LinkedIn"]).netloc == "www.linkedin.com"
    assert parse_qs(urlsplit(links["LinkedIn"]).query) == {"url": [canonical]}
    assert unquote(urlsplit(links["WhatsApp"]).query) == f"text={port.title} {canonical}"
    assert "%3Cb%3E" in links["X"], "the title's characters are URL-encoded, never raw"
    button = one(share, "button.share__copy")
    assert button.has_attr("hidden") and button["data-share-url"] == canonical
    scripts = [s["src"] for s in soup.select("script[src]")]
    assert any("share.js" in s for s in scripts)
    assert client.get(next(s for s in scripts if "share.js" in s)).status_code == 200


def test_hreflang_links_the_language_editions(client, session, settings) -> None:
    en_url, fr_url = "https://news.example/en/budget", "https://news.example/fr/budget"
    english = save(session, settings, "The budget vote", BODY_EN, url=en_url,
                   translations=(fr_url,))  # fmt: skip
    french = save(session, settings, "Le vote du budget", BODY_FR, language="fr", url=fr_url,
                  translations=(en_url,))  # fmt: skip
    base = settings.base_url.rstrip("/")
    for article in (english, french):
        soup = soup_of(client.get(page_of(article)))
        alternates = {
            link["hreflang"]: link["href"] for link in soup.select("link[rel=alternate][hreflang]")
        }
        assert alternates == {"en": base + page_of(english), "fr": base + page_of(french)}


def test_an_article_without_other_editions_has_no_hreflang(client, port) -> None:
    soup = soup_of(client.get(page_of(port)))
    assert not soup.select("link[rel=alternate][hreflang]")


def test_listing_pages_name_their_interface_editions(client, settings, port) -> None:
    base = settings.base_url.rstrip("/")
    soup = soup_of(client.get("/categories/economy", params={"page": 1}))
    alternates = {
        link["hreflang"]: link["href"] for link in soup.select("link[rel=alternate][hreflang]")
    }
    assert alternates == {
        "en": f"{base}/categories/economy?page=1&lang=en",
        "fr": f"{base}/categories/economy?page=1&lang=fr",
        "x-default": f"{base}/categories/economy?page=1",
    }
    assert set(i18n.LANGUAGES) < set(alternates)
    french = client.get(alternates["fr"].removeprefix(base))
    assert BeautifulSoup(french.text, "html.parser").html["lang"] == "fr"


def test_an_imported_page_declaring_its_editions_is_linked(client, session, settings) -> None:
    from readtoearn.articles.extract.page import extract_article

    def page(lang: str, url: str, other_lang: str, other: str, body: str) -> str:
        return (
            f'<html lang="{lang}"><head><title>Budget</title>'
            f'<link rel="canonical" href="{url}">'
            f'<link rel="alternate" hreflang="{other_lang}" href="{other}">'
            f'<link rel="alternate" hreflang="x-default" href="https://news.example/">'
            f"</head><body><article><h1>Budget {lang}</h1>{body * 3}</article></body></html>"
        )

    en_url, fr_url = "https://news.example/en/b", "https://news.example/fr/b"
    drafts = [
        extract_article(page("en", en_url, "fr", "/fr/b", BODY_EN), en_url),
        extract_article(page("fr", fr_url, "en", en_url, BODY_FR), fr_url),
    ]
    assert drafts[0].translations == [fr_url]  # made absolute; x-default left out
    saved = [articles.save_article(session, d, settings).article for d in drafts]
    assert saved[0].translation_group == saved[1].translation_group is not None


def test_make_article_pages_still_render_related_from_factories(client, session, settings) -> None:
    first = make_article(session, settings)
    second = make_article(session, settings, title="Another round", url="https://news.example/2")
    session.commit()
    soup = soup_of(client.get(page_of(first)))
    assert [a["href"] for a in one(soup, "section.related").select("a")] == [page_of(second)]


def test_the_article_api_links_editions_and_withdrawn_articles_are_not_found(
    client, session
) -> None:
    site = sites.create_site(session, name="Daily News", origins=[ORIGIN], actor="test")
    key = sites.create_key(session, site, scopes=["articles:write"], actor="test").key
    session.commit()
    en_url, fr_url = ORIGIN + "/en/ferry", ORIGIN + "/fr/ferry"
    english = client.post("/api/v1/articles", headers=auth(key),
                          json=article_body("/en/ferry", translations=[fr_url]))  # fmt: skip
    french = client.post(
        "/api/v1/articles",
        headers=auth(key),
        json=article_body(
            "/fr/ferry",
            title="Une ligne de ferry",
            language="fr",
            text=BODY_FR.removeprefix("<p>").removesuffix("</p>"),
            translations=[en_url],
        ),
    )
    assert english.status_code == french.status_code == 201
    page = soup_of(client.get(english.json()["page_url"].removeprefix("http://testserver")))
    alternates = {link["hreflang"] for link in page.select("link[rel=alternate][hreflang]")}
    assert alternates == {"en", "fr"}

    assert client.get("/api/v1/search", params={"q": "ferry islands"}).json()["total"] == 1
    # Withdrawn (deleted after a read would keep it): search no longer finds it.
    session.execute(
        text("UPDATE site_articles SET withdrawn_at = CURRENT_TIMESTAMP WHERE article_id = :id"),
        {"id": uuid.UUID(english.json()["id"]).hex
         if session.get_bind().dialect.name == "sqlite" else uuid.UUID(english.json()["id"])},
    )  # fmt: skip
    session.commit()
    assert client.get("/api/v1/search", params={"q": "ferry islands"}).json()["total"] == 0


def test_the_console_pages_have_no_site_search_box(client, session, settings) -> None:
    from readtoearn.accounts import service as accounts
    from tests.readers import STRONG_PASSWORD

    accounts.create_user(
        session, settings, email="op@example.org", password=STRONG_PASSWORD, is_operator=True
    )
    session.commit()
    assert soup_of(client.get("/")).select("form.site-search")
    login = soup_of(client.get("/account/login"))
    token = one(login, "input[name=csrf_token]")["value"]
    signed = client.post(
        "/account/login",
        data={"email": "op@example.org", "password": STRONG_PASSWORD, "csrf_token": token},
    )
    assert signed.status_code in (200, 303)
    console = client.get("/operator/readers")
    assert console.status_code == 200
    assert not soup_of(console).select("form.site-search")


def test_the_home_page_names_the_site_search_for_search_engines(client, settings) -> None:
    import json

    soup = soup_of(client.get("/"))
    data = [json.loads(s.string) for s in soup.select("script[type='application/ld+json']")]
    (site,) = [d for d in data if d.get("@type") == "WebSite"]
    base = settings.base_url.rstrip("/")
    template = site["potentialAction"]["target"]["urlTemplate"]
    assert template == base + "/search?q={search_term_string}"
    assert site["potentialAction"]["query-input"] == "required name=search_term_string"
    assert client.get(template.removeprefix(base).replace("{search_term_string}", "x")).is_success
