"""JSON API v1: the catalogue and redemptions with an Idempotency-Key."""

from __future__ import annotations

import pytest

from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from tests.readers import fund, make_reader, wallet


@pytest.fixture
def setup(session, settings):
    fund(session, 10_000)
    voucher = rewards.create_reward(
        session,
        RewardDraft(kind=RewardKind.CODE, name_en="Voucher", name_fr="Bon d’achat", cost=50),
    )
    rewards.import_codes(session, voucher.slug, ["V-1"])
    mug = rewards.create_reward(
        session, RewardDraft(kind=RewardKind.PHYSICAL, name_en="Mug", cost=30, stock=3)
    )
    ada, bearer = make_reader(session, settings, "ada")
    rewards.grant_points(session, ada.id, 100, "welcome")
    session.commit()
    return {
        "voucher": voucher,
        "mug": mug,
        "ada": ada,
        "auth": {"Authorization": f"Bearer {bearer}"},
    }


def post(client, setup, reward, key: str | None, body=None):
    headers = dict(setup["auth"])
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/rewards/{reward.id}/redemptions", headers=headers, json=body)


def test_catalogue_lists_stock_and_affordability(client, setup) -> None:
    anonymous = client.get("/api/v1/rewards").json()
    assert [(r["slug"], r["stock_left"], r["affordable"]) for r in anonymous] == [
        ("mug", 3, False),
        ("voucher", 1, False),
    ]
    mine = client.get("/api/v1/rewards?lang=fr", headers=setup["auth"]).json()
    assert [(r["name"], r["affordable"]) for r in mine] == [("Mug", True), ("Bon d’achat", True)]
    one = client.get(f"/api/v1/rewards/{setup['voucher'].slug}").json()
    assert one["kind"] == "code" and one["cost"] == 50
    assert client.get("/api/v1/rewards/nothing").status_code == 404


def test_redeeming_a_code_answers_201_with_the_code_once(client, setup, session) -> None:
    first = post(client, setup, setup["voucher"], "key-1")
    assert first.status_code == 201, first.text
    assert first.json()["code"] == "V-1" and first.json()["status"] == "done"
    again = post(client, setup, setup["voucher"], "key-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert wallet(session, setup["ada"].id) == (50, 0)
    sold_out = post(client, setup, setup["voucher"], "key-2")
    assert sold_out.status_code == 409
    assert sold_out.json()["error"] == {
        "code": "out_of_stock",
        "message": "this reward is out of stock",
    }
    other = post(client, setup, setup["mug"], "key-1")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    mine = client.get("/api/v1/me/redemptions", headers=setup["auth"]).json()
    assert [r["code"] for r in mine] == ["V-1"]
    assert ledger.audit(session).ok


def test_refusals_are_clear(client, setup, session) -> None:
    missing = post(client, setup, setup["voucher"], None)
    assert missing.status_code == 400
    assert "Idempotency-Key" in missing.json()["error"]["message"]
    no_address = post(client, setup, setup["mug"], "a")
    assert no_address.status_code == 422
    assert "shipping address" in no_address.json()["error"]["message"]
    address = {
        "name": "Ada",
        "line1": "1 Main St",
        "postal_code": "1000",
        "city": "X",
        "country": "BE",
    }
    shipped = post(client, setup, setup["mug"], "b", {"shipping_address": address})
    assert shipped.status_code == 201, shipped.text
    assert shipped.json()["shipping_address"]["city"] == "X"
    assert shipped.json()["status"] == "awaiting_shipment"
    for key in ("c", "d"):
        assert post(client, setup, setup["mug"], key, {"shipping_address": address}).is_success
    poor = post(client, setup, setup["voucher"], "e")
    assert poor.status_code == 422
    assert poor.json()["error"] == {
        "code": "not_enough_points",
        "message": "not enough points: this reward costs 50, you have 10",
    }
    assert wallet(session, setup["ada"].id) == (10, 0)
    anonymous = client.post(
        f"/api/v1/rewards/{setup['mug'].id}/redemptions", headers={"Idempotency-Key": "z"}
    )
    assert anonymous.status_code == 401
    unknown = client.post(
        "/api/v1/rewards/nothing/redemptions", headers={**setup["auth"], "Idempotency-Key": "y"}
    )
    assert unknown.status_code == 404
