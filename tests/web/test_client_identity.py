"""Who is behind a request (web/client.py): the address a proxy may vouch for, the device cookie
the first page view sets, the view token a visitor's page carries, and the sightings a crowd of
read starts records through the real server."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from starlette.requests import HTTPConnection

from readtoearn.accounts import service as accounts
from readtoearn.fraud import identity
from readtoearn.fraud.models import Sighting
from readtoearn.ledger import service as ledger
from readtoearn.reading.models import Read
from readtoearn.web import client as who
from tests.factories import make_article
from tests.readers import make_reader
from tests.web.test_crowd import crowd_settings, in_a_thread, live


def connection(peer: str, forwarded: str | None = None) -> HTTPConnection:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return HTTPConnection({"type": "http", "client": (peer, 5000), "headers": headers})


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(settings) -> None:
    # Without trusted proxies, a client cannot claim another address.
    assert who.client_ip(connection("203.0.113.9", "198.51.100.1"), settings) == "203.0.113.9"
    proxied = settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    # The proxy appended what it saw; what the client wrote before that is not believed.
    seen = connection("10.1.2.3", "6.6.6.6, 198.51.100.1")
    assert who.client_ip(seen, proxied) == "198.51.100.1"
    # Two proxies of ours in a row: the first address neither of them is.
    assert who.client_ip(connection("10.1.2.3", "198.51.100.1, 10.9.9.9"), proxied) == (
        "198.51.100.1"
    )


def test_addresses_are_grouped_by_network_and_kept_as_keyed_hashes(settings) -> None:
    group = who.address_group
    assert group("203.0.113.9", settings) == group("203.0.113.200", settings)
    assert group("203.0.113.9", settings) != group("203.0.114.9", settings)
    assert group("2001:db8:1:2::1", settings) == group("2001:db8:1:2:ffff::9", settings)
    assert group("2001:db8:1:2::1", settings) != group("2001:db8:1:3::1", settings)
    assert group("::ffff:203.0.113.9", settings) == group("203.0.113.9", settings)
    assert "203.0.113" not in (group("203.0.113.9", settings) or "")
    assert group("not an address", settings) is None


def test_the_first_visit_sets_a_signed_device_cookie_once(client, session, settings) -> None:
    article = make_article(session, settings)
    session.commit()
    # The article page is shared by every visitor (and cached): it never sets a cookie; the
    # tracker's call for the visitor's own part does.
    shared = client.get(f"/articles/{article.id}/{article.slug}")
    assert device_cookies(shared) == [] and shared.headers["cache-control"].startswith("public")
    first = client.get(f"/api/v1/articles/{article.id}/reader")
    (cookie,) = device_cookies(first)
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert first.headers["cache-control"] == "private, no-store"
    device = identity.verify_device(settings.resolved_secret_key, client.cookies[who.DEVICE_COOKIE])
    assert device
    assert device_cookies(client.get(f"/api/v1/articles/{article.id}/reader")) == []
    # The rest of the API never sets one; a forged cookie is replaced (by the call, and by the
    # pages that are not shared, such as the login form).
    client.cookies.clear()
    assert device_cookies(client.get("/api/v1/articles")) == []
    client.cookies.set(who.DEVICE_COOKIE, device + ".forged")
    assert len(device_cookies(client.get("/account/login"))) == 1
    client.cookies.clear()
    client.cookies.set(who.DEVICE_COOKIE, device + ".forged")
    assert len(device_cookies(client.get(f"/api/v1/articles/{article.id}/reader"))) == 1


def device_cookies(response) -> list[str]:
    return [
        c for c in response.headers.get_list("set-cookie") if c.startswith(f"{who.DEVICE_COOKIE}=")
    ]


def test_a_visitors_page_carries_a_view_token_for_that_browser_only(
    client, app, session, settings
) -> None:
    article = make_article(session, settings, paragraphs=4)
    _, bearer = make_reader(session, settings, "app-user")
    session.commit()
    page = client.get(f"/articles/{article.id}/{article.slug}")
    assert BeautifulSoup(page.text, "html.parser").select_one("#rte-visitor")
    # The shared page's script asks for the visitor's own part: a token bound to this browser.
    view = client.get(f"/api/v1/articles/{article.id}/reader").json()["view_token"]
    headers = {"Authorization": f"Bearer {bearer}"}
    body = {"article_id": str(article.id), "view_token": view}
    # From the browser the page was served to (its device cookie), the token proves the view.
    assert client.post("/api/v1/reads", json=body, headers=headers).status_code == 201
    read = session.scalar(select(Read).where(Read.article_id == article.id))
    assert read.page_view is True
    # From another browser, the same token proves nothing.
    other = make_article(
        session, settings, paragraphs=4, url="https://n.example/other", title="Another story"
    )
    session.commit()
    client.cookies.clear()
    body = {"article_id": str(other.id), "view_token": view}
    assert client.post("/api/v1/reads", json=body, headers=headers).status_code == 201
    session.expire_all()
    later = session.scalar(select(Read).where(Read.article_id == other.id))
    assert later.page_view is False


def test_a_crowd_of_read_starts_from_one_browser_records_one_sighting(
    committing_database, tmp_path
) -> None:
    """The sightings upsert holds when one reader's requests race, through the real server."""
    settings = crowd_settings(tmp_path)
    run = uuid.uuid4().hex[:8]
    with committing_database.session(write=True) as session:
        ledger.fund_budget(session, 100, ledger.transfer_id(f"sight-{run}"))
        reader = accounts.create_user(
            session, settings, email=f"s-{run}@example.org", password=None
        )
        bearer = accounts.issue_api_token(session, settings, reader).token
        ids = [
            str(
                make_article(
                    session, settings, url=f"https://n.example/{run}/{i}", title=f"Story {run} {i}"
                ).id
            )
            for i in range(12)
        ]
        reader_id = reader.id
    cookie = identity.sign_device(settings.resolved_secret_key, f"dev-{run}")

    async def crowd(url: str) -> list[int]:
        cookies = {who.DEVICE_COOKIE: cookie}
        headers = {"Authorization": f"Bearer {bearer}"}
        async with httpx.AsyncClient(base_url=url, cookies=cookies, headers=headers) as http:
            answers = await asyncio.gather(
                *(http.post("/api/v1/reads", json={"article_id": i}) for i in ids)
            )
        return [a.status_code for a in answers]

    with live(committing_database, settings) as server:
        statuses = in_a_thread(crowd(server.url))
    assert statuses == [201] * len(ids)
    with committing_database.session() as session:
        count = select(func.count()).select_from(Sighting).where(Sighting.user_id == reader_id)
        assert session.execute(count.where(Sighting.kind == "device")).scalar_one() == 1
        assert session.execute(count.where(Sighting.kind == "address")).scalar_one() == 1


pytestmark = pytest.mark.timeout(120)
