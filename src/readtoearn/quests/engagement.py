"""Daily check-ins, streaks and leaderboards: the public face of this part of `quests`.

Its parts: `days` (time zones, calendar days), `streaks` (the streak rule and a reader's
streak), `checkins` (the daily check-in and what it pays), `leaderboard` (pseudonyms, opt-in,
the boards). Routes, the CLI and other domains call this module.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.errors import NotFound
from readtoearn.quests.checkins import (
    BUDGET_EMPTY,
    NO_POINTS,
    CheckInResult,
    check_in,
    get_checkin,
    list_checkins,
)
from readtoearn.quests.days import list_time_zones, local_day, valid_time_zone
from readtoearn.quests.leaderboard import (
    EARNING_CODES,
    LANGUAGES,
    PERIODS,
    Board,
    Entry,
    YourRank,
    get_leaderboard,
    period_bounds,
    set_leaderboard_profile,
    valid_pseudonym,
)
from readtoearn.quests.leaderboard import get_preferences as get_leaderboard_preferences
from readtoearn.quests.models import CheckIn, LeaderboardProfile
from readtoearn.quests.streaks import (
    DayKind,
    Streak,
    StreakDay,
    StreakRules,
    compute_streak,
    get_streak,
    reader_time_zone,
)


@dataclass(frozen=True)
class Preferences:
    """What a reader chose for check-ins and the leaderboards."""

    time_zone: str | None  # None: not chosen yet (the site's default applies)
    pseudonym: str | None
    opted_in: bool


def get_preferences(session: Session, reader_id: uuid.UUID) -> Preferences:
    """A reader's time zone, pseudonym and leaderboard opt-in."""
    user = session.get(User, reader_id)
    if user is None:
        raise NotFound("no such reader", code="reader_not_found")
    board = get_leaderboard_preferences(session, reader_id)
    return Preferences(user.time_zone, board.pseudonym, board.opted_in)


def set_preferences(
    session: Session,
    reader_id: uuid.UUID,
    *,
    now: datetime,
    time_zone: str | None = None,
    opted_in: bool | None = None,
    pseudonym: str | None = None,
) -> Preferences:
    """Change a reader's time zone, pseudonym or opt-in (None: leave as it is); everything is
    checked before anything changes."""
    user = session.get(User, reader_id)
    if user is None:
        raise NotFound("no such reader", code="reader_not_found")
    zone = valid_time_zone(time_zone) if time_zone else None
    current = get_leaderboard_preferences(session, reader_id)
    set_leaderboard_profile(
        session,
        user,
        opted_in=current.opted_in if opted_in is None else opted_in,
        pseudonym=pseudonym,
        now=now,
    )
    if zone is not None:
        user.time_zone = zone
    session.flush()
    return get_preferences(session, reader_id)


def get_today(session: Session, reader_id: uuid.UUID, now: datetime, settings: Settings) -> str:
    """The reader's calendar day now, as YYYY-MM-DD (in their time zone)."""
    user = session.get(User, reader_id)
    if user is None:
        raise NotFound("no such reader", code="reader_not_found")
    return local_day(now, reader_time_zone(user, settings)).isoformat()


__all__ = [
    "BUDGET_EMPTY",
    "EARNING_CODES",
    "LANGUAGES",
    "NO_POINTS",
    "PERIODS",
    "Board",
    "CheckIn",
    "CheckInResult",
    "DayKind",
    "Entry",
    "LeaderboardProfile",
    "Preferences",
    "Streak",
    "StreakDay",
    "StreakRules",
    "YourRank",
    "check_in",
    "compute_streak",
    "get_checkin",
    "get_leaderboard",
    "get_preferences",
    "get_streak",
    "get_today",
    "list_checkins",
    "list_time_zones",
    "period_bounds",
    "set_preferences",
    "valid_pseudonym",
    "valid_time_zone",
]
