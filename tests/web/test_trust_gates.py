"""A cost per account, where readers and clients meet it: proof of work (ALTCHA) at sign-up,
token exchange and redemption, and rate limits on sign-up, login, tokens, read starts and
redemptions (docs/accounts.md). The suite turns these gates off (tests/conftest.py); each test
here turns its own back on."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import altcha
import pytest
from babel.messages.extract import extract
from fastapi.testclient import TestClient

from readtoearn.accounts import pow as pow_module
from readtoearn.accounts import ratelimit
from readtoearn.accounts import service as accounts
from readtoearn.accounts.pow import MemoryReplayStore, ProofOfWork
from readtoearn.app import create_app
from readtoearn.config import Settings
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from readtoearn.web import i18n
from readtoearn.web.routes import accounts as account_pages
from tests.conftest import SECRET
from tests.readers import STRONG_PASSWORD, fund, make_reader

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
INTEGRATOR_SECRET = "integrator-shared-secret-0123456789-abcdef"
UNKNOWN_ARTICLE = "0190f0f0-0000-7000-8000-000000000000"
OPEN = "100000/minute"


def gate_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Every gate open (as the suite's environment has them) unless the test says otherwise."""
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "secret_key": SECRET,
        "base_url": "http://testserver",
        "integrator_secret": INTEGRATOR_SECRET,
        "password_hash_time_cost": 1,
        "password_hash_memory_kib": 1024,
        "password_hash_parallelism": 1,
        "ledger_expire_every_s": 0,
        "pow_enabled": False,
        "pow_max_number": 1000,
        "rate_limit_signup": OPEN,
        "rate_limit_login": OPEN,
        "rate_limit_token": OPEN,
        "rate_limit_start_read": OPEN,
        "rate_limit_redeem": OPEN,
    }
    return Settings(**{**values, **overrides})


@pytest.fixture
def serve(database, clock) -> Iterator[Any]:
    """A client of the real app for some settings, from an address: clients given the same
    settings object share one app (and its in-process limits)."""
    clients: list[TestClient] = []
    apps: dict[int, Any] = {}

    def start(settings: Settings, address: str = "203.0.113.5") -> TestClient:
        app = apps.get(id(settings))
        if app is None:
            app = apps[id(settings)] = create_app(settings, database=database, clock=clock)
        test_client = TestClient(app, client=(address, 50000))
        test_client.__enter__()
        clients.append(test_client)
        return test_client

    yield start
    for test_client in clients:
        test_client.__exit__(None, None, None)


def solve(client: TestClient) -> str:
    """What the widget does: fetch a challenge, find its counter, encode the payload."""
    response = client.get("/api/v1/pow/challenge")
    assert response.status_code == 200
    challenge = altcha.Challenge.from_dict(response.json())
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


def csrf(client: TestClient, path: str) -> str:
    match = CSRF_INPUT.search(client.get(path).text)
    assert match
    return match.group(1)


def sign_up(client: TestClient, email: str, **fields: str):
    data = {
        "email": email,
        "password": STRONG_PASSWORD,
        "display_name": "Ann",
        "language": "en",
        "csrf_token": csrf(client, "/account/signup"),
        **fields,
    }
    return client.post("/account/signup", data=data, follow_redirects=False)


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# -- proof of work -----------------------------------------------------------------------------


def test_the_challenge_is_fresh_signed_and_never_cached(serve, tmp_path) -> None:
    client = serve(gate_settings(tmp_path, pow_enabled=True, pow_expires_s=300))
    first, second = client.get("/api/v1/pow/challenge"), client.get("/api/v1/pow/challenge")
    assert first.headers["cache-control"] == "no-store"
    params = first.json()["parameters"]
    assert params["algorithm"] == "SHA-256"
    assert abs(params["expiresAt"] - (time.time() + 300)) < 5
    assert first.json()["signature"] and first.json() != second.json()
    # Signed with a key derived from the secret key, never the secret key itself.
    assert SECRET not in first.text
    assert (
        altcha.verify_solution(
            altcha.Payload(
                altcha.Challenge.from_dict(first.json()),
                altcha.solve_challenge(altcha.Challenge.from_dict(first.json())),
            ),
            SECRET,
        ).verified
        is False
    )


