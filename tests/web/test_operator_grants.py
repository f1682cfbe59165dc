"""POST /api/v1/operator/grants: an operator credits a reader from the budget, once per key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from readtoearn.accounts import service as accounts
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from tests.readers import fund, make_reader, wallet


def operator_headers(session, settings, key: str | None = "grant-1") -> dict[str, str]:
    operator = accounts.create_user(
        session, settings, email="ops@example.org", password=None, is_operator=True
    )
    token = accounts.issue_api_token(session, settings, operator).token
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


def test_an_operator_grants_once_per_key(client: TestClient, session, settings) -> None:
    fund(session, 500)
    reader, _ = make_reader(session, settings, "gift")
    headers = operator_headers(session, settings)
    body = {"email": "gift@example.org", "points": 40, "reason": "Thanks for the tip-off"}

    first = client.post("/api/v1/operator/grants", json=body, headers=headers)
    again = client.post("/api/v1/operator/grants", json=body, headers=headers)

    assert first.status_code == 201, first.text
    assert first.json()["created"] is True
    assert first.json()["reader_id"] == str(reader.id)
    assert "idempotent-replayed" not in first.headers
    assert again.status_code == 201
    assert again.json() == {**first.json(), "created": False}
    assert again.headers["idempotent-replayed"] == "true"
    assert wallet(session, reader.id) == (40, 0)
    transfer = ledger.get_transfer(
        session, rewards.grant_transfer_id(f"api:{_op(session)}:grant-1")
    )
    assert transfer is not None and str(transfer.id) == first.json()["transfer_id"]
    assert transfer.meta["reason"] == "Thanks for the tip-off"
    assert transfer.meta["by"] == str(_op(session))  # who did it is on record
    assert ledger.audit(session).ok


def _op(session):  # type: ignore[no-untyped-def]
    user = accounts.get_user_by_email(session, "ops@example.org")
    assert user is not None
    return user.id


def test_a_key_used_for_another_grant_is_a_conflict(client: TestClient, session, settings) -> None:
    fund(session, 500)
    reader, _ = make_reader(session, settings, "gift")
    headers = operator_headers(session, settings)
    body = {"reader_id": str(reader.id), "points": 10, "reason": "One"}
    assert client.post("/api/v1/operator/grants", json=body, headers=headers).status_code == 201
    other = client.post("/api/v1/operator/grants", json={**body, "points": 11}, headers=headers)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert wallet(session, reader.id) == (10, 0)


def test_grants_refuse_what_they_should(client: TestClient, session, settings) -> None:
    reader, reader_token = make_reader(session, settings, "plain")
    headers = operator_headers(session, settings)
    body = {"email": "plain@example.org", "points": 5, "reason": "Because"}
    url = "/api/v1/operator/grants"

    as_reader = {"Authorization": f"Bearer {reader_token}", "Idempotency-Key": "x"}
    assert client.post(url, json=body, headers=as_reader).status_code == 403
    assert client.post(url, json=body).status_code == 401
    no_key = {"Authorization": headers["Authorization"]}
    missing = client.post(url, json=body, headers=no_key)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "idempotency_key_missing"
    unknown = client.post(url, json={**body, "email": "nobody@example.org"}, headers=headers)
    assert unknown.status_code == 404
    both = client.post(url, json={**body, "reader_id": str(reader.id)}, headers=headers)
    assert both.status_code == 400
    empty = client.post(url, json=body, headers=headers)  # nothing funded yet
    assert empty.status_code == 422
    assert empty.json()["error"]["code"] == "budget_empty"
    assert client.post(url, json={**body, "points": 0}, headers=headers).status_code == 422
    assert wallet(session, reader.id) == (0, 0)
