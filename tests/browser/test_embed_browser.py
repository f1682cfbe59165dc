"""One script tag on a publisher's page, served from another origin: a reader signed in by the
site's JWT reads at a human pace with the mouse wheel and is credited, and the publisher's webhook
receiver gets read.credited, signed; a page of an origin the site does not allow gets nothing but
a clear console message. Real Chromium, two origins."""

from __future__ import annotations

import html
import http.server
import json
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.config import Settings
from readtoearn.ledger import service as ledger
from readtoearn.sites import service as sites
from readtoearn.sites.models import SiteReader
from tests.browser.conftest import running_app
from tests.browser.test_reading_browser import SENTENCES, human_context
from tests.live import free_socket

pytestmark = pytest.mark.browser
VERDICTS = ("credited", "held", "rejected", "error", "done")


class Publisher(http.server.ThreadingHTTPServer):
    """A publisher's site: one article page carrying the script tag."""

    page = b""


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Publisher

    def do_GET(self) -> None:
        body = self.server.page
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def start_publisher(sock: Any) -> Publisher:
    server = Publisher(sock.getsockname(), _Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.server_activate()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


EXAMPLE = Path(__file__).resolve().parents[2] / "integrations" / "html" / "article.html"


def example_page(
    canonical: str, rewards: str = "", site_id: str = "", sso: str | None = None
) -> str:
    """integrations/html/article.html, at this canonical URL, its tag pointing at this server."""
    page = EXAMPLE.read_text().replace("https://news.example/2026/night-buses", canonical)
    page = page.replace("https://REWARDS_HOST", rewards).replace("SITE_ID", site_id)
    return page.replace('data-sso="JWT"', f'data-sso="{html.escape(sso)}"' if sso else "")


def page_html(rewards: str, site_id: str, canonical: str, sso: str | None) -> bytes:
    """A publisher's article page with its own chrome, a lead outside the body, and the tag."""
    paragraphs = "".join(f"<p>{html.escape(s)}</p>" for s in SENTENCES)
    sso_attr = f' data-sso="{html.escape(sso)}"' if sso else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f'<link rel="canonical" href="{canonical}"><title>Night buses</title>'
        "<style>p{font-size:18px;line-height:1.6;margin:0 0 1.2em} body{margin:0 16px}</style>"
        "</head><body><header><nav><a href='/'>Home</a> <p>Subscribe to our newsletter</p></nav>"
        "</header><article><h1>Night buses reach six more towns</h1>"
        f"{paragraphs}</article><footer><p>© The Daily News</p></footer>"
        f'<script src="{rewards}/static/embed.js" data-site="{site_id}"{sso_attr} async></script>'
        "</body></html>"
    ).encode()


class Receiver(http.server.ThreadingHTTPServer):
    """The publisher's webhook endpoint: keeps every delivery."""

    received: list[tuple[dict[str, str], bytes]]


class _HookHandler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@dataclass(frozen=True)
class Embedding:
    rewards: str
    publisher: Publisher
    stranger: Publisher
    site_id: str
    secret: str
    canonical: str
    database: Any
    receiver: Receiver
    webhook_secret: str


