"""The daily check-in: points once per calendar day in the reader's time zone, a bonus when the
streak reaches a milestone (docs/engagement.md).

Paid once whatever races: the (reader, day) pair is unique in `checkins`, and each transfer's id
is derived from the reader and the day (the bonus: from the streak's first day and the
milestone), so a second check-in of the day, a retry or a concurrent one pays nothing more.

The fraud rules of reading apply: a blocked reader earns nothing, and a check-in is refused
unless the reader had a read credited (one that passed every check) in the last
`checkin_read_days` days, so check-ins alone cannot farm points. Spending them waits for the
same trust gates as every other point (fraud/trust.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.errors import Forbidden, NotFound
from readtoearn.ledger import service as ledger
from readtoearn.ledger.models import AccountCode, TransferCode
from readtoearn.quests.days import local_day, valid_time_zone
from readtoearn.quests.models import CheckIn
from readtoearn.quests.streaks import Streak, StreakRules, get_streak, reader_time_zone
from readtoearn.reading import service as reading

# Why a check-in paid nothing (stable codes, translated in engagement.po).
BUDGET_EMPTY = "budget_empty"
NO_POINTS = "no_points"  # the operator set the daily points to 0


@dataclass(frozen=True)
class CheckInResult:
    """A check-in and whether this call made it (False: the day's was there already)."""

    checkin: CheckIn
    created: bool
    streak: Streak


def checkin_transfer_id(reader_id: uuid.UUID, day: date) -> uuid.UUID:
    """The transfer that pays a reader's check-in of a day: one per day, ever."""
    return ledger.transfer_id(f"checkin:{reader_id}:{day.isoformat()}")


def milestone_transfer_id(reader_id: uuid.UUID, started_on: date, milestone: int) -> uuid.UUID:
    """The transfer that pays a streak's milestone: once per streak (its first day)."""
    return ledger.transfer_id(f"streak:{reader_id}:{started_on.isoformat()}:{milestone}")


def get_checkin(session: Session, reader_id: uuid.UUID, day: date) -> CheckIn | None:
    """A reader's check-in of a day, if any."""
    return session.scalar(select(CheckIn).where(CheckIn.reader_id == reader_id, CheckIn.day == day))


def list_checkins(session: Session, reader_id: uuid.UUID, *, limit: int = 60) -> list[CheckIn]:
    """A reader's latest check-ins, newest first."""
    stmt = (
        select(CheckIn)
        .where(CheckIn.reader_id == reader_id)
        .order_by(CheckIn.day.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def check_in(
    session: Session,
    reader_id: uuid.UUID,
    *,
    now: datetime,
    settings: Settings,
    browser_time_zone: str | None = None,
) -> CheckInResult:
    """Check a reader in for today (their today): pay the day's points and any milestone bonus
    once; the day's existing check-in when there is one."""
    user = session.get(User, reader_id)
    if user is None:
        raise NotFound("no such reader", code="reader_not_found")
    if not user.is_active:
        raise Forbidden("this account is blocked: it earns no points", code="reader_blocked")
    if ledger.is_frozen(session, ledger.account_id(AccountCode.WALLET, owner_id=reader_id)):
        raise ledger.ReaderFrozen()  # before anything is written (the ledger would refuse too)
    if user.time_zone is None and browser_time_zone:
        # The browser's zone becomes the profile's until the reader chooses another.
        user.time_zone = valid_time_zone(browser_time_zone)
    time_zone = reader_time_zone(user, settings)
    day = local_day(now, time_zone)

    existing = _latest_on_or_after(session, reader_id, day)
    if existing is not None:
        # Today's check-in; or, after a move west, one made on a later calendar day already.
        return CheckInResult(existing, False, get_streak(session, reader_id, now, settings))
    _require_recent_read(session, reader_id, now, settings.checkin_read_days)

    checkin = CheckIn(
        reader_id=reader_id, day=day, time_zone=time_zone, points=0, bonus=0, created_at=now
    )
    try:
        with session.begin_nested():
            session.add(checkin)
            session.flush()
    except IntegrityError:
        # A concurrent check-in of the same day won (another worker): answer with it.
        won = get_checkin(session, reader_id, day)
        if won is None:
            raise
        return CheckInResult(won, False, get_streak(session, reader_id, now, settings))

    streak = get_streak(session, reader_id, now, settings)
    checkin.streak = streak.current
    _pay_day(session, checkin, settings.checkin_points)
    _pay_milestones(session, checkin, streak, StreakRules.of(settings))
    session.flush()
    return CheckInResult(checkin, True, streak)


def _latest_on_or_after(session: Session, reader_id: uuid.UUID, day: date) -> CheckIn | None:
    stmt = (
        select(CheckIn)
        .where(CheckIn.reader_id == reader_id, CheckIn.day >= day)
        .order_by(CheckIn.day.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def _require_recent_read(session: Session, reader_id: uuid.UUID, now: datetime, days: int) -> None:
    if days <= 0:
        return
    since = now - timedelta(days=days)
    if reading.list_credited_read_times(session, reader_id, since=since):
        return
    unit = "day" if days == 1 else f"{days} days"
    raise Forbidden(
        f"read an article to the end first: a check-in counts after a rewarded read in the "
        f"last {unit}",
        code="read_first",
    )


def _pay_day(session: Session, checkin: CheckIn, points: int) -> None:
    if points <= 0:
        checkin.unpaid_reason = NO_POINTS
        return
    credit = ledger.credit_reader(
        session,
        reader_id=checkin.reader_id,
        amount=points,
        code=TransferCode.DAILY_CHECKIN,
        transfer_id=checkin_transfer_id(checkin.reader_id, checkin.day),
        metadata={"day": checkin.day.isoformat(), "time_zone": checkin.time_zone},
    )
    if credit.ok:
        checkin.points, checkin.transfer_id = points, credit.transfer_id
    else:
        checkin.unpaid_reason = BUDGET_EMPTY


def _pay_milestones(session: Session, checkin: CheckIn, streak: Streak, rules: StreakRules) -> None:
    """Pay every milestone this streak has reached and not been paid for (reads may have carried
    it past one on a day without a check-in), as one bonus."""
    if streak.started_on is None:
        return
    paid = session.scalar(
        select(func.max(CheckIn.milestone)).where(
            CheckIn.reader_id == checkin.reader_id,
            CheckIn.day >= streak.started_on,
            CheckIn.id != checkin.id,
        )
    )
    due = sorted(m for m in rules.milestones if (paid or 0) < m <= streak.current)
    bonus = sum(rules.milestones[m] for m in due)
    if not due or bonus <= 0:
        return
    reached = due[-1]
    credit = ledger.credit_reader(
        session,
        reader_id=checkin.reader_id,
        amount=bonus,
        code=TransferCode.STREAK_BONUS,
        transfer_id=milestone_transfer_id(checkin.reader_id, streak.started_on, reached),
        metadata={"day": checkin.day.isoformat(), "milestone": reached},
    )
    if credit.ok:
        checkin.milestone, checkin.bonus = reached, bonus
        checkin.bonus_transfer_id = credit.transfer_id
