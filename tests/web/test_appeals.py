"""Appeals where readers and operators meet them (the wallet's form, the JSON API, the review
queue), and the server's own background job voiding held reads nobody decided and forgetting old
devices and addresses."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select

from readtoearn.accounts import service as accounts
from readtoearn.app import create_app
from readtoearn.clock import ManualClock
from readtoearn.config import Settings
from readtoearn.db import Database, utcnow
from readtoearn.fraud import appeals
from readtoearn.fraud import service as reviews
from readtoearn.fraud.models import Sighting
from readtoearn.fraud.sightings import Seen, record
from readtoearn.ledger import service as ledger
from readtoearn.reading.models import Read
from readtoearn.web.sessions import SESSION_COOKIE
from tests.conftest import SECRET
from tests.factories import make_article
from tests.readers import STRONG_PASSWORD, fund, make_reader, wallet
from tests.unit.fraud.factories import make_read

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def outbox(settings: Settings) -> list[Any]:
    folder = settings.data_dir / "outbox"
    return [
        message_from_bytes(p.read_bytes(), policy=default) for p in sorted(folder.glob("*.eml"))
    ]


def article(session, settings, n: int):
    return make_article(session, settings, title=f"Story {n}", url=f"https://news.example/{n}")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(utcnow())


@pytest.fixture
def ada(session, settings):
    fund(session, 1000)
    user, token = make_reader(session, settings, "ada")
    session.commit()
    return user, token


def test_a_reader_appeals_a_held_read_from_the_wallet_once(
    client: TestClient, session, settings, clock, ada
) -> None:
    reader, token = ada
    held = make_read(session, reader.id, article(session, settings, 1).id, completed_at=clock.now())
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, reader))
    session.commit()

    page = BeautifulSoup(client.get("/account/wallet").text, "html.parser")
    form = page.select_one(f"form[action='/account/reads/{held.id}/appeal']")
    assert form is not None and "You can appeal once, until" in page.text
    fields = {"csrf_token": form.select_one("[name=csrf_token]")["value"], "message": ""}
    empty = client.post(f"/account/reads/{held.id}/appeal", data=fields)
    assert empty.status_code == 422
    assert "Say in a few words why this read should be rewarded." in empty.text
    answer = client.post(
        f"/account/reads/{held.id}/appeal",
        data={**fields, "message": "I read it on the train"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    after = BeautifulSoup(client.get(answer.headers["location"]).text, "html.parser")
    assert "Your appeal was sent" in after.text
    assert after.select_one(f"form[action='/account/reads/{held.id}/appeal']") is None
    assert after.select_one("[data-appeal=open]") is not None
    french = client.get("/account/wallet?lang=fr").text
    assert "Contestation envoyée" in french

    [read_out] = client.get("/api/v1/me/wallet", headers=bearer(token)).json()["reads"]
    assert read_out["appeal"]["decision"] is None and read_out["appealable_until"] is None
    again = client.post(
        f"/api/v1/reads/{held.id}/appeal", json={"message": "again"}, headers=bearer(token)
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_appealed"
    # Without the CSRF field, the form does nothing.
    other = make_read(
        session, reader.id, article(session, settings, 2).id, completed_at=clock.now()
    )
    session.commit()
    forged = client.post(f"/account/reads/{other.id}/appeal", data={"message": "x"})
    assert forged.status_code == 403
    session.expire_all()
    assert appeals.appeals_of(session, [other.id]) == {}


def test_the_api_lets_only_the_owner_appeal_before_the_deadline(
    client: TestClient, session, settings, clock, ada
) -> None:
    reader, token = ada
    _bob, bob_token = make_reader(session, settings, "bob")
    held = make_read(session, reader.id, article(session, settings, 1).id, completed_at=clock.now())
    late = make_read(
        session,
        reader.id,
        article(session, settings, 2).id,
        status="rejected",
        reasons=("too_fast",),
        completed_at=clock.now() - timedelta(days=settings.appeal_days, minutes=1),
    )
    session.commit()
    reads = {
        r["read_id"]: r
        for r in client.get("/api/v1/me/wallet", headers=bearer(token)).json()["reads"]
    }
    deadline = held.completed_at + timedelta(days=settings.appeal_days)
    assert reads[str(held.id)]["appealable_until"] == deadline.isoformat().replace("+00:00", "Z")
    assert reads[str(late.id)]["appealable_until"] is None
    path = f"/api/v1/reads/{held.id}/appeal"
    assert client.post(path, json={"message": "x"}).status_code == 401
    stranger = client.post(path, json={"message": "mine"}, headers=bearer(bob_token))
    assert stranger.status_code == 404
    assert (
        client.post(
            "/api/v1/reads/not-a-read/appeal", json={"message": "x"}, headers=bearer(token)
        ).status_code
        == 404
    )
    for body in ({}, {"message": ""}, {"message": "x" * 2001}, {"message": 12}):
        bad = client.post(path, json=body, headers=bearer(token))
        assert bad.status_code == 422, body
        assert bad.json()["error"]["code"] == "invalid"
    too_late = client.post(
        f"/api/v1/reads/{late.id}/appeal", json={"message": "sorry"}, headers=bearer(token)
    )
    assert too_late.status_code == 409
    assert too_late.json()["error"]["code"] == "appeal_too_late"
    assert "ran out on" in too_late.json()["error"]["message"]
    made = client.post(path, json={"message": "I was reading"}, headers=bearer(token))
    assert made.status_code == 201
    assert made.json()["read_id"] == str(held.id) and made.json()["decision"] is None


def operator(session, settings):
    user = accounts.create_user(
        session, settings, email="op@example.org", password=STRONG_PASSWORD, is_operator=True
    )
    token = accounts.issue_api_token(session, settings, user).token
    session.commit()
    return user, token


def test_operators_decide_appeals_on_the_queue_and_through_the_api(
    client: TestClient, session, settings, clock, ada
) -> None:
    reader, token = ada
    held = make_read(session, reader.id, article(session, settings, 1).id, completed_at=clock.now())
    rejected = make_read(
        session,
        reader.id,
        article(session, settings, 2).id,
        status="rejected",
        reasons=("too_fast",),
        completed_at=clock.now(),
    )
    session.commit()
    for read in (held, rejected):
        answer = client.post(
            f"/api/v1/reads/{read.id}/appeal", json={"message": "honest"}, headers=bearer(token)
        )
        assert answer.status_code == 201
    op, op_token = operator(session, settings)
    assert client.get("/api/v1/operator/appeals", headers=bearer(token)).status_code == 403
    listed = client.get("/api/v1/operator/appeals", headers=bearer(op_token)).json()
    assert [a["read_id"] for a in listed] == [str(held.id), str(rejected.id)]
    assert listed[0]["reader_email"] == "ada@example.org" and listed[0]["message"] == "honest"
    board = client.get("/api/v1/operator/dashboard", headers=bearer(op_token)).json()
    assert (board["appeals_waiting"], board["redemptions_waiting"]) == (2, 0)

    # The held read's appeal, approved on the queue page.
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, op))
    session.commit()
    queue_page = client.get("/operator/reviews").text
    queue = BeautifulSoup(queue_page, "html.parser")
    first = queue.select_one(f"[data-appeal='{listed[0]['id']}']")
    assert first is not None and "honest" in first.text
    answer = client.post(
        f"/operator/appeals/{listed[0]['id']}/approve",
        data={"csrf_token": CSRF_INPUT.search(queue_page).group(1), "note": "fair enough"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    after = BeautifulSoup(client.get(answer.headers["location"]).text, "html.parser")
    assert "Appeal approved." in after.text
    decided = after.select_one(f"[data-appeal-decided='{listed[0]['id']}']")
    assert "op@example.org" in decided.text and "fair enough" in decided.text
    session.expire_all()
    assert session.get(Read, held.id).status == "credited"
    assert wallet(session, reader.id) == (10, 0)

    # The rejected read's appeal, approved through the API: it is credited from the budget.
    path = f"/api/v1/operator/appeals/{listed[1]['id']}"
    done = client.post(f"{path}/approve", json={"note": "ok"}, headers=bearer(op_token))
    assert done.status_code == 200, done.text
    assert (done.json()["decision"], done.json()["read_status"]) == ("approved", "credited")
    again = client.post(f"{path}/approve", json={}, headers=bearer(op_token))
    assert again.status_code == 200 and again.json()["created"] is False
    other_way = client.post(f"{path}/reject", headers=bearer(op_token))
    assert other_way.status_code == 409
    missing = client.post(
        f"/api/v1/operator/appeals/{uuid.uuid4()}/reject", headers=bearer(op_token)
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "appeal_not_found"
    session.expire_all()
    assert wallet(session, reader.id) == (20, 0)
    assert client.get("/api/v1/operator/appeals", headers=bearer(op_token)).json() == []
    subjects = [m["Subject"] for m in outbox(settings)]
    assert subjects == ["readtoearn: your appeal was accepted"] * 2
    assert ledger.audit(session).ok

    # The reader sees the answer beside each read.
    client.cookies.set(SESSION_COOKIE, _login(session, settings, reader))
    mine = BeautifulSoup(client.get("/account/wallet").text, "html.parser")
    assert len(mine.select("[data-appeal=approved]")) == 2
    assert "The operator's note: fair enough" in mine.text


def _login(session, settings, user) -> str:
    secret = accounts.start_session(session, settings, user)
    session.commit()
    return secret


def test_an_appeal_the_budget_cannot_pay_is_said_on_the_page(
    client: TestClient, session, settings, clock
) -> None:
    reader, _token = make_reader(session, settings, "poor")  # the budget is never funded
    read = make_read(
        session,
        reader.id,
        article(session, settings, 1).id,
        status="rejected",
        reasons=("too_fast",),
        completed_at=clock.now(),
    )
    appeal = appeals.file_appeal(session, reader.id, read.id, "x", appeal_days=14, now=clock.now())
    op, _token = operator(session, settings)
    client.cookies.set(SESSION_COOKIE, _login(session, settings, op))
    page = client.get("/operator/reviews")
    answer = client.post(
        f"/operator/appeals/{appeal.id}/approve",
        data={"csrf_token": CSRF_INPUT.search(page.text).group(1)},
    )
    assert answer.status_code == 422
    assert "Fund the budget" in answer.text
    session.expire_all()
    assert appeals.list_open(session)[0].appeal.decision is None


# ---------------------------------------------------------------- the server's own sweep


def test_the_server_voids_stale_holds_and_forgets_old_sightings(
    committing_database: Database, tmp_path: Path
) -> None:
    db = committing_database
    tag = uuid.uuid4().hex[:8]
    settings = Settings(
        data_dir=tmp_path,
        secret_key=SECRET,
        base_url="http://testserver",
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
        ledger_expire_every_s=3600,  # the background job runs at startup
        held_timeout_days=30,
        fraud_retention_days=90,
        # The clock is a month ahead: the reader's token must outlive it, or the sweep (which
        # deletes expired secrets) would rightly forget it.
        api_token_days=60,
    )
    clock = ManualClock(utcnow() + timedelta(days=31))
    with db.session(write=True) as s:
        ledger.fund_budget(s, 1000, ledger.transfer_id(f"sweep:{tag}"))
        reader, token = make_reader(s, settings, f"sweep-{tag}")
        story = make_article(
            s, settings, title=f"Sweep {tag}", url=f"https://news.example/sweep-{tag}"
        )
        held = make_read(s, reader.id, story.id, completed_at=utcnow())
        record(s, reader.id, Seen(f"dev-{tag}", f"net-{tag}"), utcnow() - timedelta(days=100))
        held_id, reader_id = held.id, reader.id

    app = create_app(settings, database=db, clock=clock)
    with TestClient(app) as client:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with db.session() as s:
                if reviews.get_review(s, held_id) is not None:
                    break
            time.sleep(0.05)
        with db.session() as s:
            review = reviews.get_review(s, held_id)
            assert review is not None and (review.decision, review.operator_id) == ("expired", None)
            assert ledger.balance(s, ledger.get_or_create_wallet(s, reader_id)).pending == 0
            assert s.scalar(select(Sighting.id).where(Sighting.user_id == reader_id)) is None
            assert ledger.audit(s).ok
        page = client.get("/api/v1/me/wallet", headers=bearer(token)).json()
        assert page["reads"][0]["verdict"] == "rejected" and page["pending"] == 0
        assert page["reads"][0]["review"] == "expired"
        client.cookies.set(SESSION_COOKIE, _login_db(db, settings, reader_id))
        wallet_page = client.get("/account/wallet").text
        assert "Nobody reviewed this read in time" in wallet_page
    [mail] = outbox(settings)
    assert "expired" in mail["Subject"] and f"Sweep {tag}" in mail.get_content()


def _login_db(db: Database, settings: Settings, reader_id: uuid.UUID) -> str:
    with db.session(write=True) as s:
        user = accounts.get_user(s, reader_id)
        return accounts.start_session(s, settings, user)
