"""The wallet: available, pending, lifetime earned, and every read with its verdict in words."""

from __future__ import annotations

from tests.factories import make_article
from tests.readers import Client, fund, make_reader


def test_wallet_shows_credited_and_held_reads(client, clock, session, settings) -> None:
    fund(session)
    _reader, bearer = make_reader(session, settings, "ada")
    honest = make_article(session, settings, paragraphs=12, url="https://n.example/1", title="One")
    held = make_article(session, settings, paragraphs=12, url="https://n.example/2", title="Two")
    session.commit()

    first = Client(client, clock, settings, honest, bearer)
    first.start()
    first.read_like_a_human()
    assert first.complete().json()["verdict"] == "credited"
    clock.advance(120)
    second = Client(client, clock, settings, held, bearer)
    second.start(webdriver=True)
    second.read_like_a_human()
    assert second.complete().json()["verdict"] == "held"

    wallet = client.get("/api/v1/me/wallet", headers=first.headers).json()
    assert wallet["available"] == 10
    assert wallet["pending"] == 10
    assert wallet["lifetime_earned"] == 10
    kinds = sorted((e["kind"], e["amount"], e["article_title"]) for e in wallet["entries"])
    assert kinds == [("pending", 10, "Two"), ("posted", 10, "One")]
    verdicts = {r["article_title"]: r for r in wallet["reads"]}
    assert verdicts["One"]["verdict"] == "credited"
    assert verdicts["Two"]["verdict"] == "held"
    assert verdicts["Two"]["messages"] == [
        "The browser reported that it was driven by automation software."
    ]


def test_wallet_needs_a_reader(client) -> None:
    response = client.get("/api/v1/me/wallet")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_a_new_reader_has_an_empty_wallet(client, session, settings) -> None:
    _, bearer = make_reader(session, settings, "new")
    session.commit()
    wallet = client.get("/api/v1/me/wallet", headers={"Authorization": f"Bearer {bearer}"}).json()
    assert (wallet["available"], wallet["pending"], wallet["entries"], wallet["reads"]) == (
        0,
        0,
        [],
        [],
    )
