"""Readers signed in by their site's JWT, and the script tag's lookup, through the HTTP API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select

from readtoearn.db import utcnow
from readtoearn.reading.models import Read
from readtoearn.sites import service as sites
from readtoearn.sites.models import SiteReader
from tests.factories import make_article
from tests.readers import make_reader

ORIGIN = "https://news.example"


@pytest.fixture
def site(session) -> dict[str, Any]:
    row = sites.create_site(session, name="Daily News", origins=[ORIGIN], actor="test")
    secret = sites.add_secret(session, row, actor="test", kid="k1").secret
    session.commit()
    return {"row": row, "id": str(row.id), "secret": secret}


def claims(clock, **extra: Any) -> dict[str, Any]:
    now = int(clock.now().timestamp())
    base = {"sub": "wp-42", "email": "ada@news.example", "name": "Ada", "iat": now}
    return base | {"exp": now + 300} | extra


def signed(site: dict[str, Any], payload: dict[str, Any], kid: str | None = "k1") -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(payload, site["secret"], algorithm="HS256", headers=headers)


def sign_in(client, site: dict[str, Any], token: str, **headers: str) -> Any:
    return client.post(
        f"/api/v1/sites/{site['id']}/sign-in", json={"token": token}, headers=headers
    )


def refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_a_reader_is_created_then_found_and_updated(client, session, clock, site) -> None:
    first = sign_in(client, site, signed(site, claims(clock)))
    assert first.status_code == 200, first.text
    reader = first.json()["reader"]
    assert reader["display_name"] == "Ada" and reader["email"] == "ada@news.example"
    expires = datetime.fromisoformat(first.json()["expires_at"])
    assert timedelta(hours=11) < expires - utcnow() <= timedelta(hours=12)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first.json()['token']}"})
    assert me.json()["id"] == reader["id"]
    # Coral's shape: the user object, no sub; the same reader, renamed.
    coral = claims(clock, user={"id": "wp-42", "email": "ada@news.example", "username": "Ada L."})
    del coral["sub"], coral["name"]
    again = sign_in(client, site, signed(site, coral))
    assert again.status_code == 200, again.text
    assert again.json()["reader"] == reader | {"display_name": "Ada L."}
    links = session.scalars(select(SiteReader).where(SiteReader.site_id == site["row"].id)).all()
    assert [(link.external_id, str(link.user_id)) for link in links] == [("wp-42", reader["id"])]


def test_the_edge_cases_are_refused(client, session, clock, site) -> None:
    now = int(clock.now().timestamp())
    refused(sign_in(client, site, signed(site, claims(clock, exp=now - 120))), 401, "token_expired")
    refused(
        sign_in(client, site, signed(site, claims(clock, exp=now + 7200))), 401, "token_too_long"
    )
    refused(sign_in(client, site, signed(site, claims(clock), kid="nope")), 401, "unknown_kid")
    refused(sign_in(client, site, signed(site, claims(clock, iat=now + 600))), 401, "invalid_token")
    unsigned = jwt.encode(claims(clock), None, algorithm="none", headers={"kid": "k1"})
    refused(sign_in(client, site, unsigned), 401, "bad_alg")
    forged = jwt.encode(
        claims(clock), "another secret of at least 32 chars!!", headers={"kid": "k1"}
    )
    refused(sign_in(client, site, forged), 401, "invalid_token")
    refused(sign_in(client, site, "not.a.jwt"), 401, "invalid_token")
    no_sub = claims(clock)
    del no_sub["sub"]
    refused(sign_in(client, site, signed(site, no_sub)), 401, "invalid_token")
    no_exp = claims(clock)
    del no_exp["exp"]
    refused(sign_in(client, site, signed(site, no_exp)), 401, "invalid_token")
    refused(
        sign_in(client, site, signed(site, claims(clock)), Origin="https://evil.example"),
        403,
        "origin_not_allowed",
    )
    assert sign_in(client, site, signed(site, claims(clock)), Origin=ORIGIN).status_code == 200


def test_a_jti_is_used_once(client, clock, site) -> None:
    token = signed(site, claims(clock, jti=str(uuid.uuid4())))
    assert sign_in(client, site, token).status_code == 200
    refused(sign_in(client, site, token), 401, "token_replayed")
    # Without a jti a token may be used again until it expires.
    reusable = signed(site, claims(clock))
    assert sign_in(client, site, reusable).status_code == 200
    assert sign_in(client, site, reusable).status_code == 200


def test_keys_rotate_by_kid(client, session, clock, site) -> None:
    new = sites.add_secret(session, site["row"], actor="test", kid="k2").secret
    session.commit()
    with_new = jwt.encode(claims(clock), new, algorithm="HS256", headers={"kid": "k2"})
    assert sign_in(client, site, with_new).status_code == 200
    # Two live keys: a token must say which.
    refused(sign_in(client, site, signed(site, claims(clock), kid=None)), 401, "unknown_kid")
    sites.revoke_secret(session, site["row"], "k1", actor="test")
    session.commit()
    refused(sign_in(client, site, signed(site, claims(clock))), 401, "unknown_kid")
    # One live key: the kid may be left out.
    no_kid = jwt.encode(claims(clock), new, algorithm="HS256")
    assert sign_in(client, site, no_kid).status_code == 200


def test_the_audience_is_checked_when_the_site_has_one(client, session, clock, site) -> None:
    site["row"].audience = "rewards.news.example"
    session.commit()
    refused(sign_in(client, site, signed(site, claims(clock, aud="else"))), 401, "wrong_audience")
    refused(sign_in(client, site, signed(site, claims(clock))), 401, "wrong_audience")
    right = signed(site, claims(clock, aud="rewards.news.example"))
    assert sign_in(client, site, right).status_code == 200


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_public_keys_sign_in_and_no_algorithm_confusion(client, session, clock, algorithm) -> None:
    if algorithm == "RS256":
        private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private = ec.generate_private_key(ec.SECP256R1())
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    row = sites.create_site(session, name="Keys", origins=[ORIGIN], actor="test")
    sites.add_secret(session, row, actor="t", kid="pub", algorithm=algorithm, material=pem.decode())
    session.commit()
    target = {"id": str(row.id)}
    good = jwt.encode(claims(clock), private, algorithm=algorithm, headers={"kid": "pub"})
    assert sign_in(client, target, good).status_code == 200
    # The public key used as an HMAC secret proves nothing.
    confused = hs256_by_hand(claims(clock), pem, kid="pub")
    refused(sign_in(client, target, confused), 401, "bad_alg")


def test_an_address_with_an_account_is_not_taken_over(client, session, settings, clock, site):
    reader, _token = make_reader(session, settings, name="ada")
    session.commit()
    taken = signed(site, claims(clock, email=reader.email))
    refused(sign_in(client, site, taken), 409, "email_taken")


def hs256_by_hand(payload: dict[str, Any], key: bytes, kid: str) -> str:
    """An HS256 token keyed by anything (PyJWT refuses a PEM as a secret, an attacker does not)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = part(json.dumps(payload).encode())
    mac = hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{part(mac)}"


