"""A hostile review of the console's articles, search and imports: what a careless editor or an
attacker sends is a message on the page or a refusal, never a 500 nor a way past the guards."""

from __future__ import annotations

import html
import http.server
import ipaddress
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import EmailNotice
from readtoearn.articles import fetch
from readtoearn.articles.jobs import MAX_RUNNING_PER_PERSON
from readtoearn.articles.models import Article, Category, ImportJob
from readtoearn.db import utcnow
from readtoearn.fraud import freezes
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.sites import service as sites
from readtoearn.sites.models import SiteReader
from readtoearn.web.sessions import SESSION_COOKIE
from tests.factories import make_article
from tests.readers import fund, make_reader, wallet
from tests.unit.articles.test_import_http import LocalSite
from tests.web.test_console_trail import as_operator
from tests.web.test_operator import csrf
from tests.web.test_publisher_api import ORIGIN, article_body, auth
from tests.web.test_webhooks import Receiver, now_on, queued

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
RIVAL = "https://zz-rival.example"  # sorts after ORIGIN
ALERT = re.compile(r'class="form-error" role="alert">([^<]*)<')
# A page without a canonical link: fetched, it would become an article at the asked URL.
INTERNAL_PAGE = (
    "<html><head><title>Internal</title></head><body><article><h1>Internal figures</h1>"
    + "".join(
        f"<p>The harbour authority approved ferry line {i} to the islands on Monday morning, "
        f"after {i + 3} months of talks with the operators and the towns it will serve.</p>"
        for i in range(12)
    )
    + "</article></body></html>"
).encode()
HREFLANG = re.compile(r'<link rel="alternate" hreflang="([a-z-]+)" href="([^"]+)">')


@pytest.fixture
def story(session, settings) -> Article:
    article = make_article(session, settings, title="Harbour cranes return", paragraphs=8)
    session.commit()
    return article


def edit(client, article: Article, **fields: str):  # type: ignore[no-untyped-def]
    token = csrf(client, f"/operator/articles/{article.id}")
    data = {"csrf_token": token, "title": article.title, "lead": article.lead or ""}
    data |= {"categories": "", "key_points": "", **fields}
    return client.post(f"/operator/articles/{article.id}", data=data, follow_redirects=False)


def category_names(session, article: Article) -> list[str]:
    session.expire_all()
    return [c.name for c in session.get(Article, article.id).categories]  # type: ignore[union-attr]


def test_a_category_name_too_long_for_its_column_is_a_message(client, session, settings, story):  # type: ignore[no-untyped-def]
    as_operator(client, session, settings)
    before = category_names(session, story)
    answer = edit(client, story, categories="harbour " * 40)
    assert answer.status_code == 400
    assert "The name of a category is too long (200 characters at most)." in answer.text
    assert category_names(session, story) == before
    client.cookies.set("lang", "fr")
    french = edit(client, story, categories="x" * 201)
    assert "Le nom d’une catégorie est trop long (200 caractères au plus)." in french.text


def test_a_category_without_letters_or_digits_is_a_message(client, session, settings, story):  # type: ignore[no-untyped-def]
    as_operator(client, session, settings)
    before = category_names(session, story)
    answer = edit(client, story, categories="Ports\n!!! ???")
    assert answer.status_code == 400
    assert "A category needs letters or digits." in answer.text
    assert category_names(session, story) == before
    assert session.scalar(select(Category).where(Category.name == "!!! ???")) is None


