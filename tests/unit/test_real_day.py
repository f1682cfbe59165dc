"""The real_day marker's wait (tests/conftest.py): when a test that reads back by day what the
real clock stamped must wait for a midnight to pass, and how long."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import REAL_DAY_AFTER_S, REAL_DAY_BEFORE_S, midnight_wait_s

UTC = ZoneInfo("UTC")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: its midnight is 10:00 UTC


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ((12, 0, 0), 0.0),  # midday: no wait
        ((23, 57, 0), 0.0),  # three minutes before: outside the two-minute window
        ((23, 59, 0), 60 + REAL_DAY_AFTER_S),  # a minute before: past midnight, then six more
        ((0, 0, 0), REAL_DAY_AFTER_S),  # at midnight: six minutes
        ((0, 3, 0), REAL_DAY_AFTER_S - 180),  # three minutes after: the three left
        ((0, 6, 0), 0.0),  # six minutes after: clear
    ],
)
def test_the_wait_around_a_utc_midnight(at: tuple[int, int, int], expected: float) -> None:
    now = datetime(2026, 12, 7, *at, tzinfo=UTC)
    assert midnight_wait_s(now) == pytest.approx(expected)


def test_a_zone_waits_for_its_own_midnight() -> None:
    # 09:59 UTC is 23:59 in Kiritimati: its midnight is a minute away, UTC's is not.
    utc_now = datetime(2026, 12, 7, 9, 59, tzinfo=UTC)
    assert midnight_wait_s(utc_now) == 0.0
    assert midnight_wait_s(utc_now.astimezone(KIRITIMATI)) == pytest.approx(60 + REAL_DAY_AFTER_S)


def test_a_longer_window_before_midnight_is_kept() -> None:
    now = datetime(2026, 12, 7, 23, 52, tzinfo=UTC)  # eight minutes before
    assert REAL_DAY_BEFORE_S < 480
    assert midnight_wait_s(now) == 0.0
    assert midnight_wait_s(now, before_s=600) == pytest.approx(480 + REAL_DAY_AFTER_S)
