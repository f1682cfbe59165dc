"""The wallet: available, pending, lifetime earned, and every read with its verdict in words."""

from __future__ import annotations

from datetime import UTC, datetime

from readtoearn.accounts import service as accounts
from readtoearn.reading import rules
from readtoearn.reading.rules import UNEXPLAINED, Reason
from readtoearn.web.sessions import SESSION_COOKIE
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


def test_a_reason_without_a_message_does_not_break_the_wallet(
    client, clock, session, settings, monkeypatch
) -> None:
    fund(session)
    _reader, bearer = make_reader(session, settings, "ada")
    article = make_article(session, settings, paragraphs=12, url="https://n.example/1")
    session.commit()
    read = Client(client, clock, settings, article, bearer)
    read.start(webdriver=True)
    read.read_like_a_human()
    assert read.complete().json()["reasons"] == ["automation"]

    monkeypatch.delitem(rules.READER_MESSAGES, Reason.AUTOMATION)
    wallet = client.get("/api/v1/me/wallet", headers=read.headers)
    assert wallet.status_code == 200
    assert wallet.json()["reads"][0]["messages"] == [UNEXPLAINED]


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


def test_the_wallet_says_how_much_expires_when(clock, session, settings, database) -> None:
    from datetime import timedelta

    from fastapi.testclient import TestClient

    from readtoearn.app import create_app

    expiring = settings.model_copy(update={"points_expiry_days": 90})
    with TestClient(create_app(expiring, database=database, clock=clock)) as client:
        fund(session)
        _, bearer = make_reader(session, settings, "ada")
        article = make_article(session, settings, paragraphs=12)
        session.commit()
        reader = Client(client, clock, expiring, article, bearer)
        reader.start()
        reader.read_like_a_human()
        assert reader.complete().json()["verdict"] == "credited"
        wallet = client.get("/api/v1/me/wallet", headers=reader.headers).json()
        user = accounts.get_token_user(session, bearer)
        client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
        session.commit()
        page = client.get("/account/wallet?lang=fr").text
    assert "Points qui vont expirer" in page
    assert "10 points le" in page
    (lot,) = wallet["expiring"]
    assert lot["points"] == 10
    # Credited today (real time: the ledger stamps transfers itself), gone after 90 days.
    expires = datetime.fromisoformat(lot["expires_at"])
    assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=92)


def test_without_expiry_nothing_expires(client, clock, session, settings) -> None:
    _, bearer = make_reader(session, settings, "bob")
    session.commit()
    wallet = client.get("/api/v1/me/wallet", headers={"Authorization": f"Bearer {bearer}"}).json()
    assert wallet["expiring"] == []