def test_a_name_that_resolves_elsewhere_on_connecting_reaches_no_private_address(
    settings, monkeypatch
) -> None:
    """DNS rebinding: the name is public when checked, then points to the server's own network
    when the connection is made. The import connects to the address it checked."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "192.88.99.10" if len(lookups) == 1 else "127.0.0.1"
        assert ipaddress.ip_address(address).is_global != (address == "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    asked: list[str] = []
    with LocalSite() as site:
        site.page("/story", (PAGES / "en-news.html").read_bytes())
        serve = site.routes["/story"]
        site.routes["/story"] = lambda handler: (asked.append(handler.path), serve(handler))
        port = urlsplit(site.url).port
        quick = settings.model_copy(update={"fetch_timeout_s": 1.0})
        with fetch.new_client(quick, public_only=True) as http, pytest.raises(fetch.FetchError):
            fetch.fetch(f"http://rebind.example:{port}/story", quick, http)
    assert asked == [], "the page on the server's own address was not fetched"
    assert lookups == ["rebind.example"], "the name is looked up once, when checked"


def test_another_site_cannot_declare_itself_an_edition_of_a_site_s_article(client, session):  # type: ignore[no-untyped-def]
    """A publisher links its own articles' editions only: naming another site's article among
    its `translations` would make its article that article's other-language edition (hreflang,
    the language link) on our pages."""
    news = sites.create_site(session, name="Daily News", origins=[ORIGIN], actor="test")
    rival = sites.create_site(session, name="Rival", origins=[RIVAL], actor="test")
    news_key = sites.create_key(session, news, scopes=["articles:write"], actor="test").key
    rival_key = sites.create_key(session, rival, scopes=["articles:write"], actor="test").key
    session.commit()
    en_url, fr_url = ORIGIN + "/en/ferry", ORIGIN + "/fr/ferry"
    english = client.post(
        "/api/v1/articles", headers=auth(news_key),
        json=article_body("/en/ferry", translations=[fr_url]),
    )  # fmt: skip
    french = client.post(
        "/api/v1/articles",
        headers=auth(news_key),
        json=article_body(
            "/fr/ferry", title="Une ligne de ferry", language="fr",
            text="Le port a approuvé une nouvelle ligne de ferry vers les îles lundi matin. " * 30,
            translations=[en_url],
        ),
    )  # fmt: skip
    assert english.status_code == french.status_code == 201, (english.text, french.text)
    hijack = client.post(
        "/api/v1/articles",
        headers=auth(rival_key),
        json=article_body(
            "/x", url=RIVAL + "/fr/ferry", title="Une autre ligne", language="fr",
            text="Une autre ligne de ferry part du port vers les îles chaque matin. " * 30,
            translations=[en_url, fr_url], published_at="2030-01-01T00:00:00Z",
        ),
    )  # fmt: skip
    assert hijack.status_code == 403, hijack.text
    assert hijack.json()["error"]["code"] == "foreign_url"
    assert "translations" in hijack.json()["error"]["message"]
    page = client.get(english.json()["page_url"].removeprefix("http://testserver"))
    alternates = dict(HREFLANG.findall(page.text))
    assert alternates["fr"].endswith(french.json()["page_url"].removeprefix("http://testserver"))


def test_a_frozen_reader_is_told_about_their_own_account_on_the_pages(client, session, settings):  # type: ignore[no-untyped-def]
    """The check-in and the redemption form speak to the reader ("Your account"), in their
    language, and send them to their account page for the reason."""
    fund(session, 500)
    ada, _ = make_reader(session, settings, "ada")
    rewards.grant_points(session, ada.id, 100, "welcome")
    reward = rewards.create_reward(
        session,
        rewards.RewardDraft(kind=RewardKind.PREMIUM, name_en="Premium", cost=10, premium_days=7),
    )
    freezes.freeze_reader(session, ada.id, "Chargeback", by=None)
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, ada))
    session.commit()
    told = {
        "en": "Your account is frozen: it earns and spends no points for now. "
        "Your account page says why.",
        "fr": "Votre compte est gelé : il ne gagne ni ne dépense de points pour l'instant. "
        "Votre page de compte indique pourquoi.",
    }
    for lang, message in told.items():
        client.cookies.set("lang", lang)
        checkin = client.post("/account/checkin", data={"csrf_token": csrf(client, "/account")})
        assert checkin.status_code == 403
        assert [html.unescape(m) for m in ALERT.findall(checkin.text)] == [message]
        page = f"/rewards/{reward.slug}"
        redeem = client.post(
            page + "/redeem", data={"csrf_token": csrf(client, page), "idempotency_key": lang}
        )
        assert redeem.status_code == 403
        assert [html.unescape(m) for m in ALERT.findall(redeem.text)] == [message]
    session.expire_all()
    assert wallet(session, ada.id) == (100, 0)


def test_a_publisher_s_page_cannot_redirect_the_server_into_its_own_network(  # type: ignore[no-untyped-def]
    client, session, settings, monkeypatch
):
    """The article API fetches a page by its URL on the site's origin: from there, a redirect to
    an address that is not public (a metadata service, an internal page) is refused before
    anything is asked of it. A site on the server's own network needs
    READTOEARN_IMPORT_PRIVATE_ADDRESSES, as the console's imports do."""
    asked: list[str] = []
    with LocalSite() as publisher, LocalSite() as internal:
        secret = internal.page("/admin", INTERNAL_PAGE)
        serve = internal.routes["/admin"]
        internal.routes["/admin"] = lambda handler: (asked.append(handler.path), serve(handler))
        hop = publisher.redirect("/story", secret)
        own = publisher.page("/own", INTERNAL_PAGE)
        site = sites.create_site(session, name="Local", origins=[publisher.url], actor="test")
        key = sites.create_key(session, site, scopes=["articles:write"], actor="test").key
        session.commit()
        # The publisher's own server counts as public here; the internal one is what it is.
        real, public_port = fetch.public_address, urlsplit(publisher.url).port
        monkeypatch.setattr(
            fetch,
            "public_address",
            lambda host, port: ("127.0.0.1", "") if port == public_port else real(host, port),
        )
        refused = client.post("/api/v1/articles", json={"url": hop}, headers=auth(key))
        assert asked == [], "the internal page was not fetched"
        assert refused.status_code == 400, refused.text
        assert "not a public address" in refused.json()["error"]["message"]
        monkeypatch.undo()
        private = client.post("/api/v1/articles", json={"url": own}, headers=auth(key))
        assert private.status_code == 400, private.text
        assert "not a public address" in private.json()["error"]["message"]
        settings.import_private_addresses = True
        fetched = client.post("/api/v1/articles", json={"url": own}, headers=auth(key))
        assert fetched.status_code == 201, fetched.text


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_webhook_s_name_rebound_to_the_server_s_network_is_not_posted_to(  # type: ignore[no-untyped-def]
    session, database, settings, clock, webhook_receiver, monkeypatch
):
    """DNS rebinding against the webhooks: the name is public when checked, then the server's
    own address when connecting. The delivery goes to the address checked, or nowhere."""
    settings.webhook_private_addresses = False
    settings.webhook_timeout_s = 1.0
    port = urlsplit(webhook_receiver.url).port
    site = sites.create_site(session, name="Daily News", origins=[ORIGIN], actor="test")
    url = f"http://rebind.example:{port}/hook"
    sites.add_webhook(session, site, url=url, events=list(sites.EVENTS), actor="test")
    reader, _ = make_reader(session, settings, "nadia")
    session.add(SiteReader(site_id=site.id, external_id="wp-1", user_id=reader.id))
    session.flush()
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "192.88.99.10" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    now_on(clock)
    session.add(EmailNotice(user_id=reader.id, kind="points_expiring", key="rebind"))
    session.commit()
    assert sites.deliver_due(database, settings, clock) == 1
    assert webhook_receiver.received == []
    [delivery] = queued(session, site)
    session.refresh(delivery)
    assert delivery.status == "pending" and delivery.last_status is None and delivery.last_error