def test_sign_up_page_carries_the_widget_served_by_us(serve, tmp_path) -> None:
    client = serve(gate_settings(tmp_path, pow_enabled=True))
    page = client.get("/account/signup")
    assert '<altcha-widget challenge="/api/v1/pow/challenge" name="altcha"' in page.text
    assert "<noscript>" in page.text and "needs JavaScript" in page.text
    script = re.search(r'<script type="module" src="(/static/pow\.js[^"]*)"', page.text)
    assert script, "the widget's loader comes from our own /static"
    loader = client.get(script.group(1))
    assert loader.status_code == 200
    for path in re.findall(r'"\./(vendor/altcha/[^"]+)"', loader.text):
        assert client.get(f"/static/{path}").status_code == 200, path
    # The page's policy stays strict: scripts and workers from this site only.
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "blob:" not in page.headers["content-security-policy"]
    off = serve(gate_settings(tmp_path, pow_enabled=False)).get("/account/signup")
    assert "altcha-widget" not in off.text and "pow.js" not in off.text


def test_sign_up_needs_a_solution_used_once(serve, tmp_path, session) -> None:
    client = serve(gate_settings(tmp_path, pow_enabled=True))
    missing = sign_up(client, "ann@example.org")
    assert missing.status_code == 400
    assert "complete the anti-robot check" in missing.text
    assert 'value="ann@example.org"' in missing.text  # the form is kept
    garbage = sign_up(client, "ann@example.org", altcha="bm90IGEgcGF5bG9hZA==")
    assert garbage.status_code == 400 and "is invalid, expired or already used" in garbage.text
    proof = solve(client)
    joined = sign_up(client, "ann@example.org", altcha=proof)
    assert joined.status_code == 303, joined.text
    again = sign_up(client, "bob@example.org", altcha=proof)
    assert again.status_code == 400 and "already used" in again.text
    assert accounts.get_user_by_email(session, "bob@example.org") is None


def test_an_expired_or_forged_solution_is_refused(serve, tmp_path, session) -> None:
    settings = gate_settings(tmp_path, pow_enabled=True)
    client = serve(settings)
    # A challenge made by our key ten minutes ago that expired five minutes ago.
    past = ProofOfWork(settings, MemoryReplayStore(), clock=lambda: time.time() - 1200)
    old = altcha.Challenge.from_dict(past.challenge())
    expired = altcha.Payload(old, altcha.solve_challenge(old)).to_base64()
    response = sign_up(client, "ann@example.org", altcha=expired)
    assert response.status_code == 400 and "expired" in response.text
    # A challenge signed with another key.
    forged = altcha.create_challenge(
        "SHA-256", 1, counter=3, expires_at=int(time.time()) + 300, hmac_secret="not our key"
    )
    payload = altcha.Payload(forged, altcha.solve_challenge(forged)).to_base64()
    assert sign_up(client, "ann@example.org", altcha=payload).status_code == 400
    assert accounts.get_user_by_email(session, "ann@example.org") is None


def test_the_refusal_speaks_french(serve, tmp_path) -> None:
    client = serve(gate_settings(tmp_path, pow_enabled=True))
    client.cookies.set("lang", "fr")
    response = sign_up(client, "ann@example.org")
    assert response.status_code == 400
    assert "vérification anti-robot" in response.text
    assert "Pour tenir les robots à l’écart" in client.get("/account/signup").text


def test_api_token_needs_the_x_altcha_header(serve, tmp_path, session, settings) -> None:
    accounts.create_user(session, settings, email="ann@example.org", password=STRONG_PASSWORD)
    session.commit()
    client = serve(gate_settings(tmp_path, pow_enabled=True))
    body = {"email": "ann@example.org", "password": STRONG_PASSWORD}
    missing = client.post("/api/v1/auth/token", json=body)
    assert error(missing) == (400, "pow_required")
    bad = client.post("/api/v1/auth/token", json=body, headers={"X-Altcha": "e30="})
    assert error(bad) == (400, "pow_invalid")
    proof = solve(client)
    ok = client.post("/api/v1/auth/token", json=body, headers={"X-Altcha": proof})
    assert ok.status_code == 200 and ok.json()["token"]
    replay = client.post("/api/v1/auth/token", json=body, headers={"X-Altcha": proof})
    assert error(replay) == (400, "pow_invalid")


def test_assertion_exchange_needs_the_x_altcha_header(serve, tmp_path) -> None:
    client = serve(gate_settings(tmp_path, pow_enabled=True))
    claims = {"sub": "u-1", "email": "ann@example.org", "exp": int(time.time()) + 300}
    body = {"assertion": accounts.sign_assertion(INTEGRATOR_SECRET, claims)}
    assert error(client.post("/api/v1/auth/exchange", json=body)) == (400, "pow_required")
    ok = client.post("/api/v1/auth/exchange", json=body, headers={"X-Altcha": solve(client)})
    assert ok.status_code == 200, ok.text


