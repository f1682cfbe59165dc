"""Webhooks: events queued with what they tell of, signed deliveries, retries with back-off for a
day, the delivery log and re-send, the API behind the webhooks scope, and a queue that survives a
restart of the real server."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from readtoearn import migrations
from readtoearn.accounts.models import EmailNotice
from readtoearn.app import create_app
from readtoearn.config import Settings
from readtoearn.db import Database, make_engine, new_id, utcnow
from readtoearn.quests.models import Quest, QuestCompletion
from readtoearn.reading.models import Read
from readtoearn.sites import service as sites
from readtoearn.sites.models import SiteReader
from tests.conftest import SECRET
from tests.factories import make_article
from tests.live import free_socket, serve
from tests.readers import make_reader

ORIGIN = "https://news.example"


class Receiver(http.server.ThreadingHTTPServer):
    """A publisher's endpoint: answers the statuses it is told, in turn, and keeps what came."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(autouse=True)
def _local_receivers(settings) -> None:
    """The receivers of these tests listen on loopback, which deliveries refuse by default."""
    settings.webhook_private_addresses = True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def hooked(session, settings, receiver) -> dict[str, Any]:
    """A site with a webhook, a reader who signed in from it, and one of its articles."""
    site = sites.create_site(session, name="Daily News", origins=[ORIGIN], actor="test")
    hook = sites.add_webhook(session, site, url=receiver.url, events=list(sites.EVENTS), actor="t")
    reader, token = make_reader(session, settings, name="nadia")
    session.add(SiteReader(site_id=site.id, external_id="wp-1", user_id=reader.id))
    article = make_article(session, settings, url=ORIGIN + "/a")
    session.flush()
    return {"site": site, "hook": hook, "reader": reader, "token": token, "article": article}


def queued(session, site) -> list[Any]:
    return sites.list_deliveries(session, site)


def a_read(hooked: dict[str, Any], status: str = "open") -> Read:
    return Read(
        id=new_id(),
        reader_id=hooked["reader"].id,
        article_id=hooked["article"].id,
        status=status,
        nonce="00" * 8,
        flags=[],
        paragraphs_seen=[],
        reasons=[],
    )


def test_a_verdict_queues_its_event_in_its_own_transaction(session, hooked) -> None:
    read = a_read(hooked)
    session.add(read)
    session.flush()
    assert queued(session, hooked["site"]) == []  # an open read tells nothing
    read.status, read.points = "credited", 10
    session.flush()
    [delivery] = queued(session, hooked["site"])
    body = json.loads(delivery.payload)
    assert body["type"] == "read.credited" and delivery.event_id == f"read.credited:{read.id}"
    assert body["data"]["points"] == 10 and body["data"]["article_url"] == ORIGIN + "/a"
    assert body["data"]["reader"] == {"id": str(hooked["reader"].id), "site_user_id": "wp-1"}
    # A rolled-back change takes its event with it.
    other = a_read(hooked, "open")
    other.article_id = make_article(
        session, Settings(secret_key=SECRET), url=ORIGIN + "/b", title="Another story entirely"
    ).id
    session.add(other)
    session.flush()
    savepoint = session.begin_nested()
    other.status = "held"
    session.flush()
    assert "read.held" in [d.event for d in queued(session, hooked["site"])]
    savepoint.rollback()  # the unit failed
    assert [d.event for d in queued(session, hooked["site"])] == ["read.credited"]


def test_points_expiring_and_the_events_a_webhook_wants(session, hooked) -> None:
    sites.remove_webhook(session, hooked["site"], str(hooked["hook"].id), actor="t")
    only = sites.add_webhook(
        session, hooked["site"], url="https://news.example/h", events=["points.expiring"], actor="t"
    )
    session.add(a_read(hooked, "rejected"))
    session.add(EmailNotice(user_id=hooked["reader"].id, kind="points_expiring", key="2026-12"))
    session.flush()
    events = [(d.webhook_id, d.event) for d in queued(session, hooked["site"])]
    assert events == [(only.id, "points.expiring")]


def now_on(clock) -> None:
    """Events are queued at the wall clock's time (the outbox sees no app clock): catch up."""
    clock.advance((utcnow() - clock.now()).total_seconds() + 1)


