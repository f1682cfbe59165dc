"""Redemptions that wait for an operator: held points and stock, approve, refuse, once each."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from readtoearn.accounts.email import OutgoingEmail
from readtoearn.accounts.models import User
from readtoearn.db import Database, utcnow
from readtoearn.errors import Conflict, InvalidInput, NotFound, ReadToEarnError
from readtoearn.fraud import sightings
from readtoearn.fraud.notices import Notifier
from readtoearn.fraud.sightings import Seen
from readtoearn.fraud.trust import TrustRules
from readtoearn.ledger import service as ledger
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from tests.readers import fund, make_reader, wallet

OPEN = TrustRules(
    require_verified_email=False, min_account_days=0, min_read_days=0, review_above_points=100
)
ADDRESS = {
    "name": "Ada",
    "line1": "1 rue",
    "postal_code": "75001",
    "city": "Paris",
    "country": "FR",
}


class Outbox:
    """An e-mail backend that keeps what it is given."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []

    def send(self, message: OutgoingEmail) -> None:
        self.sent.append(message)


@pytest.fixture
def ada(session, settings):
    fund(session, 100_000)
    user, _token = make_reader(session, settings, "ada")
    rewards.grant_points(session, user.id, 1000, "welcome")
    return user


def reward(session, kind: RewardKind, cost: int, **extra) -> str:
    made = rewards.create_reward(
        session,
        RewardDraft(kind=kind, name_en=f"{kind} {cost}", name_fr="Cadeau", cost=cost, **extra),
    )
    if kind is RewardKind.CODE:
        rewards.import_codes(session, made.slug, ["CODE-1", "CODE-2"])
    return made.slug


def stock(session, slug: str) -> int | None:
    return rewards.stock_left(session, rewards.get_reward(session, slug))


def test_a_costly_redemption_holds_the_points_and_the_unit(session, ada) -> None:
    slug = reward(session, RewardKind.CODE, 500)
    cheap = reward(session, RewardKind.DRAW, 50)
    waiting = rewards.redeem(session, ada.id, slug, "k1", rules=OPEN).redemption
    assert waiting.status == "awaiting_approval"
    assert waiting.code is None
    balance = ledger.balance(session, ledger.get_or_create_wallet(session, ada.id))
    assert (balance.posted, balance.available) == (1000, 500)  # set aside, not spent
    assert stock(session, slug) == 1
    # The same key again answers the same redemption; a cheap one is fulfilled at once.
    assert not rewards.redeem(session, ada.id, slug, "k1", rules=OPEN).created
    assert rewards.redeem(session, ada.id, cheap, "k2", rules=OPEN).redemption.status == "entered"
    # Waiting, it cannot be cancelled (refused, rather), shipped or drawn.
    with pytest.raises(Conflict, match="refuse it instead"):
        rewards.cancel(session, waiting.id)
    assert ledger.audit(session).ok


def test_approving_posts_the_points_and_fulfils_once(session, settings, ada) -> None:
    slug = reward(session, RewardKind.CODE, 500)
    waiting = rewards.redeem(session, ada.id, slug, "k1", rules=OPEN).redemption
    op, _token = make_reader(session, settings, "op")
    done = rewards.approve(session, waiting.id, op.id, "checked by phone")
    assert done.created and done.decision == "approved"
    assert done.redemption.status == "done" and done.redemption.code.code == "CODE-1"
    assert (done.redemption.reviewed_by, done.redemption.review_note) == (op.id, "checked by phone")
    assert wallet(session, ada.id) == (500, 0)
    assert stock(session, slug) == 1
    again = rewards.approve(session, waiting.id, op.id, "twice")
    assert not again.created and again.redemption.review_note == "checked by phone"
    with pytest.raises(Conflict, match="already approved"):
        rewards.refuse(session, waiting.id, op.id, "changed my mind")
    # Cancelling an approved redemption reverses what was posted.
    rewards.cancel(session, waiting.id)
    assert wallet(session, ada.id) == (1000, 0)
    assert stock(session, slug) == 2
    assert ledger.audit(session).ok


