"""The article page's key-figure table: the article's language for numbers and hedges whatever
the interface's, and a subject only when the sentence makes it sure."""

from __future__ import annotations

import dataclasses

import pytest
from bs4 import BeautifulSoup

from readtoearn.articles import demo
from readtoearn.articles import service as articles
from readtoearn.summaries import service as summaries

FRENCH_HTML = (
    "<p>La société Orvane pourrait lever jusqu'à 50 milliards de dollars cette année, selon "
    "plusieurs sources proches du dossier. La France a refusé d'accueillir quarante migrants "
    "arrivés lundi au port. Les prix pourraient augmenter de 7,5 % d'ici la fin de l'année, "
    "ce qui pèserait sur les ménages.</p>"
    "<p>Orvane emploie 16 000 salariés dans le monde. Le dossier reste ouvert et les "
    "discussions continuent avec les autorités de la concurrence.</p>"
)


@pytest.fixture
def french_article(session, settings):
    draft = next(d for d in demo.drafts() if d.language == "fr")
    draft = dataclasses.replace(
        draft,
        html=FRENCH_HTML,
        lead="",
        key_points=[],
        canonical_url="https://demo.readtoearn.example/fr/test/orvane-chiffres",
        title="Orvane : les chiffres du dossier",
    )
    article = articles.save_article(session, draft, settings).article
    summaries.summarise_article(session, article, settings)
    session.commit()
    return article


def rows_of(client, article, lang: str) -> dict[str, list[str]]:
    response = client.get(f"/articles/{article.id}/{article.slug}?lang={lang}")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    rows = {}
    for row in page.select(".key-figures tbody tr"):
        cells = row.select("td")
        rows[cells[1].text] = [cell.text.replace("\u00a0", " ").replace("\u202f", " ")
                               for cell in cells]  # fmt: skip
    return rows


def test_a_french_article_keeps_its_numbers_in_french_under_an_english_interface(
    client, french_article
) -> None:
    english = rows_of(client, french_article, "en")
    french = rows_of(client, french_article, "fr")
    assert english == french  # the table follows the article, not the interface
    money = english["50 milliards de dollars"][0]
    assert money.startswith("50 Md $US")
    assert "(jusqu'à, pourrait)" in money  # the hedges in the article's words
    assert english["7,5 %"][0].startswith("7,5 %")
    assert english["16 000 salariés"][0].startswith("16 000")
    assert "$50B" not in str(english) and "16,000" not in str(english)


def test_a_subject_shows_only_when_it_is_sure(client, french_article) -> None:
    rows = rows_of(client, french_article, "en")
    assert rows["16 000 salariés"][2].startswith("Orvane:")
    # "La France a refusé d'accueillir quarante migrants": the migrants are not France's.
    assert rows["quarante migrants"][2].startswith("La France a refusé")
    # "Les prix": no name opens the clause.
    assert rows["7,5 %"][2].startswith("Les prix")