def test_deliveries_are_signed_retried_with_backoff_and_logged(
    session, database, settings, clock, hooked, receiver
) -> None:
    now_on(clock)
    receiver.statuses = [500, 503]
    session.add(EmailNotice(user_id=hooked["reader"].id, kind="points_expiring", key="w1"))
    session.commit()
    assert sites.deliver_due(database, settings, clock) == 1
    [delivery] = queued(session, hooked["site"])
    session.refresh(delivery)
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.last_status == 500
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=10)
    assert sites.deliver_due(database, settings, clock) == 0  # not due yet
    clock.advance(10)
    assert sites.deliver_due(database, settings, clock) == 1  # 503: then 20 s
    session.refresh(delivery)
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=20)
    clock.advance(20)
    assert sites.deliver_due(database, settings, clock) == 1
    session.refresh(delivery)
    assert delivery.status == "delivered" and delivery.attempts == 3
    headers, body = receiver.received[-1]
    assert headers["readtoearn-event"] == "points.expiring"
    now = int(clock.now().timestamp())
    secret = hooked["hook"].secret
    assert sites.verify_signature(secret, headers["readtoearn-signature"], body, now)
    assert not sites.verify_signature(secret, headers["readtoearn-signature"], body + b" ", now)
    assert not sites.verify_signature(secret, headers["readtoearn-signature"], body, now + 600)
    # Every attempt carried the same body and event id.
    assert len({b for _h, b in receiver.received}) == 1


def test_a_delivery_that_keeps_failing_gives_up_after_a_day(
    session, database, settings, clock, hooked, receiver
) -> None:
    now_on(clock)
    receiver.statuses = [500] * 100
    session.add(EmailNotice(user_id=hooked["reader"].id, kind="points_expiring", key="w2"))
    session.commit()
    attempts = 0
    for _ in range(100):
        attempts += sites.deliver_due(database, settings, clock)
        [delivery] = queued(session, hooked["site"])
        session.refresh(delivery)
        if delivery.status != "pending":
            break
        clock.advance((delivery.next_attempt_at - clock.now()).total_seconds())
    assert delivery.status == "failed"
    assert 20 <= attempts <= 40  # 10 s, 20 s … then hourly, for 24 hours
    assert sites.backoff_s(30) == 3600
    # The log shows it; a re-send queues it again, now, with the same body.
    sites.resend(session, hooked["site"], str(delivery.id), actor="test")
    session.commit()
    receiver.statuses = []
    assert sites.deliver_due(database, settings, clock) == 1
    session.refresh(delivery)
    assert delivery.status == "delivered"


def test_the_webhooks_api_needs_its_scope(client, session, hooked, receiver) -> None:
    key = sites.create_key(session, hooked["site"], scopes=["webhooks"], actor="t").key
    articles_only = sites.create_key(session, hooked["site"], scopes=["articles:write"], actor="t")
    session.commit()
    auth = {"Authorization": f"Bearer {key}"}
    denied = client.get(
        "/api/v1/webhooks", headers={"Authorization": f"Bearer {articles_only.key}"}
    )
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "missing_scope"
    made = client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["read.held"]}, headers=auth
    )
    assert made.status_code == 201, made.text
    assert made.json()["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks", headers=auth).json()
    assert {h["id"] for h in listed} == {str(hooked["hook"].id), made.json()["id"]}
    assert all(h["secret"] is None for h in listed)
    bad = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["x"]}, headers=auth)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_event"
    gone = client.delete(f"/api/v1/webhooks/{made.json()['id']}", headers=auth)
    assert gone.status_code == 200
    assert client.delete(f"/api/v1/webhooks/{made.json()['id']}", headers=auth).status_code == 404
    session.add(EmailNotice(user_id=hooked["reader"].id, kind="points_expiring", key="w3"))
    session.commit()
    [log] = client.get("/api/v1/webhook-deliveries", headers=auth).json()
    assert log["event"] == "points.expiring" and log["payload"]["type"] == "points.expiring"
    again = client.post(f"/api/v1/webhook-deliveries/{log['id']}/resend", headers=auth)
    assert again.status_code == 200 and again.json()["status"] == "pending"
    other = sites.create_site(session, name="Other", origins=["https://o.example"], actor="t")
    other_key = sites.create_key(session, other, scopes=["webhooks"], actor="t").key
    session.commit()
    stranger = {"Authorization": f"Bearer {other_key}"}
    assert (
        client.post(f"/api/v1/webhook-deliveries/{log['id']}/resend", headers=stranger).status_code
        == 404
    )