def test_refusing_releases_everything_and_needs_a_reason(session, settings, ada) -> None:
    slug = reward(session, RewardKind.PHYSICAL, 300, stock=2)
    waiting = rewards.redeem(
        session, ada.id, slug, "k1", shipping_address=ADDRESS, rules=OPEN
    ).redemption
    assert stock(session, slug) == 1
    with pytest.raises(InvalidInput, match="give a reason"):
        rewards.refuse(session, waiting.id, None, "  ")
    done = rewards.refuse(session, waiting.id, None, "address is a parcel locker farm")
    assert done.redemption.status == "cancelled" and done.redemption.cancelled_at is not None
    assert rewards.decision_of(session, done.redemption) == "refused"
    assert wallet(session, ada.id) == (1000, 0)
    assert stock(session, slug) == 2
    assert not rewards.refuse(session, waiting.id, None, "again").created
    with pytest.raises(Conflict, match="already refused"):
        rewards.approve(session, waiting.id, None)
    with pytest.raises(NotFound):
        rewards.approve(session, "not-a-redemption", None)
    with pytest.raises(NotFound):
        rewards.approve(session, uuid.uuid4(), None)
    assert ledger.audit(session).ok


def test_a_redemption_that_never_waited_cannot_be_decided(session, ada) -> None:
    slug = reward(session, RewardKind.DRAW, 50)
    done = rewards.redeem(session, ada.id, slug, "k", rules=OPEN).redemption
    with pytest.raises(Conflict, match="not waiting for approval"):
        rewards.approve(session, done.id, None)


def test_an_entry_cannot_be_approved_once_the_draw_has_run(session, ada) -> None:
    slug = reward(session, RewardKind.DRAW, 500)
    waiting = rewards.redeem(session, ada.id, slug, "k", rules=OPEN).redemption
    result = rewards.draw(session, slug, 1, seed="s")
    assert result.entries == 0  # the waiting entry is not in the draw
    with pytest.raises(Conflict) as closed:
        rewards.approve(session, waiting.id, None)
    assert closed.value.code == "draw_closed"
    assert rewards.refuse(session, waiting.id, None, "too late for the draw").created
    assert wallet(session, ada.id) == (1000, 0)


def test_premium_starts_when_approved(session, ada) -> None:
    slug = reward(session, RewardKind.PREMIUM, 200, premium_days=30)
    waiting = rewards.redeem(session, ada.id, slug, "k", rules=OPEN).redemption
    assert rewards.get_premium_until(session, ada.id) is None
    when = utcnow() + timedelta(days=2)
    rewards.approve(session, waiting.id, None, now=when)
    assert rewards.get_premium_until(session, ada.id, when) == when + timedelta(days=30)


def test_a_risky_cheap_redemption_waits_too(session, settings, ada) -> None:
    slug = reward(session, RewardKind.DRAW, 10)
    other, _token = make_reader(session, settings, "bob")
    sightings.record(session, other.id, Seen("dev-1", None), utcnow())
    done = rewards.redeem(session, ada.id, slug, "k", rules=OPEN, seen=Seen("dev-1", "net-1"))
    r = done.redemption
    assert r.status == "awaiting_approval"
    # Shared device, and the welcome grant was made today.
    assert (r.risk, r.reasons) == (75, ["shared_device", "fresh_points"])
    assert (r.device, r.address) == ("dev-1", "net-1")
    # The reader is now seen on that device and address too.
    assert ada.id in sightings.accounts_on(session, sightings.SightingKind.ADDRESS, "net-1")
    [awaiting] = rewards.list_awaiting(session)
    assert awaiting.redemption.id == r.id and awaiting.reader_email == "ada@example.org"
    assert awaiting.linked.device == [(other.id, "bob@example.org")]
    # With review off (0), the same risk is recorded but nothing waits.
    off = TrustRules(
        require_verified_email=False, min_account_days=0, min_read_days=0, review_above_points=0
    )
    free = rewards.redeem(session, ada.id, slug, "k2", rules=off, seen=Seen("dev-1", None))
    assert free.redemption.status == "entered" and free.redemption.risk == 75


