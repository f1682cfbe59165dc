"""Streaks: consecutive days with a check-in (or a credited read), kept alive by freezes.

The rule, worked out from the days alone (no stored counter can drift from them):
- a day counts when it has a check-in, or, when `counts_reads`, a credited read, both in the
  reader's time zone; each counted day adds one to the streak;
- every `freeze_every` counted days of a streak earn one freeze, up to `freeze_max` held;
- a day that does not count, once it is over, spends a freeze if one is held (the streak goes
  on, one day longer in the calendar but not in length) and breaks the streak otherwise,
  taking any freezes with it;
- today does not break anything before it ends: yesterday's streak is still alive today;
- reaching a length named in `milestones` earns its bonus (paid by the next check-in of that
  streak, see checkins.py).
"""

from __future__ import annotations

import bisect
import enum
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.errors import NotFound
from readtoearn.quests.days import local_day
from readtoearn.quests.models import CheckIn
from readtoearn.reading import service as reading


class DayKind(enum.StrEnum):
    CHECKIN = "checkin"
    READ = "read"  # a credited read and no check-in
    FREEZE = "freeze"  # a missed day a freeze covered
    MISSED = "missed"  # the day a streak broke


@dataclass(frozen=True)
class StreakRules:
    """The operator's streak rules (READTOEARN_STREAK_* settings)."""

    counts_reads: bool = True
    freeze_every: int = 7
    freeze_max: int = 2
    milestones: dict[int, int] = field(default_factory=lambda: {7: 20, 30: 100, 100: 500})

    @classmethod
    def of(cls, settings: Settings) -> StreakRules:
        """The rules a Settings object sets."""
        return cls(
            counts_reads=settings.streak_counts == "checkin_or_read",
            freeze_every=settings.streak_freeze_every_days,
            freeze_max=settings.streak_freeze_max,
            milestones=dict(settings.streak_milestones),
        )

    def next_milestone(self, length: int) -> int | None:
        """The first milestone beyond a length (None: none left)."""
        beyond = [days for days in self.milestones if days > length]
        return min(beyond) if beyond else None


@dataclass(frozen=True)
class StreakDay:
    day: date
    kind: DayKind
    length: int  # the streak's length at the end of that day (0: broken)
    freezes: int  # freezes held at the end of that day


@dataclass(frozen=True)
class Streak:
    """Where a reader's streak stands today, and how it got there."""

    current: int
    best: int
    freezes: int
    started_on: date | None  # the first day of the current streak
    today: date
    today_counted: bool
    next_milestone: int | None
    next_milestone_points: int
    days: list[StreakDay]  # every counted, frozen and missed day, oldest first

    @property
    def checked_in_today(self) -> bool:
        last = self.days[-1] if self.days else None
        return last is not None and last.day == self.today and last.kind is DayKind.CHECKIN

    @property
    def days_to_next_milestone(self) -> int | None:
        return None if self.next_milestone is None else self.next_milestone - self.current

    def history(self, since: date) -> list[StreakDay]:
        """The days of the history from a day on, oldest first."""
        return [d for d in self.days if d.day >= since]


def compute_streak(counted: dict[date, DayKind], today: date, rules: StreakRules) -> Streak:
    """The streak that these counted days (check-in or read, per day) make by `today`."""
    order = sorted(d for d in counted if d <= today)
    days: list[StreakDay] = []
    length = freezes = best = 0
    started: date | None = None
    if order:
        day = order[0]
        while day <= today:
            kind = counted.get(day)
            if kind is not None:
                if length == 0:
                    started = day
                length += 1
                if rules.freeze_every and length % rules.freeze_every == 0:
                    freezes = min(freezes + 1, rules.freeze_max)
                days.append(StreakDay(day, kind, length, freezes))
            elif day == today:
                pass  # today is not over: it cannot break the streak yet
            elif freezes > 0:
                freezes -= 1
                days.append(StreakDay(day, DayKind.FREEZE, length, freezes))
            else:
                days.append(StreakDay(day, DayKind.MISSED, 0, 0))
                length, started = 0, None
                # Nothing to walk through until the next counted day.
                following = bisect.bisect_right(order, day)
                if following == len(order):
                    break
                day = order[following]
                continue
            best = max(best, length)
            day += timedelta(days=1)
    following_milestone = rules.next_milestone(length)
    return Streak(
        current=length,
        best=best,
        freezes=freezes,
        started_on=started,
        today=today,
        today_counted=today in counted,
        next_milestone=following_milestone,
        next_milestone_points=rules.milestones.get(following_milestone, 0)
        if following_milestone
        else 0,
        days=days,
    )


def reader_time_zone(user: User, settings: Settings) -> str:
    """The time zone a reader's days are reckoned in: theirs, or the site's default."""
    return user.time_zone or settings.default_time_zone


def list_counted_days(
    session: Session, reader_id: uuid.UUID, time_zone: str, rules: StreakRules
) -> dict[date, DayKind]:
    """The days that count for a reader's streak: check-ins, and credited reads if they count."""
    counted: dict[date, DayKind] = {}
    if rules.counts_reads:
        zone = ZoneInfo(time_zone)
        for when in reading.list_credited_read_times(session, reader_id):
            counted[when.astimezone(zone).date()] = DayKind.READ
    for day in session.scalars(select(CheckIn.day).where(CheckIn.reader_id == reader_id)):
        counted[day] = DayKind.CHECKIN
    return counted


def get_streak(session: Session, reader_id: uuid.UUID, now: datetime, settings: Settings) -> Streak:
    """A reader's streak as it stands at `now`, in their time zone: length, best, freezes held,
    the next milestone, and the history of counted, frozen and missed days."""
    user = session.get(User, reader_id)
    if user is None:
        raise NotFound("no such reader", code="reader_not_found")
    rules = StreakRules.of(settings)
    time_zone = reader_time_zone(user, settings)
    counted = list_counted_days(session, reader_id, time_zone, rules)
    return compute_streak(counted, local_day(now, time_zone), rules)
