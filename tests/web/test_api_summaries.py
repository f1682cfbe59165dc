"""JSON API v1: summary and key figures of an article."""

from __future__ import annotations

from readtoearn.articles import service as articles
from readtoearn.articles.interfaces import ArticleDraft
from tests.factories import make_article
from tests.unit.summaries.articles import ENGLISH


def test_summary_beside_the_editorial_in_brief(client, session, settings) -> None:
    html = "".join(f"<p>{p}</p>" for p in ENGLISH.split("\n\n"))
    draft = ArticleDraft(
        title="OpenAI plans a record round",
        html=html,
        language="en",
        key_points=["First point", "Second point"],
    )
    article = articles.save_article(session, draft, settings).article
    session.commit()
    response = client.get(f"/api/v1/articles/{article.id}/summary")
    assert response.status_code == 200
    body = response.json()
    assert body["editorial_in_brief"] == ["First point", "Second point"]
    assert body["summary"] and 2 <= len(body["in_brief"]) <= 3
    assert body["backend"] == "builtin" and body["fallback"] is False
    assert all(bullet in article.text for bullet in body["in_brief"])


def test_key_figures_in_the_readers_locale(client, session, settings) -> None:
    article = make_article(session, settings, language="fr", paragraphs=2)
    session.commit()
    url = f"/api/v1/articles/{article.id}/key-figures"
    french = client.get(url, headers={"Accept-Language": "fr-FR,fr;q=0.9"}).json()
    english = client.get(url, params={"lang": "en"}).json()
    assert (french["locale"], english["locale"], french["language"]) == ("fr", "en", "fr")
    by_text = {f["text"]: f for f in english["figures"]}
    money = by_text["50 milliards de dollars"]
    assert money["kind"] == "money" and money["value"] == "50000000000" and money["unit"] == "USD"
    assert money["display"] == "$50B"
    assert money["normalised"] == "50,000,000,000 USD"
    french_money = next(f for f in french["figures"] if f["text"] == "50 milliards de dollars")
    assert french_money["normalised"].replace("\u202f", " ") == "50 000 000 000 USD"
    jobs = by_text["16 000 postes"]
    assert (jobs["value"], jobs["unit"], jobs["hedges"], jobs["hedge_labels"]) == (
        "16000",
        "postes",
        ["about", "could"],
        ["about", "could"],
    )
    assert by_text["quatrième trimestre 2026"]["period"] == "2026-Q4"
    french_jobs = next(f for f in french["figures"] if f["text"] == "16 000 postes")
    assert french_jobs["hedge_labels"] == ["environ", "pourrait"]
    assert french_jobs["sentence"].startswith("Le conseil a approuvé")


def test_unknown_article_is_a_json_404(client) -> None:
    for path in (
        "/api/v1/articles/0190f0f0-0000-7000-8000-000000000000/summary",
        "/api/v1/articles/nope/key-figures",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
