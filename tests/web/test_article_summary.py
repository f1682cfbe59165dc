"""The article page's own "Summary" link, the generated In brief box and the key figures."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from readtoearn.articles import demo
from readtoearn.articles import service as articles
from readtoearn.summaries import service as summaries


@pytest.fixture
def article(session, settings):
    draft = next(d for d in demo.drafts() if d.canonical_url.endswith("-q3-2026"))
    draft.key_points = []
    article = articles.save_article(session, draft, settings).article
    session.commit()
    return article


def soup_of(client, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def test_the_summary_link_works_without_javascript(client, article) -> None:
    path = f"/articles/{article.id}/{article.slug}"
    page = soup_of(client, path)
    link = page.select_one(".summarise a.summarise__own")
    assert link["href"] == "?summary=1#summary"
    assert page.select_one("#summary") is None
    shown = soup_of(client, path + "?summary=1")
    summary = shown.select_one("#summary p").text
    assert summary
    assert summary.split(". ")[0].rstrip(".") in article.text


def test_a_stored_summary_gives_in_brief_and_key_figures(
    client, article, session, settings
) -> None:
    summaries.summarise_article(session, article, settings)
    session.commit()
    page = soup_of(client, f"/articles/{article.id}/{article.slug}")
    bullets = [li.text for li in page.select(".in-brief li")]
    assert 2 <= len(bullets) <= 3
    assert all(b in article.text for b in bullets)
    figures = page.select(".key-figures tbody tr")
    assert figures
    assert any("$9.4" in row.text or "9.4" in row.text for row in figures)


def test_key_figures_are_written_in_the_articles_language(
    client, article, session, settings
) -> None:
    # An English article read with a French interface: its table stays in English, like the
    # article around it ("$9.4B", not "9,4 Md $US").
    summaries.summarise_article(session, article, settings)
    session.commit()
    english = soup_of(client, f"/articles/{article.id}/{article.slug}?lang=en")
    french = soup_of(client, f"/articles/{article.id}/{article.slug}?lang=fr")
    shown_en = [td.text for td in english.select(".key-figures tbody td strong")]
    shown_fr = [td.text for td in french.select(".key-figures tbody td strong")]
    assert shown_en and shown_en == shown_fr
    assert any(text.startswith("$") for text in shown_fr)
    assert not any("Md" in text or "$US" in text for text in shown_fr)


def test_import_stores_the_summary_and_key_figures(settings, database, session) -> None:
    from pathlib import Path

    from readtoearn.articles.importer import Importer
    from readtoearn.cli.importer import import_item

    page = Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "fr-wordpress.html"
    importer = Importer(settings)
    (outcome,) = [import_item(database, importer, item) for item in importer.items(str(page))]
    assert outcome.ok, outcome.error
    article = articles.get_article(session, outcome.id)
    stored = summaries.cached_summary(session, article, settings)
    assert stored is not None
    assert stored.summary
    assert stored.figures


def test_in_brief_is_the_editors_when_there_is_one_never_both(
    client, article, session, settings
) -> None:
    summaries.summarise_article(session, article, settings)
    edited = articles.save_article(
        session, next(d for d in demo.drafts() if d.key_points), settings
    ).article
    summaries.summarise_article(session, edited, settings)
    session.commit()
    generated = soup_of(client, f"/articles/{article.id}/{article.slug}?summary=1")
    lists = [box.select("li") for box in generated.select("#summary ul, .in-brief ul")]
    assert len(lists) == 1 and len(lists[0]) >= 2
    assert generated.select_one(".in-brief__note")  # says it was made automatically

    page = soup_of(client, f"/articles/{edited.id}/{edited.slug}?summary=1")
    assert page.select_one("#summary p").text  # the generated summary still shows
    lists = [
        [li.text for li in box.select("li")] for box in page.select("#summary ul, .in-brief ul")
    ]
    assert lists == [edited.key_points]
    assert page.select_one(".in-brief__note") is None
    assert "generated" not in page.select_one("article").get_text()