@pytest.fixture(scope="module")
def embedding(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedding]:
    publisher_sock, stranger_sock = free_socket(), free_socket()
    origin = f"http://127.0.0.1:{publisher_sock.getsockname()[1]}"
    canonical = origin + "/2026/night-buses"

    receiver = Receiver(("127.0.0.1", 0), _HookHandler)
    receiver.received = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/readtoearn"

    def prepare(session: Session, settings: Settings) -> tuple[str, str, str, str]:
        site = sites.create_site(session, name="Daily News", origins=[origin], actor="test")
        secret = sites.add_secret(session, site, actor="test", kid="k1").secret
        assert secret is not None
        hook = sites.add_webhook(session, site, url=hook_url, events=["read.credited"], actor="t")
        key = sites.create_key(session, site, scopes=["articles:write"], actor="test").key
        ledger.fund_budget(session, 1000, ledger.transfer_id("embed-funding"))
        return str(site.id), secret, hook.secret, key

    data = tmp_path_factory.mktemp("embed-live")
    with running_app(
        data, prepare, beat_interval_s=5, webhook_poll_s=0.5, webhook_private_addresses=True
    ) as running:
        site_id, secret, hook_secret, key = running.prepared
        # The publisher registers its page through the article API, as its CMS would.
        registered = httpx.post(
            running.url + "/api/v1/articles",
            json={"html": example_page(canonical)},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        assert registered.status_code == 201, registered.text
        publisher, stranger = start_publisher(publisher_sock), start_publisher(stranger_sock)
        try:
            yield Embedding(
                running.url,
                publisher,
                stranger,
                site_id,
                secret,
                canonical,
                running.database,
                receiver,
                hook_secret,
            )
        finally:
            for server in (publisher, stranger, receiver):
                server.shutdown()
                server.server_close()


def sso_token(embedding: Embedding, sub: str, email: str) -> str:
    now = int(time.time())
    claims = {"sub": sub, "email": email, "name": "Nadia", "iat": now, "exp": now + 600}
    return jwt.encode(claims, embedding.secret, algorithm="HS256", headers={"kid": "k1"})


def url_of(server: Publisher) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/2026/night-buses"


def read_with_the_wheel(page: Any) -> Any:
    """Scroll like someone reading until the panel shows a verdict."""
    panel = page.locator("[data-readtoearn]")
    page.mouse.move(200, 200)
    rng = random.Random(5)
    deadline = time.monotonic() + 180
    while panel.get_attribute("data-kind") not in VERDICTS:
        text = page.locator("[data-readtoearn] .box").inner_text()
        assert time.monotonic() < deadline, f"no verdict in time: {text}"
        page.mouse.wheel(0, rng.choice([40, 60, 80, 100]))
        page.mouse.move(150 + rng.randint(-40, 40), 180 + rng.randint(-40, 40))
        page.wait_for_timeout(rng.randint(900, 1600))
    return panel


def test_a_reader_of_the_publishers_page_is_credited(browser, embedding) -> None:
    """The plain-HTML example, registered through the article API, read on the publisher's
    origin: every paragraph the server counted is found on the page."""
    embedding.publisher.page = example_page(
        embedding.canonical,
        embedding.rewards,
        embedding.site_id,
        sso_token(embedding, "wp-7", "nadia@news.example"),
    ).encode()
    context = human_context(browser)
    page = context.new_page()
    requests: list[str] = []
    messages: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: messages.append(message.text))
    page.goto(url_of(embedding.publisher))
    panel = page.locator("[data-readtoearn]")
    panel.wait_for(state="attached")
    page.wait_for_function(
        "document.querySelector('[data-readtoearn]').getAttribute('data-kind') === 'info'"
    )
    box = page.locator("[data-readtoearn] .box")  # inside the shadow root
    assert "Earn 10 points" in box.inner_text() or "Reading" in box.inner_text()
    panel = read_with_the_wheel(page)
    assert panel.get_attribute("data-kind") == "credited", box.inner_text()
    assert "+10 points!" in box.inner_text()
    assert not [m for m in messages if m.startswith("readtoearn:")], messages
    # The page's own styles do not reach the panel, nor does it talk to anyone but readtoearn.
    assert {r.split("/")[2] for r in requests} == {
        embedding.publisher.server_address[0] + f":{embedding.publisher.server_address[1]}",
        embedding.rewards.split("/")[2],
    }
    context.close()
    with embedding.database.session() as session:
        reader = session.scalar(select(SiteReader.user_id).where(SiteReader.external_id == "wp-7"))
        assert reader is not None
        wallet = ledger.get_or_create_wallet(session, reader)
        assert ledger.balance(session, wallet).posted == 10
    # The publisher's server hears of it, signed.
    deadline = time.monotonic() + 15
    while not embedding.receiver.received:
        assert time.monotonic() < deadline, "no webhook delivery"
        time.sleep(0.1)
    [(headers, body)] = embedding.receiver.received
    assert headers["readtoearn-event"] == "read.credited"
    signature = headers["readtoearn-signature"]
    assert sites.verify_signature(embedding.webhook_secret, signature, body, int(time.time()))
    event = json.loads(body)
    assert event["type"] == "read.credited" and event["data"]["points"] == 10
    assert event["data"]["reader"]["site_user_id"] == "wp-7"
    assert event["data"]["article_url"] == embedding.canonical
    # Back on the page later: the panel says it is done, and no read starts.
    context = human_context(browser)
    page = context.new_page()
    starts: list[str] = []
    page.on("request", lambda r: starts.append(r.url) if r.url.endswith("/api/v1/reads") else None)
    page.goto(url_of(embedding.publisher))
    page.wait_for_function(
        "document.querySelector('[data-readtoearn]')?.getAttribute('data-kind') === 'done'"
    )
    box = page.locator("[data-readtoearn] .box")
    assert "You have already earned points for this article." in box.inner_text()
    assert starts == []
    context.close()


def test_a_page_without_sign_in_offers_to_join(browser, embedding) -> None:
    embedding.publisher.page = page_html(
        embedding.rewards, embedding.site_id, embedding.canonical, None
    )
    context = human_context(browser)
    page = context.new_page()
    page.goto(url_of(embedding.publisher))
    page.locator("[data-readtoearn]").wait_for(state="attached")
    box = page.locator("[data-readtoearn] .box")
    assert "Join the programme to earn 10 points" in box.inner_text()
    join = box.locator("a").first
    assert join.get_attribute("href") == embedding.rewards + "/account/signup"
    context.close()


def test_an_origin_the_site_does_not_allow_gets_nothing(browser, embedding) -> None:
    embedding.stranger.page = page_html(
        embedding.rewards,
        embedding.site_id,
        embedding.canonical,
        sso_token(embedding, "wp-8", "eve@stranger.example"),
    )
    context = human_context(browser)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(url_of(embedding.stranger))
    deadline = time.monotonic() + 10
    while not any(m.startswith("readtoearn:") for m in messages):
        assert time.monotonic() < deadline, messages
        page.wait_for_timeout(100)
    [said] = [m for m in messages if m.startswith("readtoearn:")]
    assert "allowed origins" in said and embedding.site_id in said
    assert page.locator("[data-readtoearn]").count() == 0
    context.close()
    with embedding.database.session() as session:
        linked = session.scalar(select(SiteReader.id).where(SiteReader.external_id == "wp-8"))
    assert linked is None