def test_an_editor_cannot_pile_up_running_imports(client, session, settings, app):  # type: ignore[no-untyped-def]
    """Each import is a thread fetching pages: an editor starting them without end would take the
    server's memory and connections. A few at a time per person, counted in the database (so
    across worker processes); then a message, nothing run."""
    boss = as_operator(client, session, settings)
    running = [
        ImportJob(source="https://news.example/feed/", kind="url", by_id=boss.id)
        for _ in range(MAX_RUNNING_PER_PERSON)
    ]
    session.add_all(running)
    session.commit()
    token = csrf(client, "/operator/articles/import")
    files = {"file": ("en-news.html", (PAGES / "en-news.html").read_bytes(), "text/html")}
    busy = client.post(
        "/operator/articles/import", data={"csrf_token": token}, files=files,
        follow_redirects=False,
    )  # fmt: skip
    assert busy.status_code == 429
    assert "You have too many imports running: wait for one to finish." in busy.text
    assert session.scalar(select(func.count()).select_from(ImportJob)) == MAX_RUNNING_PER_PERSON
    assert not list((Path(settings.data_dir) / "imports").iterdir()), "the upload is removed"
    running[0].finished_at = utcnow()
    session.commit()
    again = client.post(
        "/operator/articles/import", data={"csrf_token": token}, files=files,
        follow_redirects=False,
    )  # fmt: skip
    assert again.status_code == 303


class _KeepAlive(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, int]]] = []

    def do_GET(self) -> None:
        _KeepAlive.seen.append((self.headers["Host"].split(":")[0], self.client_address[1]))
        body = b"<html><body><p>ok</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_two_names_on_one_address_never_share_a_connection(settings, monkeypatch) -> None:
    """The console's fetches connect to the address checked: two names at the same address (a
    CDN) still get a connection each, so that TLS is never spoken for one name and the request
    sent for another."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _KeepAlive.seen = []
    monkeypatch.setattr(fetch, "public_address", lambda host, port: ("127.0.0.1", ""))
    port = server.server_address[1]
    try:
        with fetch.new_client(settings, public_only=True) as http_client:
            for name in ("a.example", "a.example", "b.example", "b.example"):
                fetch.fetch(f"http://{name}:{port}/page", settings, http_client)
    finally:
        server.shutdown()
        server.server_close()
    ports = {
        name: {p for n, p in _KeepAlive.seen if n == name} for name in ("a.example", "b.example")
    }
    assert len(ports["a.example"]) == len(ports["b.example"]) == 1, "kept alive per name"
    assert ports["a.example"] != ports["b.example"], "never shared between names"
