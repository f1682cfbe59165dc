"""The rewards service on a real database: catalogue, stock, codes, redemption, cancel, draws."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from readtoearn.config import Settings
from readtoearn.errors import Conflict, InvalidInput, NotFound, Unprocessable
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import AccountCode
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from tests.readers import fund, make_reader, wallet

ADDRESS = {
    "name": "Ada",
    "line1": "1 rue du Port",
    "postal_code": "75001",
    "city": "Paris",
    "country": "FR",
}


def reader_with(session: Session, settings: Settings, points: int, name: str = "reader"):
    user, _token = make_reader(session, settings, name)
    if points:
        rewards.grant_points(session, user.id, points, "welcome")
    return user


@pytest.fixture
def funded(session: Session) -> Session:
    fund(session, 100_000)
    return session


def code_reward(session: Session, codes: list[str], cost: int = 50, **extra) -> str:
    reward = rewards.create_reward(
        session, RewardDraft(kind=RewardKind.CODE, name_en="Voucher", cost=cost, **extra)
    )
    rewards.import_codes(session, reward.slug, codes)
    return reward.slug


def test_code_reward_gives_each_code_once_and_charges_the_cost(funded, settings) -> None:
    slug = code_reward(funded, ["AAA", "BBB", "AAA", " "])
    reward = rewards.get_reward(funded, slug)
    assert rewards.stock_left(funded, reward) == 2
    ada = reader_with(funded, settings, 200, "ada")
    first = rewards.redeem(funded, ada.id, slug, "k1")
    second = rewards.redeem(funded, ada.id, slug, "k2")
    assert {first.code, second.code} == {"AAA", "BBB"}
    assert wallet(funded, ada.id) == (100, 0)
    assert rewards.stock_left(funded, reward) == 0
    with pytest.raises(Conflict, match="out of stock"):
        rewards.redeem(funded, ada.id, slug, "k3")
    assert wallet(funded, ada.id) == (100, 0)
    assert ledger.audit(funded).ok


def test_same_key_is_charged_once_and_other_reward_with_it_is_refused(funded, settings) -> None:
    slug = code_reward(funded, ["AAA", "BBB"])
    other = rewards.create_reward(
        funded, RewardDraft(kind=RewardKind.PREMIUM, name_en="Premium", cost=10, premium_days=7)
    )
    ada = reader_with(funded, settings, 200, "ada")
    first = rewards.redeem(funded, ada.id, slug, "same")
    again = rewards.redeem(funded, ada.id, slug, "same")
    assert again.created is False and again.redemption.id == first.redemption.id
    assert again.code == first.code
    assert wallet(funded, ada.id) == (150, 0)
    with pytest.raises(Conflict, match="another reward"):
        rewards.redeem(funded, ada.id, other.slug, "same")
    with pytest.raises(InvalidInput):
        rewards.redeem(funded, ada.id, slug, "")


def test_not_enough_points_is_refused_and_nothing_moves(funded, settings) -> None:
    slug = code_reward(funded, ["AAA"], cost=500)
    ada = reader_with(funded, settings, 100, "ada")
    with pytest.raises(Unprocessable, match="costs 500, you have 100") as caught:
        rewards.redeem(funded, ada.id, slug, "k")
    assert caught.value.code == "not_enough_points"
    # The caller's transaction is rolled back on error; here the ledger refused before writing.
    assert wallet(funded, ada.id) == (100, 0)
    assert rewards.stock_left(funded, rewards.get_reward(funded, slug)) == 1


def test_limit_window_and_lifetime_minimum(funded, settings) -> None:
    now = datetime.now(UTC)
    limited = rewards.create_reward(
        funded,
        RewardDraft(kind=RewardKind.PHYSICAL, name_en="Mug", cost=10, stock=5, per_reader_limit=1),
    )
    later = rewards.create_reward(
        funded,
        RewardDraft(
            kind=RewardKind.DRAW, name_en="Trip", cost=10, available_from=now + timedelta(days=1)
        ),
    )
    over = rewards.create_reward(
        funded,
        RewardDraft(
            kind=RewardKind.DRAW, name_en="Old", cost=10, available_until=now - timedelta(days=1)
        ),
    )
    veteran = rewards.create_reward(
        funded, RewardDraft(kind=RewardKind.DRAW, name_en="Vet", cost=10, min_lifetime_points=1000)
    )
    ada = reader_with(funded, settings, 200, "ada")
    with pytest.raises(Unprocessable, match="shipping address"):
        rewards.redeem(funded, ada.id, limited.slug, "a0")
    rewards.redeem(funded, ada.id, limited.slug, "a1", shipping_address=ADDRESS)
    with pytest.raises(Conflict, match="limit of 1"):
        rewards.redeem(funded, ada.id, limited.slug, "a2", shipping_address=ADDRESS)
    with pytest.raises(Conflict, match="not available yet"):
        rewards.redeem(funded, ada.id, later.slug, "b")
    with pytest.raises(Conflict, match="no longer available"):
        rewards.redeem(funded, ada.id, over.slug, "c")
    with pytest.raises(Unprocessable, match="at least 1000"):
        rewards.redeem(funded, ada.id, veteran.slug, "d")


def test_cancel_returns_points_stock_and_code_or_burns_it(funded, settings) -> None:
    slug = code_reward(funded, ["AAA", "BBB"])
    reward = rewards.get_reward(funded, slug)
    ada = reader_with(funded, settings, 100, "ada")
    one = rewards.redeem(funded, ada.id, slug, "k1")
    rewards.cancel(funded, one.redemption.id)
    assert wallet(funded, ada.id) == (100, 0)
    assert rewards.stock_left(funded, reward) == 2
    with pytest.raises(Conflict, match="already cancelled"):
        rewards.cancel(funded, one.redemption.id)
    two = rewards.redeem(funded, ada.id, slug, "k2")
    assert two.code == "AAA"  # back in the pool
    rewards.cancel(funded, two.redemption.id, burn_code=True)
    assert wallet(funded, ada.id) == (100, 0)
    assert rewards.stock_left(funded, reward) == 1
    three = rewards.redeem(funded, ada.id, slug, "k3")
    assert three.code == "BBB"
    assert ledger.audit(funded).ok
    history = ledger.statement(funded, ledger.get_or_create_wallet(funded, ada.id)).lines
    assert [line.code for line in history].count("reversal") == 2


def test_unlimited_premium_extends_access_and_cancel_shortens_it(funded, settings) -> None:
    premium = rewards.create_reward(
        funded, RewardDraft(kind=RewardKind.PREMIUM, name_en="Premium", cost=10, premium_days=30)
    )
    assert rewards.stock_left(funded, premium) is None
    ada = reader_with(funded, settings, 100, "ada")
    assert rewards.get_premium_until(funded, ada.id) is None
    rewards.redeem(funded, ada.id, premium.slug, "p1")
    second = rewards.redeem(funded, ada.id, premium.slug, "p2")
    until = rewards.get_premium_until(funded, ada.id)
    assert until is not None
    assert timedelta(days=59) < until - datetime.now(UTC) <= timedelta(days=60)
    rewards.cancel(funded, second.redemption.id)
    until = rewards.get_premium_until(funded, ada.id)
    assert until is not None and until - datetime.now(UTC) <= timedelta(days=30)


def test_physical_ship_and_restock(funded, settings) -> None:
    mug = rewards.create_reward(
        funded, RewardDraft(kind=RewardKind.PHYSICAL, name_en="Mug", cost=10, stock=1)
    )
    assert rewards.restock(funded, mug.slug, 2) == 3
    assert rewards.restock(funded, mug.slug, -1) == 2
    with pytest.raises(Conflict):
        rewards.restock(funded, mug.slug, -5)
    ada = reader_with(funded, settings, 100, "ada")
    done = rewards.redeem(funded, ada.id, mug.slug, "m", shipping_address=ADDRESS)
    assert done.redemption.status == "awaiting_shipment"
    assert done.redemption.shipping_address["city"] == "Paris"
    rewards.ship(funded, done.redemption.id)
    with pytest.raises(Conflict):
        rewards.ship(funded, done.redemption.id)
    with pytest.raises(Conflict, match="shipped"):
        rewards.cancel(funded, done.redemption.id)


def test_draw_is_reproducible_from_its_seed(funded, settings) -> None:
    trip = rewards.create_reward(funded, RewardDraft(kind=RewardKind.DRAW, name_en="Trip", cost=5))
    entries = []
    for i in range(6):
        reader = reader_with(funded, settings, 10, f"r{i}")
        entries.append(rewards.redeem(funded, reader.id, trip.slug, "e").redemption)
    result = rewards.draw(funded, trip.slug, 2, seed="fixed")
    ordered = sorted(entries, key=lambda r: r.id)
    import random

    expected = {ordered[i].id for i in random.Random("fixed").sample(range(6), 2)}
    assert {w.id for w in result.winners} == expected
    assert trip.draw_seed == "fixed" and result.entries == 6
    assert sorted(r.status for r in entries).count("won") == 2
    with pytest.raises(Conflict):
        rewards.draw(funded, trip.slug, 1)
    late = reader_with(funded, settings, 10, "late")
    with pytest.raises(Conflict, match="already been run"):
        rewards.redeem(funded, late.id, trip.slug, "e")


def test_grant_points_needs_budget_and_reason(session, settings) -> None:
    ada = reader_with(session, settings, 0, "ada")
    with pytest.raises(Unprocessable, match="budget"):
        rewards.grant_points(session, ada.id, 10, "sorry")
    fund(session, 100)
    with pytest.raises(InvalidInput):
        rewards.grant_points(session, ada.id, 10, " ")
    assert rewards.grant_points(session, ada.id, 10, "sorry", key="x") is True
    assert rewards.grant_points(session, ada.id, 10, "sorry", key="x") is False
    assert wallet(session, ada.id) == (10, 0)
    budget = ledger.balance(session, ledger.account_id(AccountCode.BUDGET))
    assert budget.available == 90


def test_store_highlights_what_a_reader_can_afford(funded, settings) -> None:
    code_reward(funded, ["A"], cost=50)
    rewards.create_reward(funded, RewardDraft(kind=RewardKind.DRAW, name_en="Dear", cost=500))
    ada = reader_with(funded, settings, 100, "ada")
    store = rewards.get_store(funded, ada.id)
    assert store.available == 100
    assert [(i.reward.cost, i.affordable, i.stock_left) for i in store.items] == [
        (50, True, 1),
        (500, False, None),
    ]
    anonymous = rewards.get_store(funded, None)
    assert not any(i.affordable for i in anonymous.items)


def test_bad_drafts_and_unknown_rewards(session) -> None:
    with pytest.raises(InvalidInput):
        rewards.create_reward(session, RewardDraft(kind=RewardKind.CODE, name_en="X", cost=0))
    with pytest.raises(InvalidInput):
        rewards.create_reward(session, RewardDraft(kind=RewardKind.PREMIUM, name_en="X", cost=1))
    with pytest.raises(InvalidInput):
        rewards.create_reward(
            session, RewardDraft(kind=RewardKind.CODE, name_en="X", cost=1, stock=5)
        )
    with pytest.raises(NotFound):
        rewards.get_reward(session, "nothing")
    rewards.create_reward(session, RewardDraft(kind=RewardKind.DRAW, name_en="Same", cost=1))
    with pytest.raises(Conflict):
        rewards.create_reward(session, RewardDraft(kind=RewardKind.DRAW, name_en="Same", cost=1))