def test_the_queue_survives_a_restart_of_the_server(tmp_path: Path, receiver: Receiver) -> None:
    """An event queued while the receiver is down is delivered by the next server's worker."""
    settings = Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        database_url=f"sqlite:///{tmp_path / 'live.sqlite3'}",
        webhook_poll_s=0.2,
        webhook_private_addresses=True,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
    )
    database = Database(make_engine(settings.resolved_database_url))
    try:
        migrations.upgrade(database.engine)
        receiver.statuses = [503] * 3
        with database.session(write=True) as session:
            site = sites.create_site(session, name="N", origins=[ORIGIN], actor="t")
            hook = sites.add_webhook(
                session, site, url=receiver.url, events=["points.expiring"], actor="t"
            )
            reader, _ = make_reader(session, settings, name="restart")
            session.add(SiteReader(site_id=site.id, external_id="r-1", user_id=reader.id))
            session.flush()  # linked before the event, as a sign-in does
            session.add(EmailNotice(user_id=reader.id, kind="points_expiring", key="k"))
            secret = hook.secret
        with serve(create_app(settings, database=database), free_socket()):
            deadline = time.monotonic() + 10
            while not receiver.received:
                assert time.monotonic() < deadline, "the worker never tried"
                time.sleep(0.05)
        # The server is gone with its first attempt refused; the next one sends it, later.
        with database.session(write=True) as session:
            [delivery] = session.scalars(select(sites.WebhookDelivery)).all()
            assert delivery.status == "pending" and delivery.attempts >= 1
            delivery.next_attempt_at = delivery.created_at  # due now, not in 10 s
        receiver.statuses = []
        with serve(create_app(settings, database=database), free_socket()):
            deadline = time.monotonic() + 10
            while True:
                with database.session() as session:
                    status = session.scalar(select(sites.WebhookDelivery.status))
                if status == "delivered":
                    break
                assert time.monotonic() < deadline, status
                time.sleep(0.05)
        headers, body = receiver.received[-1]
        assert sites.verify_signature(
            secret, headers["readtoearn-signature"], body, int(time.time())
        )
    finally:
        database.dispose()


def test_a_completed_quest_is_told(session, hooked) -> None:
    quest = Quest(slug="tour", title_en="The tour", points=30)
    session.add(quest)
    session.flush()
    session.add(
        QuestCompletion(
            quest_id=quest.id, reader_id=hooked["reader"].id, points=30, transfer_id=new_id()
        )
    )
    session.flush()
    [delivery] = queued(session, hooked["site"])
    body = json.loads(delivery.payload)
    assert body["type"] == "quest.completed"
    assert body["data"] == {
        "quest_id": str(quest.id),
        "points": 30,
        "reader": {"id": str(hooked["reader"].id), "site_user_id": "wp-1"},
    }


def test_a_delivery_to_the_servers_own_network_is_refused(
    session, database, settings, clock, hooked, receiver
) -> None:
    """A publisher's key chooses the address: the server never posts into its own network."""
    settings.webhook_private_addresses = False
    now_on(clock)
    session.add(EmailNotice(user_id=hooked["reader"].id, kind="points_expiring", key="ssrf"))
    session.commit()
    assert sites.deliver_due(database, settings, clock) == 1
    [delivery] = queued(session, hooked["site"])
    session.refresh(delivery)
    assert delivery.status == "pending" and delivery.last_status is None
    assert delivery.last_error.startswith("refused: 127.0.0.1 is not a public address")
    assert receiver.received == []


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://169.254.169.254/latest/meta-data", True),
        ("http://10.0.0.7/hook", True),
        ("http://[::1]:8080/hook", True),
        ("http://localhost/hook", True),
        ("https://93.184.215.14/hook", False),
    ],
)
def test_which_addresses_are_refused(url: str, refused: bool) -> None:
    from readtoearn.sites.delivery import refusal

    assert bool(refusal(url)) is refused
