"""The daily check-in: once per calendar day in the reader's time zone, milestones, the read
rule, blocked readers and an empty budget, all through the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from readtoearn.config import Settings
from readtoearn.errors import Forbidden, InvalidInput
from readtoearn.ledger import service as ledger
from readtoearn.quests import engagement
from readtoearn.quests.streaks import DayKind
from tests.factories import make_article
from tests.readers import fund, make_reader, wallet
from tests.unit.fraud.factories import make_read

# 23:59 in Paris on 2 November 2026 (CET, UTC+1), then two minutes later, past midnight there.
PARIS_2359 = datetime(2026, 11, 2, 22, 59, tzinfo=UTC)
PARIS_0001 = PARIS_2359 + timedelta(minutes=2)


def engage_settings(settings: Settings, **values: Any) -> Settings:
    base = {"checkin_points": 5, "checkin_read_days": 0, "streak_milestones": {3: 50}}
    return settings.model_copy(update=base | values)


def credited_read(
    session: Session, settings: Settings, reader: Any, when: datetime, status: str = "credited"
) -> None:
    """A read of an article of its own (a reader is paid once per article), completed then."""
    stamp = when.isoformat()
    article = make_article(
        session, settings, title=f"Story of {stamp}", url=f"https://news.example/{stamp}"
    )
    make_read(session, reader.id, article.id, status=status, completed_at=when)


@pytest.fixture
def reader(session: Session, settings: Settings) -> Any:
    fund(session)
    user, _token = make_reader(session, settings, "checker")
    return user


def test_23_59_and_00_01_in_paris_are_two_days_and_both_pay(
    session: Session, settings: Settings, reader: Any
) -> None:
    settings = engage_settings(settings)
    reader.time_zone = "Europe/Paris"
    first = engagement.check_in(session, reader.id, now=PARIS_2359, settings=settings)
    second = engagement.check_in(session, reader.id, now=PARIS_0001, settings=settings)
    assert first.created and second.created
    assert (str(first.checkin.day), str(second.checkin.day)) == ("2026-11-02", "2026-11-03")
    assert second.streak.current == 2
    assert wallet(session, reader.id) == (10, 0)


def test_the_same_two_minutes_in_utc_are_one_day_and_pay_once(
    session: Session, settings: Settings, reader: Any
) -> None:
    settings = engage_settings(settings)  # no time zone chosen: the site's default, UTC
    first = engagement.check_in(session, reader.id, now=PARIS_2359, settings=settings)
    again = engagement.check_in(session, reader.id, now=PARIS_0001, settings=settings)
    assert first.created and not again.created
    assert again.checkin.id == first.checkin.id and again.checkin.day == first.checkin.day
    assert wallet(session, reader.id) == (5, 0)
    # 00:01 UTC the next day is a new day there.
    later = engagement.check_in(
        session, reader.id, now=PARIS_2359 + timedelta(hours=1, minutes=2), settings=settings
    )
    assert later.created and str(later.checkin.day) == "2026-11-03"
    assert wallet(session, reader.id) == (10, 0)


def test_the_browser_time_zone_becomes_the_profile_s_when_none_was_chosen(
    session: Session, settings: Settings, reader: Any
) -> None:
    settings = engage_settings(settings)
    done = engagement.check_in(
        session, reader.id, now=PARIS_0001, settings=settings, browser_time_zone="Europe/Paris"
    )
    assert reader.time_zone == "Europe/Paris" and str(done.checkin.day) == "2026-11-03"
    # A chosen zone is not overridden by the next browser.
    engagement.check_in(
        session,
        reader.id,
        now=PARIS_0001 + timedelta(days=1),
        settings=settings,
        browser_time_zone="America/New_York",
    )
    assert reader.time_zone == "Europe/Paris"


def test_an_unknown_browser_time_zone_is_refused_and_nothing_is_written(
    session: Session, settings: Settings, reader: Any
) -> None:
    settings = engage_settings(settings)
    for bad in ("Mars/Olympus", "../../etc/passwd", "UTC+2", "x" * 300):
        with pytest.raises(InvalidInput) as caught:
            engagement.check_in(
                session, reader.id, now=PARIS_0001, settings=settings, browser_time_zone=bad
            )
        assert caught.value.code == "unknown_time_zone"
    assert reader.time_zone is None
    assert engagement.list_checkins(session, reader.id) == []
    assert wallet(session, reader.id) == (0, 0)


def test_moving_west_after_a_check_in_does_not_open_another_day(
    session: Session, settings: Settings, reader: Any
) -> None:
    settings = engage_settings(settings)
    reader.time_zone = "Asia/Tokyo"
    engagement.check_in(session, reader.id, now=PARIS_2359, settings=settings)  # 3 Nov there
    reader.time_zone = "America/Los_Angeles"  # 2 Nov there, still
    again = engagement.check_in(session, reader.id, now=PARIS_0001, settings=settings)
    assert not again.created
    assert wallet(session, reader.id) == (5, 0)


def test_a_milestone_pays_its_bonus_once_per_streak(
    session: Session, settings: Settings, reader: Any
) -> None:
    settings = engage_settings(settings, streak_freeze_every_days=0)
    results = [
        engagement.check_in(
            session, reader.id, now=PARIS_0001 + timedelta(days=n), settings=settings
        )
        for n in range(4)
    ]
    assert [r.checkin.bonus for r in results] == [0, 0, 50, 0]
    assert results[2].checkin.milestone == 3 and results[2].streak.current == 3
    assert wallet(session, reader.id) == (4 * 5 + 50, 0)
    # A missed day breaks the streak; reaching 3 again is a new streak, paid again.
    again = [
        engagement.check_in(
            session, reader.id, now=PARIS_0001 + timedelta(days=n), settings=settings
        )
        for n in range(5, 8)
    ]
    assert [r.streak.current for r in again] == [1, 2, 3]
    assert again[-1].checkin.bonus == 50
    assert wallet(session, reader.id) == (7 * 5 + 100, 0)
    assert ledger.audit(session).ok


def test_reads_carry_a_streak_to_its_milestone_and_the_next_check_in_pays_it(
    session: Session, settings: Settings, reader: Any
) -> None:
    settings = engage_settings(settings)
    for n in range(2):
        credited_read(session, settings, reader, PARIS_0001 + timedelta(days=n))
    done = engagement.check_in(
        session, reader.id, now=PARIS_0001 + timedelta(days=2), settings=settings
    )
    assert done.streak.current == 3 and done.checkin.bonus == 50
    kinds = [d.kind for d in done.streak.days]
    assert kinds == [DayKind.READ, DayKind.READ, DayKind.CHECKIN]


def test_reads_do_not_count_when_the_setting_says_check_ins_only(
    session: Session, settings: Settings, reader: Any
) -> None:
    settings = engage_settings(settings, streak_counts="checkin")
    credited_read(session, settings, reader, PARIS_0001)
    done = engagement.check_in(
        session, reader.id, now=PARIS_0001 + timedelta(days=1), settings=settings
    )
    assert done.streak.current == 1


def test_a_check_in_needs_a_credited_read_in_the_last_k_days(
    session: Session, settings: Settings, reader: Any
) -> None:
    settings = engage_settings(settings, checkin_read_days=3)
    with pytest.raises(Forbidden) as caught:
        engagement.check_in(session, reader.id, now=PARIS_0001, settings=settings)
    assert caught.value.code == "read_first"
    # A held read is not credited; a credited one four days old is too old.
    credited_read(session, settings, reader, PARIS_0001, status="held")
    credited_read(session, settings, reader, PARIS_0001 - timedelta(days=4))
    with pytest.raises(Forbidden):
        engagement.check_in(session, reader.id, now=PARIS_0001, settings=settings)
    assert engagement.list_checkins(session, reader.id) == []
    credited_read(session, settings, reader, PARIS_0001 - timedelta(days=2))
    assert engagement.check_in(session, reader.id, now=PARIS_0001, settings=settings).created


def test_a_blocked_reader_earns_nothing(session: Session, settings: Settings, reader: Any) -> None:
    settings = engage_settings(settings)
    reader.is_active = False
    with pytest.raises(Forbidden) as caught:
        engagement.check_in(session, reader.id, now=PARIS_0001, settings=settings)
    assert caught.value.code == "reader_blocked"
    assert wallet(session, reader.id) == (0, 0)


def test_an_empty_budget_records_the_day_without_points(
    session: Session, settings: Settings
) -> None:
    settings = engage_settings(settings)
    user, _ = make_reader(session, settings, "unfunded")
    done = engagement.check_in(session, user.id, now=PARIS_0001, settings=settings)
    assert done.created and done.checkin.points == 0
    assert done.checkin.unpaid_reason == engagement.BUDGET_EMPTY
    assert done.streak.current == 1
    assert wallet(session, user.id) == (0, 0)


def test_get_streak_shows_freezes_held_and_spent(
    session: Session, settings: Settings, reader: Any
) -> None:
    settings = engage_settings(settings, streak_freeze_every_days=2, streak_milestones={})
    for n in (0, 1, 3):  # day 2 missed: the freeze earned on day 1 covers it
        engagement.check_in(
            session, reader.id, now=PARIS_0001 + timedelta(days=n), settings=settings
        )
    streak = engagement.get_streak(session, reader.id, PARIS_0001 + timedelta(days=3), settings)
    assert streak.current == 3 and streak.freezes == 0
    assert [d.kind for d in streak.days] == [
        DayKind.CHECKIN,
        DayKind.CHECKIN,
        DayKind.FREEZE,
        DayKind.CHECKIN,
    ]
    # Two more missed days: none held, the streak is gone.
    gone = engagement.get_streak(session, reader.id, PARIS_0001 + timedelta(days=6), settings)
    assert gone.current == 0 and gone.best == 3
