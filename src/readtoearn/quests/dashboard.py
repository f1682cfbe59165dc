"""The reader's dashboard: what they have, where it came from, what is next.

Points by source are the posted credits into the reader's wallet grouped by transfer code (a
read's held points count once an operator posts them, under the read's own code). Days and weeks
are the reader's calendar, in their time zone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import TransferCode
from readtoearn.quests.progress import QuestProgress, QuestState
from readtoearn.quests.views import list_reader_quests
from readtoearn.reading.wallet import Wallet, get_wallet
from readtoearn.rewards import service as rewards

# Where points come from, in the order the dashboard lists them; codes not named are "other"
# (an operator's grant, a refund).
SOURCES = ("reading", "quiz", "quests", "daily", "other")
SOURCE_OF: dict[str, str] = {
    TransferCode.READ_REWARD: "reading",
    TransferCode.QUIZ_BONUS: "quiz",
    TransferCode.QUEST_REWARD: "quests",
    TransferCode.DAILY_CHECKIN: "daily",
    TransferCode.STREAK_BONUS: "daily",
}
# What each source is called on the page: English msgids, translated in reminders.po.
SOURCE_LABELS = {
    "reading": "Reading",
    "quiz": "Quiz bonuses",
    "quests": "Quests",
    "daily": "Daily check-ins and streaks",
    "other": "Other",
}
CHART_DAYS = 30
WITHIN_REACH = 3
QUESTS_SHOWN = 5


@dataclass(frozen=True)
class DayPoints:
    """Points a reader earned on one day of their calendar."""

    day: date
    points: int


@dataclass(frozen=True)
class WithinReach:
    """A reward the reader cannot afford yet, and how far they are from it."""

    slug: str
    name_en: str
    name_fr: str
    cost: int
    missing: int


@dataclass(frozen=True)
class Dashboard:
    wallet: Wallet
    week: dict[str, int]  # points per source since Monday (the reader's calendar)
    all_time: dict[str, int]
    days: list[DayPoints]  # the last CHART_DAYS days, oldest first, today last
    within_reach: list[WithinReach]
    today: date
    quests: list[QuestProgress]  # open to the reader, those under way first

    @property
    def week_total(self) -> int:
        return sum(self.week.values())

    @property
    def best_day(self) -> int:
        return max((d.points for d in self.days), default=0)


def reader_zone(user: User | None, default: str = "UTC") -> ZoneInfo:
    """The reader's time zone (their profile's, else the programme's default)."""
    for name in (getattr(user, "time_zone", None), default, "UTC"):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _by_source(by_code: dict[str, int]) -> dict[str, int]:
    totals = dict.fromkeys(SOURCES, 0)
    for code, points in by_code.items():
        totals[SOURCE_OF.get(code, "other")] += points
    return totals


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


def get_dashboard(
    session: Session, settings: Settings, reader_id: uuid.UUID, *, now: datetime
) -> Dashboard:
    """A reader's dashboard as of `now`."""
    user = session.get(User, reader_id)
    zone = reader_zone(user, settings.default_time_zone)
    today = now.astimezone(zone).date()
    wallet_id = ledger.get_or_create_wallet(session, reader_id)
    week_start = _midnight(today - timedelta(days=today.weekday()), zone)
    first_day = today - timedelta(days=CHART_DAYS - 1)
    per_day = dict.fromkeys((first_day + timedelta(days=n) for n in range(CHART_DAYS)), 0)
    for when, _code, points in ledger.list_credits(
        session, wallet_id, since=_midnight(first_day, zone)
    ):
        day = when.astimezone(zone).date()
        if day in per_day:
            per_day[day] += points
    wallet = get_wallet(session, reader_id, limit=10, expiry_days=settings.points_expiry_days)
    open_quests = [
        item
        for item in list_reader_quests(session, settings, reader_id, now=now)
        if item.state is QuestState.AVAILABLE
    ]
    open_quests.sort(key=lambda item: -item.done)  # stable: the list's own order otherwise
    return Dashboard(
        wallet=wallet,
        week=_by_source(ledger.get_credits_by_code(session, wallet_id, since=week_start)),
        all_time=_by_source(ledger.get_credits_by_code(session, wallet_id)),
        days=[DayPoints(day, points) for day, points in per_day.items()],
        within_reach=_within_reach(session, reader_id, now),
        today=today,
        quests=open_quests[:QUESTS_SHOWN],
    )


def _within_reach(session: Session, reader_id: uuid.UUID, now: datetime) -> list[WithinReach]:
    store = rewards.get_store(session, reader_id, now=now)
    out_of_reach = [
        item
        for item in store.items
        if not item.affordable and (item.stock_left is None or item.stock_left > 0)
    ]
    out_of_reach.sort(key=lambda item: (item.reward.cost, item.reward.slug))
    return [
        WithinReach(
            slug=item.reward.slug,
            name_en=item.reward.name_en,
            name_fr=item.reward.name_fr or item.reward.name_en,
            cost=item.reward.cost,
            missing=item.reward.cost - store.available,
        )
        for item in out_of_reach[:WITHIN_REACH]
    ]
