"""Reminder e-mails: points about to expire announced once, to readers who can and want to hear."""

from __future__ import annotations

from datetime import timedelta

import pytest

from readtoearn.accounts import preferences
from readtoearn.accounts.email import OutgoingEmail
from readtoearn.db import utcnow
from readtoearn.quests import reminders
from readtoearn.rewards import service as rewards
from tests.readers import fund, make_reader


class Outbox:
    """An e-mail backend that keeps what it is given."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []

    def send(self, message: OutgoingEmail) -> None:
        self.sent.append(message)


@pytest.fixture
def expiring(settings):
    return settings.model_copy(update={"points_expiry_days": 10, "reminder_expiry_days": 7})


@pytest.fixture
def ada(session, expiring):
    fund(session, 10_000)
    user, _ = make_reader(session, expiring, "ada")
    user.email_verified_at = utcnow()
    rewards.grant_points(session, user.id, 120, "welcome")
    session.commit()
    return user


def sweep(session, settings, outbox, days: float) -> int:
    sent = reminders.send_points_expiring(
        session, utcnow() + timedelta(days=days), reminders.Reminders(outbox, settings)
    )
    session.commit()
    return sent


def test_points_are_announced_once_within_the_window(session, expiring, ada) -> None:
    outbox = Outbox()
    # Credited today, they expire at the midnight after today + 10 days.
    assert sweep(session, expiring, outbox, days=1) == 0  # 10 days away: too early
    assert sweep(session, expiring, outbox, days=5) == 1
    [mail] = outbox.sent
    assert mail.to == "ada@example.org"
    assert "120 of your points expire soon" in mail.subject
    assert "http://testserver/rewards" in mail.body
    link = preferences.reminders_off_link("http://testserver", expiring.secret_key, ada.id)
    assert link in mail.body
    assert ("List-Unsubscribe", f"<{link}>") in mail.headers
    assert ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click") in mail.headers
    # The same sweep again, or the next day, says nothing new: the lot was announced.
    assert sweep(session, expiring, outbox, days=5) == 0
    assert sweep(session, expiring, outbox, days=6) == 0
    assert len(outbox.sent) == 1


def test_the_reminder_speaks_the_readers_language(session, expiring, ada) -> None:
    ada.language = "fr"
    outbox = Outbox()
    assert sweep(session, expiring, outbox, days=5) == 1
    [mail] = outbox.sent
    assert "120 de vos points expirent bientôt" in mail.subject
    assert "Pour ne plus en recevoir" in mail.body


def test_nothing_leaves_when_the_sweep_is_rolled_back(session, expiring, ada) -> None:
    outbox = Outbox()
    reminders.send_points_expiring(
        session, utcnow() + timedelta(days=5), reminders.Reminders(outbox, expiring)
    )
    session.rollback()
    assert outbox.sent == []


@pytest.mark.parametrize("why", ["reminders off", "address not confirmed", "account closed"])
def test_readers_who_cannot_or_will_not_hear_get_nothing(session, expiring, ada, why) -> None:
    if why == "reminders off":
        preferences.set_reminders(ada, False)
    elif why == "address not confirmed":
        ada.email_verified_at = None
    else:
        ada.is_active = False
    outbox = Outbox()
    assert sweep(session, expiring, outbox, days=5) == 0
    assert outbox.sent == []


def test_no_expiry_no_reminder(session, settings, ada) -> None:
    outbox = Outbox()
    assert settings.points_expiry_days is None
    assert sweep(session, settings, outbox, days=5) == 0


def test_a_reminders_link_is_only_good_for_its_reader(session, expiring, ada) -> None:
    bob, _ = make_reader(session, expiring, "bob")
    token = preferences.reminders_off_token(expiring.secret_key, ada.id)
    found = preferences.get_reader_by_reminders_token(session, expiring.secret_key, ada.id, token)
    assert found.id == ada.id
    with pytest.raises(Exception, match="not valid"):
        preferences.get_reader_by_reminders_token(session, expiring.secret_key, bob.id, token)
    with pytest.raises(Exception, match="not valid"):
        preferences.get_reader_by_reminders_token(session, "x" * 40, ada.id, token)


# ---------------------------------------------------------------- quests about to close


def test_a_followed_quest_is_announced_once_before_it_closes(session, settings) -> None:
    from tests.unit.fraud.factories import make_read
    from tests.unit.quests.factories import make_articles, make_quest, make_user

    fund(session, 10_000)
    now = utcnow()
    follower = make_user(session, "follower", verified=now)
    follower.language = "fr"
    make_user(session, "idle", verified=now)  # a reader who did no step: never told
    a, b = make_articles(session, settings)
    quest = make_quest(
        session, [a, b], points=60, title_fr="Quête du climat", ends_at=now + timedelta(days=5)
    )
    read_at = now + timedelta(minutes=1)  # after the quest was made
    make_read(session, follower.id, a.id, status="credited", reasons=(), completed_at=read_at)
    session.commit()
    outbox = Outbox()
    remind = reminders.Reminders(outbox, settings)

    def sweep(days: float) -> int:
        sent = reminders.send_quests_closing(session, now + timedelta(days=days), remind)
        session.commit()
        return sent

    assert sweep(1) == 0  # closes in 4 days: beyond the 2-day window
    assert sweep(3.5) == 1
    assert sweep(4) == 0  # once per quest
    [mail] = outbox.sent
    assert mail.to == follower.email
    assert "« Quête du climat » se termine bientôt" in mail.subject
    assert "1 de ses 2 étapes" in mail.body and "60 points" in mail.body
    assert f"http://testserver/quests/{quest.id}" in mail.body