@pytest.fixture
def shop(session, settings) -> dict[str, Any]:
    fund(session, 10_000)
    mug = rewards.create_reward(
        session, RewardDraft(kind=RewardKind.PREMIUM, name_en="Month", cost=10, premium_days=30)
    )
    ada, bearer = make_reader(session, settings, "ada")
    rewards.grant_points(session, ada.id, 100, "welcome")
    session.commit()
    return {"reward": mug, "ada": ada, "auth": {"Authorization": f"Bearer {bearer}"}}


def redeem(client: TestClient, shop: dict[str, Any], key: str, proof: str | None = None):
    headers = {**shop["auth"], "Idempotency-Key": key}
    if proof is not None:
        headers["X-Altcha"] = proof
    return client.post(f"/api/v1/rewards/{shop['reward'].id}/redemptions", headers=headers)


def test_api_redemption_needs_a_proof_of_work(serve, tmp_path, shop) -> None:
    client = serve(gate_settings(tmp_path, pow_enabled=True))
    assert error(redeem(client, shop, "k-1")) == (400, "pow_required")
    done = redeem(client, shop, "k-1", solve(client))
    assert done.status_code == 201, done.text


def log_in_page(client: TestClient, email: str, password: str = STRONG_PASSWORD):
    data = {"email": email, "password": password, "csrf_token": csrf(client, "/account/login")}
    return client.post("/account/login", data=data, follow_redirects=False)


