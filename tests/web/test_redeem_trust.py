"""Trust before payout where readers and operators meet it: the store's checklist (EN/FR), the
API's refusal, redemptions that wait for an operator (pages, JSON, e-mail), a risk score from the
request's device, and two operators racing through a real server. The suite turns the gates off
(tests/conftest.py); every test here builds an app with its own turned back on."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from readtoearn.accounts import service as accounts
from readtoearn.app import create_app
from readtoearn.clock import ManualClock
from readtoearn.config import Settings
from readtoearn.db import Database, utcnow
from readtoearn.fraud.trust import TrustRules
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from readtoearn.web.sessions import SESSION_COOKIE
from tests.conftest import SECRET
from tests.factories import make_article
from tests.live import free_socket, serve
from tests.readers import STRONG_PASSWORD, fund, make_reader, wallet
from tests.unit.fraud.factories import make_read

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
ADDRESS = {
    "name": "Ada",
    "line1": "1 rue",
    "postal_code": "75001",
    "city": "Paris",
    "country": "FR",
}


def trust_settings(tmp_path: Path, **gates: Any) -> Settings:
    """Settings with the trust gates given (the others off, as in the suite)."""
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "secret_key": SECRET,
        "base_url": "http://testserver",
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 1024,
        "password_hash_parallelism": 1,
        "ledger_expire_every_s": 0,
        "redeem_require_verified_email": False,
        "redeem_min_account_days": 0,
        "redeem_min_read_days": 0,
        "redeem_review_above_points": 0,
    }
    return Settings(**(values | gates))


@pytest.fixture
def clock() -> ManualClock:
    # Accounts are dated by the real clock: the app's clock starts there and moves on.
    return ManualClock(utcnow())


@pytest.fixture
def serve_app(database: Database, clock: ManualClock) -> Iterator[Any]:
    clients: list[TestClient] = []

    def make(settings: Settings) -> TestClient:
        client = TestClient(create_app(settings, database=database, clock=clock))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def outbox(settings: Settings) -> list[Any]:
    folder = settings.data_dir / "outbox"
    return [
        message_from_bytes(p.read_bytes(), policy=default) for p in sorted(folder.glob("*.eml"))
    ]


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF_INPUT.search(page.text)
    assert match, "the page carries a CSRF field"
    return match.group(1)


@pytest.fixture
def shop(session):
    fund(session, 100_000)
    trip = rewards.create_reward(
        session, RewardDraft(kind=RewardKind.DRAW, name_en="Trip", name_fr="Voyage", cost=50)
    )
    voucher = rewards.create_reward(
        session, RewardDraft(kind=RewardKind.CODE, name_en="Voucher", name_fr="Bon", cost=500)
    )
    rewards.import_codes(session, voucher.slug, ["CODE-1", "CODE-2"])
    session.commit()
    return {"trip": trip.slug, "voucher": voucher.slug}


def reader_with_points(session, settings, name: str, points: int = 1000):
    user, token = make_reader(session, settings, name)
    rewards.grant_points(session, user.id, points, "welcome")
    session.commit()
    return user, token


def credited_read(session, settings, reader, n: int, when: datetime) -> None:
    article = make_article(session, settings, title=f"Story {n}", url=f"https://news.example/{n}")
    make_read(
        session,
        reader.id,
        article.id,
        status="credited",
        reasons=("read_in_full",),
        completed_at=when,
    )


# ---------------------------------------------------------------- trust before payout


def test_the_store_shows_what_is_missing_and_the_api_says_it(
    serve_app, session, tmp_path, clock, shop
) -> None:
    settings = trust_settings(
        tmp_path,
        redeem_require_verified_email=True,
        redeem_min_account_days=7,
        redeem_min_read_days=2,
    )
    client = serve_app(settings)
    ada, token = reader_with_points(session, settings, "ada")
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, ada))
    session.commit()

    soup = BeautifulSoup(client.get("/rewards").text, "html.parser")
    steps = [li["data-missing"] for li in soup.select(".trust-checklist [data-missing]")]
    assert steps == ["verify_email", "account_age", "read_days"]
    assert "Read articles to the end on 2 different days (0 so far)." in soup.text
    assert "Not yet: see what is missing above" in soup.select_one("[data-reward=trip]").text
    french = BeautifulSoup(client.get("/rewards?lang=fr").text, "html.parser")
    assert "Avant votre première récompense" in french.text
    assert "Confirmez votre adresse e-mail" in french.text
    assert "Votre compte doit avoir 7 jours" in french.text
    # The reward's page shows the checklist instead of the form.
    page = BeautifulSoup(client.get(f"/rewards/{shop['trip']}").text, "html.parser")
    assert page.select_one(".trust-checklist") is not None
    assert page.select_one("form.reward-form") is None

    listed = client.get("/api/v1/rewards", headers=bearer(token)).json()
    trip = next(r for r in listed if r["slug"] == shop["trip"])
    assert trip["can_redeem"] is False and "verify your e-mail" in trip["reason"]

    refused = client.post(
        f"/api/v1/rewards/{shop['trip']}/redemptions",
        headers={**bearer(token), "Idempotency-Key": "k1"},
    )
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "not_yet_trusted"
    ready = ada.created_at + timedelta(days=7)
    assert f"you can redeem from {ready:%Y-%m-%d %H:%M} UTC" in error["message"]
    assert "on 2 different days (0 so far)" in error["message"]
    assert wallet(session, ada.id) == (1000, 0)

    # Verified, two days of credited reads, a week later: the same request goes through.
    ada.email_verified_at = clock.now()
    credited_read(session, settings, ada, 1, clock.now())
    credited_read(session, settings, ada, 2, clock.now() + timedelta(days=1))
    session.commit()
    clock.advance(7 * 86400 + 60)
    store = client.get("/rewards").text
    assert "data-missing" not in store, re.findall(r"data-missing=\"(\w+)\"", store)
    done = client.post(
        f"/api/v1/rewards/{shop['trip']}/redemptions",
        headers={**bearer(token), "Idempotency-Key": "k1"},
    )
    assert done.status_code == 201, done.text
    assert done.json()["status"] == "entered"
    session.expire_all()
    assert wallet(session, ada.id) == (1000 + 20 - 50, 0)  # two reads credited, one trip


def test_the_redemption_form_says_why_it_is_refused(serve_app, session, tmp_path, shop) -> None:
    settings = trust_settings(tmp_path, redeem_min_read_days=1)
    client = serve_app(settings)
    ada, _token = reader_with_points(session, settings, "ada")
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, ada))
    session.commit()
    # The page shows no form to an untrusted reader; a form sent anyway is refused, and says why.
    token = csrf(client, "/account/password")
    answer = client.post(
        f"/rewards/{shop['trip']}/redeem", data={"csrf_token": token, "idempotency_key": "k"}
    )
    assert answer.status_code == 403
    assert "read articles to the end on 1 different day (0 so far)" in answer.text
    assert rewards.list_redemptions(session, reader_id=ada.id) == []


# ---------------------------------------------------------------- waiting for an operator


def operator(session, settings, email: str = "op@example.org"):
    user = accounts.create_user(
        session, settings, email=email, password=STRONG_PASSWORD, is_operator=True
    )
    token = accounts.issue_api_token(session, settings, user).token
    session.commit()
    return user, token


def test_a_costly_redemption_waits_and_an_operator_approves_it_on_the_page(
    serve_app, session, tmp_path, shop
) -> None:
    settings = trust_settings(tmp_path, redeem_review_above_points=100)
    client = serve_app(settings)
    ada, token = reader_with_points(session, settings, "ada")
    made = client.post(
        f"/api/v1/rewards/{shop['voucher']}/redemptions",
        headers={**bearer(token), "Idempotency-Key": "k1"},
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["status"], body["code"]) == ("awaiting_approval", None)
    session.expire_all()
    balance = ledger.balance(session, ledger.get_or_create_wallet(session, ada.id))
    assert (balance.posted, balance.available) == (1000, 500)
    # The reader sees it waiting in their wallet.
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, ada))
    session.commit()
    mine = BeautifulSoup(client.get("/account/wallet").text, "html.parser")
    item = mine.select_one(f"[data-redemption='{body['id']}']")
    assert "Waiting for approval" in item.text and "set aside" in item.text

    op, _op_token = operator(session, settings)
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, op))
    session.commit()
    assert "1 redemption is waiting for approval." in client.get("/operator").text
    queue = BeautifulSoup(client.get("/operator/redemptions").text, "html.parser")
    waiting = queue.select_one(f"[data-redemption='{body['id']}']")
    assert waiting is not None and "ada@example.org" in waiting.text
    # Its cost makes it wait; the points were granted today, which the operator is told too.
    assert "Most of the balance earned in the last 24 hours" in waiting.text
    token_field = csrf(client, "/operator/redemptions")
    # Without the CSRF field nothing is decided.
    assert client.post(f"/operator/redemptions/{body['id']}/approve").status_code == 403
    answer = client.post(
        f"/operator/redemptions/{body['id']}/approve",
        data={"csrf_token": token_field, "note": "a loyal reader"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    after = client.get(answer.headers["location"])
    assert "Redemption approved" in after.text
    assert f'data-decided="{body["id"]}"' in after.text and "a loyal reader" in after.text

    mine = client.get("/api/v1/me/redemptions", headers=bearer(token)).json()
    assert (mine[0]["status"], mine[0]["code"]) == ("done", "CODE-1")
    session.expire_all()
    assert wallet(session, ada.id) == (500, 0)
    [mail] = outbox(settings)
    assert mail["To"] == "ada@example.org" and "on its way" in mail["Subject"]
    assert "a loyal reader" in mail.get_content()
    assert ledger.audit(session).ok


@pytest.mark.parametrize(
    ("language", "subject", "wording"),
    [
        ("en", "your reward will be shipped", "It will be sent to the address you gave"),
        (
            "fr",
            "votre récompense va être expédiée",
            "sera envoyée à l'adresse que vous avez donnée",
        ),
    ],
)
def test_an_item_held_for_approval_and_approved_is_said_to_be_shipped(  # type: ignore[no-untyped-def]
    serve_app, session, tmp_path, language, subject, wording
):
    """One mail: the approval and the shipping to come, in the reader's language, with the note."""
    settings = trust_settings(tmp_path, redeem_review_above_points=100)
    client = serve_app(settings)
    fund(session, 100_000)
    mug = rewards.create_reward(
        session, RewardDraft(kind=RewardKind.PHYSICAL, name_en="Mug", name_fr="Tasse", cost=500)
    )
    ada, token = reader_with_points(session, settings, "ada")
    ada.language = language
    session.commit()
    made = client.post(
        f"/api/v1/rewards/{mug.slug}/redemptions",
        json={"shipping_address": ADDRESS},
        headers={**bearer(token), "Idempotency-Key": "k1"},
    )
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert made.json()["status"] == "awaiting_approval" and outbox(settings) == []
    op, _op_token = operator(session, settings)
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, op))
    session.commit()
    answer = client.post(
        f"/operator/redemptions/{rid}/approve",
        data={"csrf_token": csrf(client, "/operator/redemptions"), "note": "packed today"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    session.expire_all()
    assert rewards.get_redemption(session, rid).status == "awaiting_shipment"
    [mail] = outbox(settings)
    assert mail["To"] == "ada@example.org"
    assert mail["Subject"].split(": ", 1)[1] == subject
    body = mail.get_content()
    assert wording in body and ("Tasse" if language == "fr" else "Mug") in body
    assert "packed today" in body and "/account/wallet" in body
    assert ledger.audit(session).ok


def test_operators_refuse_through_the_api_once(serve_app, session, tmp_path, shop) -> None:
    settings = trust_settings(tmp_path, redeem_review_above_points=100)
    client = serve_app(settings)
    ada, token = reader_with_points(session, settings, "ada")
    ada.language = "fr"
    session.commit()
    rid = client.post(
        f"/api/v1/rewards/{shop['voucher']}/redemptions",
        headers={**bearer(token), "Idempotency-Key": "k1"},
    ).json()["id"]
    _op, op_token = operator(session, settings)
    path = f"/api/v1/operator/redemptions/{rid}"

    assert client.post(f"{path}/refuse", json={"note": "x"}).status_code == 401
    forbidden = client.post(f"{path}/refuse", json={"note": "x"}, headers=bearer(token))
    assert forbidden.status_code == 403
    waiting = client.get("/api/v1/operator/redemptions", headers=bearer(op_token)).json()
    assert [w["id"] for w in waiting] == [rid]
    no_note = client.post(f"{path}/refuse", json={"note": " "}, headers=bearer(op_token))
    assert no_note.status_code == 400 and no_note.json()["error"]["code"] == "note_required"
    refused = client.post(
        f"{path}/refuse", json={"note": "trop de comptes"}, headers=bearer(op_token)
    )
    assert refused.status_code == 200, refused.text
    out = refused.json()
    assert (out["status"], out["decision"], out["created"]) == ("cancelled", "refused", True)
    again = client.post(f"{path}/refuse", json={"note": "again"}, headers=bearer(op_token))
    assert again.status_code == 200 and again.json()["created"] is False
    other_way = client.post(f"{path}/approve", headers=bearer(op_token))
    assert other_way.status_code == 409
    assert other_way.json()["error"]["code"] == "already_decided"
    for bad in ("not-an-id", str(uuid.uuid4())):
        missing = client.post(
            f"/api/v1/operator/redemptions/{bad}/approve", headers=bearer(op_token)
        )
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "redemption_not_found"
    too_long = client.post(f"{path}/approve", json={"note": "x" * 3000}, headers=bearer(op_token))
    assert too_long.status_code == 422
    session.expire_all()
    assert wallet(session, ada.id) == (1000, 0)
    [mail] = outbox(settings)
    assert "pas été approuvée" in mail["Subject"]
    mine = client.get("/api/v1/me/redemptions", headers=bearer(token)).json()
    assert mine[0]["status"] == "cancelled"
    assert ledger.audit(session).ok


def test_the_device_of_the_request_makes_a_cheap_redemption_wait(
    serve_app, session, tmp_path, shop
) -> None:
    """Two accounts in one browser: the second one's redemption carries `shared_device` and waits,
    whatever its cost; the first one's went through."""
    settings = trust_settings(tmp_path, redeem_review_above_points=10_000)
    client = serve_app(settings)
    results = []
    for name in ("ada", "bob"):
        user, _token = reader_with_points(session, settings, name)
        client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, user))
        session.commit()
        page = client.get(f"/rewards/{shop['trip']}")  # the browser's device cookie is set here
        fields = {
            "csrf_token": CSRF_INPUT.search(page.text).group(1),
            "idempotency_key": f"key-{name}",
        }
        answer = client.post(f"/rewards/{shop['trip']}/redeem", data=fields, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        session.expire_all()
        [redemption] = rewards.list_redemptions(session, reader_id=user.id)
        results.append(redemption)
    first, second = results
    assert first.status == "entered" and "shared_device" not in first.reasons
    assert second.status == "awaiting_approval"
    assert second.reasons[0] == "shared_device" and second.risk >= 50
    assert first.device == second.device is not None
    mine = BeautifulSoup(client.get("/account/wallet").text, "html.parser")
    assert "Other accounts have been used on this device." in mine.text
    op, _token = operator(session, settings)
    client.cookies.set(SESSION_COOKIE, accounts.start_session(session, settings, op))
    session.commit()
    queue = BeautifulSoup(client.get("/operator/redemptions?lang=fr").text, "html.parser")
    item = queue.select_one(f"[data-redemption='{second.id}']")
    assert "D'autres comptes sur le même appareil" in item.text
    assert "ada@example.org" in item.select_one(".review__evidence").text


# ---------------------------------------------------------------- a race through a real server


def test_two_operators_racing_through_the_server_decide_once(
    committing_database: Database, tmp_path: Path
) -> None:
    settings = trust_settings(tmp_path, redeem_review_above_points=100)
    db = committing_database
    tag = uuid.uuid4().hex[:8]
    with db.session(write=True) as s:
        ledger.fund_budget(s, 10_000, ledger.transfer_id(f"race:{tag}"))
        reader = accounts.create_user(
            s, settings, email=f"r-{tag}@example.org", password=STRONG_PASSWORD
        )
        rewards.grant_points(s, reader.id, 1000, "welcome")
        slug = rewards.create_reward(
            s, RewardDraft(kind=RewardKind.PHYSICAL, name_en=f"Bike {tag}", cost=800, stock=1)
        ).slug
        rid = str(
            rewards.redeem(
                s,
                reader.id,
                slug,
                "k",
                shipping_address=ADDRESS,
                rules=TrustRules.of(settings),
            ).redemption.id
        )
        tokens = []
        for n in range(4):
            op = accounts.create_user(
                s,
                settings,
                email=f"op{n}-{tag}@example.org",
                password=STRONG_PASSWORD,
                is_operator=True,
            )
            tokens.append(accounts.issue_api_token(s, settings, op).token)

    async def race(url: str) -> list[tuple[int, dict[str, Any]]]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:

            async def one(n: int) -> tuple[int, dict[str, Any]]:
                action = "approve" if n % 2 else "refuse"
                for _ in range(100):
                    response = await client.post(
                        f"/api/v1/operator/redemptions/{rid}/{action}",
                        json={"note": f"operator {n}"},
                        headers=bearer(tokens[n % 4]),
                    )
                    if response.status_code != 503:
                        return response.status_code, response.json()
                    await asyncio.sleep(0.05)
                raise AssertionError("stayed busy")

            return await asyncio.gather(*(one(n) for n in range(16)))

    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # The race runs on an event loop of its own thread (the browser tests keep one running).
    with serve(create_app(settings, database=db), sock), ThreadPoolExecutor(1) as pool:
        answers = pool.submit(asyncio.run, race(url)).result()

    decided = [body for status, body in answers if status == 200]
    conflicts = [body["error"]["code"] for status, body in answers if status == 409]
    assert len(decided) + len(conflicts) == 16, Counter(status for status, _ in answers)
    assert sum(1 for body in decided if body["created"]) == 1
    assert len({body["decision"] for body in decided}) == 1
    assert set(conflicts) <= {"already_decided"}
    with db.session() as s:
        balance = ledger.balance(s, ledger.get_or_create_wallet(s, reader.id))
        assert balance.debits_pending == 0
        assert balance.posted == (200 if decided[0]["decision"] == "approved" else 1000)
        assert ledger.audit(s).ok
