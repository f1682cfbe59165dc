"""A frozen reader earns and spends nothing, source by source (issue #14): reads held for review,
the budget's release, appeals, quests (classic and partner), check-ins and streaks, grants,
redemptions of every reward kind and their approval; what still passes (a rejection, points
taken back, an erasure); and who froze the reader, when and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from readtoearn.accounts import trail
from readtoearn.config import Settings
from readtoearn.errors import Conflict, InvalidInput, NotFound
from readtoearn.fraud import appeals, erasure, freezes
from readtoearn.fraud import service as fraud
from readtoearn.ledger import service as ledger
from readtoearn.quests import engagement
from readtoearn.quests import service as quests
from readtoearn.quests.service import QuestState
from readtoearn.reading import service as reading
from readtoearn.reading.rules import Reason
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from readtoearn.rewards.service import RewardDraft
from tests.factories import make_article
from tests.readers import fund, make_reader, wallet
from tests.unit.fraud.factories import make_read
from tests.unit.quests.factories import make_articles, make_quest
from tests.unit.rewards.test_approval import ADDRESS, OPEN

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
Frozen = ledger.ReaderFrozen


@pytest.fixture
def ada(session: Session, settings: Settings) -> Any:
    fund(session, 100_000)
    user, _token = make_reader(session, settings, "ada")
    rewards.grant_points(session, user.id, 1000, "welcome")
    return user


def freeze(session: Session, user: Any, reason: str = "Chargeback") -> None:
    freezes.freeze_reader(session, user.id, reason, by=None)


def a_reward(session: Session, kind: RewardKind, cost: int = 100, **extra: Any) -> str:
    made = rewards.create_reward(
        session, RewardDraft(kind=kind, name_en=f"{kind}", name_fr="Cadeau", cost=cost, **extra)
    )
    if kind is RewardKind.CODE:
        rewards.import_codes(session, made.slug, ["CODE-1", "CODE-2"])
    return made.slug


def test_freezing_keeps_who_when_and_why_and_needs_a_reason(session, settings, ada) -> None:
    with pytest.raises(InvalidInput):
        freezes.freeze_reader(session, ada.id, "   ", by=None)
    with pytest.raises(NotFound):
        freezes.freeze_reader(session, "not-a-reader", "why", by=None)
    record = freezes.freeze_reader(session, ada.id, "  Chargeback on a voucher ", by=None)
    assert record.reason == "Chargeback on a voucher" and record.frozen_at is not None
    assert freezes.get_freeze(session, ada.id) is not None
    with pytest.raises(Conflict):
        freezes.freeze_reader(session, ada.id, "again", by=None)
    with pytest.raises(InvalidInput):
        freezes.unfreeze_reader(session, ada.id, "", by=None)
    freezes.unfreeze_reader(session, ada.id, "Resolved with the bank", by=None)
    assert freezes.get_freeze(session, ada.id) is None
    with pytest.raises(Conflict):
        freezes.unfreeze_reader(session, ada.id, "again", by=None)
    actions = [a.action for a in trail.list_actions(session, trail.TrailFilter(target=str(ada.id)))]
    assert sorted(actions) == ["points.grant", "reader.freeze", "reader.unfreeze"]


@pytest.mark.parametrize("kind", list(RewardKind))
def test_no_reward_of_any_kind_is_redeemed(session, settings, ada, kind: RewardKind) -> None:
    extra: dict[str, Any] = {"premium_days": 7} if kind is RewardKind.PREMIUM else {}
    if kind is RewardKind.PHYSICAL:
        extra["stock"] = 3
    slug = a_reward(session, kind, **extra)
    address = ADDRESS if kind is RewardKind.PHYSICAL else None
    before = rewards.stock_left(session, rewards.get_reward(session, slug))
    freeze(session, ada)
    with pytest.raises(Frozen) as refused:
        rewards.redeem(session, ada.id, slug, "k1", shipping_address=address)
    assert refused.value.code == "reader_frozen"
    assert wallet(session, ada.id) == (1000, 0)
    assert rewards.stock_left(session, rewards.get_reward(session, slug)) == before
    freezes.unfreeze_reader(session, ada.id, "cleared", by=None)
    assert rewards.redeem(session, ada.id, slug, "k1", shipping_address=address).created
    assert wallet(session, ada.id) == (900, 0)
    assert ledger.audit(session).ok


def test_a_held_redemption_is_not_approved_but_can_be_refused(session, settings, ada) -> None:
    slug = a_reward(session, RewardKind.CODE, 500)
    waiting = rewards.redeem(session, ada.id, slug, "k1", rules=OPEN).redemption
    freeze(session, ada)
    with pytest.raises(Frozen):
        rewards.approve(session, waiting.id, None, "looks fine")
    assert waiting.status == "awaiting_approval"
    done = rewards.refuse(session, waiting.id, None, "frozen reader")
    assert done.redemption.status == "cancelled"
    balance = ledger.balance(session, ledger.get_or_create_wallet(session, ada.id))
    assert (balance.posted, balance.available) == (1000, 1000)
    assert ledger.audit(session).ok


def test_grants_are_refused_and_points_can_be_taken_back(session, settings, ada) -> None:
    freeze(session, ada)
    with pytest.raises(Frozen):
        rewards.grant_points(session, ada.id, 10, "prize")
    with pytest.raises(Frozen):
        rewards.grant_by_operator(
            session, ada.id, key="k", points=10, reason="prize", reader_id=str(ada.id)
        )
    assert rewards.adjust_points(session, ada.id, -300, "farmed", key="back", by=None)
    assert wallet(session, ada.id) == (700, 0)


def test_a_frozen_reader_can_still_be_erased(session, settings, ada) -> None:
    freeze(session, ada)
    erasure.erase_reader(session, ada.id, by=None)
    assert wallet(session, ada.id) == (0, 0)
    assert ledger.audit(session).ok


def test_a_held_read_is_not_approved_but_can_be_rejected(session, settings, ada) -> None:
    article = make_article(session, settings, title="Chips", url="https://news.example/chips")
    read = make_read(session, ada.id, article.id)  # held, its points pending
    freeze(session, ada)
    with pytest.raises(Frozen):
        fraud.approve(session, read.id, None, "fine")
    assert read.status == "held" and wallet(session, ada.id) == (1000, 10)
    fraud.reject(session, read.id, None, "frozen")
    assert read.status == "rejected" and wallet(session, ada.id) == (1000, 0)
    assert ledger.audit(session).ok


def test_the_budget_release_skips_a_frozen_reader(session, settings) -> None:
    ada, _ = make_reader(session, settings, "ada")
    bob, _ = make_reader(session, settings, "bob")
    reasons = (Reason.BUDGET_EMPTY.value,)
    waiting = []
    for reader in (ada, bob):
        url = f"https://news.example/{reader.display_name}"
        article = make_article(session, settings, title=reader.display_name, url=url)
        waiting.append(make_read(session, reader.id, article.id, reasons=reasons))
    assert all(r.transfer_id is None for r in waiting), "the budget was empty: both wait"
    freeze(session, ada)
    fund(session, 1000)
    done = fraud.release_budget_holds(session, trail=False)
    assert (done.reads, done.waiting) == (1, 1)
    assert waiting[0].transfer_id is None and waiting[0].status == "held"
    assert waiting[1].status == "credited" and wallet(session, bob.id) == (10, 0)
    freezes.unfreeze_reader(session, ada.id, "cleared", by=None)
    assert fraud.release_budget_holds(session, trail=False).reads == 1
    assert wallet(session, ada.id) == (10, 0)


def test_an_approved_appeal_pays_nothing_to_a_frozen_reader(session, settings, ada) -> None:
    article = make_article(session, settings, title="Chips", url="https://news.example/chips")
    read = make_read(session, ada.id, article.id, status="rejected", completed_at=NOW)
    appeal = appeals.file_appeal(session, ada.id, read.id, "I read it all", appeal_days=30, now=NOW)
    freeze(session, ada)
    with pytest.raises(Frozen):
        appeals.decide_appeal(
            session, appeal.id, None, approve=True, note="fine", settings=settings, now=NOW
        )
    assert wallet(session, ada.id) == (1000, 0)


@pytest.mark.parametrize("partner", [False, True], ids=["classic", "partner"])
def test_a_quest_is_not_completed_while_frozen(session, settings, ada, partner: bool) -> None:
    (article,) = make_articles(session, settings, 1)
    extra: dict[str, Any] = {}
    if partner:
        sponsor = quests.create_sponsor(
            session, quests.SponsorDraft(name="Acme", link_url="https://acme.example")
        )
        quests.fund_sponsor(session, sponsor.slug, 100, key="f")
        extra["sponsor"] = sponsor.slug
    quest = make_quest(session, [article], points=30, **extra)
    make_read(session, ada.id, article.id, status="credited", reasons=(), completed_at=NOW)
    freeze(session, ada)
    with pytest.raises(Frozen):
        quests.complete_quest(session, settings, NOW, ada.id, quest)
    # After a read, the quest simply waits: the read keeps its own outcome.
    assert quests.advance_after_read(session, settings, NOW, ada.id, article.id) == []
    progress = quests.get_reader_quest(session, settings, ada.id, str(quest.id), now=NOW)
    assert progress.state is QuestState.AVAILABLE
    freezes.unfreeze_reader(session, ada.id, "cleared", by=None)
    assert quests.complete_quest(session, settings, NOW, ada.id, quest).created


def test_a_check_in_pays_nothing_while_frozen(session, settings, ada) -> None:
    base = {"checkin_points": 5, "checkin_read_days": 0, "streak_milestones": {3: 50}}
    engaged = settings.model_copy(update=base)
    freeze(session, ada)
    before = wallet(session, ada.id)
    with pytest.raises(Frozen):
        engagement.check_in(session, ada.id, now=NOW, settings=engaged)
    assert wallet(session, ada.id) == before
    freezes.unfreeze_reader(session, ada.id, "cleared", by=None)
    assert engagement.check_in(session, ada.id, now=NOW, settings=engaged).created


def test_a_passed_quiz_pays_no_bonus_while_frozen(session, settings, ada, clock) -> None:
    article = make_article(session, settings, title="Chips", url="https://news.example/chips")
    read = make_read(session, ada.id, article.id, status="credited", reasons=())
    quiz = reading.get_quiz(session, settings, reader_id=ada.id, read_id=str(read.id), clock=clock)
    answers = {q.id: q.answer_id for q in quiz.questions}
    clock.advance(600)
    freeze(session, ada)
    outcome = reading.answer_quiz(
        session, settings, clock, reader_id=ada.id, read_id=str(read.id), answers=answers
    )
    assert outcome.passed and outcome.points == 0
    assert "frozen" in outcome.message
    assert wallet(session, ada.id) == (1010, 0)
