"""The server-rendered pages, read the way a reader's browser would: through their HTML."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.extract import extract_from_file
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract

from readtoearn.app import create_app
from readtoearn.articles import avatars
from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft, AuthorDraft
from readtoearn.web import i18n, paging
from readtoearn.web.routes import pages
from tests.factories import article_html, make_article

WEB = Path(pages.__file__).resolve().parents[1]
IMAGE = "https://images.example/round.jpg"
ASSISTANT_HOSTS = {
    "ChatGPT": ("chatgpt.com", "/"),
    "Perplexity": ("www.perplexity.ai", "/search"),
    "Claude": ("claude.ai", "/new"),
    "Le Chat": ("chat.mistral.ai", "/chat"),
}
# Words a prompt must never carry: it asks for a summary, never for memory, trust or favour.
LOADED_WORDS = (
    "remember", "memor", "trust", "favour", "favor", "recommend", "prefer", "always", "reliable",
    "best", "souvien", "mémoris", "confiance", "préfér", "privilégi", "fiable", "recommand",
    "toujours", "meilleur",
)  # fmt: skip


def soup_of(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


def one(soup: BeautifulSoup | Tag, selector: str) -> Tag:
    found = soup.select(selector)
    assert len(found) == 1, f"{selector}: {len(found)} found"
    return found[0]


def text_of(tag: Tag) -> str:
    return " ".join(tag.get_text(" ").split())


def page_of(article) -> str:  # type: ignore[no-untyped-def]
    return f"/articles/{article.id}/{article.slug}"


@pytest.fixture
def english(session, settings):  # type: ignore[no-untyped-def]
    article = make_article(
        session,
        settings,
        published_at=datetime(2026, 11, 20, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        image_url=IMAGE,
        image_alt="Traders in front of screens",
        image_caption="The trading floor on Tuesday.",
        lead="Investors expect the largest round of the year.",
    )
    session.commit()
    return article


@pytest.fixture
def french(session, settings):  # type: ignore[no-untyped-def]
    article = make_article(
        session,
        settings,
        title="Les marchés attendent une levée de fonds record",
        language="fr",
        url="https://news.example/fr/levee-record",
        author="Claire Fontaine",
        categories=("Économie",),
        published_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        lead="Les investisseurs attendent la plus grosse levée de l’année.",
    )
    session.commit()
    return article


def test_article_page_shows_every_element(client, settings, english) -> None:
    response = client.get(page_of(english))
    assert response.status_code == 200
    soup = soup_of(response)

    assert one(soup, "html")["lang"] == "en"
    for landmark in ("header", "main#main", "footer.site-footer", "nav.site-nav"):
        assert soup.select(landmark), landmark
    assert one(soup, "a.skip-link")["href"] == "#main"
    header = one(soup, "header.site-header")
    assert settings.site_name in text_of(header) and settings.site_tagline in text_of(header)
    assert one(header, "a.button--join")["href"] == "/join"

    crumbs = one(soup, "nav.breadcrumbs")
    assert [(a["href"], text_of(a)) for a in crumbs.select("a")] == [
        ("/", "Home"),
        ("/categories/economy", "Economy"),
        ("/categories/artificial-intelligence", "Artificial intelligence"),
    ]

    article = one(soup, "article.article")
    assert not article.has_attr("lang"), "same language as the interface: no lang attribute"
    assert text_of(one(soup, "h1")) == english.title
    when = one(article, "time")
    assert when["datetime"] == "2026-11-20T09:30+01:00"  # the publisher's own zone
    assert "Published on November 20, 2026 at 9:30" in text_of(one(article, ".meta__date"))
    assert text_of(one(article, ".meta__reading")) == f"{english.reading_minutes} min read"
    author_link = one(article, ".meta__authors a")
    assert (author_link["href"], text_of(author_link)) == ("/authors/ada-lovelace", "Ada Lovelace")

    assert "Summarise this article with:" in text_of(one(article, ".summarise"))
    assert len(article.select(".summarise a[target=_blank]")) == 4

    assert text_of(one(article, ".article__lead")) == english.lead
    image = one(article, "figure img")
    assert (image["src"], image["alt"]) == (IMAGE, "Traders in front of screens")
    assert text_of(one(article, "figcaption")) == "The trading floor on Tuesday."

    brief = one(article, "aside.in-brief")
    assert text_of(one(brief, "h2")) == "In brief"
    assert [text_of(li) for li in brief.select("li")] == ["First point", "Second point"]

    body = one(article, ".article__body")
    assert text_of(one(body, "h2")) == "The background"
    assert len(body.find_all("p", recursive=False)) == 6

    promo = one(article, "aside.promo")
    assert "Read to Earn programme" in text_of(promo)
    join = one(promo, "a.button")
    assert (join["href"], text_of(join)) == ("/join", "Join the programme")

    box = one(article, "section.author-box")
    assert text_of(one(box, "h2")) == "About the author"
    assert one(box, "img.avatar")["src"] == "/authors/ada-lovelace/avatar.svg"
    assert "Ada Lovelace writes about markets." in text_of(box)
    assert "not investment" in text_of(one(article, ".disclaimer"))

    for img in soup.find_all("img"):
        assert img.has_attr("alt"), img


def test_french_article_keeps_its_own_labels_in_an_english_interface(client, french) -> None:
    soup = soup_of(client.get(page_of(french), headers={"Accept-Language": "en"}))
    assert one(soup, "html")["lang"] == "en"
    assert text_of(one(soup, "a.skip-link")) == "Skip to content"
    assert text_of(soup.select("nav.breadcrumbs a")[0]) == "Home"

    article = one(soup, "article.article")
    assert article["lang"] == "fr"
    assert one(article, "time")["datetime"] == "2026-11-20T08:30+00:00"
    assert "Publié le 20 novembre 2026 à 08:30" in text_of(one(article, ".meta__date"))
    assert text_of(one(article, ".meta__reading")) == f"{french.reading_minutes} min de lecture"
    assert "Résumer cet article avec" in text_of(one(article, ".summarise"))
    assert text_of(one(article, ".in-brief h2")) == "En bref"
    assert text_of(one(article, ".promo a.button")) == "Rejoindre le programme"
    assert text_of(one(article, ".author-box h2")) == "À propos de l’auteur"
    assert "ne constitue ni un conseil en investissement" in text_of(one(article, ".disclaimer"))


def test_english_article_keeps_its_own_labels_in_a_french_interface(client, english) -> None:
    soup = soup_of(client.get(page_of(english), headers={"Accept-Language": "fr-FR,fr;q=0.9"}))
    assert one(soup, "html")["lang"] == "fr"
    assert text_of(one(soup, "a.skip-link")) == "Aller au contenu"
    assert text_of(soup.select("nav.breadcrumbs a")[0]) == "Accueil"
    assert text_of(one(soup, "header a.button--join")) == "Rejoindre"
    article = one(soup, "article.article")
    assert article["lang"] == "en"
    assert text_of(one(article, ".in-brief h2")) == "In brief"
    assert text_of(one(article, ".meta__reading")).endswith("min read")
    assert text_of(one(article, ".promo a.button")) == "Join the programme"


@pytest.mark.parametrize(
    ("query", "headers", "cookies", "expected"),
    [
        ({}, {}, {}, "en"),
        ({}, {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}, {}, "fr"),
        ({}, {"Accept-Language": "de-DE, fr;q=0.7, en;q=0.3"}, {}, "fr"),
        ({}, {"Accept-Language": "en;q=0.4, fr;q=0.8"}, {}, "fr"),
        ({"lang": "fr"}, {"Accept-Language": "en"}, {}, "fr"),
        ({"lang": "en"}, {}, {"lang": "fr"}, "en"),
        ({}, {"Accept-Language": "en"}, {"lang": "fr"}, "fr"),
        ({"lang": "xx"}, {"Accept-Language": "fr"}, {}, "fr"),
    ],
)
def test_interface_language_is_negotiated(app, query, headers, cookies, expected) -> None:
    with TestClient(app, cookies=cookies) as client:
        response = client.get("/join", params=query, headers=headers)
    assert response.headers["content-language"] == expected
    soup = soup_of(response)
    assert one(soup, "html")["lang"] == expected
    title = {"en": "The Read to Earn programme", "fr": "Le programme Read to Earn"}[expected]
    assert text_of(one(soup, "h1")) == title
    assert "Accept-Language" in response.headers["vary"]


def test_language_switcher_remembers_the_choice(client) -> None:
    soup = soup_of(client.get("/join"))
    links = {a["hreflang"]: a["href"] for a in soup.select("nav.language-switch a")}
    assert links["fr"] == "/language?lang=fr&next=%2Fjoin"

    response = client.get(links["fr"], follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/join"
    assert "lang=fr" in response.headers["set-cookie"]
    assert one(soup_of(client.get("/join")), "html")["lang"] == "fr"

    client.get("/language", params={"lang": "en", "next": "/"})
    assert one(soup_of(client.get("/join")), "html")["lang"] == "en"


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_language_switcher_never_leaves_the_site(client, target) -> None:
    response = client.get(
        "/language", params={"lang": "fr", "next": target}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_language_switcher_refuses_unknown_languages(client) -> None:
    response = client.get("/language", params={"lang": "de"}, follow_redirects=False)
    assert response.status_code == 404
    assert "lang=" not in response.headers.get("set-cookie", "")
    assert one(soup_of(response), "h1").get_text() == "Page not found"


def summarise_prompts(soup: BeautifulSoup) -> dict[str, str]:
    prompts = {}
    for link in soup.select(".summarise a[target=_blank]"):
        name = link.contents[0].strip()
        parts = urlsplit(link["href"])
        assert (parts.scheme, parts.netloc, parts.path) == ("https", *ASSISTANT_HOSTS[name])
        assert link["target"] == "_blank"
        assert {"noopener", "noreferrer"} <= set(link["rel"])
        assert " " not in link["href"], "the prompt is URL-encoded"
        prompts[name] = parse_qs(parts.query)["q"][0]
    assert set(prompts) == set(ASSISTANT_HOSTS)
    return prompts


@pytest.mark.parametrize("which", ["english", "french"])
def test_summarise_links_carry_a_neutral_prompt_with_the_url(client, request, which) -> None:
    article = request.getfixturevalue(which)
    prompts = summarise_prompts(soup_of(client.get(page_of(article))))
    url = f"http://testserver{page_of(article)}"
    assert len(set(prompts.values())) == 1, "every assistant gets the same prompt"
    prompt = next(iter(prompts.values()))
    assert url in prompt
    expected = {
        "english": "Summarise the article at",
        "french": "Résume en quelques phrases l’article",
    }[which]
    assert prompt.startswith(expected), prompt
    lowered = prompt.replace(url, "").lower()
    assert not [word for word in LOADED_WORDS if word in lowered], prompt


def test_in_brief_box_is_hidden_without_key_points(client, session, settings) -> None:
    article = make_article(session, settings, key_points=())
    session.commit()
    soup = soup_of(client.get(page_of(article)))
    assert not soup.select(".in-brief")
    assert "In brief" not in soup.get_text()
    assert not soup.select("figure"), "no image, no empty figure"


def test_pages_carry_no_inline_script_handler_or_style(client, session, settings, english) -> None:
    draft = ArticleDraft(
        title="A page that tried to run code",
        html=article_html(3)
        + '<p onclick="steal()" style="color:red">Click <a href="javascript:alert(1)">me</a>'
        '<img src="x" onerror="steal()"></p><script>steal()</script>',
        canonical_url="https://news.example/hostile",
        authors=[AuthorDraft(name="Mallory")],
        categories=["Economy"],
    )
    hostile = articles.save_article(session, draft, settings).article
    session.commit()
    paths = [
        "/",
        page_of(english),
        page_of(hostile),
        "/categories/economy",
        "/authors/ada-lovelace",
        "/join",
        "/no/such/page",
    ]
    for path in paths:
        soup = soup_of(client.get(path))
        for tag in soup.find_all(True):
            handlers = [name for name in tag.attrs if name.lower().startswith("on")]
            assert not handlers, f"{path}: {tag.name} has {handlers}"
            assert "style" not in tag.attrs, f"{path}: inline style on {tag.name}"
            for name in ("href", "src"):
                assert not str(tag.get(name, "")).lower().startswith("javascript:"), path
        for script in soup.find_all("script"):
            if script.get("type") == "application/ld+json":
                json.loads(script.get_text())  # data for search engines, never run
                continue
            assert script.get("src") and not script.get_text().strip(), f"{path}: inline script"


def test_security_headers(client, english) -> None:
    for path in (page_of(english), "/", "/no/such/page"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "img-src 'self' https: data:" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    api = client.get("/api/v1/articles").headers
    assert api["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api


def test_article_redirects_to_its_canonical_path(client, english) -> None:
    canonical = page_of(english)
    response = client.get(f"/articles/{english.id}", follow_redirects=False)
    assert response.status_code in (301, 308) and response.headers["location"] == canonical
    response = client.get(f"/articles/{english.id}/an-old-title", follow_redirects=False)
    assert response.status_code in (301, 308) and response.headers["location"] == canonical
    response = client.get(f"/articles/{english.id}?lang=fr", follow_redirects=False)
    assert response.headers["location"] == canonical + "?lang=fr"
    assert client.get(f"/articles/{english.id}").url.path == canonical


@pytest.mark.parametrize(
    "path",
    [
        "/articles/0190f0f0-0000-7000-8000-000000000000",
        "/articles/0190f0f0-0000-7000-8000-000000000000/some-slug",
        "/articles/not-an-id/some-slug",
        "/categories/no-such-category",
        "/authors/nobody",
        "/authors/nobody/avatar.svg",
        "/nothing/here",
    ],
)
def test_unknown_addresses_are_html_404_pages(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 404
    soup = soup_of(response)
    assert text_of(one(soup, "h1")) == "Page not found"
    assert soup.select("header.site-header") and soup.select("footer.site-footer")
    assert soup.select('link[rel="stylesheet"]')
    assert one(soup, "main a.button")["href"] == "/"

    french = soup_of(client.get(path, headers={"Accept-Language": "fr"}))
    assert one(french, "html")["lang"] == "fr"
    assert text_of(one(french, "h1")) == "Page introuvable"


def test_an_unexpected_error_is_a_500_page_with_the_same_headers(settings, database) -> None:
    app = create_app(settings, database=database)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"Accept-Language": "fr"})
    assert response.status_code == 500
    soup = soup_of(response)
    assert text_of(one(soup, "h1")) == "Un problème est survenu de notre côté"
    assert "secret internals" not in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_bad_page_numbers_get_a_page_not_a_traceback(client, english) -> None:
    for value, status in (("0", 422), ("abc", 422), ("2", 404), ("99999999", 422)):
        response = client.get("/", params={"page": value})
        assert response.status_code == status, value
        assert one(soup_of(response), "h1")


def test_home_lists_the_latest_articles_with_pagination(client, session, settings, monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    start = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    for day in range(5):
        make_article(
            session,
            settings,
            title=f"Story of day {day + 1}",
            url=f"https://news.example/day-{day + 1}",
            published_at=start + timedelta(days=day),
        )
    session.commit()

    first = soup_of(client.get("/"))
    titles = [text_of(h) for h in first.select(".card__title")]
    assert titles == ["Story of day 5", "Story of day 4"]
    card = first.select("article.card")[0]
    assert one(card, ".card__category a")["href"] == "/categories/economy"
    assert one(card, ".meta__authors a")["href"] == "/authors/ada-lovelace"
    assert one(card, "time")["datetime"] == "2026-11-05T12:00+00:00"
    assert text_of(one(card, ".meta__reading")).endswith("min read")
    assert one(card, ".card__title a")["href"].startswith("/articles/")
    assert one(first, "a[rel=next]")["href"] == "?page=2"
    assert not first.select("a[rel=prev]")
    assert "Page 1 of 3" in text_of(one(first, "nav.pagination"))

    last = soup_of(client.get("/", params={"page": 3}))
    assert [text_of(h) for h in last.select(".card__title")] == ["Story of day 1"]
    assert one(last, "a[rel=prev]")["href"] == "?page=2"
    assert not last.select("a[rel=next]")
    assert client.get("/", params={"page": 4}).status_code == 404


def test_home_without_articles(client) -> None:
    soup = soup_of(client.get("/"))
    assert text_of(one(soup, "h1")) == "Latest articles"
    assert "No articles yet." in soup.get_text()
    assert not soup.select("nav.pagination")


def test_category_page(client, session, settings, english, french) -> None:
    make_article(
        session,
        settings,
        title="A story about sport only",
        url="https://news.example/sport",
        categories=("Sport",),
    )
    session.commit()
    soup = soup_of(client.get("/categories/artificial-intelligence"))
    assert text_of(one(soup, "h1")) == "Artificial intelligence"
    assert [a["href"] for a in soup.select(".card__title a")] == [page_of(english)]
    assert "1 article" in text_of(one(soup, ".page-intro"))

    french_card = one(soup_of(client.get("/categories/economie")), "article.card")
    assert one(french_card, ".card__title")["lang"] == "fr", "the title keeps its language"


def test_author_page_with_bio_avatar_and_articles(client, session, settings, english) -> None:
    make_article(
        session,
        settings,
        title="A second story by the same author",
        url="https://news.example/second",
        published_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
    )
    session.commit()
    soup = soup_of(client.get("/authors/ada-lovelace"))
    assert text_of(one(soup, "h1")) == "Ada Lovelace"
    assert text_of(one(soup, ".author-profile__bio")) == "Ada Lovelace writes about markets."
    assert one(soup, ".author-profile img.avatar")["src"] == "/authors/ada-lovelace/avatar.svg"
    assert [text_of(h) for h in soup.select(".card__title")] == [
        "A second story by the same author",
        english.title,
    ]

    avatar = client.get("/authors/ada-lovelace/avatar.svg")
    assert avatar.status_code == 200
    assert avatar.headers["content-type"].startswith("image/svg+xml")
    assert avatar.text == avatars.avatar_svg("Ada Lovelace")
    assert ">AL</text>" in avatar.text


def test_generated_avatars_are_stable_readable_and_safe() -> None:
    assert avatars.initials("Ada Lovelace") == "AL"
    assert avatars.initials("élodie de la Tour") == "ÉT"
    assert avatars.initials("Prince") == "P"
    assert avatars.initials("  ") == "?"
    assert avatars.avatar_svg("Claire Fontaine") == avatars.avatar_svg("Claire  Fontaine")
    assert avatars.colour("Claire Fontaine") != avatars.colour("Ada Lovelace")
    for index in range(300):
        hex_colour = avatars.colour(f"Reader number {index}")
        rgb = tuple(int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        assert avatars.contrast_with_white(rgb) >= 4.5, hex_colour  # type: ignore[arg-type]
    hostile = avatars.avatar_svg('<script>"x"</script> Evil')
    assert "<script>" not in hostile and 'aria-label="&lt;script&gt;&quot;x&quot;' in hostile


def test_programme_page_leads_to_sign_up(client) -> None:
    soup = soup_of(client.get("/join"))
    assert text_of(one(soup, "h1")) == "The Read to Earn programme"
    assert "points" in text_of(one(soup, "main"))
    (link,) = soup.select(f'main a[href="{pages.SIGNUP_PATH}"]')
    assert client.get(link["href"]).status_code == 200
    assert soup.select_one('main a[href="/account/login"]')


def test_no_dead_links_between_pages(client, english, french) -> None:
    seen: set[str] = set()
    queue = ["/"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code == 200, path
        if not response.headers["content-type"].startswith("text/html"):
            continue
        soup = BeautifulSoup(response.text, "html.parser")
        for tag in soup.find_all(["a", "link", "img"]):
            target = tag.get("href") or tag.get("src") or ""
            if target.startswith("/") and not target.startswith("//"):
                queue.append(target.split("#")[0])
    assert {"/join", page_of(english), page_of(french), "/authors/claire-fontaine"} <= seen
    assert any(path.startswith("/static/site.css") for path in seen)


def test_every_page_string_has_a_french_translation() -> None:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "at": None, "atn": (1, 2)}
    templates = WEB / "templates"
    files = [
        templates / "base.html",
        *sorted((templates / "pages").glob("*.html")),
        *sorted((templates / "articles").glob("*.html")),
    ]
    messages: set[str] = set()
    for path in files:
        with path.open("rb") as handle:
            for _line, _func, message, _comments in babel_extract(handle, keywords, [], {}):
                first = message[0] if isinstance(message, tuple) else message
                if first:
                    messages.add(first)
    python = extract_from_file("python", str(WEB / "routes" / "pages.py"), keywords={"N_": None})
    messages.update(message for _line, message, _comments, _context in python)
    assert len(messages) > 50
    catalogue = i18n.translations("fr")._catalog  # type: ignore[attr-defined]
    known = {key[0] if isinstance(key, tuple) else key for key in catalogue}
    assert sorted(messages - known) == []
