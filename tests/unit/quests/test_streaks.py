"""The streak rule over plain days: counted days, freezes earned, capped, spent, and breaks."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from readtoearn.quests.streaks import DayKind, StreakRules, compute_streak

RULES = StreakRules(counts_reads=True, freeze_every=3, freeze_max=2, milestones={7: 20, 30: 100})
START = date(2026, 11, 2)


def days(*offsets: int, kind: DayKind = DayKind.CHECKIN) -> dict[date, DayKind]:
    return {START + timedelta(days=n): kind for n in offsets}


def on(offset: int) -> date:
    return START + timedelta(days=offset)


def test_consecutive_days_make_a_streak_and_today_does_not_break_it() -> None:
    streak = compute_streak(days(0, 1, 2, 3), on(4), RULES)
    assert (streak.current, streak.best, streak.today_counted) == (4, 4, False)
    assert streak.started_on == on(0)
    assert streak.next_milestone == 7 and streak.days_to_next_milestone == 3
    assert streak.next_milestone_points == 20


def test_a_freeze_is_earned_every_n_days_and_at_most_two_are_held() -> None:
    assert compute_streak(days(*range(3)), on(2), RULES).freezes == 1
    assert compute_streak(days(*range(6)), on(5), RULES).freezes == 2
    # Nine days would earn three: the third is not kept.
    assert compute_streak(days(*range(9)), on(8), RULES).freezes == 2


def test_a_missed_day_spends_a_freeze_and_shows_in_the_history() -> None:
    counted = days(0, 1, 2, 4)  # day 3 missed, one freeze held from day 2
    streak = compute_streak(counted, on(4), RULES)
    assert streak.current == 4
    assert streak.freezes == 0
    frozen = [d for d in streak.days if d.kind is DayKind.FREEZE]
    assert [d.day for d in frozen] == [on(3)]
    assert frozen[0].length == 3  # a frozen day keeps the length, it does not add to it


def test_the_streak_breaks_on_a_missed_day_without_a_freeze() -> None:
    streak = compute_streak(days(0, 1, 3, 4), on(4), RULES)  # day 2 missed, no freeze yet
    assert streak.current == 2 and streak.best == 2
    assert streak.started_on == on(3)
    assert [d.day for d in streak.days if d.kind is DayKind.MISSED] == [on(2)]


def test_two_freezes_cover_two_missed_days_and_the_third_breaks_the_streak() -> None:
    held_two = days(*range(6))
    assert compute_streak(held_two, on(8), RULES).current == 6  # days 6 and 7 frozen
    broken = compute_streak(held_two, on(9), RULES)  # day 8 is over too: no freeze left
    assert broken.current == 0 and broken.best == 6 and broken.freezes == 0
    kinds = [d.kind for d in broken.days[-3:]]
    assert kinds == [DayKind.FREEZE, DayKind.FREEZE, DayKind.MISSED]


def test_yesterday_missed_without_freeze_leaves_no_streak_today() -> None:
    streak = compute_streak(days(0, 1), on(3), RULES)
    assert streak.current == 0 and streak.started_on is None
    assert streak.next_milestone == 7


def test_reads_and_check_ins_both_count_and_keep_their_kind() -> None:
    counted = days(0, 2) | days(1, kind=DayKind.READ)
    streak = compute_streak(counted, on(2), RULES)
    assert streak.current == 3 and streak.today_counted
    assert [d.kind for d in streak.days] == [DayKind.CHECKIN, DayKind.READ, DayKind.CHECKIN]


def test_no_freezes_when_the_setting_is_zero() -> None:
    rules = StreakRules(freeze_every=0, freeze_max=2, milestones={})
    streak = compute_streak(days(*range(10), 11), on(11), rules)
    assert streak.current == 1 and streak.freezes == 0 and streak.next_milestone is None


def test_a_long_history_is_walked_quickly_and_correctly() -> None:
    counted = days(*range(0, 400)) | days(*range(500, 530))
    streak = compute_streak(counted, on(529), RULES)
    assert streak.best == 400 and streak.current == 30
    assert streak.next_milestone is None


def naive_streak(counted: set[int], today: int, every: int, cap: int) -> tuple[int, int, int]:
    """The rule as stated in quests/streaks.py, walked one day at a time from day 0: (current,
    best, freezes)."""
    length = freezes = best = 0
    for day in range(today + 1):
        if day in counted:
            length += 1
            if every and length % every == 0:
                freezes = min(freezes + 1, cap)
        elif day == today or length == 0:
            pass
        elif freezes:
            freezes -= 1
        else:
            length = freezes = 0
        best = max(best, length)
    return length, best, freezes


@settings(max_examples=300)
@given(
    counted=st.sets(st.integers(min_value=0, max_value=60), max_size=50),
    today=st.integers(min_value=0, max_value=70),
    every=st.integers(min_value=0, max_value=5),
    cap=st.integers(min_value=0, max_value=3),
)
def test_the_streak_agrees_with_the_rule_walked_day_by_day(
    counted: set[int], today: int, every: int, cap: int
) -> None:
    rules = StreakRules(freeze_every=every, freeze_max=cap, milestones={})
    streak = compute_streak(days(*counted), on(today), rules)
    assert (streak.current, streak.best, streak.freezes) == naive_streak(counted, today, every, cap)
    assert streak.freezes <= cap and streak.current <= streak.best
    # Every frozen day is a day without a check-in, before today.
    for d in streak.days:
        if d.kind is DayKind.FREEZE:
            assert d.day < on(today) and (d.day - START).days not in counted
