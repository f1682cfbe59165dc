"""Trust before payout, and the risk of a redemption: each gate and each signal on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from readtoearn.db import utcnow
from readtoearn.errors import Forbidden
from readtoearn.fraud import redemptions as risks
from readtoearn.fraud import sightings, trust
from readtoearn.fraud.sightings import Seen
from readtoearn.fraud.trust import TrustRules
from readtoearn.rewards import service as rewards
from tests.factories import make_article
from tests.readers import fund, make_reader
from tests.unit.fraud.factories import make_read

DAY = timedelta(days=1)
RULES = TrustRules(
    require_verified_email=True, min_account_days=7, min_read_days=3, review_above_points=0
)


@pytest.fixture
def reader(session, settings):
    fund(session, 100_000)
    user, _token = make_reader(session, settings, "ada")
    user.created_at = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    session.flush()
    return user


def credited_reads(session, settings, reader, days: list[datetime], first: int = 0) -> None:
    for n, when in enumerate(days, start=first):
        article = make_article(
            session, settings, title=f"Story {n}", url=f"https://news.example/story-{n}"
        )
        make_read(
            session,
            reader.id,
            article.id,
            status="credited",
            reasons=("read_in_full",),
            completed_at=when,
        )


def test_a_new_reader_is_told_every_missing_step(session, reader) -> None:
    now = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
    standing = trust.get_trust(session, reader.id, RULES, now)
    assert [m.code for m in standing.missing] == ["verify_email", "account_age", "read_days"]
    assert standing.ready_at == datetime(2026, 11, 8, 8, 0, tzinfo=UTC)
    with pytest.raises(Forbidden) as refused:
        trust.check_trust(session, reader.id, RULES, now)
    assert refused.value.code == "not_yet_trusted"
    message = refused.value.message
    assert "verify your e-mail address" in message
    assert "you can redeem from 2026-11-08 08:00 UTC" in message
    assert "on 3 different days (0 so far)" in message


def test_each_gate_opens_on_its_own(session, settings, reader) -> None:
    now = datetime(2026, 11, 8, 7, 59, tzinfo=UTC)
    reader.email_verified_at = now
    # Three credited reads, but on two UTC days only (23:30 and 00:30 are two days).
    credited_reads(
        session,
        settings,
        reader,
        [
            datetime(2026, 11, 2, 23, 30, tzinfo=UTC),
            datetime(2026, 11, 3, 0, 30, tzinfo=UTC),
            datetime(2026, 11, 3, 9, 0, tzinfo=UTC),
        ],
    )
    standing = trust.get_trust(session, reader.id, RULES, now)
    assert [m.code for m in standing.missing] == ["account_age", "read_days"]
    assert standing.read_days == 2
    # A held or rejected read is not a credited one.
    other = make_article(session, settings, title="Held", url="https://news.example/held")
    make_read(session, reader.id, other.id, completed_at=datetime(2026, 11, 5, tzinfo=UTC))
    assert trust.get_trust(session, reader.id, RULES, now).read_days == 2
    credited_reads(session, settings, reader, [datetime(2026, 11, 6, 10, tzinfo=UTC)], first=9)
    standing = trust.get_trust(session, reader.id, RULES, now)
    assert [m.code for m in standing.missing] == ["account_age"]
    assert trust.get_trust(session, reader.id, RULES, now + timedelta(minutes=1)).trusted


def test_gates_set_to_zero_are_off(session, reader) -> None:
    off = TrustRules(require_verified_email=False, min_account_days=0, min_read_days=0)
    assert trust.get_trust(session, reader.id, off, datetime(2020, 1, 1, tzinfo=UTC)).trusted


def test_redeem_refuses_an_untrusted_reader_and_charges_nothing(session, reader) -> None:
    rewards.grant_points(session, reader.id, 100, "welcome")
    tote = rewards.create_reward(
        session, rewards.RewardDraft(kind=rewards.RewardKind.DRAW, name_en="Trip", cost=10)
    )
    with pytest.raises(Forbidden, match="verify your e-mail"):
        rewards.redeem(session, reader.id, tote.slug, "k", rules=RULES, as_of=utcnow())
    assert rewards.list_redemptions(session, reader_id=reader.id) == []
    # Without rules (the command line's own path) nothing is gated.
    assert rewards.redeem(session, reader.id, tote.slug, "k2").created


# ---------------------------------------------------------------- the risk of a redemption


def test_a_quiet_reader_has_no_risk(session, reader) -> None:
    risk = risks.assess(session, reader.id, Seen("dev-a", "net-a"), utcnow())
    assert (risk.score, risk.reasons, risk.needs_review) == (0, [], False)


def test_shared_device_weighs_enough_to_wait_an_address_does_not(session, settings, reader):
    now = utcnow()
    other, _token = make_reader(session, settings, "bob")
    sightings.record(session, other.id, Seen("dev-a", "net-a"), now - DAY)
    sightings.record(session, reader.id, Seen("dev-a", "net-a"), now)  # one's own never counts
    on_device = risks.assess(session, reader.id, Seen("dev-a", None), now)
    assert on_device.reasons == ["shared_device"] and on_device.needs_review
    on_address = risks.assess(session, reader.id, Seen("dev-b", "net-a"), now)
    assert on_address.reasons == ["shared_address"] and not on_address.needs_review
    both = risks.assess(session, reader.id, Seen("dev-a", "net-a"), now)
    assert (both.score, both.reasons) == (70, ["shared_device", "shared_address"])
    linked = risks.linked_accounts(session, reader.id, Seen("dev-a", "net-a"))
    assert linked.device == [(other.id, "bob@example.org")]
    assert linked.address == [(other.id, "bob@example.org")]


def test_fresh_points_and_suspicious_reads(session, settings, reader) -> None:
    now = utcnow()
    rewards.grant_points(session, reader.id, 100, "today's reads")
    fresh = risks.assess(session, reader.id, Seen(), now)
    assert fresh.reasons == ["fresh_points"] and fresh.score == 25
    # A day later the same points are not fresh any more.
    assert risks.assess(session, reader.id, Seen(), now + 2 * DAY).reasons == []
    # A read held only for want of budget says nothing against the reader; a suspicious one does.
    article = make_article(session, settings, title="A", url="https://news.example/a")
    make_read(session, reader.id, article.id, status="held", reasons=("budget_empty",))
    assert risks.assess(session, reader.id, Seen(), now + 2 * DAY).reasons == []
    other = make_article(session, settings, title="B", url="https://news.example/b")
    make_read(session, reader.id, other.id, status="rejected", reasons=("too_fast",))
    later = risks.assess(session, reader.id, Seen(), now)
    assert later.reasons == ["held_reads", "fresh_points"] and later.score == 55
    assert later.needs_review
