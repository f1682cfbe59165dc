"""Appeals, held points that time out, and forgetting devices and addresses after the retention."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from readtoearn.accounts import service as accounts
from readtoearn.accounts.models import ApiToken, EmailVerification, PasswordReset, UserSession
from readtoearn.accounts.service import hash_secret
from readtoearn.db import utcnow
from readtoearn.errors import Conflict, NotFound, Unprocessable
from readtoearn.fraud import appeals, retention, sightings, timeouts
from readtoearn.fraud import service as reviews
from readtoearn.fraud.models import ReadAppeal, Sighting
from readtoearn.fraud.sightings import Seen
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import AccountCode
from readtoearn.reading import payout
from readtoearn.rewards import service as rewards
from readtoearn.rewards.models import RewardKind
from tests.factories import make_article
from tests.readers import STRONG_PASSWORD, fund, make_reader, wallet
from tests.unit.fraud.factories import make_read

DAY = timedelta(days=1)


@pytest.fixture
def reader(session, settings):
    fund(session, 1000)
    return make_reader(session, settings, "ada")[0]


@pytest.fixture
def operator(session, settings):
    return accounts.create_user(
        session, settings, email="op@example.org", password=STRONG_PASSWORD, is_operator=True
    )


def article(session, settings, n: int):
    return make_article(session, settings, title=f"Article {n}", url=f"https://news.example/{n}")


def budget(session) -> int:
    return ledger.balance(session, ledger.account_id(AccountCode.BUDGET)).available


def assert_audit_clean(session) -> None:
    report = ledger.audit(session)
    assert report.ok, report.render()


# ---------------------------------------------------------------- filing an appeal


def test_a_reader_appeals_once_within_the_deadline(session, settings, reader) -> None:
    now = utcnow()
    read = make_read(session, reader.id, article(session, settings, 1).id, completed_at=now)
    appeal = appeals.file_appeal(
        session, reader.id, read.id, "  I read it on a train  ", appeal_days=14, now=now
    )
    assert (appeal.message, appeal.decision) == ("I read it on a train", None)
    with pytest.raises(Conflict) as twice:
        appeals.file_appeal(session, reader.id, read.id, "again", appeal_days=14, now=now)
    assert twice.value.code == "already_appealed"
    assert [o.appeal.id for o in appeals.list_open(session)] == [appeal.id]
    assert appeals.count_open(session) == 1


def test_only_the_owner_of_a_held_or_rejected_read_may_appeal(session, settings, reader) -> None:
    now = utcnow()
    other = make_reader(session, settings, "bob")[0]
    held = make_read(session, reader.id, article(session, settings, 1).id, completed_at=now)
    with pytest.raises(NotFound):
        appeals.file_appeal(session, other.id, held.id, "mine?", appeal_days=14, now=now)
    with pytest.raises(NotFound):
        appeals.file_appeal(session, reader.id, "not-an-id", "x", appeal_days=14, now=now)
    credited = make_read(
        session,
        reader.id,
        article(session, settings, 2).id,
        status="credited",
        reasons=("read_in_full",),
    )
    with pytest.raises(Conflict) as not_appealable:
        appeals.file_appeal(session, reader.id, credited.id, "more!", appeal_days=14, now=now)
    assert not_appealable.value.code == "not_appealable"
    for message, code in (
        ("   ", "appeal_message_required"),
        ("x" * 2001, "appeal_message_too_long"),
    ):
        with pytest.raises(Unprocessable) as bad:
            appeals.file_appeal(session, reader.id, held.id, message, appeal_days=14, now=now)
        assert bad.value.code == code
    assert session.scalar(select(func.count()).select_from(ReadAppeal)) == 0


def test_an_appeal_after_the_deadline_is_refused_with_the_date(session, settings, reader) -> None:
    done = utcnow() - 15 * DAY
    read = make_read(session, reader.id, article(session, settings, 1).id, completed_at=done)
    with pytest.raises(Conflict) as late:
        appeals.file_appeal(session, reader.id, read.id, "sorry", appeal_days=14, now=utcnow())
    assert late.value.code == "appeal_too_late"
    assert f"{done + 14 * DAY:%Y-%m-%d}" in late.value.message


# ---------------------------------------------------------------- deciding an appeal


def test_approving_the_appeal_of_a_held_read_approves_the_read(
    session, settings, reader, operator
) -> None:
    read = make_read(session, reader.id, article(session, settings, 1).id, completed_at=utcnow())
    appeal = appeals.file_appeal(session, reader.id, read.id, "human", appeal_days=14, now=utcnow())
    done = appeals.decide_appeal(
        session, appeal.id, operator.id, approve=True, note="fine", settings=settings
    )
    assert done.created and done.read.status == "credited"
    assert (appeal.decision, appeal.operator_id, appeal.note) == ("approved", operator.id, "fine")
    assert wallet(session, reader.id) == (10, 0)
    assert reviews.get_review(session, read.id).decision == "approved"
    again = appeals.decide_appeal(
        session, appeal.id, operator.id, approve=True, note="twice", settings=settings
    )
    assert not again.created and wallet(session, reader.id) == (10, 0)
    with pytest.raises(Conflict, match="already approved"):
        appeals.decide_appeal(
            session, appeal.id, operator.id, approve=False, note="", settings=settings
        )
    assert_audit_clean(session)


def test_approving_the_appeal_of_a_rejected_read_pays_it_once(
    session, settings, reader, operator
) -> None:
    # Rejected by the rules (never paid), and rejected in review (its pending credit voided).
    first = make_read(
        session,
        reader.id,
        article(session, settings, 1).id,
        status="rejected",
        reasons=("too_fast",),
        completed_at=utcnow(),
    )
    second = make_read(session, reader.id, article(session, settings, 2).id, completed_at=utcnow())
    reviews.reject(session, second.id, operator.id, "looked scripted")
    assert wallet(session, reader.id) == (0, 0) and budget(session) == 1000
    paid = []
    for read in (first, second):
        appeal = appeals.file_appeal(
            session, reader.id, read.id, "me", appeal_days=14, now=utcnow()
        )
        done = appeals.decide_appeal(
            session, appeal.id, operator.id, approve=True, note="ok", settings=settings
        )
        assert (done.read.status, done.read.points) == ("credited", settings.points_per_read)
        paid.append(done.read.transfer_id)
        appeals.decide_appeal(
            session, appeal.id, operator.id, approve=True, note="", settings=settings
        )
    assert paid == [payout.read_transfer_id(first.id), appeals.appeal_transfer_id(second.id)]
    assert wallet(session, reader.id) == (20, 0)
    assert budget(session) == 980
    # Credited now: the article cannot be rewarded again.
    assert first.reward_key == f"{reader.id}:{first.article_id}"
    assert_audit_clean(session)


def test_an_appeal_cannot_pay_twice_for_one_article(session, settings, reader, operator) -> None:
    story = article(session, settings, 1)
    rejected = make_read(
        session,
        reader.id,
        story.id,
        status="rejected",
        reasons=("too_fast",),
        completed_at=utcnow(),
    )
    # The reader read it again, properly, and was credited.
    make_read(session, reader.id, story.id, status="credited", reasons=("read_in_full",))
    appeal = appeals.file_appeal(session, reader.id, rejected.id, "x", appeal_days=14, now=utcnow())
    with pytest.raises(Conflict) as refused:
        appeals.decide_appeal(
            session, appeal.id, operator.id, approve=True, note="", settings=settings
        )
    assert refused.value.code == "already_rewarded"
    assert appeal.decision is None  # still open: the operator can reject it
    assert wallet(session, reader.id) == (10, 0)


def test_rejecting_an_appeal_changes_nothing_and_an_empty_budget_says_so(
    session, settings, operator
) -> None:
    poor = make_reader(session, settings, "poor")[0]  # no budget funded in this test
    read = make_read(
        session,
        poor.id,
        article(session, settings, 1).id,
        status="rejected",
        reasons=("too_fast",),
        completed_at=utcnow(),
    )
    appeal = appeals.file_appeal(session, poor.id, read.id, "x", appeal_days=14, now=utcnow())
    with pytest.raises(Unprocessable) as empty:
        appeals.decide_appeal(
            session, appeal.id, operator.id, approve=True, note="", settings=settings
        )
    assert empty.value.code == "budget_empty"
    assert appeal.decision is None and read.status == "rejected"
    done = appeals.decide_appeal(
        session,
        appeal.id,
        operator.id,
        approve=False,
        note="too fast is too fast",
        settings=settings,
    )
    assert done.read.status == "rejected" and appeal.decision == "rejected"
    with pytest.raises(NotFound):
        appeals.decide_appeal(
            session, uuid.uuid4(), None, approve=False, note="", settings=settings
        )


# ---------------------------------------------------------------- held points time out


def test_held_reads_nobody_decides_are_voided_after_the_timeout(
    session, settings, reader, operator
) -> None:
    now = utcnow()
    old = make_read(
        session, reader.id, article(session, settings, 1).id, completed_at=now - 31 * DAY
    )
    young = make_read(
        session, reader.id, article(session, settings, 2).id, completed_at=now - 29 * DAY
    )
    decided = make_read(
        session, reader.id, article(session, settings, 3).id, completed_at=now - 40 * DAY
    )
    reviews.approve(session, decided.id, operator.id, "fine")
    assert wallet(session, reader.id) == (10, 20)

    swept = timeouts.expire_held(session, now, 30)

    assert (swept.reads, swept.points) == (1, 10)
    assert (old.status, old.points, young.status) == ("rejected", 0, "held")
    review = reviews.get_review(session, old.id)
    assert (review.decision, review.operator_id, review.points) == ("expired", None, 10)
    assert wallet(session, reader.id) == (10, 10)
    assert budget(session) == 980
    assert timeouts.expire_held(session, now, 30).reads == 0  # again: nothing twice
    assert_audit_clean(session)


def test_reads_held_only_for_want_of_budget_wait_for_it(session, settings, operator) -> None:
    now = utcnow()
    poor = make_reader(session, settings, "poor")[0]  # the budget is empty
    waiting = make_read(
        session,
        poor.id,
        article(session, settings, 1).id,
        reasons=("read_in_full",),
        completed_at=now - 90 * DAY,
    )
    suspicious = make_read(
        session,
        poor.id,
        article(session, settings, 2).id,
        reasons=("automation",),
        completed_at=now - 90 * DAY,
    )
    assert waiting.reasons == ["budget_empty"] and suspicious.transfer_id is None
    assert timeouts.expire_held(session, now, 30).reads == 1
    assert (waiting.status, suspicious.status) == ("held", "rejected")
    assert reviews.get_review(session, suspicious.id).transfer_id is None  # nothing to void
    fund(session, 100)
    assert reviews.release_budget_holds(session).reads == 1
    assert waiting.status == "credited"


# ---------------------------------------------------------------- retention


def test_retention_forgets_devices_and_addresses(session, settings, reader) -> None:
    now = utcnow()
    other = make_reader(session, settings, "bob")[0]
    sightings.record(session, reader.id, Seen("dev-old", "net-old"), now - 100 * DAY)
    sightings.record(session, other.id, Seen("dev-new", "net-new"), now - DAY)
    old_read = make_read(
        session, reader.id, article(session, settings, 1).id, completed_at=now - 100 * DAY
    )
    new_read = make_read(session, reader.id, article(session, settings, 2).id, completed_at=now)
    for read in (old_read, new_read):
        read.device, read.address = "dev", "net"
    rewards.grant_points(session, reader.id, 100, "gift")
    draw = rewards.create_reward(
        session, rewards.RewardDraft(kind=RewardKind.DRAW, name_en="Trip", cost=10)
    )
    old = rewards.redeem(session, reader.id, draw.slug, "a", seen=Seen("dev", "net")).redemption
    old.created_at = now - 100 * DAY
    new = rewards.redeem(session, reader.id, draw.slug, "b", seen=Seen("dev", "net")).redemption
    reader.signup_address = other.signup_address = "net"
    reader.created_at = now - 100 * DAY
    session.flush()

    purged = retention.purge(session, now, 90)

    session.expire_all()
    kept = session.execute(select(Sighting.user_id, Sighting.value)).all()
    assert sorted(v for _u, v in kept) == ["dev", "dev-new", "net", "net-new"]  # this week's
    assert (old_read.device, old_read.address) == (None, None)
    assert (new_read.device, new_read.address) == ("dev", "net")
    assert (old.device, old.address, new.device) == (None, None, "dev")
    assert (reader.signup_address, other.signup_address) == (None, "net")
    assert (purged.sightings, purged.reads, purged.redemptions, purged.signups) == (2, 1, 1, 1)
    assert old_read.points == 10 and old.status == "entered"  # the record itself stays
    assert retention.purge(session, now, 90).total == 0


def test_the_sweep_deletes_expired_sessions_tokens_and_links(session, settings, reader) -> None:
    live = accounts.issue_api_token(session, settings, reader)
    spent = accounts.issue_api_token(session, settings, reader)
    browser = accounts.start_session(session, settings, reader)
    session.flush()
    later = utcnow() + timedelta(days=settings.api_token_days, hours=1)
    session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == hash_secret(live.token))
        .values(expires_at=later + DAY)
    )
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == hash_secret(browser))
        .values(expires_at=later - DAY)
    )

    secrets = (ApiToken, UserSession, EmailVerification, PasswordReset)

    def count() -> int:
        return sum(session.scalar(select(func.count()).select_from(m)) or 0 for m in secrets)

    before = count()
    purged = retention.purge(session, later, 90)

    assert purged.secrets == before - count() >= 2  # the spent token and the session at least
    left = session.scalars(select(ApiToken.token_hash)).all()
    assert left == [hash_secret(live.token)], "a token still valid stays"
    assert accounts.get_token_user(session, live.token) is not None
    assert not session.scalars(select(UserSession)).all()
    assert spent.token != live.token