def embed(client, site: dict[str, Any], body: dict[str, Any], origin: str = ORIGIN) -> Any:
    return client.post(f"/api/v1/sites/{site['id']}/embed", json=body, headers={"Origin": origin})


def test_the_embed_finds_the_article_and_signs_the_reader_in(
    client, session, settings, clock, site
) -> None:
    article = make_article(session, settings, url=ORIGIN + "/markets/record-round")
    session.commit()
    anonymous = embed(client, site, {"url": ORIGIN + "/markets/record-round"})
    assert anonymous.status_code == 200, anonymous.text
    body = anonymous.json()
    assert body["article"]["id"] == str(article.id)
    assert len(body["article"]["paragraphs"]) == article.paragraph_count
    assert body["article"]["paragraphs"][-1].startswith("theboardapproved")
    assert body["reader"] is None and body["token"] is None and body["view_token"] is None
    assert body["article"]["points"] == settings.points_per_read
    assert body["join_url"].endswith("/account/signup")

    signed_in = embed(
        client, site, {"url": ORIGIN + "/markets/record-round", "sso": signed(site, claims(clock))}
    ).json()
    assert signed_in["reader"]["email"] == "ada@news.example"
    started = client.post(
        "/api/v1/reads",
        json={"article_id": str(article.id), "view_token": signed_in["view_token"]},
        headers={"Authorization": f"Bearer {signed_in['token']}"},
    )
    assert started.status_code == 201, started.text
    read = session.scalar(select(Read).where(Read.id == uuid.UUID(started.json()["read_id"])))
    assert read is not None and read.page_view


def test_the_embed_refuses_other_origins_and_unknown_pages(client, session, settings, site):
    make_article(session, settings, url=ORIGIN + "/markets/record-round")
    make_article(session, settings, url="https://else.example/a", title="Elsewhere", paragraphs=7)
    session.commit()
    url = ORIGIN + "/markets/record-round"
    refused(
        embed(client, site, {"url": url}, origin="https://evil.example"), 403, "origin_not_allowed"
    )
    response = client.post(f"/api/v1/sites/{site['id']}/embed", json={"url": url})
    refused(response, 403, "origin_not_allowed")
    refused(embed(client, site, {"url": ORIGIN + "/unknown"}), 404, "article_not_found")
    # An article of another site's origin is not this site's to show.
    refused(embed(client, site, {"url": "https://else.example/a"}), 404, "article_not_found")
    refused(embed(client, {"id": str(uuid.uuid4())}, {"url": url}), 404, "site_not_found")


def test_the_old_assertion_keeps_working(client, settings) -> None:
    from readtoearn.accounts.service import sign_assertion

    settings.integrator_secret = "an integrator secret of 32 characters or more"
    assertion = sign_assertion(
        settings.integrator_secret,
        {"sub": "legacy-1", "email": "legacy@news.example", "exp": int(time.time()) + 600},
    )
    response = client.post("/api/v1/auth/exchange", json={"assertion": assertion})
    assert response.status_code == 200, response.text