def test_the_reader_is_told_once_the_decision_is_committed(session, settings, ada) -> None:
    ada.language = "fr"
    slug = reward(session, RewardKind.DRAW, 500)
    waiting = rewards.redeem(session, ada.id, slug, "k", rules=OPEN).redemption
    session.commit()
    outbox = Outbox()
    notifier = Notifier.of(settings, outbox)
    rewards.refuse(session, waiting.id, None, "trop de comptes", notifier=notifier)
    assert outbox.sent == []  # nothing leaves before the commit
    session.commit()
    [mail] = outbox.sent
    assert mail.to == "ada@example.org"
    assert "n'a pas été approuvée" in mail.subject
    assert "« Cadeau »" in mail.body and "trop de comptes" in mail.body
    assert "http://testserver/account/wallet" in mail.body


def test_a_rolled_back_decision_sends_nothing(session, settings, ada) -> None:
    slug = reward(session, RewardKind.DRAW, 500)
    waiting = rewards.redeem(session, ada.id, slug, "k", rules=OPEN).redemption
    session.commit()
    outbox = Outbox()
    rewards.approve(session, waiting.id, None, notifier=Notifier.of(settings, outbox))
    session.rollback()
    assert outbox.sent == []


# ---------------------------------------------------------------- two operators at once


def test_two_operators_deciding_at_once_decide_once(committing_database: Database) -> None:
    db = committing_database
    tag = uuid.uuid4().hex[:8]
    with db.session(write=True) as s:
        reader = User(email=f"race-{tag}@example.org", display_name="race")
        s.add(reader)
        s.flush()
        ledger.fund_budget(s, 10_000, ledger.transfer_id(f"race-fund:{tag}"))
        rewards.grant_points(s, reader.id, 1000, "welcome")
        slug = rewards.create_reward(
            s, RewardDraft(kind=RewardKind.PHYSICAL, name_en=f"Bike {tag}", cost=800, stock=1)
        ).slug
        rid = rewards.redeem(
            s, reader.id, slug, "k", shipping_address=ADDRESS, rules=OPEN
        ).redemption.id
    barrier = threading.Barrier(8)

    def decide(n: int) -> str:
        barrier.wait()

        def work(s):
            if n % 2:
                return rewards.approve(s, rid, None, "ok").decision
            return rewards.refuse(s, rid, None, "no").decision

        try:
            return ledger.run_in_transaction(db, work)
        except ReadToEarnError as exc:
            return exc.code

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(decide, range(8)))
    winner = "approved" if "approved" in outcomes else "refused"
    loser = "refused" if winner == "approved" else "approved"
    assert loser not in outcomes
    assert outcomes.count(winner) == 4 and outcomes.count("already_decided") == 4
    with db.session() as s:
        balance = ledger.balance(s, ledger.get_or_create_wallet(s, reader.id))
        assert balance.debits_pending == 0
        assert balance.posted == (200 if winner == "approved" else 1000)
        assert ledger.audit(s).ok


def test_the_audit_holds_after_every_decision(session, ada) -> None:
    slugs = [reward(session, RewardKind.PHYSICAL, 150 + n, stock=3) for n in range(3)]
    made = [
        rewards.redeem(session, ada.id, s, f"k{n}", shipping_address=ADDRESS, rules=OPEN)
        for n, s in enumerate(slugs)
    ]
    rewards.approve(session, made[0].redemption.id, None)
    rewards.refuse(session, made[1].redemption.id, None, "no")
    report = ledger.audit(session)
    assert report.ok, report.render()
    assert wallet(session, ada.id) == (1000 - 150, 0)
    balance = ledger.balance(session, ledger.get_or_create_wallet(session, ada.id))
    assert balance.available == 1000 - 150 - 152  # the third still waits, its points set aside