def test_redemption_form_carries_the_widget_and_needs_its_solution(serve, tmp_path, shop) -> None:
    client = serve(gate_settings(tmp_path, pow_enabled=True))
    assert log_in_page(client, "ada@example.org").status_code == 303
    page = client.get(f"/rewards/{shop['reward'].slug}")
    assert 'auto="onsubmit"' in page.text and "pow.js" in page.text
    token = CSRF_INPUT.search(page.text)
    assert token
    form = {"csrf_token": token.group(1), "idempotency_key": "form-1"}
    refused = client.post(f"/rewards/{shop['reward'].slug}/redeem", data=form)
    assert refused.status_code == 400 and "complete the anti-robot check" in refused.text
    done = client.post(
        f"/rewards/{shop['reward'].slug}/redeem",
        data={**form, "altcha": solve(client)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "redeemed=" in done.headers["location"]


# -- rate limits -------------------------------------------------------------------------------


def test_sign_ups_are_limited_per_address_group(serve, tmp_path) -> None:
    settings = gate_settings(tmp_path, rate_limit_signup="2/hour")
    first = serve(settings, "203.0.113.5")
    assert sign_up(first, "a1@example.org").status_code == 303
    neighbour = serve(settings, "203.0.113.200")  # the same /24
    assert sign_up(neighbour, "a2@example.org").status_code == 303
    refused = sign_up(neighbour, "a3@example.org")
    assert refused.status_code == 429
    assert 3500 < int(refused.headers["retry-after"]) <= 3600
    assert "too many attempts" in refused.text
    elsewhere = serve(settings, "198.51.100.7")
    assert sign_up(elsewhere, "a4@example.org").status_code == 303
    french = serve(settings, "203.0.113.77")
    french.cookies.set("lang", "fr")
    assert "trop de tentatives" in sign_up(french, "a5@example.org").text


def test_logins_are_limited_per_address_group(serve, tmp_path, session, settings) -> None:
    accounts.create_user(session, settings, email="ann@example.org", password=STRONG_PASSWORD)
    session.commit()
    client = serve(gate_settings(tmp_path, rate_limit_login="2/15 minutes"))
    assert log_in_page(client, "ann@example.org").status_code == 303
    assert log_in_page(client, "ann@example.org").status_code == 303
    page = log_in_page(client, "ann@example.org")  # the right password, yet too many logins
    assert page.status_code == 429 and "Retry-After" in page.headers
    api = client.post(
        "/api/v1/auth/token", json={"email": "ann@example.org", "password": STRONG_PASSWORD}
    )
    assert error(api) == (429, "rate_limited") and int(api.headers["retry-after"]) <= 900


def test_token_requests_are_limited_per_address_group(serve, tmp_path) -> None:
    client = serve(gate_settings(tmp_path, rate_limit_token="2/minute"))
    claims = {"sub": "u-1", "email": "ann@example.org", "exp": int(time.time()) + 300}
    body = {"assertion": accounts.sign_assertion(INTEGRATOR_SECRET, claims)}
    for _ in range(2):
        assert client.post("/api/v1/auth/exchange", json=body).status_code == 200
    refused = client.post("/api/v1/auth/exchange", json=body)
    assert error(refused) == (429, "rate_limited")
    assert 0 < int(refused.headers["retry-after"]) <= 60
    password = client.post("/api/v1/auth/token", json={"email": "x@example.org", "password": "y"})
    assert error(password) == (429, "rate_limited")


def test_read_starts_are_limited_per_reader_and_per_address_group(
    serve, tmp_path, session, settings
) -> None:
    _, ada = make_reader(session, settings, "ada")
    _, bob = make_reader(session, settings, "bob")
    session.commit()
    limited = gate_settings(tmp_path, rate_limit_start_read="2/minute")

    def start(client: TestClient, bearer: str):
        body = {"article_id": UNKNOWN_ARTICLE}
        return client.post(
            "/api/v1/reads", json=body, headers={"Authorization": f"Bearer {bearer}"}
        )

    home = serve(limited, "203.0.113.5")
    assert [start(home, ada).status_code for _ in range(2)] == [404, 404]
    refused = start(home, ada)
    assert error(refused) == (429, "rate_limited") and "retry-after" in refused.headers
    # Bob shares Ada's address group, which has had its two starts this minute.
    assert error(start(serve(limited, "203.0.113.9"), bob)) == (429, "rate_limited")
    # From elsewhere Bob starts; Ada stays limited wherever she is.
    away = serve(limited, "198.51.100.7")
    assert start(away, bob).status_code == 404
    assert error(start(serve(limited, "192.0.2.1"), ada)) == (429, "rate_limited")


def test_redemptions_are_limited_per_reader(serve, tmp_path, shop) -> None:
    client = serve(gate_settings(tmp_path, rate_limit_redeem="2/hour"))
    assert redeem(client, shop, "k-1").status_code == 201
    assert redeem(client, shop, "k-2").status_code == 201
    refused = redeem(client, shop, "k-3")
    assert error(refused) == (429, "rate_limited")
    assert 3500 < int(refused.headers["retry-after"]) <= 3600


def test_accounts_keep_the_keyed_group_they_joined_from(serve, tmp_path, session) -> None:
    settings = gate_settings(tmp_path)
    sign_up(serve(settings, "203.0.113.5"), "a1@example.org")
    sign_up(serve(settings, "203.0.113.250"), "a2@example.org")
    sign_up(serve(settings, "198.51.100.7"), "a3@example.org")
    claims = {"sub": "u-9", "email": "a4@example.org", "exp": int(time.time()) + 300}
    body = {"assertion": accounts.sign_assertion(INTEGRATOR_SECRET, claims)}
    assert serve(settings, "198.51.100.99").post("/api/v1/auth/exchange", json=body).is_success
    groups = {
        address: accounts.get_user_by_email(session, address).signup_address
        for address in ("a1@example.org", "a2@example.org", "a3@example.org", "a4@example.org")
    }
    assert groups["a1@example.org"] == groups["a2@example.org"]  # one /24
    assert groups["a3@example.org"] == groups["a4@example.org"] != groups["a1@example.org"]
    assert all(g and "203.0.113" not in g and "198.51" not in g for g in groups.values())


def test_every_accounts_string_has_a_french_translation() -> None:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    templates = Path(accounts.__file__).parents[1] / "web" / "templates" / "accounts"
    messages: set[str] = set()
    for path in sorted(templates.glob("*.html")):
        with path.open("rb") as handle:
            for _line, message, _comments, _context in extract("jinja2", handle, keywords):
                first = message[0] if isinstance(message, tuple) else message
                if first:
                    messages.add(first)
    # What the gates and the confirmation say, shown on the pages through _(error).
    messages |= {
        pow_module.REQUIRED,
        pow_module.INVALID,
        ratelimit.TOO_MANY_REQUESTS,
        accounts.TOO_MANY_ATTEMPTS,
        accounts.INVALID_VERIFICATION,
        accounts.TOO_MANY_VERIFICATIONS,
        accounts.EMAIL_UNAVAILABLE,
        account_pages.VERIFICATION_SENT,
    }
    catalogue = i18n.translations("fr")._catalog  # type: ignore[attr-defined]
    known = {key[0] if isinstance(key, tuple) else key for key in catalogue}
    assert sorted(messages - known) == []


def test_a_publishers_front_end_may_send_the_proof_header(serve, tmp_path) -> None:
    client = serve(gate_settings(tmp_path, cors_origins=["https://news.example"]))
    preflight = client.options(
        "/api/v1/auth/exchange",
        headers={
            "Origin": "https://news.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-altcha",
        },
    )
    assert preflight.status_code == 200
    assert "x-altcha" in preflight.headers["access-control-allow-headers"].lower()
